//! CSS as email templates write it: the declarations of a `style=""` attribute or of a rule
//! block, each with its place, so template checks can point at the exact property.
//!
//! Not a full CSS parser: strings, comments and parenthesised values (`url(a;b)`) are honoured
//! so a `;` or `:` inside them does not split a declaration, and that is all email CSS needs.

use std::ops::Range;

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

/// Byte ranges of `text` between top-level `sep`s, skipping strings, comments and brackets.
fn split_top(text: &str, sep: u8) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |e| i + 2 + e + 1);
            }
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b if b == sep && depth == 0 => {
                parts.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(start..bytes.len().max(start));
    parts
}

/// The declarations in `text` (a `style` attribute's value, or the inside of a rule block), in
/// order; spans are offsets into `text`. Text that is no declaration (no colon, an empty name)
/// is skipped: a client skips it too.
pub fn declarations(text: &str) -> Vec<Declaration<'_>> {
    let mut out = Vec::new();
    for part in split_top(text, b';') {
        let raw = &text[part.clone()];
        let Some(colon) = split_top(raw, b':').first().map(|r| r.end) else {
            continue;
        };
        if colon >= raw.len() {
            continue;
        }
        let name = strip_comments(&raw[..colon]);
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            continue;
        }
        let value = raw[colon + 1..].trim();
        let lead = raw.len() - raw.trim_start().len();
        let trail = raw.len() - raw.trim_end().len();
        let property = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(name.to_ascii_lowercase())
        } else {
            // `name` may borrow from a comment-free copy; keep the source text where it can.
            match raw[..colon].trim() {
                t if t == name => std::borrow::Cow::Borrowed(t),
                _ => std::borrow::Cow::Owned(name.to_string()),
            }
        };
        out.push(Declaration {
            property,
            value,
            span: part.start + lead..part.end - trail,
        });
    }
    out
}

/// A style rule of a style sheet: `selectors { declarations }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleRule<'a> {
    /// The selector list, trimmed (`td.footer, .muted`).
    pub selectors: &'a str,
    /// The text between the braces, for [`declarations`].
    pub body: &'a str,
    /// Where `body` starts in the sheet, so declarations' spans can be made sheet offsets.
    pub body_start: usize,
}

/// The top-level style rules of a style sheet (a `<style>` element's text), in order.
/// At-rules are left out whole: `@media` and `@supports` blocks apply only where their
/// condition holds (dark mode, a narrow screen), `@font-face` and `@import` style no element.
pub fn style_rules(sheet: &str) -> Vec<StyleRule<'_>> {
    let bytes = sheet.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let before_blank = sheet[start..i].trim().is_empty();
                i = sheet[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |e| i + 2 + e + 2);
                // A comment before a selector is no part of it.
                if before_blank {
                    start = i;
                }
                continue;
            }
            b'"' | b'\'' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            // An at-rule without a block (`@import url(x);`) ends at its `;`.
            b';' => start = i + 1,
            b'{' => {
                let end = block_end(bytes, i);
                if !sheet[start..i].trim_start().starts_with('@') {
                    out.push(StyleRule {
                        selectors: sheet[start..i].trim(),
                        body: &sheet[i + 1..end.min(bytes.len())],
                        body_start: i + 1,
                    });
                }
                i = end + 1;
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The offset of the `}` that closes the block opened at `open`, or the end of the text.
fn block_end(bytes: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            b'"' | b'\'' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
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
    fn style_rules_skip_at_rules() {
        let sheet = "@import url('x.css'); /* a { } */ body { color: #333 }\n@media (prefers-color-scheme: dark) { .a { color: #fff } }\n.footer td, a.muted { color: '}'; background: #eee }";
        let rules = style_rules(sheet);
        let selectors: Vec<&str> = rules.iter().map(|r| r.selectors).collect();
        assert_eq!(selectors, ["body", ".footer td, a.muted"]);
        assert_eq!(declarations(rules[1].body)[1].value, "#eee");
        assert_eq!(
            &sheet[rules[0].body_start..rules[0].body_start + rules[0].body.len()],
            " color: #333 "
        );
        for s in ["{", "}", "a {", "@media {", "'", "/*", "a { b: 'c }"] {
            let _ = style_rules(s);
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
}
