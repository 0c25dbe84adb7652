//! The bodies Outlook keeps as RTF: compressed RTF (LZFu, MS-OXRTFCP) decompressed, and HTML
//! de-encapsulated from it (MS-OXRTFEX). Written here rather than taken from a crate: see the
//! parent module's notes on `msg_parser`'s wrong LZFu dictionary.

use super::decode_codepage;

// Compressed RTF (MS-OXRTFCP)

/// The dictionary every LZFu stream starts from (MS-OXRTFCP 2.1.2.2.1), 207 bytes.
const LZFU_DICTIONARY: &[u8; 207] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
/// `COMPTYPE` of a compressed stream, "LZFu".
const LZFU: u32 = 0x7546_5A4C;
/// `COMPTYPE` of a stream stored uncompressed, "MELA".
const MELA: u32 = 0x414C_454D;

/// Decompresses a `PR_RTF_COMPRESSED` value into RTF.
pub fn decompress_rtf(data: &[u8]) -> Result<Vec<u8>, String> {
    let word = |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
    if data.len() < 16 {
        return Err("shorter than its 16-byte header".into());
    }
    let comp_size = word(0) as usize;
    let raw_size = word(4) as usize;
    let comp_type = word(8);
    let crc = word(12);
    // COMPSIZE counts the bytes after itself; tolerate padding after them, not truncation.
    let end = comp_size.saturating_add(4);
    if end > data.len() || end < 16 {
        return Err(format!(
            "its header gives a size of {comp_size} bytes, but the stream has {}",
            data.len().saturating_sub(4)
        ));
    }
    let body = &data[16..end];
    match comp_type {
        MELA => Ok(body[..raw_size.min(body.len())].to_vec()),
        LZFU => {
            if crc32(body) != crc {
                return Err("its checksum does not match (the stream is corrupt)".into());
            }
            Ok(lzfu(body, raw_size))
        }
        other => Err(format!("unknown compression type {other:#010x}")),
    }
}

/// The LZ77 variant of MS-OXRTFCP 2.2.1: a 4 KiB ring dictionary, a control byte before each
/// run of eight items, an item being a literal byte or a 12-bit offset and 4-bit length.
fn lzfu(body: &[u8], raw_size: usize) -> Vec<u8> {
    let mut dict = [0u8; 4096];
    dict[..LZFU_DICTIONARY.len()].copy_from_slice(LZFU_DICTIONARY);
    let mut write = LZFU_DICTIONARY.len();
    // A reference is 2 bytes for at most 17 out: no stream can honestly promise more.
    let limit = raw_size.min(body.len().saturating_mul(9));
    let mut out = Vec::with_capacity(limit);
    let mut i = 0;
    'stream: while i < body.len() {
        let control = body[i];
        i += 1;
        for bit in 0..8 {
            if out.len() >= limit {
                break 'stream;
            }
            if control & (1 << bit) == 0 {
                let Some(&b) = body.get(i) else {
                    break 'stream;
                };
                i += 1;
                out.push(b);
                dict[write] = b;
                write = (write + 1) % 4096;
            } else {
                let (Some(&hi), Some(&lo)) = (body.get(i), body.get(i + 1)) else {
                    break 'stream;
                };
                i += 2;
                let reference = u16::from_be_bytes([hi, lo]);
                let offset = usize::from(reference >> 4);
                let len = usize::from(reference & 0x0f) + 2;
                if offset == write {
                    break 'stream; // the end marker
                }
                for k in 0..len {
                    let b = dict[(offset + k) % 4096];
                    out.push(b);
                    dict[write] = b;
                    write = (write + 1) % 4096;
                }
            }
        }
    }
    out.truncate(limit);
    out
}

/// The CRC of MS-OXRTFCP 2.1.3.2: CRC-32's table and polynomial, seeded with 0, no final XOR.
fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (n, slot) in t.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    data.iter().fold(0u32, |crc, &b| {
        table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8)
    })
}

// ---------------------------------------------------------------------------------------------
// HTML encapsulated in RTF (MS-OXRTFEX)

