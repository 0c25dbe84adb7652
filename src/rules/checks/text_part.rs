//! `text-part`: a message with an HTML part and no plain-text alternative, or a text part that
//! says something else than the HTML (left over from another campaign).

use std::collections::HashSet;

use serde::Deserialize;

use crate::load::draft::{DraftFormat, TextPart};
use crate::mailing::Mailing;
use crate::model::finding::{Finding, Label};
use crate::rules::checks::designed_html;
use crate::rules::Rule;
use crate::rules::Subject;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// Both parts need this many distinct words before they are compared: a stub ("view this
    /// email online") says too little to be "about something else".
    pub min_words: usize,
    /// The text part is stale when fewer than this share of the smaller part's words appear
    /// in the other.
    pub min_shared: f64,
}

/// The distinct words of `text`, lowercased: runs of letters and digits of three characters
/// or more, and each Han, kana or Hangul character alone (those scripts do not space words).
fn words(text: &str) -> HashSet<String> {
    fn flush(word: &mut String, out: &mut HashSet<String>) {
        if word.chars().count() >= 3 {
            out.insert(std::mem::take(word));
        }
        word.clear();
    }
    let mut out = HashSet::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_unspaced_script(c) {
            flush(&mut word, &mut out);
            out.insert(c.to_string());
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn is_unspaced_script(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// The share of the smaller set's words found in the other (the overlap coefficient): a
/// short text part that sums up a long HTML part still shares most of its words.
fn shared(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.is_empty() {
        return 1.0;
    }
    small.iter().filter(|w| large.contains(*w)).count() as f64 / small.len() as f64
}

/// The text part's first non-blank line.
fn first_line(send: &Mailing, part: &TextPart, text: &str) -> Label {
    let file = send.sources.get(part.source);
    let body = file.clamp_span(part.span.clone());
    let start = body.start + (file.text[body.clone()].len() - file.text[body].trim_start().len());
    let (line, _) = file.line_col(start);
    Label {
        source: part.source,
        span: start..file.line_span(line).end.max(start),
        text: text.into(),
    }
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    // Templates have no parts: the sending service writes the text part.
    if send.draft.format != DraftFormat::Message {
        return;
    }
    let Some(doc) = designed_html(send) else {
        return;
    };
    let p = &params.text_part;
    let Some(part) = &send.draft.text else {
        let label = send
            .draft
            .header_label("Content-Type", "an HTML part only")
            .or_else(|| {
                send.draft
                    .body_start_label(&send.sources, "an HTML part only")
            });
        out.push(
            rule.finding("the message has an HTML part and no plain-text alternative")
                .with_label(label)
                .help("Send it as multipart/alternative with a text/plain part that says the same thing (most sending services write one from the HTML). Spam filters score HTML-only mail (SpamAssassin's MIME_HTML_ONLY), and text-only mail readers, some watches and screen-reader setups show the text part."),
        );
        return;
    };
    if send.draft.undecoded(part.source) || send.draft.undecoded(doc.source) {
        return;
    }
    let (text_words, html_words) = (words(&part.content), words(&doc.visible_text));
    if text_words.len().min(html_words.len()) < p.min_words {
        return;
    }
    let share = shared(&text_words, &html_words);
    if share >= p.min_shared {
        return;
    }
    let percent = (share * 100.0).round();
    out.push(
        rule.finding(format!(
            "the text part says something else than the HTML: only {percent}% of its words are shared"
        ))
        .with_label(Some(first_line(send, part, "the text part starts here")))
        .help("Regenerate the text part from the HTML (or let the sending service write it): readers whose mail program shows the text part, and spam filters that compare the two, see a different message."),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_and_scripts_split() {
        let w = words("Spring SALE: 20% off, a b c — 春のセール");
        for expected in ["spring", "sale", "off", "春", "セ"] {
            assert!(w.contains(expected), "{expected} in {w:?}");
        }
        assert!(!w.contains("20") && !w.contains("a"));
    }

    #[test]
    fn overlap_is_of_the_smaller_set() {
        let a = words("spring sale bread");
        let b = words("spring sale bread croissant baguette tart");
        assert_eq!(shared(&a, &b), 1.0);
        assert_eq!(shared(&words("winter boots"), &b), 0.0);
    }
}
