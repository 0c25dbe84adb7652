//! `color-contrast`: text whose colour and background, both set in the markup (inline styles,
//! `bgcolor`, `<font color>`), are too close to read: below WCAG 2.x AA's contrast ratio.
//!
//! Only what the markup settles is judged. A colour a style sheet may set, a CSS variable, a
//! background image anywhere behind the text, a half-transparent colour, or a link left to
//! the client's own link colour: the text is skipped, never guessed at.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::color::{self, Paint, Rgb};
use crate::analysis::css::{Declaration, SheetCss};
use crate::load::draft::html::Element;
use crate::load::draft::HtmlDoc;
use crate::model::finding::Finding;
use crate::rules::checks::{at_places, designed_html};
use crate::rules::Rule;
use crate::rules::Subject;

/// `rules/color-contrast.toml`'s `[params]`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// The least contrast ratio for body text.
    pub normal_ratio: f64,
    /// The least contrast ratio for large text.
    pub large_ratio: f64,
    /// Font size in CSS pixels from which text is large.
    pub large_px: f64,
    /// Font size in CSS pixels from which bold text is large.
    pub large_bold_px: f64,
}

/// What one element's own markup says about its text's look.
#[derive(Debug, Clone, Copy, Default)]
struct Own {
    color: Paint,
    background: Paint,
    /// A background image (`background: url(…)`, a gradient, a `background` attribute).
    image: bool,
    /// Font size in CSS pixels; `Some(None)` when set in a unit that cannot be resolved here.
    size: Option<Option<f64>>,
    bold: Option<bool>,
    /// Hidden (`display: none`, zero height, …): a preheader or a client-specific copy.
    hidden: bool,
    /// Whether the colour, or the background, is set in the inline style (which a style
    /// sheet's rule does not override) rather than by an attribute or not at all.
    inline_color: bool,
    inline_background: bool,
}

/// The resolved look of an element's text.
#[derive(Debug, Clone, Copy)]
struct Look {
    fg: Rgb,
    bg: Rgb,
    large: bool,
    /// The elements that set the colour and the background.
    fg_at: usize,
    bg_at: usize,
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    // MJML text points into the `.mjml` and its elements into the rendered HTML: which
    // element holds a text cannot be told, so the rendered colours are not judged.
    if doc.markup.0 != doc.source || doc.texts.is_empty() {
        return;
    }
    let params = &params.color_contrast;
    let markup = &send.sources.get(doc.markup.0).text;
    // Read only once a text fails: most templates' texts pass, and their sheets are long.
    let mut sheet: Option<Sheet> = None;
    let mut own: Vec<Option<Own>> = vec![None; doc.elements.len()];
    let mut looks: BTreeMap<usize, Option<Look>> = BTreeMap::new();
    // (fg, bg, large) → the holding elements, in order.
    let mut failing: BTreeMap<(Rgb, Rgb, bool), Vec<usize>> = BTreeMap::new();
    let mut next = 0;
    for run in &doc.texts {
        // A separator (`|`, `•`, an arrow) is decoration, not text to read.
        if !run.text.chars().any(char::is_alphanumeric) {
            continue;
        }
        while next < doc.elements.len() && doc.elements[next].span.start < run.span.start {
            next += 1;
        }
        let Some(holder) = next
            .checked_sub(1)
            .and_then(|p| holder(doc, markup, p, run.span.start))
        else {
            continue;
        };
        let look = *looks
            .entry(holder)
            .or_insert_with(|| resolve(doc, &send.css().inline, &mut own, holder, params));
        let Some(look) = look else {
            continue;
        };
        let ratio = color::contrast(look.fg, look.bg);
        let least = if look.large {
            params.large_ratio
        } else {
            params.normal_ratio
        };
        // The same colour as the background is text hidden on purpose (preheader padding),
        // not text too faint to read.
        if ratio < least
            && look.fg != look.bg
            && !sheet
                .get_or_insert_with(|| Sheet::read(&send.css().sheets))
                .may_restyle(doc, &own, holder, &look)
        {
            let holders = failing.entry((look.fg, look.bg, look.large)).or_default();
            if holders.last() != Some(&holder) {
                holders.push(holder);
            }
        }
    }
    let mut found: Vec<_> = failing.into_iter().collect();
    found.sort_by_key(|(_, holders)| holders[0]);
    for ((fg, bg, large), holders) in found {
        let ratio = color::contrast(fg, bg);
        let (least, what) = if large {
            (params.large_ratio, "large text")
        } else {
            (params.normal_ratio, "text")
        };
        let places: Vec<_> = holders
            .iter()
            .map(|&h| doc.elements[h].span.clone())
            .collect();
        let n = places.len();
        let in_places = if n == 1 {
            String::new()
        } else {
            format!(" ({n} places)")
        };
        let message = format!(
            "{what} in {fg} on {bg}{in_places}: contrast {ratio:.2}:1, below the {least}:1 WCAG AA asks of {what}"
        );
        out.push(at_places(
            rule.finding(message).help(
                "Darken the text or lighten the background (or the other way round) until the ratio reaches the threshold; a contrast checker shows the nearest colours that do.",
            ),
            doc.markup.0,
            &places,
            &format!("{fg} on {bg}"),
        ));
    }
}

