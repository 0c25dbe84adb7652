//! The checks, one module per rule; each is a pure function of the send.

pub mod bulk_from_mailbox;
pub mod consent_expired;
pub mod consent_missing;
pub mod identical_body;
pub mod image_only;
pub mod image_src;
pub mod input_problem;
pub mod link_target;
pub mod list_unsubscribe_header;
pub mod merge_tag_syntax;
pub mod preheader;
pub mod recipient_duplicate;
pub mod recipient_invalid;
pub mod recipient_limit;
pub mod sender_identification;
pub mod text_part;
pub mod unrendered_merge_tag;
pub mod unsubscribe_missing;
pub mod unsubscribe_placeholder;
pub mod unused_suppression;
pub mod visible_recipients;

use std::ops::Range;

use crate::load::draft::{DraftFormat, HtmlDoc};
use crate::load::recipients::Origin;
use crate::mailing::Mailing;
use crate::model::finding::{Finding, Label};
use crate::model::kind::Kind;
use crate::rules::{ListedParams, Rule};

/// Findings for a list of bad entries: one per entry up to the rule's `max-listed`, then one
/// that counts the rest, so a list with thousands of bad rows stays readable.
fn per_entry<T>(
    rule: &Rule,
    listed: &ListedParams,
    entries: &[T],
    origin: impl Fn(&T) -> &Origin,
    noun: &str,
    each: impl Fn(&T) -> Finding,
    out: &mut Vec<Finding>,
) {
    let max = usize::try_from(listed.max_listed).unwrap_or(usize::MAX);
    out.extend(entries.iter().take(max).map(each));
    if let Some(rest) = entries.get(max..).filter(|r| !r.is_empty()) {
        let first = origin(&rest[0]);
        out.push(
            rule.finding(format!(
                "{} more {noun} (not listed one by one)",
                rest.len()
            ))
            .with_label(Some(Label {
                source: first.source,
                span: first.span.clone(),
                text: format!("the first of {} more", rest.len()),
            }))
            .help("`--format json` lists every finding; clean the list before sending."),
        );
    }
}

/// The HTML body the template checks read: a designed email's. They run on HTML and MJML
/// templates and on messages that are commercial, transactional or of unknown kind; in
/// person-to-person mail, replies, list posts and bounces a template defect is nobody's business.
pub fn designed_html(send: &Mailing) -> Option<&HtmlDoc> {
    let html = send.draft.html.as_ref()?;
    let template = matches!(send.draft.format, DraftFormat::Html | DraftFormat::Mjml);
    (template || send.kind.kind != Kind::NotCommercial).then_some(html)
}

/// Where attribute `name` (lowercase) of the start tag at `tag` in `text` stands: the whole
/// `name="value"` and the value inside its quotes, so a finding points at the attribute rather
/// than the tag. The parse keeps decoded values only; this reads the tag's markup again.
pub fn attribute_place(
    text: &str,
    tag: &Range<usize>,
    name: &str,
) -> Option<(Range<usize>, Range<usize>)> {
    let markup = text.get(tag.clone())?.as_bytes();
    let at = |i: usize| markup.get(i).copied();
    // Past `<tagname`.
    let mut i = 1 + markup
        .iter()
        .skip(1)
        .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')?;
    loop {
        while at(i).is_some_and(|b| b.is_ascii_whitespace() || b == b'/') {
            i += 1;
        }
        let start = i;
        while at(i).is_some_and(|b| !(b.is_ascii_whitespace() || matches!(b, b'=' | b'>' | b'/'))) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let found = markup[start..i].eq_ignore_ascii_case(name.as_bytes());
        let mut j = i;
        while at(j).is_some_and(|b| b.is_ascii_whitespace()) {
            j += 1;
        }
        let value = if at(j) == Some(b'=') {
            j += 1;
            while at(j).is_some_and(|b| b.is_ascii_whitespace()) {
                j += 1;
            }
            match at(j) {
                Some(q @ (b'"' | b'\'')) => {
                    let end = markup[j + 1..]
                        .iter()
                        .position(|&b| b == q)
                        .map_or(markup.len(), |e| j + 1 + e);
                    i = (end + 1).min(markup.len());
                    j + 1..end
                }
                _ => {
                    let end = markup[j..]
                        .iter()
                        .position(|b| b.is_ascii_whitespace() || *b == b'>')
                        .map_or(markup.len(), |e| j + e);
                    i = end;
                    j..end
                }
            }
        } else {
            i..i
        };
        if found {
            return Some((
                tag.start + start..tag.start + i,
                tag.start + value.start..tag.start + value.end,
            ));
        }
    }
}

/// Hits grouped by kind, in the order each kind first appears: the kind, its first hit and how
/// many there are. Rules that report one finding per kind of problem in a file (labelled at the
/// first, counting the rest) read their hits through this.
pub fn first_of_each<K: PartialEq, H>(hits: Vec<(K, H)>) -> Vec<(K, H, usize)> {
    let mut out: Vec<(K, H, usize)> = Vec::new();
    for (kind, hit) in hits {
        match out.iter_mut().find(|(k, _, _)| *k == kind) {
            Some((_, _, n)) => *n += 1,
            None => out.push((kind, hit, 1)),
        }
    }
    out
}

/// "1 image", "3 images": a count with its noun.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `text` cut to at most `max` characters, with `…` when cut (a `data:` URI can be megabytes).
pub fn shortened(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]).into(),
        None => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_places() {
        let text = r#"xx<img alt="a > b" SRC = 'x.png' data-x=y hidden>"#;
        let tag = 2..text.len();
        let (whole, value) = attribute_place(text, &tag, "src").unwrap();
        assert_eq!(&text[whole], "SRC = 'x.png'");
        assert_eq!(&text[value], "x.png");
        let (whole, value) = attribute_place(text, &tag, "data-x").unwrap();
        assert_eq!((&text[whole], &text[value]), ("data-x=y", "y"));
        let (whole, value) = attribute_place(text, &tag, "hidden").unwrap();
        assert_eq!((&text[whole], value.is_empty()), ("hidden", true));
        assert_eq!(attribute_place(text, &tag, "style"), None);
        // A tag cut short by the end of the file.
        assert_eq!(
            attribute_place("<img src=\"x", &(0..11), "src").map(|p| p.1),
            Some(10..11)
        );
    }

    #[test]
    fn grouping_keeps_first_and_counts() {
        let grouped = first_of_each(vec![("a", 1), ("b", 2), ("a", 3)]);
        assert_eq!(grouped, vec![("a", 1, 2), ("b", 2, 1)]);
    }
}
