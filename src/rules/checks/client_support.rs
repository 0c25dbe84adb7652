//! `client-support`: HTML and CSS the target email clients do not render, from the caniemail
//! data (`crate::data::caniemail`).
//!
//! Each use is matched to a caniemail feature by name through `match`es and binary searches of
//! the static tables (no pattern per element), then judged in each target client. Uses are
//! gathered per feature, so a template with `border-radius` on eighty buttons gets one finding
//! at the first place that counts the rest.
//!
//! What degrades gracefully by design is not reported as a defect (info at most): rules inside
//! `@media` (responsive and dark-mode styles), the color-scheme meta tags and property, web
//! fonts, animation, hover effects, a `<style>` rule that repeats an inline style, and a value
//! after a fallback for the same property in the same block. Markup inside `<!--[if mso]>` is
//! for Outlook by design and is not read; markup inside `<!--[if !mso]>` is hidden from Outlook
//! for Windows, so Outlook for Windows is not judged there.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use serde::Deserialize;

use crate::analysis::css::{self, Declaration};
use crate::data::caniemail::{self, slug, Support, FEATURES};
use crate::load::draft::html::Element;
use crate::load::draft::HtmlDoc;
use crate::model::finding::{Finding, Severity};
use crate::rules::checks::designed_html;
use crate::rules::Rule;
use crate::rules::Subject;

/// The clients a template is judged in: indexes into [`caniemail::CLIENTS`], read from names.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct Targets(pub Vec<usize>);

impl TryFrom<Vec<String>> for Targets {
    type Error = String;
    fn try_from(names: Vec<String>) -> Result<Self, String> {
        let mut clients = Vec::new();
        for name in &names {
            let Some(found) = caniemail::target(name) else {
                return Err(format!(
                    "unknown email client `{name}`; known: {}",
                    caniemail::target_names().join(", ")
                ));
            };
            clients.extend(found);
        }
        clients.sort_unstable();
        clients.dedup();
        Ok(Targets(clients))
    }
}

/// A set of features named by slug, read once into a flag per feature so a check looks one up
/// by index; a slug the data does not have is refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct FeatureSet(Vec<bool>);

impl TryFrom<Vec<String>> for FeatureSet {
    type Error = String;
    fn try_from(slugs: Vec<String>) -> Result<Self, String> {
        let mut set = vec![false; FEATURES.len()];
        for slug in &slugs {
            let at = FEATURES
                .binary_search_by_key(&slug.as_str(), |f| f.slug)
                .map_err(|_| format!("no caniemail feature `{slug}`"))?;
            set[at] = true;
        }
        Ok(FeatureSet(set))
    }
}

impl FeatureSet {
    pub fn contains(&self, feature: usize) -> bool {
        self.0.get(feature).copied().unwrap_or(false)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    pub targets: Targets,
    /// Features never reported.
    pub ignore: FeatureSet,
    /// Features reported as info at most: they degrade gracefully where unsupported.
    pub info_only: FeatureSet,
    /// Features whose partial support is not reported.
    pub quiet_partial: FeatureSet,
}

/// Where a use stands, which decides how much it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// A `style` attribute or a plain rule of a `<style>` block.
    Plain,
    /// Degrades gracefully: inside `@media`, a `<style>` rule repeating an inline style.
    Enhancement,
}

/// The uses of one feature in one file.
#[derive(Debug)]
struct Uses {
    /// The first use that counts most (a plain one before an enhancement).
    first: Range<usize>,
    what: String,
    context: Context,
    /// Outlook for Windows does not see the first use (`<!--[if !mso]>`).
    hidden_from_outlook: bool,
    count: usize,
}

/// What the scan gathers, feature by feature.
struct Gathered<'p> {
    params: &'p Params,
    uses: BTreeMap<usize, Uses>,
}