/// The element that holds text starting at `at`, given `prev`, the last element whose start
/// tag comes before it: `prev` itself, or (after a void element or end tags) an ancestor, one
/// level up for each end tag between the two. End tags inside comments (Outlook-only markup)
/// do not count.
fn holder(doc: &HtmlDoc, markup: &str, prev: usize, at: usize) -> Option<usize> {
    let element = &doc.elements[prev];
    let gap = markup.get(element.span.end.min(at)..at)?;
    let opened = !is_void(element) && !markup[element.span.clone()].ends_with("/>");
    let mut current = if opened { Some(prev) } else { element.parent };
    let mut rest = gap;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |e| &comment[e + 3..]);
            continue;
        }
        if rest
            .as_bytes()
            .get(1..3)
            .is_some_and(|b| b[0] == b'/' && b[1].is_ascii_alphabetic())
        {
            current = current.and_then(|c| doc.elements[c].parent);
        }
        rest = &rest[1..];
    }
    current
}

fn is_void(e: &Element) -> bool {
    matches!(
        e.name.as_str(),
        "br" | "img" | "hr" | "input" | "meta" | "link" | "wbr" | "col" | "area" | "source"
    )
}

/// The colours and size of the text `holder` holds, from it and its ancestors; `None` when
/// any of it cannot be told from the markup, or the text is hidden.
/// `inline` is each element's `style` declarations.
fn resolve(
    doc: &HtmlDoc,
    inline: &[Vec<Declaration>],
    own: &mut [Option<Own>],
    holder: usize,
    params: &Params,
) -> Option<Look> {
    let (mut fg, mut bg, mut size, mut bold) = (None, None, None, None);
    let mut at = Some(holder);
    while let Some(i) = at {
        let element = &doc.elements[i];
        let o = *own[i].get_or_insert_with(|| read(element, &inline[i]));
        if o.hidden {
            return None;
        }
        if fg.is_none() {
            match o.color {
                Paint::Color(c) => fg = Some((c, i)),
                Paint::Unknown => return None,
                // A link not coloured by itself or within is in the client's link colour.
                Paint::Unset | Paint::Transparent if &*element.name == "a" => return None,
                Paint::Unset | Paint::Transparent => {}
            }
        }
        if bg.is_none() {
            if o.image {
                return None;
            }
            match o.background {
                Paint::Color(c) => bg = Some((c, i)),
                Paint::Unknown => return None,
                Paint::Unset | Paint::Transparent => {}
            }
        }
        size = size.or(o.size);
        bold = bold.or(o.bold);
        at = element.parent;
    }
    let px = match size {
        Some(Some(px)) => px,
        // A relative size (`1.5em`) cannot be told here: judged as large text, so that a
        // finding never rests on a size guessed too small.
        Some(None) => f64::INFINITY,
        None => 16.0,
    };
    let large = px >= params.large_px || (bold == Some(true) && px >= params.large_bold_px);
    let ((fg, fg_at), (bg, bg_at)) = (fg?, bg?);
    Some(Look {
        fg,
        bg,
        large,
        fg_at,
        bg_at,
    })
}

/// What `e`'s own attributes and inline style (`declarations`) say.
fn read(e: &Element, declarations: &[Declaration]) -> Own {
    let mut own = Own::default();
    match e.name.as_str() {
        "b" | "strong" => own.bold = Some(true),
        "h1" => (own.size, own.bold) = (Some(Some(32.0)), Some(true)),
        "h2" => (own.size, own.bold) = (Some(Some(24.0)), Some(true)),
        "h3" => (own.size, own.bold) = (Some(Some(18.72)), Some(true)),
        "h4" | "h5" | "h6" | "th" => own.bold = Some(true),
        _ => {}
    }
    for (name, value) in &e.attrs {
        match name.as_str() {
            "bgcolor" => own.background = color::parse_attribute(value),
            "background" if !value.trim().is_empty() => own.image = true,
            "color" if &*e.name == "font" => own.color = color::parse_attribute(value),
            "text" if &*e.name == "body" => own.color = color::parse_attribute(value),
            "size" if &*e.name == "font" => own.size = Some(font_size_attribute(value)),
            "hidden" => own.hidden = true,
            _ => {}
        }
    }
    for d in declarations {
        let value = d.plain_value();
        match d.property.as_ref() {
            "color" => {
                own.color = color::parse(value);
                own.inline_color = true;
            }
            "background-color" => {
                own.background = color::parse(value);
                own.inline_background = true;
            }
            "background" => {
                let (paint, image) = color::background(value);
                own.background = paint;
                own.image |= image;
                own.inline_background = true;
            }
            "background-image" => {
                own.image |= !value.trim().eq_ignore_ascii_case("none");
                own.inline_background = true;
            }
            "font-size" => {
                let px = css_px(value);
                own.hidden |= px.is_some_and(|px| px <= 2.0);
                own.size = Some(px);
            }
            "font-weight" => own.bold = Some(is_bold(value)),
            "display" => own.hidden |= value.eq_ignore_ascii_case("none"),
            "visibility" => own.hidden |= value.eq_ignore_ascii_case("hidden"),
            "opacity" => own.hidden |= value.parse::<f64>().is_ok_and(|o| o < 0.1),
            "max-height" | "height" => own.hidden |= css_px(value) == Some(0.0),
            _ => {}
        }
    }
    own
}

