//! Phrase lists (`rules/phrases.toml`): unsubscribe wording in seven languages, transactional
//! and promotional signals, reply prefixes, automatic-mail subjects and headers, greetings.
//! Text and phrases are compared NFC-normalised and lower-cased.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use serde::Deserialize;

use crate::data::embedded;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Phrases {
    pub unsubscribe: PhraseList,
    pub transactional: PhraseList,
    pub transactional_thanks: PhraseList,
    pub transactional_opening: PhraseList,
    pub promotional: PhraseList,
    pub advertisement_marks: PhraseList,
    pub bulk_markers: PhraseList,
    pub social_hosts: PhraseList,
    pub shop_link_words: PhraseList,
    pub discussion_list_wording: PhraseList,
    pub nonprofit_wording: PhraseList,
    pub reply_prefixes: PhraseList,
    pub automatic_subjects: PhraseList,
    pub automatic_senders: PhraseList,
    pub discussion_list_headers: PhraseList,
    pub automated_headers: PhraseList,
    pub reply_attributions: PhraseList,
    pub greetings: PhraseList,
    pub reply_instructions: PhraseList,
    pub shop_field_words: PhraseList,
    pub campaign_field_words: PhraseList,
    pub upsell_wording: PhraseList,
}

/// A list of phrases, read as a `[String]`, with the automaton that finds all of them in one
/// pass over a text: a body is searched for each list, and one scan per phrase was most of the
/// kind judgement's time. Built on the first search, so a run that needs a list pays for it.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "Vec<String>")]
pub struct PhraseList {
    words: Vec<String>,
    matcher: OnceLock<Option<AhoCorasick>>,
}

impl From<Vec<String>> for PhraseList {
    fn from(words: Vec<String>) -> Self {
        PhraseList {
            words,
            matcher: OnceLock::new(),
        }
    }
}

impl std::ops::Deref for PhraseList {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.words
    }
}

impl PhraseList {
    fn matcher(&self) -> Option<&AhoCorasick> {
        self.matcher
            .get_or_init(|| {
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(self.words.iter().filter(|w| !w.is_empty()))
                    .ok()
            })
            .as_ref()
    }

    /// Normalises every phrase; only before the first search.
    fn normalize(&mut self) {
        for w in &mut self.words {
            *w = normalize(w);
        }
        self.matcher = OnceLock::new();
    }
}

/// NFC-normalised and lower-cased: the form every phrase is compared in. ASCII text, the
/// common case, is only lower-cased.
pub fn normalize(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    // Nearly all text is composed already: the quick check spares copying it through NFC.
    let lower = match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text.to_lowercase(),
        _ => text.nfc().collect::<String>().to_lowercase(),
    };
    // Japanese and Chinese put no spaces between words; a space between two of their
    // characters is padding (spam spaces out 受信 拒否 to slip past filters), so it goes.
    if !lower.contains(' ') {
        return lower;
    }
    let chars: Vec<char> = lower.chars().collect();
    let mut out = String::with_capacity(lower.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = out.chars().next_back();
            let next = chars[i + 1..].iter().copied().find(|&n| n != ' ');
            if prev.is_some_and(is_han_or_kana) && next.is_some_and(is_han_or_kana) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Han and kana, written without spaces between words (Hangul is: Korean spaces its words).
fn is_han_or_kana(c: char) -> bool {
    is_cjk(c) && !matches!(c as u32, 0xAC00..=0xD7AF)
}

pub fn get() -> &'static Phrases {
    static PHRASES: OnceLock<Phrases> = OnceLock::new();
    PHRASES.get_or_init(|| {
        let mut p: Phrases = embedded::read("phrases", embedded::embedded!("phrases"));
        for list in [
            &mut p.unsubscribe,
            &mut p.transactional,
            &mut p.transactional_thanks,
            &mut p.transactional_opening,
            &mut p.promotional,
            &mut p.advertisement_marks,
            &mut p.bulk_markers,
            &mut p.social_hosts,
            &mut p.shop_link_words,
            &mut p.discussion_list_wording,
            &mut p.nonprofit_wording,
            &mut p.reply_prefixes,
            &mut p.automatic_subjects,
            &mut p.automatic_senders,
            &mut p.discussion_list_headers,
            &mut p.automated_headers,
            &mut p.reply_attributions,
            &mut p.greetings,
            &mut p.reply_instructions,
            &mut p.shop_field_words,
            &mut p.campaign_field_words,
            &mut p.upsell_wording,
        ] {
            list.normalize();
        }
        p
    })
}