impl Gathered<'_> {
    fn add(
        &mut self,
        feature: usize,
        at: impl FnOnce() -> Range<usize>,
        what: impl FnOnce() -> String,
        context: Context,
        hidden: bool,
    ) {
        if self.params.ignore.contains(feature) {
            return;
        }
        match self.uses.get_mut(&feature) {
            Some(u) => {
                u.count += 1;
                if u.context == Context::Enhancement && context == Context::Plain {
                    u.first = at();
                    u.what = what();
                    u.context = context;
                    u.hidden_from_outlook = hidden;
                }
            }
            None => {
                self.uses.insert(
                    feature,
                    Uses {
                        first: at(),
                        what: what(),
                        context,
                        hidden_from_outlook: hidden,
                        count: 1,
                    },
                );
            }
        }
    }
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    let params = &params.client_support;
    let source = doc.markup.0;
    let text = &send.sources.get(source).text;
    let mut found = Gathered {
        params,
        uses: BTreeMap::new(),
    };
    let hidden = not_for_outlook(doc);
    let in_hidden = |at: usize| hidden.iter().any(|r| r.contains(&at));
    // The inline declarations, as hashes of property and value: a `<style>` rule that repeats
    // one is an enhancement of it.
    let mut inline: HashSet<u64, foldhash::fast::FixedState> = HashSet::default();
    let doc_css = send.css();
    for (e, decls) in doc.elements.iter().zip(&doc_css.inline) {
        let in_body = &*e.name == "style" && ancestors(doc, e).any(|a| &*a.name == "body");
        element(&mut found, e, in_body, in_hidden(e.span.start));
        let Some(style) = e.attr("style") else {
            continue;
        };
        let place = |d: &Declaration| style_place(text, &e.span, style, &d.span);
        let sized: Vec<&str> = ["width", "height"]
            .into_iter()
            .filter(|a| e.attr(a).is_some())
            .collect();
        block(
            &mut found,
            decls,
            &sized,
            &place,
            &|_| Context::Plain,
            in_hidden(e.span.start),
        );
        if !doc.styles.is_empty() {
            inline.extend(decls.iter().map(declaration_hash));
        }
    }
    for (s, read) in doc.styles.iter().zip(&doc_css.sheets) {
        // The sheet's text is the raw text of the element, so offsets map one to one when the
        // lengths agree; otherwise every place is the start of the sheet.
        let exact = s.span.len() == s.text.len();
        let at = |offset: usize| {
            let o = if exact {
                s.span.start + offset
            } else {
                s.span.start
            };
            o..o
        };
        let sheet = &read.sheet;
        let hidden = in_hidden(s.span.start);
        for a in &sheet.at_rules {
            at_rule(&mut found, a, &|| at(a.span.start), hidden);
        }
        for (b, decls) in sheet.blocks.iter().zip(&read.declarations) {
            let in_media =
                b.within.is_some() || aims_at_one_client(b.selector) || styles_a_state(b.selector);
            selector(&mut found, b.selector, &|| at(b.selector_at), hidden);
            let context = |d: &Declaration| {
                let repeated = inline.contains(&declaration_hash(d));
                if in_media || repeated {
                    Context::Enhancement
                } else {
                    Context::Plain
                }
            };
            let place = |d: &Declaration| {
                let r = at(b.body_at + d.span.start);
                r.start..r.start + if exact { d.span.len() } else { 0 }
            };
            block(&mut found, decls, &[], &place, &context, hidden);
        }
    }
    let handled = outlook_fallbacks(doc);
    for (feature, uses) in &found.uses {
        if let Some(f) = judge(rule, params, *feature, uses, &handled) {
            out.push(f.label(source, uses.first.clone(), format!("`{}`", uses.what)));
        }
    }
}

/// The elements `e` stands in, innermost first.
fn ancestors<'d>(doc: &'d HtmlDoc, e: &Element) -> impl Iterator<Item = &'d Element> {
    std::iter::successors(e.parent.and_then(|p| doc.elements.get(p)), |a| {
        a.parent.and_then(|p| doc.elements.get(p))
    })
}

/// A hash of a declaration's property and value, to compare declarations without copying them.
fn declaration_hash(d: &Declaration) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    d.property.hash(&mut h);
    d.plain_value().hash(&mut h);
    h.finish()
}

/// The parts of the document inside `<!--[if !mso]><!-->` … `<!--<![endif]-->`: what every
/// client but Outlook for Windows shows.
fn not_for_outlook(doc: &HtmlDoc) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut open = None;
    for c in &doc.comments {
        let t = c.text.trim_start();
        if t.starts_with("[if !mso") || t.starts_with("[if !(mso") {
            open = Some(c.span.end);
        } else if t.contains("<![endif]") || t.starts_with("[endif]") {
            if let Some(start) = open.take() {
                out.push(start..c.span.start);
            }
        }
    }
    out
}

