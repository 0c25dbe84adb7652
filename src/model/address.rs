//! Address syntax (via lettre), normalisation for deduplication, and role-account detection.

use std::str::FromStr;

/// Why an address was rejected, in words a user can act on.
pub fn validate(address: &str) -> Result<(), String> {
    let trimmed = address.trim();
    // The shape nearly every list row has, tested in one pass over the bytes; it implies every
    // check below but the formula one.
    if is_plain_ascii(trimmed) && !crate::model::spreadsheet::is_formula(trimmed) {
        return Ok(());
    }
    if trimmed.is_empty() {
        return Err("empty address".into());
    }
    if trimmed.chars().any(char::is_whitespace) {
        return Err("an address cannot contain spaces".into());
    }
    if !trimmed.contains('@') {
        return Err("no @ in the address".into());
    }
    if crate::model::spreadsheet::is_formula(trimmed) {
        // Legal in RFC 5322 for some of these characters, but no mailbox is named so in
        // practice, and such a cell runs as a formula in the spreadsheet the list goes to.
        return Err(format!(
            "starts with `{}`, which makes a spreadsheet run the cell as a formula",
            trimmed.chars().next().unwrap_or('=')
        ));
    }
    match lettre::Address::from_str(trimmed) {
        Ok(addr) => {
            let domain = addr.domain();
            if !domain.starts_with('[') && !domain.contains('.') {
                return Err(format!(
                    "the domain `{domain}` has no dot: not a deliverable domain"
                ));
            }
            Ok(())
        }
        Err(e) => Err(e.to_string().to_lowercase().replace("email ", "")),
    }
}

/// RFC 5322's atext: the characters of a dot-atom's atoms, as a table for a byte-at-a-time test.
const ATEXT: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric();
        c += 1;
    }
    let specials = b"!#$%&'*+-/=?^_`{|}~";
    let mut i = 0;
    while i < specials.len() {
        table[specials[i] as usize] = true;
        i += 1;
    }
    table
};

/// Whether an address is of the plain ASCII shape nearly every list row has
/// (`dot.atom@label.label`), which lettre accepts and whose domain has a dot. The full validator
/// costs a fifth of a million-row list's load; this test accepts only what it accepts, and
/// anything else still goes through it. Bytes, in one pass each side: splitting on `.` and
/// searching for `@` with the `str` searchers was a tenth of the load again.
fn is_plain_ascii(address: &str) -> bool {
    // Limits of the validator lettre uses (email_address): RFC 5321's 64 and 254 bytes, and
    // RFC 1035's 63 per label.
    const LOCAL_MAX: usize = 64;
    const DOMAIN_MAX: usize = 254;
    const LABEL_MAX: usize = 63;
    let bytes = address.as_bytes();
    let Some(at) = bytes.iter().rposition(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    // Atoms of atext between single dots, none empty.
    let local_ok = (1..=LOCAL_MAX).contains(&local.len())
        && local[0] != b'.'
        && local[local.len() - 1] != b'.'
        && local
            .iter()
            .zip(&local[1..])
            .all(|(&a, &b)| ATEXT[usize::from(b)] || (b == b'.' && a != b'.'))
        && ATEXT[usize::from(local[0])];
    if !local_ok || !(1..=DOMAIN_MAX).contains(&domain.len()) {
        return false;
    }
    // Labels of letters, digits and inner hyphens, 1 to 63 bytes, at least two of them.
    let (mut start, mut labels) = (0, 0);
    for end in 0..=domain.len() {
        if end < domain.len() && domain[end] != b'.' {
            continue;
        }
        let label = &domain[start..end];
        let ok = (1..=LABEL_MAX).contains(&label.len())
            && label[0].is_ascii_alphanumeric()
            && label[label.len() - 1].is_ascii_alphanumeric()
            && label
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'-');
        if !ok {
            return false;
        }
        labels += 1;
        start = end + 1;
    }
    labels >= 2
}

/// The key used to deduplicate: the address lower-cased. Domains are case-insensitive; local
/// parts are, by RFC 5321, the receiving host's business, but every large provider treats
/// `Ann@` and `ann@` as one mailbox, so a list holding both reaches one person twice.
pub fn dedup_key(address: &str) -> String {
    address.trim().to_ascii_lowercase()
}