fn find<'a>(list: &'a PhraseList, text: &str) -> Option<&'a str> {
    find_all(list, text).first().copied()
}

/// The distinct phrases of `list` in `text`, in list order.
pub fn find_all<'a>(list: &'a PhraseList, text: &str) -> Vec<&'a str> {
    find_all_normalized(list, &normalize(text))
}

/// [`find_all`] on text already [`normalize`]d (a long body is normalised once, then searched
/// for every list).
pub fn find_all_normalized<'a>(list: &'a PhraseList, normalized: &str) -> Vec<&'a str> {
    let Some(matcher) = list.matcher() else {
        return list
            .iter()
            .filter(|p| contains_phrase(normalized, p))
            .map(String::as_str)
            .collect();
    };
    // The phrases are the non-empty words, in order: map a pattern back to its word.
    let words: Vec<&String> = list.words.iter().filter(|w| !w.is_empty()).collect();
    let mut found = vec![false; words.len()];
    for m in matcher.find_overlapping_iter(normalized) {
        let i = m.pattern().as_usize();
        if !found[i] && whole_phrase_at(normalized, m.start(), m.end(), words[i]) {
            found[i] = true;
        }
    }
    words
        .iter()
        .zip(found)
        .filter_map(|(w, f)| f.then_some(w.as_str()))
        .collect()
}

/// Several phrase lists searched for in one pass over a normalised text: a body is read by
/// half a dozen lists, and one overlapping search per list was most of the message-kind
/// judgement's time.
pub struct ListSearch {
    lists: Vec<&'static PhraseList>,
    /// Each list's non-empty words, in order: the phrases searched for.
    words: Vec<Vec<&'static str>>,
    /// One automaton over every list's words; `None` when it cannot be built (each list is
    /// then searched on its own).
    automaton: Option<AhoCorasick>,
    /// The list and word index of each pattern.
    owner: Vec<(usize, usize)>,
}

impl ListSearch {
    pub fn new(lists: Vec<&'static PhraseList>) -> Self {
        let words: Vec<Vec<&'static str>> = lists
            .iter()
            .map(|list| {
                list.words
                    .iter()
                    .filter(|w| !w.is_empty())
                    .map(String::as_str)
                    .collect()
            })
            .collect();
        let owner: Vec<(usize, usize)> = words
            .iter()
            .enumerate()
            .flat_map(|(l, w)| (0..w.len()).map(move |i| (l, i)))
            .collect();
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(words.iter().flatten())
            .ok();
        ListSearch {
            lists,
            words,
            automaton,
            owner,
        }
    }

    /// For each list (in the order given), what [`find_all_normalized`] finds of it.
    pub fn find_all_normalized(&self, normalized: &str) -> Vec<Vec<&'static str>> {
        let Some(automaton) = &self.automaton else {
            return self
                .lists
                .iter()
                .map(|list| find_all_normalized(list, normalized))
                .collect();
        };
        let mut found: Vec<Vec<bool>> = self.words.iter().map(|w| vec![false; w.len()]).collect();
        for m in automaton.find_overlapping_iter(normalized) {
            let (l, w) = self.owner[m.pattern().as_usize()];
            if !found[l][w] && whole_phrase_at(normalized, m.start(), m.end(), self.words[l][w]) {
                found[l][w] = true;
            }
        }
        self.words
            .iter()
            .zip(found)
            .map(|(words, found)| {
                words
                    .iter()
                    .zip(found)
                    .filter_map(|(w, f)| f.then_some(*w))
                    .collect()
            })
            .collect()
    }
}

/// Whole-word containment, so "reset" does not match "preset". A phrase that starts or ends
/// with a non-word character ("% off", "x-sympa-") needs no boundary on that side.
fn contains_phrase(haystack: &str, phrase: &str) -> bool {
    haystack
        .match_indices(phrase)
        .any(|(i, m)| whole_phrase_at(haystack, i, i + m.len(), phrase))
}