/// Fallbacks a template carries for Outlook for Windows in `<!--[if mso]>` blocks: ghost tables
/// (which give it the widths `max-width` gives others) and VML (backgrounds, rounded buttons).
#[derive(Debug, Default)]
struct OutlookFallbacks {
    tables: bool,
    vml: bool,
}

fn outlook_fallbacks(doc: &HtmlDoc) -> OutlookFallbacks {
    let mut f = OutlookFallbacks::default();
    for c in &doc.comments {
        if c.text.trim_start().starts_with("[if") && c.text.contains("mso") {
            f.tables |= c.text.contains("<table") || c.text.contains("<TABLE");
            f.vml |= c.text.contains("<v:");
        }
    }
    f
}

/// Whether Outlook for Windows's lack of `feature` is made up for by `f`.
fn outlook_has_fallback(feature: usize, f: &OutlookFallbacks) -> bool {
    match feature {
        slug::CSS_MAX_WIDTH | slug::CSS_MIN_WIDTH | slug::CSS_DISPLAY_FLEX | slug::CSS_FLOAT => {
            f.tables
        }
        slug::CSS_BACKGROUND_IMAGE
        | slug::CSS_BACKGROUND_SIZE
        | slug::CSS_BACKGROUND_POSITION
        | slug::CSS_LINEAR_GRADIENT
        | slug::CSS_RADIAL_GRADIENT
        | slug::CSS_BORDER_RADIUS => f.vml,
        _ => false,
    }
}

