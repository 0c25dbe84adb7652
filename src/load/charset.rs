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
/// Bytes with ISO-2022-JP's escapes are read as ISO-2022-JP whatever the label; an unknown or
/// missing label is tried as UTF-8 only.
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
    candidates(label).into_iter().find_map(|e| {
        e.decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned())
    })
}

/// When no charset decodes `bytes` cleanly (a few bad bytes in a long Shift_JIS part), the
/// candidate that loses the fewest characters, with how many it lost: a mail client shows that
/// text with a mark per lost character. `None` when there is no candidate but UTF-8.
pub fn decode_closest(bytes: &[u8], label: Option<&str>) -> Option<(String, usize)> {
    candidates(label)
        .into_iter()
        .map(|e| {
            let (text, _) = e.decode_without_bom_handling(bytes);
            let lost = text.chars().filter(|&c| c == '\u{fffd}').count();
            (text.into_owned(), lost)
        })
        .min_by_key(|(_, lost)| *lost)
}

/// The charsets to try for a part labelled `label`: the label's, then others of its script.
fn candidates(label: Option<&str>) -> Vec<&'static encoding_rs::Encoding> {
    use encoding_rs::{
        Encoding, BIG5, EUC_JP, EUC_KR, GB18030, ISO_2022_JP, KOI8_R, SHIFT_JIS, WINDOWS_1251,
    };
    let labelled = label.and_then(|l| Encoding::for_label(l.trim().trim_matches('"').as_bytes()));
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
}
