//! Phrase lists (`rules/phrases.toml`), English and French: unsubscribe wording,
//! transactional signals, greetings.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Phrases {
    pub unsubscribe: Vec<String>,
    pub transactional: Vec<String>,
    pub transactional_opening: Vec<String>,
    pub greetings: Vec<String>,
}

pub fn get() -> &'static Phrases {
    static PHRASES: OnceLock<Phrases> = OnceLock::new();
    PHRASES.get_or_init(|| {
        let mut p: Phrases = toml::from_str(include_str!("../../rules/phrases.toml"))
            .unwrap_or_else(|e| panic!("rules/phrases.toml does not parse: {e}"));
        for list in [
            &mut p.unsubscribe,
            &mut p.transactional,
            &mut p.transactional_opening,
            &mut p.greetings,
        ] {
            for s in list.iter_mut() {
                *s = s.to_lowercase();
            }
        }
        p
    })
}

fn find<'a>(list: &'a [String], text: &str) -> Option<&'a str> {
    let lower = text.to_lowercase();
    list.iter()
        .find(|p| contains_phrase(&lower, p))
        .map(String::as_str)
}

/// Whole-word containment, so "reset" does not match "preset".
fn contains_phrase(haystack: &str, phrase: &str) -> bool {
    haystack.match_indices(phrase).any(|(i, m)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + m.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Every unsubscribe phrase as prose and as URLs write it (`opt-out`, `opt_out`, `optout`),
/// in one automaton: each link, link text and text run is searched once, not once per form.
struct UnsubscribeForms {
    automaton: AhoCorasick,
    /// The index in [`Phrases::unsubscribe`] of each form.
    phrase: Vec<usize>,
}

fn unsubscribe_forms() -> &'static UnsubscribeForms {
    static FORMS: OnceLock<UnsubscribeForms> = OnceLock::new();
    FORMS.get_or_init(|| {
        let mut forms = Vec::new();
        let mut phrase = Vec::new();
        for (i, p) in get().unsubscribe.iter().enumerate() {
            for form in [
                p.clone(),
                p.replace(' ', "-"),
                p.replace(' ', "_"),
                p.replace(' ', ""),
            ] {
                if !forms.contains(&form) {
                    forms.push(form);
                    phrase.push(i);
                }
            }
        }
        // An NFA: built in microseconds, where a DFA would cost a cold run more than it saves.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&forms)
            .unwrap_or_else(|e| panic!("rules/phrases.toml: unsubscribe phrases: {e}"));
        UnsubscribeForms { automaton, phrase }
    })
}

/// The unsubscribe phrase in `text`, if any (also matches inside URLs such as `/unsubscribe?`).
/// When several occur, the one listed first in the data file.
pub fn find_unsubscribe(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let forms = unsubscribe_forms();
    forms
        .automaton
        .find_overlapping_iter(&lower)
        .map(|m| forms.phrase[m.pattern().as_usize()])
        .min()
        .map(|i| get().unsubscribe[i].as_str())
}

/// A strong transactional phrase anywhere in `text`.
pub fn find_transactional(text: &str) -> Option<&'static str> {
    find(&get().transactional, text)
}

/// A weaker transactional phrase, for the subject and the opening of a body only.
pub fn find_transactional_opening(text: &str) -> Option<&'static str> {
    find(&get().transactional_opening, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_words_and_url_forms() {
        assert!(find_unsubscribe("https://x.example/Unsubscribe?id=1").is_some());
        assert!(find_unsubscribe("Se désabonner").is_some());
        assert!(find_unsubscribe("manage-preferences").is_some());
        assert!(find_transactional("Reset your password").is_some());
        assert!(find_transactional("Our preset receipts-free offer").is_none());
    }
}