/// The finding for one feature's uses, if any target falls short.
fn judge(
    rule: &Rule,
    params: &Params,
    feature: usize,
    uses: &Uses,
    handled: &OutlookFallbacks,
) -> Option<Finding> {
    let f = &FEATURES[feature];
    let quiet_partial = params.quiet_partial.contains(feature);
    let mut no = Vec::new();
    let mut partial: Vec<(usize, &str)> = Vec::new();
    for &client in &params.targets.0 {
        let outlook_windows = caniemail::CLIENTS[client] == ("outlook", "windows");
        if outlook_windows && (uses.hidden_from_outlook || outlook_has_fallback(feature, handled)) {
            continue;
        }
        match f.in_client(client) {
            Some((Support::No, _)) => no.push(client),
            Some((Support::Partial, note)) if !quiet_partial => partial.push((client, note)),
            _ => {}
        }
    }
    if no.is_empty() && partial.is_empty() {
        return None;
    }
    let names = |clients: &mut dyn Iterator<Item = usize>| {
        clients
            .map(caniemail::client_name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let more = match uses.count {
        1 => String::new(),
        2 => " (and 1 more place)".to_string(),
        n => format!(" (and {} more places)", n - 1),
    };
    let mut message = if no.is_empty() {
        format!(
            "{} is only partly supported in {}{more}",
            f.title,
            names(&mut partial.iter().map(|p| p.0))
        )
    } else {
        format!(
            "{} is not supported in {}{more}",
            f.title,
            names(&mut no.iter().copied())
        )
    };
    if !no.is_empty() && !partial.is_empty() {
        message.push_str(&format!(
            "; partly in {}",
            names(&mut partial.iter().map(|p| p.0))
        ));
    }
    let enhancement = uses.context == Context::Enhancement || params.info_only.contains(feature);
    let severity = if no.is_empty() || enhancement {
        Severity::Info
    } else {
        rule.severity
    };
    let mut notes: Vec<&str> = partial
        .iter()
        .map(|p| p.1)
        .filter(|n| !n.is_empty())
        .collect();
    for &client in &no {
        if let Some((_, note)) = f.in_client(client).filter(|(_, n)| !n.is_empty()) {
            notes.push(note);
        }
    }
    notes.sort_unstable();
    notes.dedup();
    let mut help = String::new();
    for note in notes {
        help.push_str(note.trim_end());
        if !note.trim_end().ends_with(['.', ')', '!']) {
            help.push('.');
        }
        help.push(' ');
    }
    if uses.context == Context::Enhancement {
        help.push_str("Used here as an enhancement (in `@media`, a web font, or repeating an inline style): clients without it show the email without it. ");
    }
    help.push_str(&format!(
        "See {} (caniemail data of {}).",
        f.url(),
        caniemail::DATA_UPDATED
    ));
    let mut finding = rule.finding(message).help(help);
    finding.severity = severity.min(rule.severity);
    Some(finding)
}

/// The place of declaration `decl` (a span in `style`, the decoded value of the `style`
/// attribute of the tag at `tag`) in the source: the attribute's raw value is found in the
/// tag, and when it reads as the decoded one the offsets carry over; otherwise the place is the
/// start of the tag.
fn style_place(text: &str, tag: &Range<usize>, style: &str, decl: &Range<usize>) -> Range<usize> {
    let Some(markup) = text.get(tag.clone()) else {
        return tag.start..tag.start;
    };
    let lower = markup.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("style") {
        let name_at = from + i;
        from = name_at + 5;
        let before_ok = name_at > 0 && lower.as_bytes()[name_at - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let after_eq = markup.len() - rest.len() + 1;
        let value = markup[after_eq..].trim_start();
        let value_at = markup.len() - value.len();
        let (start, quoted) = match value.as_bytes().first() {
            Some(q @ (b'"' | b'\'')) => (value_at + 1, Some(*q)),
            _ => (value_at, None),
        };
        let raw = &markup[start..];
        let end = match quoted {
            Some(q) => raw.bytes().position(|b| b == q).unwrap_or(raw.len()),
            None => raw
                .bytes()
                .position(|b| b.is_ascii_whitespace() || b == b'>')
                .unwrap_or(raw.len()),
        };
        if &raw[..end] == style {
            return tag.start + start + decl.start..tag.start + start + decl.end;
        }
        return tag.start + start..tag.start + start;
    }
    tag.start..tag.start
}

/// Declarations of one block (a `style` attribute, whose element has the `sized` attributes
/// among `width` and `height`, or a rule of a sheet).
fn block(
    found: &mut Gathered,
    decls: &[Declaration],
    sized: &[&str],
    place: &dyn Fn(&Declaration) -> Range<usize>,
    context: &dyn Fn(&Declaration) -> Context,
    hidden: bool,
) {
    // A block that hides its element (`display: none`, Outlook's `mso-hide: all`) piles up
    // properties that all hide it (a hidden preheader: `max-height: 0; overflow: hidden;
    // opacity: 0`); a client that skips one is still made to hide it by another.
    let hides = decls.iter().any(|d| {
        let v = d.plain_value();
        (d.property == "display" && v.eq_ignore_ascii_case("none"))
            || (d.property == "mso-hide" && v.eq_ignore_ascii_case("all"))
    });
    for (i, d) in decls.iter().enumerate() {
        let property = d.property.as_ref();
        let value = d.plain_value();
        if hides && !(property == "display" || property == "mso-hide") {
            continue;
        }
        let (property_feature, value_features) = declaration_features(property, value);
        if property_feature.is_none() && value_features == [None; 3] {
            continue;
        }
        let context = context(d);
        // Setting a property to its initial value (`outline: none`, `border-spacing: 0`) asks
        // for what a client without the property shows anyway; and in `width: 600px;
        // min-width: 600px`, where the bound is unsupported the size holds.
        // An Internet Explorer filter (`filter: progid:…`) was never meant for a mail client.
        let moot = (property != "display" && is_reset(value))
            || bounded_by(decls, sized, property)
            || value.starts_with("progid:");
        let what = || format!("{property}: {value}");
        if let Some(feature) = property_feature.filter(|_| !moot) {
            found.add(feature, || place(d), what, context, hidden);
        }
        // A value after one for the same property in the same block has its fallback: a
        // client that cannot read it keeps the earlier one (`background: #fff;
        // background: linear-gradient(…)`). A value inside a property that is itself only an
        // enhancement (`rgba()` in a `box-shadow`) is judged with that property.
        let fallback = decls[..i].iter().any(|e| e.property == d.property);
        let in_enhancement = property_feature.is_some_and(|f| found.params.info_only.contains(f));
        if fallback {
            continue;
        }
        let context = if in_enhancement {
            Context::Enhancement
        } else {
            context
        };
        for feature in value_features.into_iter().flatten() {
            found.add(feature, || place(d), what, context, hidden);
        }
    }
}

/// Whether `property` is a `min-`/`max-` bound of a size the block, or the element's `sized`
/// attributes, also set.
fn bounded_by(decls: &[Declaration], sized: &[&str], property: &str) -> bool {
    let size = property
        .strip_prefix("min-")
        .or_else(|| property.strip_prefix("max-"));
    size.is_some_and(|size| sized.contains(&size) || decls.iter().any(|d| d.property == size))
}

/// Values that ask for what a client shows by default.
fn is_reset(value: &str) -> bool {
    [
        "none",
        "0",
        "0px",
        "normal",
        "initial",
        "inherit",
        "unset",
        "auto",
        "transparent",
        "visible",
        "static",
    ]
    .iter()
    .any(|r| value.eq_ignore_ascii_case(r))
}

/// The feature a property is, and the features (up to three) its value uses.
fn declaration_features(property: &str, value: &str) -> (Option<usize>, [Option<usize>; 3]) {
    // Most values are lowercase already: copy only those that are not.
    let lower_value = if value.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(value.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(value)
    };
    let v = lower_value.trim();
    let property_feature = if property.starts_with("--") {
        Some(slug::CSS_VARIABLES)
    } else {
        match property {
            "display" => Some(match v {
                "flex" | "inline-flex" => slug::CSS_DISPLAY_FLEX,
                "grid" | "inline-grid" => slug::CSS_DISPLAY_GRID,
                "none" => slug::CSS_DISPLAY_NONE,
                _ => slug::CSS_DISPLAY,
            }),
            "flex-direction" => (v.starts_with("column")).then_some(slug::CSS_FLEX_DIRECTION),
            "flex-wrap" => (v == "wrap" || v == "wrap-reverse").then_some(slug::CSS_FLEX_WRAP),
            "margin-left" | "margin-right" | "margin-top" | "margin-bottom" => {
                Some(slug::CSS_MARGIN)
            }
            "padding-left" | "padding-right" | "padding-top" | "padding-bottom" => {
                Some(slug::CSS_PADDING)
            }
            "left" | "right" | "top" | "bottom" => Some(slug::CSS_LEFT_RIGHT_TOP_BOTTOM),
            "row-gap" | "column-gap" => Some(slug::CSS_GAP),
            "block-size" | "inline-size" => Some(slug::CSS_BLOCK_INLINE_SIZE),
            "overflow-x" | "overflow-y" => Some(slug::CSS_OVERFLOW),
            p if p.starts_with("border-") && p.ends_with("-radius") => {
                Some(slug::CSS_BORDER_RADIUS)
            }
            p if p.starts_with("border-inline") || p.starts_with("border-block") => {
                Some(slug::CSS_BORDER_INLINE_BLOCK)
            }
            p if p.starts_with("border-") && !p.starts_with("border-image") => match p {
                "border-collapse" => Some(slug::CSS_BORDER_COLLAPSE),
                "border-spacing" => Some(slug::CSS_BORDER_SPACING),
                _ => Some(slug::CSS_BORDER),
            },
            p if p.starts_with("grid-template") => Some(slug::CSS_GRID_TEMPLATE),
            p if p.starts_with("inset") => Some(slug::CSS_INSET),
            p if p.starts_with("column-") => Some(slug::CSS_COLUMN_LAYOUT_PROPERTIES),
            p if p.starts_with("animation") => Some(slug::CSS_ANIMATION),
            p if p.starts_with("transition") => Some(slug::CSS_TRANSITION),
            p => by_slug("css-", p),
        }
    };
    let mut values = [None; 3];
    // Every value feature is a function: without a `(` there is none to look for.
    if !v.contains('(') {
        return (property_feature, values);
    }
    let mut n = 0;
    for (needle, feature) in [
        ("linear-gradient(", slug::CSS_LINEAR_GRADIENT),
        ("radial-gradient(", slug::CSS_RADIAL_GRADIENT),
        ("conic-gradient(", slug::CSS_CONIC_GRADIENT),
        ("calc(", slug::CSS_UNIT_CALC),
        ("clamp(", slug::CSS_FUNCTION_CLAMP),
        ("var(", slug::CSS_VARIABLES),
        ("light-dark(", slug::CSS_FUNCTION_LIGHT_DARK),
        ("rgba(", slug::CSS_RGBA),
        ("oklch(", slug::CSS_MODERN_COLOR),
        ("lch(", slug::CSS_MODERN_COLOR),
        ("lab(", slug::CSS_MODERN_COLOR),
    ] {
        if n < values.len() && v.contains(needle) && !values.contains(&Some(feature)) {
            values[n] = Some(feature);
            n += 1;
        }
    }
    (property_feature, values)
}

/// Where the features whose slugs start with `prefix` stand in [`FEATURES`] (sorted by slug,
/// so they are one run).
fn run_of(prefix: &str) -> Range<usize> {
    let start = FEATURES.partition_point(|f| f.slug < prefix);
    let len = FEATURES[start..].partition_point(|f| f.slug.starts_with(prefix));
    start..start + len
}

/// The feature whose slug is `prefix` + `name` (`css-` + `border-radius`). Every property and
/// element of a template is looked up, so the four prefixes the checks use have a hash table
/// of the rest of their slugs, built once.
fn by_slug(prefix: &str, name: &str) -> Option<usize> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    type Table = HashMap<&'static str, usize, foldhash::fast::FixedState>;
    const PREFIXES: [&str; 4] = ["css-", "html-", "css-pseudo-class-", "css-pseudo-element-"];
    static TABLES: OnceLock<[Table; 4]> = OnceLock::new();
    let Some(i) = PREFIXES.iter().position(|p| *p == prefix) else {
        let run = run_of(prefix);
        return FEATURES[run.clone()]
            .binary_search_by(|f| f.slug[prefix.len()..].cmp(name))
            .ok()
            .map(|i| run.start + i);
    };
    let tables = TABLES.get_or_init(|| {
        PREFIXES.map(|prefix| {
            run_of(prefix)
                .map(|i| (&FEATURES[i].slug[prefix.len()..], i))
                .collect()
        })
    });
    tables[i].get(name).copied()
}

fn at_rule(found: &mut Gathered, a: &css::AtRule, at: &dyn Fn() -> Range<usize>, hidden: bool) {
    let name = a.name.to_ascii_lowercase();
    let feature = match name.as_str() {
        "media" => {
            let p = a.prelude.to_ascii_lowercase();
            for (needle, feature) in [
                (
                    "prefers-color-scheme",
                    slug::CSS_AT_MEDIA_PREFERS_COLOR_SCHEME,
                ),
                (
                    "prefers-reduced-motion",
                    slug::CSS_AT_MEDIA_PREFERS_REDUCED_MOTION,
                ),
                ("hover", slug::CSS_AT_MEDIA_HOVER),
                ("orientation", slug::CSS_AT_MEDIA_ORIENTATION),
                ("device-pixel-ratio", slug::CSS_AT_MEDIA_DEVICE_PIXEL_RATIO),
            ] {
                if p.contains(needle) {
                    let what = || format!("@media {}", a.prelude);
                    found.add(feature, at, what, Context::Enhancement, hidden);
                    return;
                }
            }
            slug::CSS_AT_MEDIA
        }
        "font-face" => slug::CSS_AT_FONT_FACE,
        "import" => slug::CSS_AT_IMPORT,
        "keyframes" | "-webkit-keyframes" => slug::CSS_AT_KEYFRAMES,
        "supports" => slug::CSS_AT_SUPPORTS,
        _ => return,
    };
    // An at-rule either adds to what every client shows (`@media`, fonts, animation) or, for
    // `@import` of anything but a web font, brings the styles themselves.
    let context = if feature == slug::CSS_AT_IMPORT && !is_font_service(a.prelude) {
        Context::Plain
    } else {
        Context::Enhancement
    };
    let what = || format!("@{} {}", a.name, a.prelude).trim_end().to_string();
    found.add(feature, at, what, context, hidden);
}

/// Whether a selector is a hack aimed at one client (`u + .body` and `.gmail-fix` for Gmail,
/// `[owa]` and `[data-ogsc]` for Outlook): its rules are meant for that client only.
fn aims_at_one_client(selector: &str) -> bool {
    static HACKS: LazyLock<AhoCorasick> = LazyLock::new(|| {
        any_case([
            "gmail",
            "u + ",
            "[owa]",
            "[data-ogs",
            "#outlook",
            ".outlook",
            "yahoo",
            "[x-apple",
        ])
    });
    HACKS.is_match(selector)
}

/// Whether a selector styles an interactive state (`a:hover`, `.button:focus`): where the state
/// is unsupported the element keeps its usual style.
fn styles_a_state(selector: &str) -> bool {
    static STATES: LazyLock<AhoCorasick> = LazyLock::new(|| {
        any_case([
            ":hover", ":focus", ":active", ":visited", ":checked", ":target",
        ])
    });
    STATES.is_match(selector)
}

/// A searcher for `words` in any ASCII case. Every block of every sheet is asked two such
/// questions; one automaton answers each without a lowercased copy of the selector.
fn any_case<const N: usize>(words: [&str; N]) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .expect("a handful of literal words always builds")
}

/// Pseudo-classes and pseudo-elements in a selector: styles for a state or a decoration, which
/// clients without them skip.
fn selector(found: &mut Gathered, selector: &str, at: &dyn Fn() -> Range<usize>, hidden: bool) {
    let bytes = selector.as_bytes();
    let mut i = 0;
    while let Some(c) = selector[i..].find(':') {
        let start = i + c;
        let element = bytes.get(start + 1) == Some(&b':');
        let name_at = start + if element { 2 } else { 1 };
        let name_end = selector[name_at..]
            .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-'))
            .map_or(selector.len(), |e| name_at + e);
        let name = selector[name_at..name_end].to_ascii_lowercase();
        let prefix = if element {
            "css-pseudo-element-"
        } else {
            "css-pseudo-class-"
        };
        if let Some(feature) = by_slug(prefix, &name) {
            let what = || selector[start..name_end].to_string();
            found.add(feature, at, what, Context::Enhancement, hidden);
        }
        i = name_end.max(start + 1);
    }
}

fn element(found: &mut Gathered, e: &Element, in_body: bool, hidden: bool) {
    let name = e.name.as_str();
    let feature = match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Some(slug::HTML_H1_H6),
        "ul" | "ol" | "dl" => Some(slug::HTML_LISTS),
        "article" | "aside" | "details" | "figcaption" | "figure" | "footer" | "header"
        | "main" | "mark" | "nav" | "section" | "summary" | "time" => Some(slug::HTML_SEMANTICS),
        "map" => Some(slug::HTML_IMAGE_MAPS),
        "input" => match e.attr("type").map(str::to_ascii_lowercase).as_deref() {
            Some("checkbox") => Some(slug::HTML_INPUT_CHECKBOX),
            Some("radio") => Some(slug::HTML_INPUT_RADIO),
            Some("hidden") => Some(slug::HTML_INPUT_HIDDEN),
            Some("submit") => Some(slug::HTML_INPUT_SUBMIT),
            Some("reset") => Some(slug::HTML_INPUT_RESET),
            _ => Some(slug::HTML_INPUT_TEXT),
        },
        "button" => match e.attr("type").map(str::to_ascii_lowercase).as_deref() {
            Some("reset") => Some(slug::HTML_BUTTON_RESET),
            _ => Some(slug::HTML_BUTTON_SUBMIT),
        },
        // What `<body>` loses where it is replaced or removed is its attributes and styles.
        "body" => (!e.attrs.is_empty()).then_some(slug::HTML_BODY),
        // Gmail reads `<style>` in the head only: one in the body is what it loses.
        "style" => in_body.then_some(slug::HTML_STYLE),
        "meta" => {
            let n = e.attr("name").map(str::to_ascii_lowercase);
            matches!(
                n.as_deref(),
                Some("color-scheme" | "supported-color-schemes")
            )
            .then_some(slug::HTML_META_COLOR_SCHEME)
        }
        "img" => e.attr("src").and_then(image_format),
        _ => by_slug("html-", name),
    };
    if let Some(feature) = feature {
        // A web font's stylesheet only adds a font to a stack that has fallbacks.
        let font = name == "link" && e.attr("href").is_some_and(is_font_service);
        let context = if feature == slug::HTML_META_COLOR_SCHEME || font {
            Context::Enhancement
        } else {
            Context::Plain
        };
        let what = || format!("<{name}>");
        found.add(feature, || e.span.clone(), what, context, hidden);
    }
    for (attr, value) in &e.attrs {
        let feature = match attr.as_str() {
            "srcset" | "sizes" => Some(slug::HTML_SRCSET),
            "background" => Some(slug::HTML_BACKGROUND),
            "loading" => Some(slug::HTML_LOADING_ATTRIBUTE),
            "hidden" => Some(slug::HTML_HIDDEN),
            "popover" => Some(slug::HTML_POPOVER),
            "required" => Some(slug::HTML_REQUIRED),
            "usemap" => Some(slug::HTML_IMAGE_MAPS),
            _ => None,
        };
        if let Some(feature) = feature {
            let what = || {
                if value.is_empty() {
                    attr.to_string()
                } else {
                    format!("{attr}=\"{}\"", crate::model::format::excerpt(value, 40))
                }
            };
            found.add(feature, || e.span.clone(), what, Context::Plain, hidden);
        }
    }
}

