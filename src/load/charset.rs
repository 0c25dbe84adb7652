//! Decoding of inputs that are not valid UTF-8: legacy single-byte text, and MIME parts whose
//! charset label is missing, unknown or wrong.

/// Windows-1252 byte to char: what Excel and Outlook on Windows write when they do not write
/// UTF-8; its printable range is a superset of Latin-1, so Latin-1 files decode correctly too.
pub fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// Decodes a text file the way spreadsheet programs write them: UTF-16 with its byte-order
/// mark (Excel's "Unicode text"), or without one when every other byte of its start is zero;
/// UTF-8, with or without a mark; else Windows-1252 (Excel's "CSV" on Windows). The mark is
/// not part of the text.
pub fn decode_text_file(bytes: Vec<u8>) -> String {
    use encoding_rs::{UTF_16BE, UTF_16LE};
    let utf16 = match bytes.as_slice() {
        [0xff, 0xfe, ..] => Some(UTF_16LE),
        [0xfe, 0xff, ..] => Some(UTF_16BE),
        start if looks_utf16(start, 1) => Some(UTF_16LE),
        start if looks_utf16(start, 0) => Some(UTF_16BE),
        _ => None,
    };
    let text = match utf16 {
        Some(encoding) => encoding.decode_with_bom_removal(&bytes).0.into_owned(),
        None => decode_lossless(bytes),
    };
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// Whether the bytes at `zero` (0 or 1) of each pair at the start are all zero and the others
/// not: ASCII text in UTF-16 without a byte-order mark.
fn looks_utf16(start: &[u8], zero: usize) -> bool {
    let pairs: Vec<&[u8]> = start.chunks_exact(2).take(64).collect();
    pairs.len() >= 4 && pairs.iter().all(|p| p[zero] == 0 && p[1 - zero] != 0)
}

/// Decodes bytes as UTF-8, falling back to Windows-1252 when they are not.
pub fn decode_lossless(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| cp1252(b)).collect(),
    }
}

/// Decodes a MIME part's bytes under its charset label, strictly: `None` when they are not
/// valid in the labelled charset nor, since labels are often wrong, in UTF-8 or another
/// charset of the same script (Shift_JIS sent as `iso-2022-jp` is common in Japanese mail).
/// Bytes with ISO-2022-JP's escapes are read as ISO-2022-JP whatever the label; a missing or
/// US-ASCII label is tried as UTF-8, then as the charset its bytes look like; an unknown label
/// as UTF-8 only (the draft's author is told to fix it).
pub fn decode_strict(bytes: &[u8], label: Option<&str>) -> Option<String> {
    use encoding_rs::ISO_2022_JP;
    // ISO-2022-JP is 7-bit: it passes for UTF-8 (or Shift_JIS) with its escapes left in.
    if bytes.windows(2).any(|w| matches!(w, [0x1b, b'$' | b'('])) {
        return ISO_2022_JP
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_string());
    }
    candidates(label, bytes).into_iter().find_map(|e| {
        e.decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned())
    })
}

/// When no charset decodes `bytes` cleanly (a few bad bytes in a long Shift_JIS part), the
/// candidate that loses the fewest characters, with how many it lost: a mail client shows that
/// text with a mark per lost character. `None` when there is no candidate but UTF-8.
pub fn decode_closest(bytes: &[u8], label: Option<&str>) -> Option<(String, usize)> {
    candidates(label, bytes)
        .into_iter()
        .map(|e| {
            let (text, _) = e.decode_without_bom_handling(bytes);
            let lost = text.chars().filter(|&c| c == '\u{fffd}').count();
            (text.into_owned(), lost)
        })
        .min_by_key(|(_, lost)| *lost)
}

