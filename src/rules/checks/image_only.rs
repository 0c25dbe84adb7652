//! `image-only`: a message that is mostly images and says little in text. With images blocked
//! (the default in several clients) the reader sees nothing, and spam filters read little.

use serde::Deserialize;

use crate::analysis::css;
use crate::load::draft::html::Element;
use crate::model::finding::Finding;
use crate::rules::checks::{counted, designed_html};
use crate::rules::Rule;
use crate::rules::Subject;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// Text of at least this many characters (not counting spaces) passes, whatever the images.
    pub min_text_chars: usize,
    /// Otherwise the message is reported when images take more than this share of the
    /// estimated area.
    pub max_image_share: f64,
    /// Area, in px², one character of text takes (width × line height).
    pub char_area: u64,
    /// Width and height assumed for an image whose size is not written.
    pub default_width: u64,
    pub default_height: u64,
    /// What `100%` of a width is: the usual email body.
    pub full_width: u64,
    /// An image this size or smaller on both sides is a tracking pixel or a spacer.
    pub pixel_max: u64,
}

/// A length from an attribute or a CSS value: `600`, `600px`, `100%`; `None` for `auto` and
/// other units.
fn length(value: &str, full: u64) -> Option<u64> {
    let v = value.trim();
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    let n: u64 = v[..digits].parse().ok()?;
    match v[digits..].trim() {
        "" | "px" => Some(n),
        "%" => Some(full * n.min(100) / 100),
        _ => None,
    }
}

/// An image's width and height in px, from its attributes, else its inline style, else the
/// defaults; `None` when it is hidden.
fn size(el: &Element, p: &Params) -> Option<(u64, u64)> {
    let (mut w, mut h) = (
        el.attr("width").and_then(|v| length(v, p.full_width)),
        el.attr("height").and_then(|v| length(v, p.full_width)),
    );
    if let Some(style) = el.attr("style") {
        for d in css::declarations(style) {
            let value = d.plain_value();
            match &*d.property {
                "display" if value.eq_ignore_ascii_case("none") => return None,
                "width" => w = w.or_else(|| length(value, p.full_width)),
                "height" => h = h.or_else(|| length(value, p.full_width)),
                _ => {}
            }
        }
    }
    Some((w.unwrap_or(p.default_width), h.unwrap_or(p.default_height)))
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    let p = &params.image_only;
    let chars = doc
        .visible_text
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    if chars >= p.min_text_chars {
        return;
    }
    // The `img` elements give the sizes; `images`, the same tags in the same order, give
    // places in the draft's own source (an `.mjml` file's `<mj-image>`).
    let images: Vec<(usize, u64)> = doc
        .elements
        .iter()
        .filter(|e| &*e.name == "img")
        .enumerate()
        .filter_map(|(i, e)| Some((i, size(e, p)?)))
        .filter(|(_, (w, h))| *w > p.pixel_max || *h > p.pixel_max)
        .map(|(i, (w, h))| (i, w * h))
        .collect();
    let Some(largest) = images
        .iter()
        .max_by_key(|(_, area)| *area)
        .and_then(|&(i, _)| doc.images.get(i))
    else {
        return;
    };
    let image_area: u64 = images.iter().map(|(_, a)| a).sum();
    let text_area = chars as u64 * p.char_area;
    let share = image_area as f64 / (image_area + text_area) as f64;
    if share <= p.max_image_share {
        return;
    }
    let percent = (share * 100.0).round();
    out.push(
        rule.finding(format!(
            "the message is mostly images: {} and {} of text; images take about {percent}% of it",
            counted(images.len(), "image", "images"),
            counted(chars, "character", "characters"),
        ))
        .label(doc.source, largest.span.clone(), "the largest image")
        .help(format!(
            "Write the message in HTML text and keep images for illustration: at least {} characters of text, with images taking no more than {}% of the message. With images blocked the reader sees nothing, and spam filters distrust mail they cannot read.",
            p.min_text_chars,
            (p.max_image_share * 100.0).round()
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(length("600", 600), Some(600));
        assert_eq!(length(" 300px", 600), Some(300));
        assert_eq!(length("50%", 600), Some(300));
        assert_eq!(length("auto", 600), None);
        assert_eq!(length("2em", 600), None);
    }
}
