//! CSS as email templates write it: the declarations of a `style=""` attribute or of a rule
//! block, each with its place, so template checks can point at the exact property.
//!
//! Not a full CSS parser: strings, comments and parenthesised values (`url(a;b)`) are honoured
//! so a `;` or `:` inside them does not split a declaration, and that is all email CSS needs.

use std::ops::Range;

use crate::load::draft::HtmlDoc;

/// One `property: value` declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration<'a> {
    /// The property name, ASCII lowercased when written otherwise.
    pub property: std::borrow::Cow<'a, str>,
    /// The value, trimmed, with any `!important` left on it.
    pub value: &'a str,
    /// The whole declaration (`color: red`) within the text parsed.
    pub span: Range<usize>,
}

impl Declaration<'_> {
    /// The value without a trailing `!important`.
    pub fn plain_value(&self) -> &str {
        let v = self.value.trim_end();
        match v.len().checked_sub("!important".len()) {
            Some(at) if v.is_char_boundary(at) && v[at..].eq_ignore_ascii_case("!important") => {
                v[..at].trim_end()
            }
            _ => v,
        }
    }
}

/// The declarations in `text` (a `style` attribute's value, or the inside of a rule block), in
/// order; spans are offsets into `text`. Text that is no declaration (no colon, an empty name)
/// is skipped: a client skips it too.
pub fn declarations(text: &str) -> Vec<Declaration<'_>> {
    let mut out = Vec::new();
    // One pass: each top-level `;` ends a declaration, its first top-level `:` splits it.
    let mut start = 0;
    let mut colon = None;
    for at in top_level(text, 0, &DECLARATION).chain([text.len()]) {
        if at < text.len() && text.as_bytes()[at] == b':' {
            colon = colon.or(Some(at - start));
            continue;
        }
        if let Some(colon) = colon.take() {
            out.extend(declaration(text, start..at, colon));
        }
        start = at + 1;
    }
    out
}

/// The declaration in `text[part]` whose colon is `colon` bytes into it, unless its name is
/// no property name.
fn declaration(text: &str, part: Range<usize>, colon: usize) -> Option<Declaration<'_>> {
    let raw = &text[part.clone()];
    // The name without comments, when it held one.
    let stripped_name = match strip_comments(&raw[..colon]) {
        std::borrow::Cow::Owned(stripped) => Some(stripped),
        std::borrow::Cow::Borrowed(_) => None,
    };
    let name = stripped_name.as_deref().unwrap_or(&raw[..colon]).trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let value = raw[colon + 1..].trim();
    let lead = raw.len() - raw.trim_start().len();
    let trail = raw.len() - raw.trim_end().len();
    let property = if name.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(name.to_ascii_lowercase())
    } else if stripped_name.is_none() {
        // No comment in the name: it is the source text itself.
        std::borrow::Cow::Borrowed(raw[..colon].trim())
    } else {
        std::borrow::Cow::Owned(name.to_string())
    };
    Some(Declaration {
        property,
        value,
        span: part.start + lead..part.end - trail,
    })
}

/// An at-rule of a style sheet: `@media screen and (max-width: 600px)`, `@font-face`, `@import …;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRule<'a> {
    /// The name after `@`, as written (`media`, `font-face`).
    pub name: &'a str,
    /// What follows the name up to `{` or `;`, trimmed.
    pub prelude: &'a str,
    /// `@name prelude` within the text parsed.
    pub span: Range<usize>,
    /// The at-rule it stands in (an index into [`Sheet::at_rules`]).
    pub within: Option<usize>,
}

/// A block of declarations: a style rule (`td.cta { … }`) or an at-rule's own (`@font-face { … }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block<'a> {
    /// The selector list, trimmed; empty in an at-rule's own block.
    pub selector: &'a str,
    /// Where the selector starts in the text parsed.
    pub selector_at: usize,
    /// The text between the braces, for [`declarations`]; it starts at `body_at`.
    pub body: &'a str,
    pub body_at: usize,
    /// The innermost at-rule it stands in (an index into [`Sheet::at_rules`]).
    pub within: Option<usize>,
}