/// Whether `phrase`, found at `start..end` of `haystack`, stands there as whole words.
fn whole_phrase_at(haystack: &str, start: usize, end: usize, phrase: &str) -> bool {
    let before = haystack[..start].chars().next_back();
    let after = haystack[end..].chars().next();
    // Scripts written without spaces between words (Japanese, Chinese) have no boundary.
    let bounded = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() && !is_cjk(c));
    let open = !bounded(phrase.chars().next());
    let close = !bounded(phrase.chars().next_back());
    (open || !before.is_some_and(char::is_alphanumeric))
        && (close || !after.is_some_and(char::is_alphanumeric))
}

/// Han, kana and Hangul: written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF66..=0xFF9F)
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
    unsubscribe_in(text, true)
}

/// The unsubscribe phrase in a URL, where words run together (`/EmailUnsubscribe.aspx`).
pub fn find_unsubscribe_in_url(url: &str) -> Option<&'static str> {
    unsubscribe_in(url, false)
}

/// [`find_unsubscribe`] of text that [`normalize`] gave already.
pub fn find_unsubscribe_normalized(lower: &str) -> Option<&'static str> {
    unsubscribe_in_normalized(lower, true)
}

fn unsubscribe_in(text: &str, bounded: bool) -> Option<&'static str> {
    unsubscribe_in_normalized(&normalize(text), bounded)
}

fn unsubscribe_in_normalized(lower: &str, bounded: bool) -> Option<&'static str> {
    let forms = unsubscribe_forms();
    let words = &get().unsubscribe;
    forms
        .automaton
        .find_overlapping_iter(lower)
        .filter(|m| {
            // A word starts here ("unsubtle" holds no "unsub"scribe, but "/unsubscribe?" and
            // "unsubscribed" do); a phrase of several words also ends at a word's end.
            let before = lower[..m.start()].chars().next_back();
            let after = lower[m.end()..].chars().next();
            let phrase = &words[forms.phrase[m.pattern().as_usize()]];
            // Scripts without spaces between words have no boundaries to look for.
            !bounded
                || phrase.starts_with(is_cjk)
                || (!before.is_some_and(char::is_alphabetic)
                    && (!phrase.contains(' ') || !after.is_some_and(char::is_alphabetic)))
        })
        .map(|m| forms.phrase[m.pattern().as_usize()])
        .min()
        .map(|i| words[i].as_str())
}

/// A weaker transactional phrase, for the subject and the opening of a body only.
pub fn find_transactional_opening(text: &str) -> Option<&'static str> {
    find(&get().transactional_opening, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_accents_and_other_languages_match() {
        // "Désabonnez-vous" with a combining acute accent.
        assert!(find_unsubscribe("De\u{301}sabonnez-vous").is_some());
        assert!(find_unsubscribe("Newsletter abbestellen").is_some());
        assert!(find_unsubscribe("https://shop.example/abmelden?id=1").is_some());
        assert!(find_unsubscribe("https://x.example/desabonnement").is_some());
        assert!(find_unsubscribe("Haga clic aquí para darse de baja").is_some());
        assert!(find_unsubscribe("Remove the pan from the heat").is_none());
        assert_eq!(
            find_all(&get().promotional, "20% off this week, shop now"),
            vec!["% off", "shop now"]
        );
    }

    #[test]
    fn matches_whole_words_and_url_forms() {
        assert!(find_unsubscribe("https://x.example/Unsubscribe?id=1").is_some());
        assert!(find_unsubscribe("Se désabonner").is_some());
        assert!(find_unsubscribe("manage-preferences").is_some());
        let transactional = |text| find(&get().transactional, text);
        assert!(transactional("Reset your password").is_some());
        assert!(transactional("Our preset receipts-free offer").is_none());
    }

    #[test]
    fn lists_searched_together_find_what_each_finds_alone() {
        let p = get();
        let lists = vec![
            &p.promotional,
            &p.transactional,
            &p.promotional,
            &p.greetings,
        ];
        let search = ListSearch::new(lists.clone());
        for text in [
            "Hi there, 20% off this week: shop now. Your order receipt is attached.",
            "reset your password — preset",
            "",
        ] {
            let text = normalize(text);
            let alone: Vec<Vec<&str>> = lists
                .iter()
                .map(|list| find_all_normalized(list, &text))
                .collect();
            assert_eq!(search.find_all_normalized(&text), alone, "{text}");
        }
    }
}
