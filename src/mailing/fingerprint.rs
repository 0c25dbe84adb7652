//! Body fingerprints that see through mail-merge personalisation: receiving-side checksum
//! networks (DCC, Razor, Pyzor, rspamd fuzzy) discount greetings and merge fields, so a
//! "Hi Ann" / "Hi Bob" pair is one body to them and must be one body here.

use crate::analysis::merge_tags;
use crate::data::phrases;

/// A stable digest of a normalised body (hex of the first 16 bytes of BLAKE3), stable across
/// versions and platforms so it can be stored in the send ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Fingerprint(pub String);

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn fingerprint(body: &str) -> Fingerprint {
    let normal = normalize(body);
    let hash = blake3::hash(normal.as_bytes());
    Fingerprint(hash.to_hex()[..32].to_string())
}

/// Lower-cases, drops merge tags and the greeting line, and folds all whitespace.
pub fn normalize(body: &str) -> String {
    let without_tags = merge_tags::strip(body);
    let mut lines = without_tags
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .peekable();
    let mut out = String::with_capacity(body.len());
    if let Some(first) = lines.peek() {
        if is_greeting(first) {
            lines.next();
        }
    }
    for line in lines {
        for word in line.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
    out
}

/// A short opening line that starts with a greeting word: "Hi Ann,", "Dear Mr. Smith:",
/// "Bonjour Marie !". Long lines are content, even when they start with "Hello".
fn is_greeting(line: &str) -> bool {
    const MAX_GREETING_WORDS: usize = 6;
    let lower = line.to_lowercase();
    let words = lower.split_whitespace().count();
    words <= MAX_GREETING_WORDS
        && phrases::get().greetings.iter().any(|g| {
            lower
                .strip_prefix(g.as_str())
                .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_merge_fields_case_and_whitespace_do_not_matter() {
        let a = "Hi Ann,\n\nOur  spring specials are here.\nSee you soon!";
        let b = "Hi Bob,\nOur spring specials are HERE.\n\n  See you soon!";
        let c = "Hello *|FNAME|*,\nOur spring specials are here. See you soon!";
        let d = "Bonjour {{ first_name }} !\nOur spring specials are here.\nSee you soon!";
        assert_eq!(fingerprint(a), fingerprint(b));
        assert_eq!(fingerprint(a), fingerprint(c));
        assert_eq!(fingerprint(a), fingerprint(d));
    }

    #[test]
    fn different_content_differs() {
        assert_ne!(
            fingerprint("Hi Ann,\nOur spring specials are here."),
            fingerprint("Hi Ann,\nOur summer specials are here.")
        );
    }

    #[test]
    fn a_long_first_line_is_content_not_a_greeting() {
        assert_eq!(
            normalize("Hello and welcome to the spring edition of our newsletter\nmore"),
            "hello and welcome to the spring edition of our newsletter more"
        );
    }
}
