//! `gmail-clipping`: HTML so large that Gmail shows only its beginning and hides the rest
//! (often the footer with the unsubscribe link) behind "View entire message".
//!
//! The size is the HTML as the reader's Gmail receives it: decoded from quoted-printable or
//! base64 (the loader already did that), with each merge tag replaced by a typical value and,
//! for a template, the footer the ESP appends.

use std::ops::Range;

use serde::Deserialize;

use crate::analysis::merge_tags;
use crate::load::draft::{DraftFormat, HtmlDoc};
use crate::model::finding::{Finding, Severity};
use crate::rules::checks::designed_html;
use crate::rules::Rule;
use crate::rules::Subject;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// HTML larger than this is clipped.
    pub limit_bytes: u64,
    /// HTML larger than this, and not over the limit, is worth a warning: one more article
    /// or a longer merge value tips it over.
    pub warn_bytes: u64,
    /// What an ESP's footer (address, unsubscribe and preference links) adds to a template.
    pub footer_bytes: u64,
    /// A merge tag's typical value (a first name, a city).
    pub tag_bytes: u64,
    /// A merge tag that stands for a link (an unsubscribe or web-version URL with a token).
    pub link_tag_bytes: u64,
    /// A tag whose name contains one of these words stands for a link.
    pub link_tag_words: Vec<String>,
}

