//! The checks, one module per rule; each is a pure function of the send.

pub mod bulk_from_mailbox;
pub mod client_support;
pub mod color_contrast;
pub mod consent_expired;
pub mod consent_missing;
pub mod dark_mode;
pub mod gmail_clipping;
pub mod html_lang;
pub mod identical_body;
pub mod image_alt;
pub mod image_only;
pub mod image_src;
pub mod input_problem;
pub mod layout_table_role;
pub mod link_target;
pub mod link_text;
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
use crate::model::source::SourceId;
use crate::rules::{ListedParams, Rule};

/// The draft's HTML when it is a designed email, the kind the template checks (rendering,
/// accessibility, links) judge: an HTML or MJML template, or a message that is commercial,
/// transactional or of unknown kind. A reply, a person-to-person message or a list post is
/// written in a mail client, whose markup nobody can fix: a missing `lang` there is no one's
/// business. Where the kind cannot be told, markup a mail client wrote (Outlook's Word
/// generator, Gmail's quote classes) says the same.
pub fn designed_html(send: &Mailing) -> Option<&HtmlDoc> {
    let doc = send.draft.html.as_ref()?;
    let template = matches!(send.draft.format, DraftFormat::Html | DraftFormat::Mjml);
    match send.kind.kind {
        Kind::NotCommercial if !template => None,
        Kind::Unknown if written_in_mail_client(doc) => None,
        _ => Some(doc),
    }
}

/// `<meta name="generator">` values of mail clients' compose windows, lowercase.
const MAIL_CLIENT_GENERATORS: &[&str] = &["microsoft word", "microsoft exchange", "windows mail"];

/// Class and id prefixes mail clients give the parts of a message they write (Gmail's
/// `gmail_quote`, Outlook on the web's `divRplyFwdMsg`, Thunderbird's `moz-cite-prefix`).
const MAIL_CLIENT_MARKS: &[&str] = &["gmail_", "divRplyFwdMsg", "moz-cite-prefix"];

/// Whether the HTML was written in a mail client's compose window rather than designed.
fn written_in_mail_client(doc: &HtmlDoc) -> bool {
    let generator = |e: &crate::load::draft::html::Element, content: &str| {
        &*e.name == "meta"
            && e.attr("name")
                .is_some_and(|n| n.eq_ignore_ascii_case("generator"))
            && MAIL_CLIENT_GENERATORS.iter().any(|g| {
                content
                    .get(..g.len())
                    .is_some_and(|c| c.eq_ignore_ascii_case(g))
            })
    };
    doc.elements.iter().any(|e| {
        e.attrs.iter().any(|(name, value)| match name.as_str() {
            "class" | "id" => value
                .split_whitespace()
                .any(|v| MAIL_CLIENT_MARKS.iter().any(|m| v.starts_with(m))),
            "content" => generator(e, value),
            _ => false,
        })
    })
}

/// Whether element `i` of `doc` is out of every reader's way: it or an element it stands in
/// is `display: none`, has `hidden`, or is `aria-hidden="true"` (a mobile-only copy, a
/// client-specific block), so a screen reader does not announce it.
fn hidden_from_readers(doc: &HtmlDoc, i: usize) -> bool {
    let mut at = Some(i);
    while let Some(k) = at {
        let e = &doc.elements[k];
        let hidden = e.attr("hidden").is_some()
            || e.attr("aria-hidden")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
            || e.attr("style").is_some_and(|style| {
                crate::analysis::css::declarations(style).iter().any(|d| {
                    d.property == "display" && d.plain_value().eq_ignore_ascii_case("none")
                })
            });
        if hidden {
            return true;
        }
        at = e.parent;
    }
    false
}

/// The subject of a finding about `n` places: `one` ("a link has") for one, else the count
/// and `many` ("5 links have").
fn subject(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        one.to_string()
    } else {
        format!("{n} {many}")
    }
}

/// Places shown for a finding about many elements of a template; the message counts them all.
const SHOWN_PLACES: usize = 3;

/// `finding` labelled at the first few of `places` (in `source`), each with `text`, so one
/// finding stands for a template's dozens of tables or images without hiding where they are.
fn at_places(
    mut finding: Finding,
    source: SourceId,
    places: &[Range<usize>],
    text: &str,
) -> Finding {
    let shown = places.len().min(SHOWN_PLACES);
    for (i, span) in places.iter().take(shown).enumerate() {
        let more = places.len() - shown;
        let text = if i + 1 == shown && more > 0 {
            format!("{text} (and {more} more)")
        } else {
            text.to_string()
        };
        finding = finding.label(source, span.clone(), text);
    }
    finding
}

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