/// The elements the document's style sheets may colour: top-level rules only (an `@media`
/// block applies in dark mode or on a narrow screen, not to the look judged here), and
/// rules for a state or a pseudo-element (`a:hover`, `p::first-line`) left out.
#[derive(Debug, Default)]
struct Sheet {
    color: Targets,
    background: Targets,
}

/// What the last part of some selectors names.
#[derive(Debug, Default)]
struct Targets {
    tags: BTreeSet<String>,
    classes: BTreeSet<String>,
    ids: BTreeSet<String>,
    every: bool,
}

impl Sheet {
    /// Whether a rule of the sheet may give the text of `holder` another colour or background
    /// than `look` (read from the markup alone): a rule for an element between the holder and
    /// the one that sets the colour (or background), that one included unless its inline style
    /// sets it.
    fn may_restyle(&self, doc: &HtmlDoc, own: &[Option<Own>], holder: usize, look: &Look) -> bool {
        let restyled = |targets: &Targets, until: usize, inline: fn(&Own) -> bool| {
            let mut at = Some(holder);
            while let Some(i) = at {
                let set_inline = own[i].as_ref().is_some_and(inline);
                if !(i == until && set_inline) && targets.matches(&doc.elements[i]) {
                    return true;
                }
                if i == until {
                    return false;
                }
                at = doc.elements[i].parent;
            }
            false
        };
        restyled(&self.color, look.fg_at, |o| o.inline_color)
            || restyled(&self.background, look.bg_at, |o| o.inline_background)
    }

    fn read(sheets: &[SheetCss]) -> Sheet {
        let mut sheet = Sheet::default();
        for read in sheets {
            for (rule, declarations) in read.style_rules() {
                let (color, background) = sets_colours(declarations);
                for selector in rule.selector.split(',') {
                    if color {
                        sheet.color.add(selector);
                    }
                    if background {
                        sheet.background.add(selector);
                    }
                }
            }
        }
        sheet
    }
}

impl Targets {
    fn add(&mut self, selector: &str) {
        let Some(last) = selector
            .rsplit(|c: char| c.is_whitespace() || matches!(c, '>' | '+' | '~'))
            .find(|p| !p.is_empty())
        else {
            return;
        };
        if last.contains(':') {
            return;
        }
        let ident = |s: &str| -> String {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
                .collect()
        };
        let tag = ident(last).to_ascii_lowercase();
        if last.starts_with('*') {
            self.every = true;
        } else if !tag.is_empty() {
            self.tags.insert(tag);
        }
        for (i, c) in last.char_indices() {
            let rest = &last[i + c.len_utf8()..];
            match c {
                '.' => {
                    self.classes.insert(ident(rest));
                }
                '#' => {
                    self.ids.insert(ident(rest));
                }
                _ => {}
            }
        }
    }

    fn matches(&self, e: &Element) -> bool {
        self.every
            || self.tags.contains(&*e.name)
            || e.attr("id").is_some_and(|id| self.ids.contains(id))
            || e.attr("class")
                .is_some_and(|c| c.split_whitespace().any(|c| self.classes.contains(c)))
    }
}

/// Whether a rule's declarations set the text colour, and whether they set a background.
fn sets_colours(declarations: &[Declaration]) -> (bool, bool) {
    let color = declarations.iter().any(|d| d.property == "color");
    let background = declarations
        .iter()
        .any(|d| d.property.starts_with("background"));
    (color, background)
}

/// A CSS length in pixels (`14px`, `10.5pt`, `0`); `None` for relative or unknown units.
fn css_px(value: &str) -> Option<f64> {
    let v = value.trim().to_ascii_lowercase();
    if let Some(n) = v.strip_suffix("px") {
        n.trim().parse().ok()
    } else if let Some(n) = v.strip_suffix("pt") {
        n.trim().parse::<f64>().ok().map(|pt| pt * 4.0 / 3.0)
    } else {
        v.parse::<f64>().ok().filter(|n| *n == 0.0)
    }
}

/// `<font size>`'s 1 to 7 in pixels, as browsers map them.
fn font_size_attribute(value: &str) -> Option<f64> {
    const PX: [f64; 7] = [10.0, 13.0, 16.0, 18.0, 24.0, 32.0, 48.0];
    let v = value.trim();
    // `+1`/`-1` are relative to the inherited size.
    if v.starts_with(['+', '-']) {
        return None;
    }
    let n: usize = v.parse().ok()?;
    PX.get(n.clamp(1, 7) - 1).copied()
}

fn is_bold(value: &str) -> bool {
    let v = value.trim();
    v.eq_ignore_ascii_case("bold")
        || v.eq_ignore_ascii_case("bolder")
        || v.parse::<u32>().is_ok_and(|w| w >= 700)
}