/// A `<style>` element's text read as rules, so checks can tell a rule inside `@media` from one
/// outside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet<'a> {
    pub at_rules: Vec<AtRule<'a>>,
    pub blocks: Vec<Block<'a>>,
}

/// At-rules whose block holds rules rather than declarations.
fn holds_rules(name: &str) -> bool {
    [
        "media",
        "supports",
        "document",
        "-moz-document",
        "container",
        "layer",
        "scope",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
}

/// The bytes a top-level scan stops at, and those that open or close what it skips (strings,
/// comments, brackets), as a table: most bytes of a style sheet are neither, and one lookup
/// per byte passes over them.
struct Stops([bool; 256]);

impl Stops {
    const fn new(stops: &[u8]) -> Stops {
        let mut table = [false; 256];
        let skipped = b"\"'/([)]";
        let mut i = 0;
        while i < skipped.len() {
            table[skipped[i] as usize] = true;
            i += 1;
        }
        let mut i = 0;
        while i < stops.len() {
            table[stops[i] as usize] = true;
            i += 1;
        }
        Stops(table)
    }
}

/// Declarations: `;` ends one, its first `:` splits it.
const DECLARATION: Stops = Stops::new(b";:");
/// A selector or block: `{` opens one, `}` closes one.
const BRACES: Stops = Stops::new(b"{}");
/// An at-rule's prelude ends at its block or at `;` (or at the enclosing block's end).
const AT_RULE: Stops = Stops::new(b"{;}");

/// Where the first top-level `stops` byte is in `text` from `from` (strings, comments and
/// brackets skipped); `text.len()` when there is none.
fn find_top(text: &str, from: usize, stops: &Stops) -> usize {
    top_level(text, from, stops).next().unwrap_or(text.len())
}

/// The places of the `stops` bytes in `text` from `from` that stand outside strings, comments
/// and brackets.
fn top_level<'t>(text: &'t str, from: usize, stops: &'t Stops) -> impl Iterator<Item = usize> + 't {
    let bytes = text.as_bytes();
    let mut i = from;
    let mut depth = 0usize;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            // Bytes of no interest (the table says which) are passed over in a tight loop.
            if !stops.0[usize::from(bytes[i])] {
                i += 1;
                continue;
            }
            let at = i;
            i += 1;
            match bytes[at] {
                b'"' | b'\'' => {
                    let quote = bytes[at];
                    while i < bytes.len() && bytes[i] != quote {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'/' if bytes.get(at + 1) == Some(&b'*') => {
                    i = memchr::memmem::find(&bytes[at + 2..], b"*/")
                        .map_or(bytes.len(), |e| at + 2 + e + 2);
                }
                b'(' | b'[' => depth += 1,
                b')' | b']' => depth = depth.saturating_sub(1),
                b'/' => {}
                _ if depth == 0 => return Some(at),
                _ => {}
            }
        }
        None
    })
}

/// The end of the block whose `{` is at `open`: the index of its `}` (nested braces counted).
fn block_end(text: &str, open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    loop {
        let at = find_top(text, i, &BRACES);
        if at >= text.len() {
            return text.len();
        }
        if text.as_bytes()[at] == b'{' {
            depth += 1;
        } else {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return at;
            }
        }
        i = at + 1;
    }
}