/// What an RTF body holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtfBody {
    /// `\fromhtml1`: the HTML it encapsulates.
    Html(String),
    /// `\fromtext`: plain text dressed as RTF.
    FromText,
    /// Rich text written as such; no HTML can be had from it.
    Native,
}

/// Destinations whose text is not body text.
const SKIPPED_DESTINATIONS: &[&[u8]] = &[
    b"fonttbl",
    b"colortbl",
    b"stylesheet",
    b"info",
    b"pict",
    b"object",
    b"header",
    b"footer",
    b"headerl",
    b"headerr",
    b"footerl",
    b"footerr",
    b"listtable",
    b"listoverridetable",
    b"rsidtbl",
    b"generator",
    b"xmlnstbl",
    b"themedata",
    b"colorschememapping",
    b"datastore",
    b"latentstyles",
    b"filetbl",
    b"revtbl",
    b"pgdsctbl",
    b"userprops",
];

#[derive(Clone, Copy)]
struct Group {
    /// Inside a destination whose content is dropped.
    skip: bool,
    /// `\htmlrtf` is on: RTF-only content, not part of the HTML.
    htmlrtf: bool,
    /// Inside `{\*\htmltag…}`: the content is HTML markup.
    tag: bool,
    /// `\ucN`: how many fallback characters follow each `\uN`.
    uc: usize,
}

