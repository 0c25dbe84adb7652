//! `link-text`: links a screen reader announces with no name, or only "click here": listed
//! with the page's other links, they say nothing about where they go.

use std::ops::Range;

use crate::load::draft::html::Element;
use crate::load::draft::HtmlDoc;
use crate::model::finding::{Finding, Severity};
use crate::rules::checks::{at_places, designed_html, hidden_from_readers, subject};
use crate::rules::Rule;
use crate::rules::Subject;

/// `rules/link-text.toml`'s `[params]`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// Link texts that say nothing about the target, lowercase.
    pub vague: Vec<String>,
    /// Words of text around a vague link, in the same paragraph or cell, from which the
    /// sentence tells where the link goes (WCAG 2.4.4 "in context").
    pub context_words: u64,
}

/// Longest text compared with the phrases, in bytes: longer text is no stock phrase.
const MAX_PHRASE: usize = 48;

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    let params = &params.link_text;
    // `doc.links` come from these start tags, in order (see html.rs: an `<a>`, or Inky's
    // `<button href>`/`<item href>`).
    let elements: Vec<usize> = doc
        .elements
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            &*e.name == "a"
                || (matches!(e.name.as_str(), "button" | "item") && e.attr("href").is_some())
        })
        .map(|(i, _)| i)
        .collect();
    let mut empty: Vec<Range<usize>> = Vec::new();
    let mut vague: Vec<Range<usize>> = Vec::new();
    let mut first_vague = None;
    let mut block_words: Option<Vec<usize>> = None;
    for (k, (link, &element)) in doc.links.iter().zip(&elements).enumerate() {
        if link.href.is_none() || named(&doc.elements[element]) {
            continue;
        }
        let text = link.text.trim();
        if text.is_empty() {
            // A link wrapped around another (a button's table inside an `<a>`) is read with
            // the inner one's text; the parse gives that text to the inner link only.
            let wraps_next = elements
                .get(k + 1)
                .is_some_and(|&next| within(doc, next, element));
            if !wraps_next && !hidden_from_readers(doc, element) {
                empty.push(link.span.clone());
            }
            continue;
        }
        if text.len() > MAX_PHRASE {
            continue;
        }
        let phrase = normalise(text);
        if !params.vague.iter().any(|v| v.eq_ignore_ascii_case(&phrase)) {
            continue;
        }
        let words = block_words.get_or_insert_with(|| words_per_block(doc));
        let around = words
            .get(link.block)
            .copied()
            .unwrap_or_default()
            .saturating_sub(word_count(text));
        if u64::try_from(around).unwrap_or(u64::MAX) >= params.context_words
            || headed(doc, k.checked_sub(1).map(|p| elements[p]), element)
        {
            continue;
        }
        first_vague.get_or_insert(phrase);
        vague.push(link.span.clone());
    }
    if !empty.is_empty() {
        let message = format!(
            "{} no text: screen readers announce only \"link\" or read out the address",
            subject(empty.len(), "a link has", "links have")
        );
        out.push(at_places(
            rule.finding(message).help(
                "Put words in the link, or give the image inside it an `alt` that says where it goes (`alt=\"ACME on Instagram\"`), or an `aria-label` on the link.",
            ),
            doc.source,
            &empty,
            "a link without text",
        ));
    }
    if let Some(phrase) = first_vague {
        let message = format!(
            "{} only \"{phrase}\"{}, and nothing in the same paragraph or cell says where it goes",
            subject(vague.len(), "a link says", "links say"),
            if vague.len() > 1 { " or the like" } else { "" }
        );
        let mut f = at_places(
            rule.finding(message).help(
                "Say where the link goes in its own words (\"Read the full spring menu\", \"Unsubscribe from these emails\"): screen reader users jump from link to link, and a list of \"click here\" tells them nothing.",
            ),
            doc.source,
            &vague,
            "says only what to do, not where it goes",
        );
        f.severity = Severity::Info;
        out.push(f);
    }
}

/// Whether a heading (`<h1>` to `<h6>`) stands between the previous link (element `previous`)
/// and this one (`link`): the link then reads with the heading that names its section, as
/// a digest's "Read more" under each article's title (WCAG technique H80).
fn headed(doc: &HtmlDoc, previous: Option<usize>, link: usize) -> bool {
    let from = previous.map_or(0, |p| p + 1);
    doc.elements.get(from..link).is_some_and(|between| {
        between
            .iter()
            .any(|e| matches!(e.name.as_str(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6"))
    })
}

/// Whether element `inner` stands inside element `outer`.
fn within(doc: &HtmlDoc, inner: usize, outer: usize) -> bool {
    let mut at = doc.elements[inner].parent;
    while let Some(i) = at {
        if i == outer {
            return true;
        }
        // Parents come before their children: past `outer`, it cannot be an ancestor.
        if i < outer {
            return false;
        }
        at = doc.elements[i].parent;
    }
    false
}

/// A link with a name besides its text (`aria-label`, `aria-labelledby`, `title`).
fn named(link: &Element) -> bool {
    ["aria-label", "aria-labelledby", "title"]
        .iter()
        .any(|n| link.attr(n).is_some_and(|v| !v.trim().is_empty()))
}

/// `text` lowercased without the arrows and punctuation buttons add (`Read more »`, `Learn
/// more →`, `Click here!`).
fn normalise(text: &str) -> String {
    text.trim_matches(|c: char| !c.is_alphanumeric())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Words of visible text in each block (paragraph, cell, …), indexed by block number.
fn words_per_block(doc: &HtmlDoc) -> Vec<usize> {
    let mut words = Vec::new();
    for run in &doc.texts {
        if words.len() <= run.block {
            words.resize(run.block + 1, 0);
        }
        words[run.block] += word_count(&run.text);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_lose_case_arrows_and_punctuation() {
        assert_eq!(normalise("Read   More »"), "read more");
        assert_eq!(normalise("→ Click here!"), "click here");
        assert_eq!(normalise("Cliquez ICI"), "cliquez ici");
    }
}
