//! Legacy single-byte decoding for inputs that are not valid UTF-8.

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

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_latin1_and_cp1252() {
        assert_eq!(super::decode_lossless(vec![b'c', 0xe9, 0x80]), "cé€");
    }
}