/// The charsets to try for a part labelled `label`: the label's, then others of its script.
/// A part with no label, or labelled US-ASCII while holding 8-bit bytes, gets the charset its
/// bytes look like (chardetng, the detector Firefox and Thunderbird use for unlabelled text):
/// unlabelled Shift_JIS or KOI8-R mail is common, and a client shows it decoded.
fn candidates(label: Option<&str>, bytes: &[u8]) -> Vec<&'static encoding_rs::Encoding> {
    use encoding_rs::{
        Encoding, BIG5, EUC_JP, EUC_KR, GB18030, ISO_2022_JP, KOI8_R, SHIFT_JIS, WINDOWS_1251,
    };
    let label = label.map(|l| l.trim().trim_matches('"'));
    let unlabelled = label.is_none_or(|l| {
        l.is_empty() || l.eq_ignore_ascii_case("us-ascii") || l.eq_ignore_ascii_case("ascii")
    });
    let labelled = if unlabelled {
        let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
        detector.feed(bytes, true);
        Some(detector.guess(None, chardetng::Utf8Detection::Allow))
    } else {
        label.and_then(|l| Encoding::for_label(l.as_bytes()))
    };
    let mut candidates: Vec<&'static Encoding> = labelled.into_iter().collect();
    let family: &[&'static Encoding] = match labelled.map(Encoding::name) {
        Some("ISO-2022-JP" | "Shift_JIS" | "EUC-JP") => &[SHIFT_JIS, EUC_JP, ISO_2022_JP],
        Some("EUC-KR") => &[EUC_KR, GB18030],
        Some("GBK" | "gb18030") => &[GB18030, BIG5],
        Some("Big5") => &[BIG5, GB18030],
        Some("KOI8-R" | "KOI8-U" | "windows-1251" | "ISO-8859-5" | "IBM866") => {
            &[WINDOWS_1251, KOI8_R]
        }
        _ => &[],
    };
    candidates.extend(family.iter().copied());
    candidates
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_latin1_and_cp1252() {
        assert_eq!(super::decode_lossless(vec![b'c', 0xe9, 0x80]), "cé€");
    }

    #[test]
    fn spreadsheet_exports_decode_whatever_excel_chose() {
        let utf16le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(
                "Email\tName\r\nann@x.example\tAnn\r\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        assert_eq!(
            super::decode_text_file(utf16le),
            "Email\tName\r\nann@x.example\tAnn\r\n"
        );
        let bare_be: Vec<u8> = "Email\nbo@x.example\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(super::decode_text_file(bare_be), "Email\nbo@x.example\n");
        assert_eq!(
            super::decode_text_file(b"\xef\xbb\xbfEmail\n".to_vec()),
            "Email\n"
        );
        assert_eq!(super::decode_text_file(b"Ren\xe9e\n".to_vec()), "Renée\n");
    }

    #[test]
    fn mislabelled_japanese_falls_back_within_the_script() {
        // "テスト" in Shift_JIS, labelled ISO-2022-JP.
        let sjis = [0x83, 0x65, 0x83, 0x58, 0x83, 0x67];
        assert_eq!(
            super::decode_strict(&sjis, Some("iso-2022-jp")).as_deref(),
            Some("テスト")
        );
        assert_eq!(
            super::decode_strict(&[0xff, 0xfe, 0x80], Some("x-unknown")),
            None
        );
        // One bad byte after it: no charset decodes it cleanly, Shift_JIS loses one character.
        let (text, lost) =
            super::decode_closest(&[0x83, 0x65, 0x83, 0x58, 0xff], Some("iso-2022-jp")).unwrap();
        assert_eq!((text.as_str(), lost), ("テス\u{fffd}", 1));
    }

    #[test]
    fn unlabelled_text_is_read_in_the_charset_it_looks_like() {
        let sjis = [
            0x82, 0xa8, 0x92, 0x6d, 0x82, 0xe7, 0x82, 0xb9, 0x81, 0x46, 0x83, 0x81, 0x81, 0x5b,
            0x83, 0x8b, 0x82, 0xcc, 0x94, 0x7a, 0x90, 0x4d, 0x82, 0xf0, 0x92, 0xe2, 0x8e, 0x7e,
            0x82, 0xb7, 0x82, 0xe9, 0x82, 0xc9, 0x82, 0xcd, 0x81, 0x41, 0x82, 0xb1, 0x82, 0xcc,
            0x83, 0x81, 0x81, 0x5b, 0x83, 0x8b, 0x82, 0xc9, 0x95, 0xd4, 0x90, 0x4d, 0x82, 0xb5,
            0x82, 0xc4, 0x82, 0xad, 0x82, 0xbe, 0x82, 0xb3, 0x82, 0xa2, 0x81, 0x42,
        ];
        let expected = "お知らせ：メールの配信を停止するには、このメールに返信してください。";
        for label in [None, Some("us-ascii")] {
            assert_eq!(
                super::decode_strict(&sjis, label).as_deref(),
                Some(expected)
            );
        }
        let koi8 = [
            0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4, 0x2c, 0x20, 0xdc, 0xd4, 0xcf, 0x20, 0xd0, 0xc9,
            0xd3, 0xd8, 0xcd, 0xcf, 0x20, 0xcf, 0x20, 0xd3, 0xcb, 0xc9, 0xc4, 0xcb, 0xc1, 0xc8,
        ];
        assert_eq!(
            super::decode_strict(&koi8, None).as_deref(),
            Some("Привет, это письмо о скидках")
        );
        // A label it knows is trusted: Latin-1 stays Latin-1.
        assert_eq!(
            super::decode_strict(b"Ren\xe9e", Some("iso-8859-1")).as_deref(),
            Some("Renée")
        );
    }
}