/// De-encapsulates the HTML from RTF written with `\fromhtml1` (MS-OXRTFEX 2.1.3), or says
/// what else the RTF is.
pub fn rtf_body(rtf: &[u8]) -> RtfBody {
    let mut out = RtfText::new();
    let mut stack: Vec<Group> = Vec::new();
    let mut cur = Group {
        skip: false,
        htmlrtf: false,
        tag: false,
        uc: 1,
    };
    let mut from_html = false;
    let mut from_text = false;
    // The group just opened: its first control word may name a destination.
    let mut group_start = false;
    // `\*` seen at the start of a group: the next control word is an optional destination.
    let mut starred = false;
    // Fallback characters after `\uN` still to drop.
    let mut fallback = 0usize;
    let mut i = 0;
    while i < rtf.len() {
        let b = rtf[i];
        let emits = |g: &Group| !g.skip && (g.tag || !g.htmlrtf);
        match b {
            b'{' => {
                stack.push(cur);
                cur.tag = false;
                group_start = true;
                starred = false;
                fallback = 0;
                i += 1;
            }
            b'}' => {
                if let Some(prev) = stack.pop() {
                    cur = prev;
                }
                group_start = false;
                starred = false;
                fallback = 0;
                i += 1;
            }
            b'\\' => {
                let Some(&next) = rtf.get(i + 1) else {
                    break;
                };
                if next.is_ascii_alphabetic() {
                    let name_start = i + 1;
                    let mut j = name_start;
                    while j < rtf.len() && j - name_start < 32 && rtf[j].is_ascii_alphabetic() {
                        j += 1;
                    }
                    let name = &rtf[name_start..j];
                    let num_start = j;
                    if j < rtf.len() && rtf[j] == b'-' {
                        j += 1;
                    }
                    while j < rtf.len() && j - num_start < 11 && rtf[j].is_ascii_digit() {
                        j += 1;
                    }
                    let param: Option<i64> = std::str::from_utf8(&rtf[num_start..j])
                        .ok()
                        .and_then(|s| s.parse().ok());
                    if j < rtf.len() && rtf[j] == b' ' {
                        j += 1;
                    }
                    i = j;
                    let first = std::mem::take(&mut group_start);
                    let was_starred = std::mem::take(&mut starred);
                    if name == b"bin" {
                        // Binary data: skip it whole.
                        let n = param.unwrap_or(0).max(0) as usize;
                        i = i.saturating_add(n).min(rtf.len());
                        continue;
                    }
                    if first && was_starred {
                        match name {
                            b"htmltag" => cur.tag = true,
                            _ => cur.skip = true, // \mhtmltag and unknown destinations
                        }
                        continue;
                    }
                    if first && SKIPPED_DESTINATIONS.contains(&name) {
                        cur.skip = true;
                        continue;
                    }
                    if name != b"u" {
                        fallback = 0;
                    }
                    match name {
                        b"fromhtml" => from_html |= param != Some(0),
                        b"fromtext" => from_text = true,
                        b"ansicpg" => out.codepage = param.and_then(|p| u32::try_from(p).ok()),
                        b"htmlrtf" => cur.htmlrtf = param != Some(0),
                        b"uc" => cur.uc = param.unwrap_or(1).clamp(0, 16) as usize,
                        b"u" => {
                            if emits(&cur) {
                                let unit = param.unwrap_or(0).rem_euclid(65536) as u32;
                                out.push_unit(unit);
                            }
                            fallback = cur.uc;
                        }
                        _ if !emits(&cur) => {}
                        b"par" | b"line" => out.push_str("\r\n"),
                        b"tab" => out.push_str("\t"),
                        b"emdash" => out.push_str("\u{2014}"),
                        b"endash" => out.push_str("\u{2013}"),
                        b"lquote" => out.push_str("\u{2018}"),
                        b"rquote" => out.push_str("\u{2019}"),
                        b"ldblquote" => out.push_str("\u{201C}"),
                        b"rdblquote" => out.push_str("\u{201D}"),
                        b"bullet" => out.push_str("\u{2022}"),
                        b"emspace" | b"enspace" | b"qmspace" => out.push_str(" "),
                        _ => {}
                    }
                } else if next == b'\'' {
                    let hex = rtf
                        .get(i + 2..i + 4)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    i += if hex.is_some() { 4 } else { 2 };
                    group_start = false;
                    if fallback > 0 {
                        fallback -= 1;
                    } else if let (Some(byte), true) = (hex, emits(&cur)) {
                        out.push_byte(byte);
                    }
                } else {
                    i += 2;
                    if next == b'*' {
                        starred = group_start;
                        continue;
                    }
                    group_start = false;
                    fallback = 0;
                    if !emits(&cur) {
                        continue;
                    }
                    match next {
                        b'\\' | b'{' | b'}' => out.push_byte(next),
                        b'~' => out.push_str("\u{00A0}"),
                        b'_' => out.push_str("-"),
                        b'\r' | b'\n' => out.push_str("\r\n"),
                        _ => {}
                    }
                }
            }
            b'\r' | b'\n' => i += 1,
            _ => {
                i += 1;
                group_start = false;
                if fallback > 0 {
                    fallback -= 1;
                } else if emits(&cur) {
                    out.push_byte(b);
                }
            }
        }
    }
    if from_html {
        RtfBody::Html(out.finish())
    } else if from_text {
        RtfBody::FromText
    } else {
        RtfBody::Native
    }
}

/// Text accumulated from RTF: bytes in the document's code page, and Unicode from `\uN`.
struct RtfText {
    out: String,
    bytes: Vec<u8>,
    high_surrogate: Option<u32>,
    codepage: Option<u32>,
}

impl RtfText {
    fn new() -> Self {
        RtfText {
            out: String::new(),
            bytes: Vec::new(),
            high_surrogate: None,
            codepage: None,
        }
    }

    fn flush(&mut self) {
        if !self.bytes.is_empty() {
            // An RTF code page, unlike a MIME part, is always stated; 1252 when it is not.
            let decoded = decode_codepage(&self.bytes, Some(self.codepage.unwrap_or(1252)));
            self.out.push_str(&decoded);
            self.bytes.clear();
        }
    }

    fn push_byte(&mut self, b: u8) {
        self.high_surrogate = None;
        self.bytes.push(b);
    }

    fn push_str(&mut self, s: &str) {
        self.flush();
        self.high_surrogate = None;
        self.out.push_str(s);
    }

