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

/// Addresses in a header value such as `Ann <ann@example.com>, bob@example.com`.
pub fn extract_addresses(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(at) = rest.find('@') {
        let before = &rest[..at];
        let start = before
            .rfind(|c: char| {
                c == '<' || c == ',' || c == ';' || c == ':' || c.is_whitespace() || c == '"'
            })
            .map_or(0, |i| i + 1);
        let after = &rest[at..];
        let end = after
            .find(|c: char| c == '>' || c == ',' || c == ';' || c.is_whitespace() || c == '"')
            .unwrap_or(after.len());
        let candidate = format!("{}{}", &before[start..], &after[..end]);
        if candidate.len() > 1 {
            out.push(candidate);
        }
        rest = &after[end..];
    }
    out
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
}
