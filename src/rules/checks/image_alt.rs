//! `image-alt`: images without alt text, or whose alt text is a file name. Screen readers
//! read the file name or URL out instead, and clients that block images show nothing useful.
//! An empty `alt=""` is a deliberate choice (a spacer, a decorative picture): not a finding.

use std::ops::Range;

use crate::analysis::css;
use crate::load::draft::html::Element;
use crate::load::draft::DraftFormat;
use crate::model::finding::{Finding, Severity};
use crate::rules::checks::{at_places, designed_html, subject};
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, _: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    // `doc.images` and the `<img>` elements come from the same start tags, in order; the
    // images' spans are the ones moved back into an MJML template.
    let elements = doc.elements.iter().filter(|e| &*e.name == "img");
    let mut missing: Vec<Range<usize>> = Vec::new();
    let mut pixels = 0usize;
    let mut file_names: Vec<Range<usize>> = Vec::new();
    let mut first_file_name = None;
    for (image, element) in doc.images.iter().zip(elements) {
        match &image.alt {
            // MJML renders an `<mj-image>` without `alt` as `alt=""` (mrml leaves it out).
            None if hidden(element) || send.draft.format == DraftFormat::Mjml => {}
            None => {
                pixels += usize::from(is_pixel(element));
                missing.push(image.span.clone());
            }
            Some(alt) if looks_like_file_name(alt.trim(), image.src.as_deref()) => {
                first_file_name.get_or_insert_with(|| alt.trim().to_string());
                file_names.push(image.span.clone());
            }
            Some(_) => {}
        }
    }
    if !missing.is_empty() {
        out.push(missing_alt(rule, doc.source, &missing, pixels));
    }
    if let Some(example) = first_file_name {
        let message = format!(
            "{} a file name as `alt` text, not words (`{example}`)",
            subject(file_names.len(), "an image has", "images have")
        );
        out.push(at_places(
            rule.finding(message).help(
                "Replace it with words that say what the image shows, or `alt=\"\"` if it is decoration; a file name read aloud tells the reader nothing.",
            ),
            doc.source,
            &file_names,
            "a file name as `alt`",
        ));
    }
}

/// The finding for images without `alt`, of which `pixels` are spacers or tracking pixels: a
/// warning when an image with content has none, an info when only pixels lack it (a screen
/// reader may announce them, but nothing the reader needs is lost).
fn missing_alt(
    rule: &Rule,
    source: crate::model::source::SourceId,
    missing: &[Range<usize>],
    pixels: usize,
) -> Finding {
    let n = missing.len();
    let content = n - pixels;
    let mut parts = Vec::new();
    if content > 0 {
        parts.push(format!(
            "{} no `alt` text: screen readers read out the file name or address instead",
            subject(content, "an image has", "images have")
        ));
    }
    if pixels > 0 {
        parts.push(format!(
            "{} no `alt=\"\"`, so a screen reader may announce it",
            subject(
                pixels,
                "a spacer or tracking pixel has",
                "spacers or tracking pixels have"
            )
        ));
    }
    let message = parts.join("; and ");
    let mut finding = rule.finding(message).help(
        "Give each image an `alt` that says what it shows or where its link goes (`alt=\"Spring sale: 20% off\"`); give spacers, tracking pixels and purely decorative images an empty `alt=\"\"` so they are skipped.",
    );
    if content == 0 {
        finding.severity = Severity::Info;
    }
    at_places(finding, source, missing, "no `alt`")
}

/// An image hidden from screen readers on purpose, which needs no text.
fn hidden(img: &Element) -> bool {
    img.attr("aria-hidden")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || img.attr("role").is_some_and(|r| {
            let r = r.trim();
            r.eq_ignore_ascii_case("presentation") || r.eq_ignore_ascii_case("none")
        })
}

/// A spacer or tracking pixel: 2 pixels or less wide or high, by attribute or inline style.
fn is_pixel(img: &Element) -> bool {
    let small = |v: &str| {
        v.trim()
            .trim_end_matches("px")
            .trim_end()
            .parse::<f64>()
            .is_ok_and(|n| n <= 2.0)
    };
    let by_attribute = ["width", "height"]
        .iter()
        .any(|n| img.attr(n).is_some_and(small));
    by_attribute
        || img.attr("style").is_some_and(|style| {
            css::declarations(style).iter().any(|d| {
                matches!(d.property.as_ref(), "width" | "height") && small(d.plain_value())
            })
        })
}

/// Picture extensions a file-name alt ends with.
const EXTENSIONS: &[&str] = &[
    ".bmp", ".gif", ".jpeg", ".jpg", ".png", ".svg", ".tif", ".tiff", ".webp",
];

/// Whether `alt` is a file name rather than words: one token that ends in a picture
/// extension or joins words with underscores, a camera or export name (`IMG_1234`, `image001`, `DSC01234`), or the name of
/// the image's own file when that has hyphens or digits (`hero-banner`). An alt with a
/// merge tag in it is filled in at send time: never judged.
fn looks_like_file_name(alt: &str, src: Option<&str>) -> bool {
    if alt.is_empty()
        || alt.contains(char::is_whitespace)
        || alt.contains(['{', '[', '%', '|', '$'])
    {
        return false;
    }
    let lower = alt.to_ascii_lowercase();
    // Words joined by underscores are an identifier (`hero_banner`, a template's `alt_text`).
    if EXTENSIONS.iter().any(|e| lower.ends_with(e)) || alt.contains('_') {
        return true;
    }
    // Letters then three or more digits, with at most a `_` or `-` between.
    let letters = lower.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let digits = letters.trim_start_matches(['_', '-']);
    let camera = letters.len() < lower.len()
        && letters.len() - digits.len() <= 1
        && digits.len() >= 3
        && digits.bytes().all(|b| b.is_ascii_digit());
    if camera {
        return true;
    }
    let stem = src
        .and_then(|s| s.split(['?', '#']).next())
        .and_then(|s| s.rsplit('/').next())
        .map(|f| f.rsplit_once('.').map_or(f, |(stem, _)| stem))
        .unwrap_or_default();
    stem.eq_ignore_ascii_case(alt) && alt.contains(|c: char| c == '-' || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_told_from_words() {
        for alt in [
            "hero_banner.jpg",
            "IMG_1234",
            "image001.png",
            "DSC01234",
            "Logo.PNG",
        ] {
            assert!(looks_like_file_name(alt, None), "{alt}");
        }
        assert!(looks_like_file_name(
            "hero-banner",
            Some("https://cdn.x/img/hero-banner.jpg?v=2")
        ));
        assert!(looks_like_file_name("alt_text", None));
        for alt in [
            "ACME",
            "Spring sale",
            "logo",
            "T-shirt",
            "2024",
            "COVID-19",
            "{{product.name}}",
            "*|MC:SUBJECT|*",
        ] {
            assert!(!looks_like_file_name(alt, Some("logo.png")), "{alt}");
        }
    }
}