/// Where the bytes of an HTML body go, for the message.
#[derive(Debug, Default, PartialEq, Eq)]
struct Breakdown {
    inline_styles: usize,
    style_sheets: usize,
    comments: usize,
    /// Whitespace beyond one character per run, between tags and outside `<style>` and
    /// comments.
    whitespace: usize,
    /// `data:` URIs: pictures carried inside the HTML.
    embedded: usize,
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    let params = &params.gmail_clipping;
    let (source, range) = &doc.markup;
    let Some(html) = send.sources.get(*source).text.get(range.clone()) else {
        return;
    };
    let template = matches!(send.draft.format, DraftFormat::Html | DraftFormat::Mjml);
    // HTML under half the warning size would need hundreds of link tags to reach it: not worth
    // scanning every template for its tags.
    if html.len() < to_usize(params.warn_bytes) / 2 {
        return;
    }
    let size = filled_size(html, params, template);
    let limit = to_usize(params.limit_bytes);
    let over = size > limit;
    if !over && size <= to_usize(params.warn_bytes) {
        return;
    }
    let parts = breakdown(doc, html, range.start);
    let how = if template {
        " once merge tags are filled and the ESP's footer is added"
    } else {
        " once merge tags are filled"
    };
    let message = if over {
        format!(
            "the HTML is {}{how}: Gmail clips messages over {}, so readers see only the top and must click \"View entire message\" for the rest (the unsubscribe link too)",
            kb(size),
            kb(limit)
        )
    } else {
        format!(
            "the HTML is {}{how}, close to the {} at which Gmail clips a message",
            kb(size),
            kb(limit)
        )
    };
    let mut finding = rule.finding(message);
    // Near the limit nothing is clipped yet: a warning at most.
    if !over {
        finding.severity = rule.severity.min(Severity::Warning);
    }
    let at = doc
        .elements
        .first()
        .map_or(range.start..range.start, |e| e.span.clone());
    out.push(
        finding
            .label(*source, at, format!("what takes the space: {}", parts.describe(html.len())))
            .help("Minify the HTML (whitespace and comments), move repeated inline styles into classes in one `<style>` block where your ESP keeps it, link pictures instead of embedding them, or split the content across two mailings."),
    );
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The size of `html` with merge tags replaced by typical values, plus a template's footer.
fn filled_size(html: &str, params: &Params, template: bool) -> usize {
    let mut size = html.len();
    for tag in merge_tags::find(html) {
        let value = if params
            .link_tag_words
            .iter()
            .any(|w| tag.key.contains(w.as_str()))
        {
            params.link_tag_bytes
        } else {
            params.tag_bytes
        };
        size = size - tag.span.len() + to_usize(value);
    }
    if template {
        size += to_usize(params.footer_bytes);
    }
    size
}

fn breakdown(doc: &HtmlDoc, html: &str, base: usize) -> Breakdown {
    let mut parts = Breakdown::default();
    for (name, value) in doc.elements.iter().flat_map(|e| &e.attrs) {
        if name == "style" {
            parts.inline_styles += value.len();
        } else if value
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
        {
            parts.embedded += value.len();
        }
    }
    // Whitespace inside style sheets and comments is counted with them.
    let mut skip: Vec<Range<usize>> = doc
        .styles
        .iter()
        .map(|s| s.span.clone())
        .chain(doc.comments.iter().map(|c| c.span.clone()))
        .map(|r| r.start.saturating_sub(base)..r.end.saturating_sub(base))
        .collect();
    skip.sort_by_key(|r| r.start);
    parts.style_sheets = doc.styles.iter().map(|s| s.text.len()).sum();
    parts.comments = doc.comments.iter().map(|c| c.span.len()).sum();
    parts.whitespace = extra_whitespace(html.as_bytes(), &skip);
    parts
}

/// Whitespace beyond the first character of each run between tags (indentation and blank
/// lines; what is inside a tag counts with its attributes), outside the `skip` ranges (sorted).
fn extra_whitespace(bytes: &[u8], skip: &[Range<usize>]) -> usize {
    let mut extra = 0;
    let mut run = 0;
    let mut in_tag = false;
    let mut skips = skip.iter().peekable();
    let mut i = 0;
    while i < bytes.len() {
        while skips.peek().is_some_and(|r| r.end <= i) {
            skips.next();
        }
        if let Some(r) = skips.peek().filter(|r| r.start <= i) {
            i = r.end;
            run = 0;
            continue;
        }
        match bytes[i] {
            b'<' => in_tag = true,
            b'>' => in_tag = false,
            _ => {}
        }
        if bytes[i].is_ascii_whitespace() && !in_tag {
            if run > 0 {
                extra += 1;
            }
            run += 1;
        } else {
            run = 0;
        }
        i += 1;
    }
    extra
}

impl Breakdown {
    /// The parts worth naming (over 1 KB), largest first, then the rest of the markup and text.
    fn describe(&self, total: usize) -> String {
        let mut named = [
            ("inline styles", self.inline_styles),
            ("<style> blocks", self.style_sheets),
            ("comments", self.comments),
            ("extra whitespace", self.whitespace),
            ("embedded pictures (data: URIs)", self.embedded),
        ];
        named.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
        let counted: usize = named.iter().map(|(_, n)| n).sum();
        let mut list: Vec<String> = named
            .iter()
            .filter(|(_, n)| *n >= 1024)
            .map(|(what, n)| format!("{what} {}", kb(*n)))
            .collect();
        list.push(format!(
            "other markup and text {}",
            kb(total.saturating_sub(counted))
        ));
        list.join(", ")
    }
}

/// Bytes in kilobytes of 1024, as Gmail's limit is usually quoted.
fn kb(bytes: usize) -> String {
    // Precision is irrelevant at these sizes; the cast only feeds a display.
    #[allow(clippy::cast_precision_loss)]
    let k = bytes as f64 / 1024.0;
    format!("{k:.1} KB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_whitespace_skips_ranges_and_counts_runs() {
        let text = b"a  b\n\n   c <s>    </s> d <p  class=x>";
        assert_eq!(extra_whitespace(text, &[]), 1 + 4 + 3);
        let style = 14..18;
        assert_eq!(extra_whitespace(text, std::slice::from_ref(&style)), 1 + 4);
    }

    #[test]
    fn kilobytes_are_binary() {
        assert_eq!(kb(104_448), "102.0 KB");
    }
}
