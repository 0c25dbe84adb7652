//! `html-lang`: the `<html>` element says which language the text is in (`lang`) and, for
//! Arabic or Hebrew text, that it reads right to left (`dir`).

use std::ops::Range;

use crate::load::draft::html::Element;
use crate::load::draft::DraftFormat;
use crate::mailing::Mailing;
use crate::model::finding::{Finding, Severity};
use crate::model::source::SourceId;
use crate::rules::checks::designed_html;
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, _: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    // A file without `<html>` is a partial (a body or a block a layout includes): the layout
    // that wraps it is where `lang` goes, and it is not this file.
    let Some(html) = doc.elements.iter().find(|e| &*e.name == "html") else {
        return;
    };
    let place = Place::of(send, doc.markup.0, html);
    // `lang` and `dir` on `<body>` cover every word a reader sees: Outlook writes them there.
    let body = doc.elements.iter().find(|e| &*e.name == "body");
    let said = |name: &str| {
        [Some(html), body]
            .into_iter()
            .flatten()
            .filter_map(|e| e.attr(name).map(str::trim))
            // MJML renders `lang="und"` (undetermined) when `<mjml>` has none.
            .find(|v| !v.is_empty() && !v.eq_ignore_ascii_case("und"))
            .unwrap_or_default()
    };
    let lang = said("lang");
    let no_lang = lang.is_empty();
    let dir = said("dir");
    let rtl_text = mostly_right_to_left(&doc.visible_text);
    let rtl_unsaid = rtl_text && !dir.eq_ignore_ascii_case("rtl");

    if no_lang {
        let mut f = rule
            .finding(format!(
                "{} says no language (`lang`): screen readers read the text with the reader's default voice and pronunciation",
                place.element
            ))
            .help(format!(
                "Add the language of the text, as in {}; a template sent in several languages takes it from a merge tag.",
                place.example
            ));
        if rtl_unsaid {
            f.message
                .push_str(", and the text, mostly Arabic or Hebrew, is not marked right to left");
        }
        out.push(f.label(place.source, place.span, "no `lang` here"));
    } else if rtl_unsaid {
        out.push(
            rule.finding(format!(
                "the text is mostly Arabic or Hebrew but {} does not set `dir=\"rtl\"`: clients lay it out left to right",
                place.element
            ))
            .help("Add `dir=\"rtl\"` to the `<html>` element (or `<mjml>`), and `dir=\"ltr\"` to any block in a left-to-right language.")
            .label(place.source, place.span, "`dir=\"rtl\"` belongs here"),
        );
    } else if dir.is_empty() {
        let mut f = rule
            .finding(format!(
                "{} does not set the text direction (`dir`)",
                place.element
            ))
            .help("Add `dir=\"ltr\"` (or `dir=\"rtl\"` for Arabic or Hebrew): some clients and screen readers otherwise guess the direction from the first letters.");
        f.severity = Severity::Info;
        out.push(f.label(place.source, place.span, "no `dir` here"));
    }
}

/// Where to point and how to name the element that carries `lang`: the `<html>` start tag, or
/// for MJML the `<mjml>` one in the template (the `<html>` is rendered from it).
struct Place {
    source: SourceId,
    span: Range<usize>,
    element: &'static str,
    example: &'static str,
}

impl Place {
    fn of(send: &Mailing, markup: SourceId, html: &Element) -> Place {
        if send.draft.format == DraftFormat::Mjml {
            let text = &send.sources.get(send.draft.source).text;
            if let Some(start) = text.find("<mjml") {
                let end = text[start..]
                    .find('>')
                    .map_or(text.len(), |e| start + e + 1);
                return Place {
                    source: send.draft.source,
                    span: start..end,
                    element: "the `<mjml>` element",
                    example: "`<mjml lang=\"en\">`",
                };
            }
        }
        Place {
            source: markup,
            span: html.span.clone(),
            element: "the `<html>` element",
            example: "`<html lang=\"en\" dir=\"ltr\">`",
        }
    }
}

/// Whether more of the letters of `text` are in a right-to-left script (Hebrew, Arabic,
/// Syriac, Thaana, N'Ko and their presentation forms) than in any other.
fn mostly_right_to_left(text: &str) -> bool {
    let (mut rtl, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        if matches!(c, '\u{0590}'..='\u{07FF}' | '\u{0860}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
        {
            rtl += 1;
        } else {
            other += 1;
        }
    }
    rtl > other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_is_a_majority_of_letters() {
        assert!(mostly_right_to_left("مرحبا بكم في متجرنا ACME"));
        assert!(mostly_right_to_left("שלום וברכה"));
        assert!(!mostly_right_to_left("Hello שלום and welcome"));
        assert!(!mostly_right_to_left("12345 !!"));
    }
}