/// Reads a style sheet into its at-rules and declaration blocks. Like a client, it skips what
/// it cannot read (an unclosed block ends at the end of the text); `<!--` and `-->` around the
/// sheet, as old templates wrap it, are ignored.
pub fn sheet(text: &str) -> Sheet<'_> {
    let mut out = Sheet::default();
    // The at-rules whose blocks are open, innermost last, with the index of their `}`.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while open.last().is_some_and(|&(_, end)| i >= end) {
            open.pop();
        }
        let b = bytes[i];
        if b.is_ascii_whitespace() || b == b'}' || b == b';' {
            i += 1;
            continue;
        }
        if text[i..].starts_with("/*") {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
            continue;
        }
        if text[i..].starts_with("<!--") || text[i..].starts_with("-->") {
            i += if b == b'<' { 4 } else { 3 };
            continue;
        }
        let within = open.last().map(|&(at, _)| at);
        let limit = open.last().map_or(bytes.len(), |&(_, end)| end);
        if b == b'@' {
            let name_end = text[i + 1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(bytes.len(), |e| i + 1 + e);
            let stop = find_top(text, name_end, &AT_RULE).min(limit);
            out.at_rules.push(AtRule {
                name: &text[i + 1..name_end],
                prelude: text[name_end..stop].trim(),
                span: i..stop,
                within,
            });
            let index = out.at_rules.len() - 1;
            if stop >= limit || bytes[stop] != b'{' {
                i = stop + 1;
                continue;
            }
            let end = block_end(text, stop).min(limit);
            if holds_rules(&text[i + 1..name_end]) {
                open.push((index, end));
            } else if !text[i + 1..name_end]
                .to_ascii_lowercase()
                .ends_with("keyframes")
            {
                out.blocks.push(Block {
                    selector: "",
                    selector_at: stop,
                    body: &text[stop + 1..end],
                    body_at: stop + 1,
                    within: Some(index),
                });
                i = end + 1;
                continue;
            } else {
                i = end + 1;
                continue;
            }
            i = stop + 1;
            continue;
        }
        let stop = find_top(text, i, &BRACES).min(limit);
        if stop >= limit || bytes[stop] != b'{' {
            i = stop + 1;
            continue;
        }
        let end = block_end(text, stop).min(limit);
        let raw = &text[i..stop];
        out.blocks.push(Block {
            selector: raw.trim(),
            selector_at: i,
            body: &text[stop + 1..end],
            body_at: stop + 1,
            within,
        });
        i = end + 1;
    }
    out
}

/// `text` without `/* … */` comments.
fn strip_comments(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("/*") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("/*") {
        out.push_str(&rest[..open]);
        rest = match rest[open + 2..].find("*/") {
            Some(close) => &rest[open + 2 + close + 2..],
            None => "",
        };
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The CSS of one HTML document, read once for every check that looks at it: each element's
/// `style` declarations and each `<style>` element's sheet with its blocks' declarations.
#[derive(Debug, Default)]
pub struct DocCss<'d> {
    /// By element index (`HtmlDoc::elements`); empty for an element without `style`.
    pub inline: Vec<Vec<Declaration<'d>>>,
    /// By style sheet index (`HtmlDoc::styles`).
    pub sheets: Vec<SheetCss<'d>>,
}

/// A style sheet and the declarations of each of its blocks.
#[derive(Debug, Default)]
pub struct SheetCss<'d> {
    pub sheet: Sheet<'d>,
    /// By block index (`Sheet::blocks`).
    pub declarations: Vec<Vec<Declaration<'d>>>,
}

impl<'d> SheetCss<'d> {
    /// Reads a style sheet's text.
    pub fn read(text: &'d str) -> Self {
        let sheet = sheet(text);
        let declarations = sheet.blocks.iter().map(|b| declarations(b.body)).collect();
        SheetCss {
            sheet,
            declarations,
        }
    }

    /// The top-level style rules, in order, with their declarations: what styles every
    /// reader's copy. At-rules are left out whole: `@media` and `@supports` blocks apply only
    /// where their condition holds (dark mode, a narrow screen), `@font-face` and `@import`
    /// style no element.
    pub fn style_rules(&self) -> impl Iterator<Item = (&Block<'d>, &[Declaration<'d>])> {
        self.sheet
            .blocks
            .iter()
            .zip(&self.declarations)
            .filter(|(b, _)| b.within.is_none() && !b.selector.is_empty())
            .map(|(b, d)| (b, d.as_slice()))
    }
}