    fn push_unit(&mut self, unit: u32) {
        self.flush();
        match (self.high_surrogate.take(), unit) {
            (None, 0xD800..=0xDBFF) => self.high_surrogate = Some(unit),
            (Some(high), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00);
                self.out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            (_, unit) => self.out.push(char::from_u32(unit).unwrap_or('\u{FFFD}')),
        }
    }

    fn finish(mut self) -> String {
        self.flush();
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compressed by an independent implementation (Python `compressed_rtf`, real LZFu with
    /// dictionary references).
    const COMPRESSED: &str = concat!(
        "12010000bd0100004c5a4675c80f4f1f03000a00726370673132358232034368746d6c3103307b010301f720",
        "02a403e4071302807d730a8000002a5c0eb201900e103934203c0eb23e029111973334f3124006e0647912a0",
        "11a3002110013f0b090c9401c10330142515f05370c105106e67207370059007310506406105407468652062",
        "54616b0490790aa27d115b381113816120680970663d22810eb07470733a2f2f1824202e6578616d0b50652f",
        "12750080756204f2626522a513fb6608906c641172661d90010b8073747b48595045c0524c494e4b201a5f1b",
        "6fcf1c70113001f11d90727311e016183e551be814171130161811793932d912402f6112a0115b3515f02580",
        "b313b411793237257112647d28c0",
    );

    fn mela(rtf: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&((rtf.len() + 12) as u32).to_le_bytes());
        out.extend_from_slice(&(rtf.len() as u32).to_le_bytes());
        out.extend_from_slice(&MELA.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(rtf);
        out
    }

    #[test]
    fn uncompressed_rtf_passes_through() {
        let rtf = b"{\\rtf1\\ansi hello}";
        assert_eq!(decompress_rtf(&mela(rtf)).unwrap(), rtf);
        assert!(decompress_rtf(b"short").is_err());
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn decompresses_lzfu_written_by_another_implementation() {
        let compressed = unhex(COMPRESSED);
        let rtf = decompress_rtf(&compressed).unwrap();
        assert_eq!(rtf.len(), 445);
        let text = String::from_utf8(rtf.clone()).unwrap();
        assert!(
            text.starts_with("{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 "),
            "{text}"
        );
        assert!(text.contains("\\pard\\plain\\tab\\tx720 "), "{text}");
        assert_eq!(
            rtf_body(&rtf),
            RtfBody::Html(
                "<html><body>Spring specials at the bakery\r\n<a href=\"https://bakery.example/unsubscribe\">Unsubscribe</a></body></html>".into()
            )
        );
        // A flipped bit is caught by the checksum, not decoded into garbage.
        let mut corrupt = compressed.clone();
        corrupt[40] ^= 1;
        assert!(decompress_rtf(&corrupt).unwrap_err().contains("checksum"));
        // Truncated: the header promises more than there is.
        assert!(decompress_rtf(&compressed[..100]).is_err());
    }

    #[test]
    fn de_encapsulates_html() {
        let rtf = br#"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl {\f0\fswiss Arial;}}
{\*\htmltag19 <html>}{\*\htmltag34 <body>}\htmlrtf {\pard\plain \htmlrtf0 Caf\'e9 \u8364? ok\par}
{\*\htmltag84 <a href="https://x.example/u">}\htmlrtf {\field{\*\fldinst{HYPERLINK "https://x.example/u"}}{\fldrslt\htmlrtf0 unsubscribe\htmlrtf }}\htmlrtf0 {\*\htmltag92 </a>}{\*\mhtmltag84 <a href="cid:x">}
{\*\htmltag50 </body>}{\*\htmltag27 </html>}}"#;
        assert_eq!(
            rtf_body(rtf),
            RtfBody::Html(
                "<html><body>Café € ok\r\n<a href=\"https://x.example/u\">unsubscribe</a></body></html>".into()
            )
        );
    }

    #[test]
    fn tells_native_rtf_and_text_apart() {
        assert_eq!(rtf_body(br"{\rtf1\ansi hello\par}"), RtfBody::Native);
        assert_eq!(
            rtf_body(br"{\rtf1\ansi\fromtext hello\par}"),
            RtfBody::FromText
        );
    }
}
