//! `dark-mode`: a template that paints its own colours and says nothing about dark mode, whose
//! colours the mail apps that darken mail then pick themselves.

use serde::Deserialize;

use crate::analysis::css::{self, DocCss};
use crate::load::draft::HtmlDoc;
use crate::model::finding::Finding;
use crate::rules::checks::designed_html;
use crate::rules::Rule;
use crate::rules::Subject;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// Media features of a dark-mode block (`@media (prefers-color-scheme: dark)`), lowercase.
    pub media_features: Vec<String>,
    /// `<meta name>` values that declare the colour schemes a template supports, lowercase.
    pub meta_names: Vec<String>,
    /// Selectors a client's dark mode sets (Outlook.com's `[data-ogsc]`), lowercase.
    pub selectors: Vec<String>,
}

/// What the markup says about colours and dark mode.
#[derive(Debug, Default)]
struct Seen {
    /// The first element or style sheet that sets a colour, as a span in the markup.
    colour: Option<std::ops::Range<usize>>,
    /// The first dark-mode media block, as a span in the markup.
    media: Option<std::ops::Range<usize>>,
    /// A `color-scheme` meta tag or property.
    scheme: bool,
    /// A client's dark-mode selector.
    selector: bool,
}

/// Properties and attributes that paint a colour of the template's own.
const COLOUR_PROPERTIES: [&str; 3] = ["background-color", "background", "color"];
const COLOUR_ATTRIBUTES: [&str; 3] = ["bgcolor", "color", "text"];

/// Values that paint no colour of their own: they take the client's or the parent's.
const NOT_A_COLOUR: [&str; 7] = [
    "inherit",
    "initial",
    "unset",
    "currentcolor",
    "transparent",
    "none",
    "",
];

/// Whether `value` (of a colour property or attribute) paints a colour of the template's own.
fn paints(value: &str) -> bool {
    let value = value.trim().to_ascii_lowercase();
    !NOT_A_COLOUR.contains(&value.as_str()) && !value.starts_with("url(")
}

/// Whether a declaration paints a colour of the template's own.
fn paints_colour(d: &css::Declaration) -> bool {
    COLOUR_PROPERTIES.contains(&d.property.as_ref()) && paints(d.plain_value())
}

fn look(doc: &HtmlDoc, doc_css: &DocCss, p: &Params) -> Seen {
    let mut seen = Seen::default();
    for (e, decls) in doc.elements.iter().zip(&doc_css.inline) {
        if &*e.name == "meta"
            && e.attr("name")
                .is_some_and(|n| p.meta_names.iter().any(|m| n.eq_ignore_ascii_case(m)))
        {
            seen.scheme = true;
        }
        if seen.colour.is_none() {
            let by_attribute = e
                .attrs
                .iter()
                .any(|(n, v)| COLOUR_ATTRIBUTES.contains(&n.as_str()) && paints(v));
            let by_style = decls.iter().any(paints_colour);
            if by_attribute || by_style {
                seen.colour = Some(e.span.clone());
            }
        }
        if e.attr("style").is_some_and(|s| {
            s.as_bytes()
                .windows(b"color-scheme".len())
                .any(|w| w.eq_ignore_ascii_case(b"color-scheme"))
        }) {
            seen.scheme = true;
        }
    }
    for (sheet, read) in doc.styles.iter().zip(&doc_css.sheets) {
        let parsed = &read.sheet;
        for at in &parsed.at_rules {
            let prelude = at.prelude.to_ascii_lowercase();
            if seen.media.is_none()
                && at.name.eq_ignore_ascii_case("media")
                && p.media_features
                    .iter()
                    .any(|f| prelude.contains(f.as_str()))
            {
                let start = sheet.span.start + at.span.start;
                seen.media = Some(start..sheet.span.start + at.span.end);
            }
        }
        for (block, decls) in parsed.blocks.iter().zip(&read.declarations) {
            let selector = block.selector.to_ascii_lowercase();
            if p.selectors.iter().any(|s| selector.contains(s.as_str())) {
                seen.selector = true;
            }
            if decls.iter().any(|d| d.property == "color-scheme") {
                seen.scheme = true;
            }
            if block.within.is_none() && decls.iter().any(paints_colour) {
                // The first colour in the file, whether a rule or an element sets it.
                let start = sheet.span.start + block.selector_at;
                if seen.colour.as_ref().is_none_or(|c| start < c.start) {
                    seen.colour = Some(start..start + block.selector.len());
                }
            }
        }
    }
    seen
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    let seen = look(doc, send.css(), &params.dark_mode);
    // Unstyled mail is darkened cleanly by every client: nothing to say.
    let Some(colour) = seen.colour else {
        return;
    };
    let source = doc.markup.0;
    let finding = match (&seen.media, seen.scheme, seen.selector) {
        (Some(media), false, _) => rule
            .finding(
                "dark-mode styles without `<meta name=\"color-scheme\" content=\"light dark\">`: Apple Mail applies them only when the email declares both schemes",
            )
            .label(source, media.clone(), "this block applies only with the color-scheme meta tags"),
        (None, false, false) => rule
            .finding(
                "the template sets its own colours but has no dark-mode styles: mail apps that darken mail (Apple Mail, Outlook, the Gmail apps) will recolour it themselves",
            )
            .label(source, colour, "a colour of the template's own"),
        _ => return,
    };
    out.push(finding.help(
        "Declare both schemes in the head (`<meta name=\"color-scheme\" content=\"light dark\">` and `<meta name=\"supported-color-schemes\" content=\"light dark\">`), give the dark colours in `@media (prefers-color-scheme: dark) { … }`, and check logos and images on a dark background.",
    ));
}