/// Reads the CSS of `doc`.
pub fn read(doc: &HtmlDoc) -> DocCss<'_> {
    DocCss {
        inline: doc
            .elements
            .iter()
            .map(|e| e.attr("style").map(declarations).unwrap_or_default())
            .collect(),
        sheets: doc
            .styles
            .iter()
            .map(|style| SheetCss::read(&style.text))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_style_declarations_with_places() {
        let style = " color:#333 ; background: url('a;b.png') no-repeat;FONT-SIZE: 14px !important;junk; :x";
        let d = declarations(style);
        let names: Vec<&str> = d.iter().map(|d| d.property.as_ref()).collect();
        assert_eq!(names, ["color", "background", "font-size"]);
        assert_eq!(d[0].value, "#333");
        assert_eq!(&style[d[0].span.clone()], "color:#333");
        assert_eq!(d[1].value, "url('a;b.png') no-repeat");
        assert_eq!(d[2].plain_value(), "14px");
        assert_eq!(&style[d[2].span.clone()], "FONT-SIZE: 14px !important");
    }

    #[test]
    fn sheets_read_into_blocks_and_at_rules() {
        let css = "<!-- body{margin:0} @import url(a.css); @media screen and (max-width:600px){ .col{width:100% !important} td a:hover{color:red} } @font-face{font-family:X;src:url(x.woff)} @keyframes k{from{opacity:0}to{opacity:1}} p{color:#333} -->";
        let s = sheet(css);
        let names: Vec<&str> = s.at_rules.iter().map(|a| a.name).collect();
        assert_eq!(names, ["import", "media", "font-face", "keyframes"]);
        assert_eq!(s.at_rules[1].prelude, "screen and (max-width:600px)");
        let blocks: Vec<(&str, Option<usize>)> =
            s.blocks.iter().map(|b| (b.selector, b.within)).collect();
        assert_eq!(
            blocks,
            [
                ("body", None),
                (".col", Some(1)),
                ("td a:hover", Some(1)),
                ("", Some(2)),
                ("p", None)
            ]
        );
        let col = &s.blocks[1];
        assert_eq!(&css[col.body_at..col.body_at + col.body.len()], col.body);
        assert_eq!(&css[col.selector_at..col.selector_at + 4], ".col");
        for odd in [
            "@",
            "@media{",
            "a{",
            "}}}",
            "@import",
            "a{b{c}",
            "@media x{a{b:c}",
        ] {
            let _ = sheet(odd);
        }
    }

    #[test]
    fn comments_and_odd_text_never_panic() {
        assert_eq!(declarations("/* c */ color: red").len(), 1);
        for s in [
            "",
            ";;;",
            ":",
            "a:",
            "'unterminated",
            "/* open",
            "é: 1; ü:2",
            "((;:",
        ] {
            let _ = declarations(s);
        }
    }

    #[test]
    fn style_rules_skip_at_rules() {
        let text = "@import url('x.css'); /* a { } */ body { color: #333 }\n@media (prefers-color-scheme: dark) { .a { color: #fff } }\n.footer td, a.muted { color: '}'; background: #eee }";
        let css = SheetCss::read(text);
        let rules: Vec<_> = css.style_rules().collect();
        let selectors: Vec<&str> = rules.iter().map(|(b, _)| b.selector).collect();
        assert_eq!(selectors, ["body", ".footer td, a.muted"]);
        assert_eq!(rules[1].1[1].value, "#eee");
        let body = rules[0].0;
        assert_eq!(
            &text[body.body_at..body.body_at + body.body.len()],
            " color: #333 "
        );
        for s in ["{", "}", "a {", "@media {", "'", "/*", "a { b: 'c }"] {
            let _ = SheetCss::read(s).style_rules().count();
        }
    }
}