/// Whether two trimmed addresses have the same [`dedup_key`], compared without allocating.
pub fn same_key(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The lower-cased domain of an address, if it has one.
pub fn domain(address: &str) -> Option<String> {
    address
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
}

/// Addresses in a header value such as `"Smith, Ann" <ann@example.com>, bob@example.com`, read
/// by mail-parser's RFC 5322 address-list parser: a display name that looks like an address
/// (`"ann@old.example" <ann@new.example>`) is a name, groups are flattened, comments dropped.
pub fn extract_addresses(value: &str) -> Vec<String> {
    // The parser reads header blocks; a value is given one of its own, folded onto one line.
    let mut block = String::with_capacity(value.len() + 8);
    block.push_str("To: ");
    block.extend(
        value
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c }),
    );
    block.push_str("\r\n\r\n");
    let parsed = mail_parser::MessageParser::default().parse_headers(block.as_bytes());
    parsed
        .as_ref()
        .and_then(|m| m.to())
        .map(|list| {
            list.iter()
                .filter_map(|a| a.address())
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_shortcut_accepts_only_what_lettre_accepts() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("ann@{}.com", "b".repeat(64));
        let long_domain = format!("ann@{}com", "abcdefghi.".repeat(26));
        let cases = [
            "ann@example.com",
            "a.b+tag@mail.example.co.uk",
            "o'brien@example.ie",
            "x_y@sub-domain.example",
            "{weird}|~@example.com",
            ".ann@example.com",
            "ann.@example.com",
            "an..n@example.com",
            "ann@-example.com",
            "ann@example-.com",
            "ann@exa_mple.com",
            "ann@example..com",
            "ann@.example.com",
            "ann@example.com.",
            "ann@1.2.3.4",
            "ann@[1.2.3.4]",
            "\"ann smith\"@example.com",
            "ann(comment)@example.com",
            "ann@example",
            "ann@@example.com",
            "a@b@example.com",
            "ännchen@example.de",
            "ann@bücher.de",
            long_local.as_str(),
            long_label.as_str(),
            long_domain.as_str(),
        ];
        for a in cases {
            if is_plain_ascii(a) {
                let parsed = lettre::Address::from_str(a);
                assert!(
                    parsed.is_ok(),
                    "{a}: taken by the shortcut, refused by lettre"
                );
                assert!(parsed.unwrap().domain().contains('.'), "{a}");
            }
        }
        for a in [
            "ann@example.com",
            "a.b+tag@mail.example.co.uk",
            "o'brien@example.ie",
            "x_y@sub-domain.example",
            "{weird}|~@example.com",
            "ann@1.2.3.4",
        ] {
            assert!(is_plain_ascii(a), "{a}");
        }
        for a in &cases[5..] {
            if !["ann@1.2.3.4"].contains(a) {
                assert!(!is_plain_ascii(a), "{a}");
            }
        }
    }

    #[test]
    fn validates_with_reasons() {
        assert!(validate("ann@example.com").is_ok());
        assert!(validate("ann.example.com").unwrap_err().contains("no @"));
        assert!(validate("ann@@example.com").is_err());
        assert!(validate("ann smith@example.com")
            .unwrap_err()
            .contains("spaces"));
        assert!(validate("ann@localhost").unwrap_err().contains("no dot"));
    }

    #[test]
    fn dedup_key_folds_case() {
        assert_eq!(dedup_key(" Ann@Example.COM "), "ann@example.com");
        assert!(same_key("Ann@Example.COM", "ann@example.com"));
        assert!(!same_key("ann@example.com", "anne@example.com"));
    }

    #[test]
    fn extracts_from_header_values() {
        assert_eq!(
            extract_addresses("\"Smith, Ann\" <ann@example.com>, bob@example.org"),
            vec!["ann@example.com", "bob@example.org"]
        );
    }

    #[test]
    fn a_display_name_that_looks_like_an_address_is_a_name() {
        assert_eq!(
            extract_addresses("\"ann@old.example\" <ann@new.example>"),
            vec!["ann@new.example"]
        );
        assert_eq!(
            extract_addresses("Team: a@example.com, b@example.com;, c@example.org (Carl)"),
            vec!["a@example.com", "b@example.com", "c@example.org"]
        );
    }
}