/// Whether a stylesheet address is a web-font service's (Google Fonts, Adobe Fonts, …).
fn is_font_service(address: &str) -> bool {
    address.to_ascii_lowercase().contains("font")
}

/// The image-format feature of a picture's address, by its extension or `data:` type.
fn image_format(src: &str) -> Option<usize> {
    let src = src.trim();
    if src
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
    {
        return Some(slug::IMAGE_BASE64);
    }
    let path = src.split(['?', '#']).next().unwrap_or_default();
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "webp" => Some(slug::IMAGE_WEBP),
        "avif" => Some(slug::IMAGE_AVIF),
        "svg" => Some(slug::IMAGE_SVG),
        "bmp" => Some(slug::IMAGE_BMP),
        "tif" | "tiff" => Some(slug::IMAGE_TIFF),
        "heic" | "heif" => Some(slug::IMAGE_HEIF),
        "ico" => Some(slug::IMAGE_ICO),
        "apng" => Some(slug::IMAGE_APNG),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_and_values_find_their_features() {
        assert_eq!(
            by_slug("css-", "border-radius"),
            Some(slug::CSS_BORDER_RADIUS)
        );
        assert_eq!(by_slug("css-", "nope"), None);
        assert_eq!(by_slug("html-", "video"), Some(slug::HTML_VIDEO));
        let (p, v) = declaration_features("display", "Flex");
        assert_eq!(p, Some(slug::CSS_DISPLAY_FLEX));
        assert_eq!(v, [None; 3]);
        let (p, v) = declaration_features("background", "#fff linear-gradient(red, blue)");
        assert_eq!(p, Some(slug::CSS_BACKGROUND));
        assert_eq!(v[0], Some(slug::CSS_LINEAR_GRADIENT));
        assert_eq!(
            declaration_features("border-top-left-radius", "4px").0,
            Some(slug::CSS_BORDER_RADIUS)
        );
        assert_eq!(
            declaration_features("--brand", "#f00").0,
            Some(slug::CSS_VARIABLES)
        );
        assert_eq!(
            image_format("https://x.example/a.WEBP?w=2"),
            Some(slug::IMAGE_WEBP)
        );
        assert_eq!(image_format("https://x.example/a.png"), None);
        assert_eq!(image_format("8. ‘Unacceptable’"), None);
    }

    #[test]
    fn the_style_attribute_is_found_in_its_tag() {
        let text = r#"<td class="x" data-style="no" style="color: red; display: flex">"#;
        let style = "color: red; display: flex";
        let decl = 12..25;
        let r = style_place(text, &(0..text.len()), style, &decl);
        assert_eq!(&text[r], "display: flex");
        // An entity in the raw value: the place falls back to the value's start.
        let text = r#"<td style="font-family: &quot;A&quot;; display: flex">"#;
        let r = style_place(
            text,
            &(0..text.len()),
            r#"font-family: "A"; display: flex"#,
            &(18..31),
        );
        assert_eq!(r.start, 11);
    }

    #[test]
    fn unknown_targets_are_refused_with_the_list() {
        let e = Targets::try_from(vec!["gmail".into(), "lotus-notes".into()]).unwrap_err();
        assert!(e.contains("lotus-notes") && e.contains("outlook-windows"));
        assert!(
            Targets::try_from(vec!["outlook-windows".into()])
                .unwrap()
                .0
                .len()
                == 1
        );
    }
}
