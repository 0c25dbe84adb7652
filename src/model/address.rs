//! Address syntax (via lettre), normalisation for deduplication, and role-account detection.

use std::str::FromStr;

/// Why an address was rejected, in words a user can act on.
pub fn validate(address: &str) -> Result<(), String> {
    let trimmed = address.trim();
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

/// The key used to deduplicate: the local part as written, the domain lower-cased
/// (domains are case-insensitive; local parts are, by RFC 5321, the receiving host's business).
pub fn dedup_key(address: &str) -> String {
    let trimmed = address.trim();
    match trimmed.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
        None => trimmed.to_string(),
    }
}

/// Whether two trimmed addresses have the same [`dedup_key`], compared without allocating.
pub fn same_key(a: &str, b: &str) -> bool {
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((la, da)), Some((lb, db))) => la == lb && da.eq_ignore_ascii_case(db),
        (None, None) => a == b,
        _ => false,
    }
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
    fn dedup_key_folds_domain_only() {
        assert_eq!(dedup_key(" Ann@Example.COM "), "Ann@example.com");
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
