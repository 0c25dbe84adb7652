//! HTML bodies, tokenized once with html5ever into links, images and visible text, each with a
//! byte span into the source so findings can point at them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, EndTag, Tag, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
pub use html5ever::LocalName;

use crate::load::draft::{Draft, DraftFormat};
use crate::model::source::{SourceId, Sources};

/// An `<a>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The decoded `href` value, `None` when the attribute is absent.
    pub href: Option<String>,
    /// The visible text inside the element, whitespace collapsed; image alt text included.
    pub text: String,
    /// The start tag `<a …>` in the source.
    pub span: Range<usize>,
    /// The block (paragraph, cell, list item, …) the link starts in; see [`TextRun::block`].
    pub block: usize,
}

/// An `<img>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub src: Option<String>,
    pub alt: Option<String>,
    pub span: Range<usize>,
}

/// A run of visible text between tags (entities decoded, whitespace collapsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRun {
    pub text: String,
    /// The raw text in the source.
    pub span: Range<usize>,
    /// Which block it stands in: a number that changes at every block-level tag (`p`, `td`,
    /// `div`, `li`, …, not `br`), so "in the same sentence or footer" can be told from "in the
    /// next cell".
    pub block: usize,
}

/// An element's start tag, as the template checks (client support, accessibility, links)
/// read markup: name, attributes and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The tag name, ASCII lowercased. An interned name (html5ever's atom): most tags of a
    /// template are a few names, and a start tag costs no allocation for its name.
    pub name: LocalName,
    /// Attributes in source order: name (lowercased, interned) and decoded value.
    pub attrs: Vec<(LocalName, String)>,
    /// The start tag `<name …>` in the source.
    pub span: Range<usize>,
    /// The element it stands in (an index into [`HtmlDoc::elements`]), from the open elements
    /// when its start tag was read; `None` at the top.
    pub parent: Option<usize>,
}

impl Element {
    /// The value of attribute `name` (lowercase), if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A comment, whose text may be markup for one client only (`<!--[if mso]> … <![endif]-->`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The text between `<!--` and `-->`.
    pub text: String,
    pub span: Range<usize>,
}

/// The text of a `<style>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleSheet {
    pub text: String,
    /// The text in the source (inside the element).
    pub span: Range<usize>,
    /// The `<style>` element (an index into [`HtmlDoc::elements`]).
    pub element: usize,
}

/// A parsed HTML body.
#[derive(Debug, Clone, Default)]
pub struct HtmlDoc {
    pub source: SourceId,
    pub links: Vec<Link>,
    pub images: Vec<Image>,
    /// Visible text runs in document order (not inside head, script, style, title, template).
    pub texts: Vec<TextRun>,
    /// All visible text joined with single spaces.
    pub visible_text: String,
    /// Every start tag in document order. Markup inside a comment (an Outlook-only
    /// `<!--[if mso]>` block) is not here: it is in [`HtmlDoc::comments`].
    pub elements: Vec<Element>,
    pub comments: Vec<Comment>,
    pub styles: Vec<StyleSheet>,
    /// The HTML as parsed: its source and byte range there, which the spans of
    /// [`HtmlDoc::elements`], [`HtmlDoc::comments`] and [`HtmlDoc::styles`] are in. The same
    /// source as [`HtmlDoc::source`] for HTML files and messages; for MJML, the rendered HTML
    /// (what a client receives), while links, images and text point back into the `.mjml`.
    pub markup: (SourceId, Range<usize>),
}

impl HtmlDoc {
    pub fn first_text_span(&self) -> Option<Range<usize>> {
        self.texts.first().map(|t| t.span.clone())
    }

    pub fn last_text_span(&self) -> Option<Range<usize>> {
        self.texts.last().map(|t| t.span.clone())
    }
}

/// Parses `html`, which stands at byte `base` of source `source`; spans are in source offsets.
///
/// The html5ever tokenizer does the HTML work (entities, attribute quoting, raw text elements);
/// it reports no offsets, so a forward cursor over `html` finds each token's markup in the
/// source as the tokens arrive in document order. Every span lies inside
/// `base..base + html.len()` and on char boundaries, whatever the input.
pub fn parse(source: SourceId, html: &str, base: usize) -> HtmlDoc {
    let sink = Sink {
        state: RefCell::new(State::new(html, base)),
    };
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    // The sink never blocks on a script nor switches encoding, so one feed consumes everything.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let state = tokenizer.sink.state.into_inner();
    HtmlDoc {
        source,
        links: state.links,
        images: state.images,
        texts: state.texts,
        visible_text: state.visible_text,
        elements: state.elements,
        comments: state.comments,
        styles: state.styles,
        markup: (source, base..base + html.len()),
    }
}

/// Elements that have no end tag, so never hold others (HTML's void elements; MJML's markup
/// scan uses the same list).
pub(crate) fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Elements whose start or end breaks the line in `visible_text`.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "br"
            | "tr"
            | "td"
            | "th"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "table"
            | "section"
            | "hr"
            | "blockquote"
            | "center"
            | "pre"
            | "header"
            | "footer"
            | "article"
            | "dl"
            | "dt"
            | "dd"
    )
}

/// Elements a document's `<head>` may hold; any other start tag ends the head.
fn is_head_content(name: &str) -> bool {
    matches!(
        name,
        "html"
            | "head"
            | "meta"
            | "link"
            | "title"
            | "style"
            | "script"
            | "base"
            | "noscript"
            | "template"
            | "basefont"
            | "bgsound"
    )
}

/// Elements whose content the tokenizer must read as text (as a browser's tree builder would
/// tell it), and whether that text is hidden from the reader.
fn raw_kind(name: &str) -> Option<(RawKind, bool)> {
    match name {
        "script" => Some((RawKind::ScriptData, true)),
        "style" | "iframe" | "noembed" | "noframes" => Some((RawKind::Rawtext, true)),
        "xmp" => Some((RawKind::Rawtext, false)),
        "title" => Some((RawKind::Rcdata, true)),
        "textarea" => Some((RawKind::Rcdata, false)),
        _ => None,
    }
}

/// Characters that take no room on screen (soft hyphen, zero-width space and non-joiner,
/// word joiner, BOM, combining grapheme joiner): preheader padding is made of them. They are
/// dropped from text; the zero-width joiner is kept, emoji sequences need it.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}' | '\u{34F}' | '\u{200B}' | '\u{200C}' | '\u{2060}' | '\u{FEFF}'
    )
}

fn is_blank(c: char) -> bool {
    c.is_whitespace() || is_invisible(c)
}

/// `s` with invisible characters dropped, whitespace runs collapsed to one space, and trimmed.
fn collapse(s: &str) -> String {
    // Most text between a template's tags is indentation: nothing to keep or allocate.
    if s.bytes()
        .all(|b| matches!(b, b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' | b' '))
    {
        return String::new();
    }
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// The length and value of a character reference at the start of `s` that stands for a blank
/// character (`&nbsp;`, `&#8203;`, `&zwnj;`, …), so text spans can be trimmed of them.
fn blank_entity(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('&')?;
    let semi = rest.as_bytes().iter().take(32).position(|&b| b == b';')?;
    let body = &rest[..semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        char::from_u32(code)?
    } else {
        match body {
            "nbsp" | "NonBreakingSpace" => '\u{A0}',
            "ensp" => '\u{2002}',
            "emsp" => '\u{2003}',
            "thinsp" | "ThinSpace" => '\u{2009}',
            "zwnj" => '\u{200C}',
            "shy" => '\u{AD}',
            "ZeroWidthSpace" => '\u{200B}',
            "NewLine" => '\n',
            "Tab" => '\t',
            _ => return None,
        }
    };
    is_blank(c).then_some(semi + 2)
}

/// `start..end` of `src` without leading and trailing blanks, raw or (where the text has
/// `entities` decoded) written as character references.
fn trim_span(src: &str, mut start: usize, mut end: usize, entities: bool) -> Range<usize> {
    loop {
        let rest = &src[start..end];
        match rest.chars().next() {
            Some(c) if is_blank(c) => start += c.len_utf8(),
            Some('&') if entities => match blank_entity(rest) {
                Some(len) => start += len,
                None => break,
            },
            _ => break,
        }
    }
    loop {
        let rest = &src[start..end];
        match rest.chars().next_back() {
            Some(c) if is_blank(c) => end -= c.len_utf8(),
            Some(';') if entities => {
                let bytes = rest.as_bytes();
                let from = bytes.len().saturating_sub(34);
                let Some(amp) = bytes[from..].iter().rposition(|&b| b == b'&') else {
                    break;
                };
                let amp = from + amp;
                if blank_entity(&rest[amp..]) == Some(rest.len() - amp) {
                    end = start + amp;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    start..end
}

fn is_tag_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b'\x0C' | b' ')
}

/// What a comment or doctype token came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decl {
    /// `<!-- … -->`
    Comment,
    /// `<!…>`, `<?…>`, `</3…>`, `<![CDATA[…>`: a bogus comment, up to the first `>`.
    Bogus,
    /// `<!DOCTYPE …>`
    Doctype,
}

/// The forward cursor that finds each token's markup in the source.
struct Scanner<'a> {
    src: &'a str,
    cursor: usize,
    /// Per tag name: the last search (from, first match at or after it). A search that fails
    /// (the scanner and tokenizer disagree) would otherwise rescan to the end every time.
    start_memo: HashMap<String, (usize, Option<usize>)>,
    end_memo: HashMap<String, (usize, Option<usize>)>,
    comment_memo: Option<(usize, Option<usize>)>,
    doctype_memo: Option<(usize, Option<usize>)>,
    /// The same for the next start or end tag of any name.
    start_open: Option<(usize, Option<usize>)>,
    end_open: Option<(usize, Option<usize>)>,
}

fn memo_hit(memo: Option<&(usize, Option<usize>)>, at: usize) -> Option<Option<usize>> {
    match memo {
        Some(&(from, found)) if from <= at && found.is_none_or(|f| f >= at) => Some(found),
        _ => None,
    }
}

impl<'a> Scanner<'a> {
    fn new(src: &'a str) -> Self {
        Scanner {
            src,
            cursor: 0,
            start_memo: HashMap::new(),
            end_memo: HashMap::new(),
            comment_memo: None,
            doctype_memo: None,
            start_open: None,
            end_open: None,
        }
    }

    /// Positions of `<` at or after `from`.
    fn lts(&self, from: usize) -> impl Iterator<Item = usize> + 'a {
        let src = self.src;
        let mut at = from;
        std::iter::from_fn(move || {
            let found = at + src.get(at..)?.find('<')?;
            at = found + 1;
            Some(found)
        })
    }

    /// Whether the tag name `name` (as the tokenizer reports it: ASCII lowercased, NUL as
    /// U+FFFD) is written at `at`, followed by what ends a tag name.
    fn name_at(&self, at: usize, name: &str) -> Option<usize> {
        let rest = self.src.get(at..)?;
        let mut src_chars = rest.char_indices();
        for n in name.chars() {
            let (_, c) = src_chars.next()?;
            let c = if c == '\0' {
                '\u{FFFD}'
            } else {
                c.to_ascii_lowercase()
            };
            if c != n {
                return None;
            }
        }
        let after = match src_chars.next() {
            Some((i, _)) => at + i,
            None => return None,
        };
        let b = self.src.as_bytes()[after];
        (!name.is_empty() && (is_tag_space(b) || b == b'/' || b == b'>')).then_some(after)
    }

    /// The first `<name` (or `</name`) at or after `from`.
    fn find_tag_uncached(&self, from: usize, name: &str, end: bool) -> Option<usize> {
        let bytes = self.src.as_bytes();
        self.lts(from).find(|&p| {
            if end {
                bytes.get(p + 1) == Some(&b'/') && self.name_at(p + 2, name).is_some()
            } else {
                self.name_at(p + 1, name).is_some()
            }
        })
    }

    /// The first `<x` (or `</x` for an end tag), x an ASCII letter, at or after the cursor.
    /// Outside raw text that is where the tokenizer's next tag starts.
    fn next_tag_open(&mut self, end: bool) -> Option<usize> {
        let at = self.cursor;
        let memo = if end {
            &self.end_open
        } else {
            &self.start_open
        };
        if let Some(found) = memo_hit(memo.as_ref(), at) {
            return found;
        }
        let bytes = self.src.as_bytes();
        let alpha = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_alphabetic);
        let found = self.lts(at).find(|&p| match end {
            true => bytes.get(p + 1) == Some(&b'/') && alpha(p + 2),
            false => alpha(p + 1),
        });
        *(if end {
            &mut self.end_open
        } else {
            &mut self.start_open
        }) = Some((at, found));
        found
    }

    /// Where the tag `name` that the tokenizer just reported starts.
    fn find_tag(&mut self, name: &str, end: bool) -> Option<usize> {
        // Fast path: the next tag in the source is the one.
        if let Some(p) = self.next_tag_open(end) {
            if self.name_at(p + 1 + usize::from(end), name).is_some() {
                return Some(p);
            }
        }
        // The scanner lost step with the tokenizer (or this is a raw text element's end tag):
        // take the next tag of that name.
        let at = self.cursor;
        let memo = if end {
            &self.end_memo
        } else {
            &self.start_memo
        };
        if let Some(found) = memo_hit(memo.get(name), at) {
            return found;
        }
        let found = self.find_tag_uncached(at, name, end);
        let memo = if end {
            &mut self.end_memo
        } else {
            &mut self.start_memo
        };
        match memo.get_mut(name) {
            Some(m) => *m = (at, found),
            None => {
                memo.insert(name.to_string(), (at, found));
            }
        }
        found
    }

    /// The `</script` that ends the script element the cursor is in. Inside a script, `<!--`
    /// followed by `<script>` hides the next `</script>` (the script data escaped states), so
    /// this follows those states rather than taking the first `</script`.
    fn find_script_end(&self) -> Option<usize> {
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum S {
            Data,
            Escaped,
            EscapedDash,
            EscapedDashDash,
            Double,
            DoubleDash,
            DoubleDashDash,
        }
        let bytes = self.src.as_bytes();
        let script_at = |at: usize| self.name_at(at, "script").is_some();
        let end_tag_at = |at: usize| bytes.get(at + 1) == Some(&b'/') && script_at(at + 2);
        let mut state = S::Data;
        let mut i = self.cursor;
        while i < bytes.len() {
            let c = bytes[i];
            state = match state {
                S::Data => {
                    if c == b'<' {
                        if end_tag_at(i) {
                            return Some(i);
                        }
                        if bytes[i + 1..].starts_with(b"!--") {
                            i += 4;
                            state = S::EscapedDashDash;
                            continue;
                        }
                    }
                    S::Data
                }
                S::Escaped | S::EscapedDash | S::EscapedDashDash => match c {
                    b'-' if state == S::Escaped => S::EscapedDash,
                    b'-' => S::EscapedDashDash,
                    b'>' if state == S::EscapedDashDash => S::Data,
                    b'<' if end_tag_at(i) => return Some(i),
                    b'<' if script_at(i + 1) => {
                        i += 1 + "script".len();
                        state = S::Double;
                        continue;
                    }
                    _ => S::Escaped,
                },
                S::Double | S::DoubleDash | S::DoubleDashDash => match c {
                    b'-' if state == S::Double => S::DoubleDash,
                    b'-' => S::DoubleDashDash,
                    b'>' if state == S::DoubleDashDash => S::Data,
                    b'<' if end_tag_at(i) => {
                        i += 2 + "script".len();
                        state = S::Escaped;
                        continue;
                    }
                    _ => S::Double,
                },
            };
            i += 1;
        }
        None
    }

    /// The end (after `>`) of a tag whose name ends at `at`, following the tokenizer's
    /// attribute states so that a `>` inside a quoted value does not end it.
    fn tag_end(&self, at: usize) -> usize {
        #[derive(Clone, Copy)]
        enum S {
            BeforeName,
            Name,
            AfterName,
            BeforeValue,
            Unquoted,
            AfterQuoted,
            SelfClosing,
        }
        let bytes = self.src.as_bytes();
        let mut state = S::BeforeName;
        let mut i = at;
        while i < bytes.len() {
            let b = bytes[i];
            state = match state {
                S::BeforeName => match b {
                    b'>' => return i + 1,
                    b'/' => S::SelfClosing,
                    _ if is_tag_space(b) => S::BeforeName,
                    _ => S::Name,
                },
                S::Name => match b {
                    b'>' => return i + 1,
                    b'/' => S::SelfClosing,
                    b'=' => S::BeforeValue,
                    _ if is_tag_space(b) => S::AfterName,
                    _ => S::Name,
                },
                S::AfterName => match b {
                    b'>' => return i + 1,
                    b'/' => S::SelfClosing,
                    b'=' => S::BeforeValue,
                    _ if is_tag_space(b) => S::AfterName,
                    _ => S::Name,
                },
                S::BeforeValue => match b {
                    b'>' => return i + 1,
                    b'"' | b'\'' => match bytes[i + 1..].iter().position(|&c| c == b) {
                        Some(close) => {
                            i += 1 + close;
                            S::AfterQuoted
                        }
                        None => return bytes.len(),
                    },
                    _ if is_tag_space(b) => S::BeforeValue,
                    _ => S::Unquoted,
                },
                S::Unquoted => match b {
                    b'>' => return i + 1,
                    _ if is_tag_space(b) => S::BeforeName,
                    _ => S::Unquoted,
                },
                S::AfterQuoted => match b {
                    b'>' => return i + 1,
                    b'/' => S::SelfClosing,
                    _ if is_tag_space(b) => S::BeforeName,
                    // Missing space between attributes: reconsume as a new attribute name.
                    _ => S::Name,
                },
                S::SelfClosing => match b {
                    b'>' => return i + 1,
                    b'/' => S::SelfClosing,
                    _ if is_tag_space(b) => S::BeforeName,
                    _ => S::Name,
                },
            };
            i += 1;
        }
        bytes.len()
    }

    /// What markup declaration, if any, starts at the `<` at `p`.
    fn decl_at(&self, p: usize) -> Option<Decl> {
        let rest = &self.src.as_bytes()[p + 1..];
        match rest.first()? {
            b'!' => Some(if rest[1..].starts_with(b"--") {
                Decl::Comment
            } else if rest.len() >= 8 && rest[1..8].eq_ignore_ascii_case(b"doctype") {
                Decl::Doctype
            } else {
                Decl::Bogus
            }),
            b'?' => Some(Decl::Bogus),
            // `</>` is dropped, `</` at the end is text, `</a` is an end tag.
            b'/' => match rest.get(1) {
                Some(b) if !b.is_ascii_alphabetic() && *b != b'>' => Some(Decl::Bogus),
                _ => None,
            },
            _ => None,
        }
    }

    /// The first comment (or doctype) at or after the cursor.
    fn find_decl(&mut self, doctype: bool) -> Option<(usize, Decl)> {
        let at = self.cursor;
        let memo = if doctype {
            self.doctype_memo.as_ref()
        } else {
            self.comment_memo.as_ref()
        };
        let found = match memo_hit(memo, at) {
            Some(found) => found,
            None => {
                let found = self.lts(at).find(|&p| match self.decl_at(p) {
                    Some(Decl::Doctype) => doctype,
                    Some(_) => !doctype,
                    None => false,
                });
                if doctype {
                    self.doctype_memo = Some((at, found));
                } else {
                    self.comment_memo = Some((at, found));
                }
                found
            }
        };
        let p = found?;
        Some((p, self.decl_at(p)?))
    }

    /// Where the text after the cursor ends at the end of input: before a tag left open at the
    /// end (which the tokenizer drops), unless inside a raw text element.
    fn text_end_at_eof(&self, in_raw: bool) -> usize {
        let bytes = self.src.as_bytes();
        let unterminated = |p: usize| match bytes.get(p + 1) {
            Some(b) if b.is_ascii_alphabetic() => true,
            Some(b'/') => bytes.get(p + 2).is_some_and(u8::is_ascii_alphabetic),
            _ => false,
        };
        match in_raw {
            true => self.src.len(),
            false => self
                .lts(self.cursor)
                .find(|&p| unterminated(p))
                .unwrap_or(self.src.len()),
        }
    }

    /// The end (after `>`) of the declaration of kind `decl` starting at `p`.
    fn decl_end(&self, p: usize, decl: Decl) -> usize {
        let bytes = self.src.as_bytes();
        let len = bytes.len();
        let gt_from = |from: usize| {
            bytes
                .get(from..)
                .and_then(|r| r.iter().position(|&b| b == b'>'))
                .map_or(len, |i| from + i + 1)
        };
        match decl {
            Decl::Bogus => gt_from(p + 2),
            Decl::Doctype => gt_from(p + 9),
            Decl::Comment => {
                let body = p + 4;
                let rest = &bytes[body..];
                if rest.starts_with(b">") {
                    return body + 1;
                }
                if rest.starts_with(b"->") {
                    return body + 2;
                }
                let mut i = body;
                while let Some(d) = self.src[i..].find("--") {
                    let dash = i + d;
                    let after = &bytes[dash + 2..];
                    if after.starts_with(b">") {
                        return dash + 3;
                    }
                    if after.starts_with(b"!>") {
                        return dash + 4;
                    }
                    i = dash + 1;
                }
                len
            }
        }
    }
}

/// An `<a>` still open: its entry in `links` and its raw text so far.
struct OpenLink {
    index: usize,
    text: String,
    /// How many table cells were open when it started: the end of that cell ends it.
    cell_depth: usize,
}

struct State<'a> {
    scan: Scanner<'a>,
    base: usize,
    /// Character data since the last markup.
    pending: String,
    /// The raw text element we are in (`script`, `title`, …) and whether its text is hidden.
    raw: Option<(String, bool)>,
    in_head: bool,
    /// Body content has started: a later `<head>` means nothing.
    head_done: bool,
    template_depth: usize,
    noscript_depth: usize,
    cell_depth: usize,
    /// A block-level tag stands between the last text run and the next.
    line_break: bool,
    /// The current block's number ([`TextRun::block`]).
    block: usize,
    link: Option<OpenLink>,
    links: Vec<Link>,
    images: Vec<Image>,
    texts: Vec<TextRun>,
    visible_text: String,
    elements: Vec<Element>,
    /// Indexes into `elements` of the elements still open, outermost first.
    open: Vec<usize>,
    comments: Vec<Comment>,
    styles: Vec<StyleSheet>,
}

impl<'a> State<'a> {
    fn new(src: &'a str, base: usize) -> Self {
        State {
            scan: Scanner::new(src),
            base,
            pending: String::new(),
            raw: None,
            in_head: false,
            head_done: false,
            template_depth: 0,
            noscript_depth: 0,
            cell_depth: 0,
            line_break: false,
            block: 0,
            link: None,
            links: Vec::new(),
            images: Vec::new(),
            texts: Vec::new(),
            visible_text: String::new(),
            elements: Vec::new(),
            open: Vec::new(),
            comments: Vec::new(),
            styles: Vec::new(),
        }
    }

    fn span(&self, range: Range<usize>) -> Range<usize> {
        self.base + range.start..self.base + range.end
    }

    /// Ends the character run whose source runs from the cursor to `end`.
    fn flush_text(&mut self, end: usize) {
        if self.pending.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.pending);
        if self.raw.as_ref().is_some_and(|(raw, _)| raw == "style") {
            if let Some(&element) = self.open.last() {
                let start = self.scan.cursor;
                self.styles.push(StyleSheet {
                    text: text.clone(),
                    span: self.span(start..end.max(start)),
                    element,
                });
            }
        }
        let hidden_element = self.raw.as_ref().is_some_and(|(_, hidden)| *hidden)
            || self.template_depth > 0
            || self.noscript_depth > 0;
        // Hidden text (a style sheet, a script) is not read: collapsing it was a good part of
        // a template's parse.
        if hidden_element {
            self.pending = text;
            self.pending.clear();
            return;
        }
        let collapsed = collapse(&text);
        if self.in_head && !collapsed.is_empty() {
            // Text cannot stand in the head: a browser starts the body here.
            self.in_head = false;
            self.head_done = true;
        }
        if self.in_head {
            self.pending = text;
            self.pending.clear();
            return;
        }
        if !collapsed.is_empty() && self.raw.is_none() {
            self.head_done = true;
        }
        if let Some(link) = &mut self.link {
            link.text.push_str(&text);
        }
        if !collapsed.is_empty() {
            let start = self.scan.cursor;
            // Raw text elements other than RCDATA ones keep `&…;` as written.
            let entities = self.raw.as_ref().is_none_or(|(raw, _)| raw == "textarea");
            let mut range = trim_span(self.scan.src, start, end.max(start), entities);
            if range.is_empty() {
                range = start..end.max(start);
            }
            if !self.visible_text.is_empty() {
                self.visible_text
                    .push(if self.line_break { '\n' } else { ' ' });
            }
            self.visible_text.push_str(&collapsed);
            self.line_break = false;
            self.texts.push(TextRun {
                text: collapsed,
                span: self.span(range),
                block: self.block,
            });
        }
        // Keep the buffer's allocation for the next run.
        self.pending = text;
        self.pending.clear();
    }

    fn close_link(&mut self) {
        if let Some(link) = self.link.take() {
            self.links[link.index].text = collapse(&link.text);
        }
    }

    fn tag(&mut self, tag: Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let end = tag.kind == EndTag;
        let in_script = self.raw.as_ref().is_some_and(|(raw, _)| raw == "script");
        let found = if end && name == "script" && in_script {
            self.scan.find_script_end()
        } else {
            self.scan.find_tag(name, end)
        };
        let (start, stop) = match found {
            Some(p) => {
                // The name as written can be shorter than the token's (NUL became U+FFFD).
                let name_end = self
                    .scan
                    .name_at(p + 1 + usize::from(end), name)
                    .unwrap_or(p + 1);
                (p, self.scan.tag_end(name_end))
            }
            None => (self.scan.cursor, self.scan.cursor),
        };
        self.flush_text(start);
        self.scan.cursor = stop.max(self.scan.cursor);
        let span = self.span(start..stop);
        let attr = |key: &str| {
            tag.attrs
                .iter()
                .find(|a| &*a.name.local == key)
                .map(|a| a.value.to_string())
        };

        if end {
            // Close up to the nearest open element of this name; an end tag nothing opened
            // is ignored, as a browser does.
            if let Some(depth) = self
                .open
                .iter()
                .rposition(|&i| &*self.elements[i].name == name)
            {
                self.open.truncate(depth);
            }
        } else {
            self.elements.push(Element {
                name: tag.name.clone(),
                attrs: tag
                    .attrs
                    .iter()
                    .map(|a| (a.name.local.clone(), a.value.to_string()))
                    .collect(),
                span: span.clone(),
                parent: self.open.last().copied(),
            });
            if !is_void(name) && !tag.self_closing {
                self.open.push(self.elements.len() - 1);
            }
        }
        if end {
            if self.raw.as_ref().is_some_and(|(raw, _)| raw == name) {
                self.raw = None;
            }
            match name {
                "a" => self.close_link(),
                "td" | "th" => {
                    if self
                        .link
                        .as_ref()
                        .is_some_and(|l| self.cell_depth <= l.cell_depth)
                    {
                        self.close_link();
                    }
                    self.cell_depth = self.cell_depth.saturating_sub(1);
                }
                "template" => self.template_depth = self.template_depth.saturating_sub(1),
                "noscript" => self.noscript_depth = self.noscript_depth.saturating_sub(1),
                "head" => {
                    self.in_head = false;
                    self.head_done = true;
                }
                _ => {}
            }
        } else {
            if !is_head_content(name) {
                self.in_head = false;
                self.head_done = true;
            }
            match name {
                "head" if !self.head_done => self.in_head = true,
                "body" => {
                    self.in_head = false;
                    self.head_done = true;
                }
                // Inky (Foundation for Emails) writes links as `<button href>` and
                // `<item href>`; they become `<a>` when the template is built.
                "a" | "button" | "item" if name == "a" || attr("href").is_some() => {
                    self.close_link();
                    self.links.push(Link {
                        href: attr("href"),
                        text: String::new(),
                        span: span.clone(),
                        block: self.block,
                    });
                    self.link = Some(OpenLink {
                        index: self.links.len() - 1,
                        text: String::new(),
                        cell_depth: self.cell_depth,
                    });
                }
                // An image map's areas are links too: their alt text is their text.
                "area" if attr("href").is_some() => {
                    self.links.push(Link {
                        href: attr("href"),
                        text: attr("alt").map(|a| collapse(&a)).unwrap_or_default(),
                        span: span.clone(),
                        block: self.block,
                    });
                }
                "img" => {
                    let alt = attr("alt");
                    if let (Some(link), Some(alt)) = (&mut self.link, &alt) {
                        link.text.push(' ');
                        link.text.push_str(alt);
                        link.text.push(' ');
                    }
                    self.images.push(Image {
                        src: attr("src"),
                        alt,
                        span: span.clone(),
                    });
                }
                "td" | "th" => self.cell_depth += 1,
                "template" => self.template_depth += 1,
                "noscript" => self.noscript_depth += 1,
                _ => {}
            }
        }
        if is_block(name) {
            self.line_break = true;
            if name != "br" {
                self.block += 1;
            }
            if let Some(link) = &mut self.link {
                link.text.push(' ');
            }
        }
        if !end {
            if let Some((kind, hidden)) = raw_kind(name) {
                self.raw = Some((name.to_string(), hidden));
                return TokenSinkResult::RawData(kind);
            }
        }
        TokenSinkResult::Continue
    }

    fn decl(&mut self, doctype: bool, comment: Option<&str>) {
        let (start, stop) = match self.scan.find_decl(doctype) {
            Some((p, decl)) => (p, self.scan.decl_end(p, decl)),
            None => (self.scan.cursor, self.scan.cursor),
        };
        self.flush_text(start);
        self.scan.cursor = stop.max(self.scan.cursor);
        if let Some(text) = comment {
            let span = self.span(start..stop);
            self.comments.push(Comment {
                text: text.to_string(),
                span,
            });
        }
    }
}

struct Sink<'a> {
    state: RefCell<State<'a>>,
}

impl TokenSink for Sink<'_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        match token {
            Token::CharacterTokens(text) => state.pending.push_str(&text),
            Token::TagToken(tag) => return state.tag(tag),
            Token::CommentToken(text) => state.decl(false, Some(&text)),
            Token::DoctypeToken(_) => state.decl(true, None),
            Token::EOFToken => {
                let end = state.scan.text_end_at_eof(state.raw.is_some());
                state.flush_text(end);
                state.close_link();
            }
            Token::NullCharacterToken | Token::ParseError(_) => {}
        }
        TokenSinkResult::Continue
    }
}

/// A bare HTML template: the whole file is the body, and there are no headers.
pub fn load_template(sources: &mut Sources, name: &str, text: String) -> Draft {
    let source = sources.add(name, text);
    let doc = parse(source, &sources.get(source).text, 0);
    Draft {
        source,
        format: DraftFormat::Html,
        headers: Vec::new(),
        recipients: Vec::new(),
        text: None,
        html: Some(doc),
        attachments: Vec::new(),
        problems: Vec::new(),
        undecoded: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(html: &str) -> HtmlDoc {
        parse(SourceId(0), html, 0)
    }

    /// The span of the only occurrence of `needle` in `haystack`.
    fn span_of(haystack: &str, needle: &str) -> Range<usize> {
        let start = haystack.find(needle).expect("needle present");
        assert_eq!(
            haystack[start + 1..].find(needle),
            None,
            "needle {needle:?} is not unique"
        );
        start..start + needle.len()
    }

    fn texts(doc: &HtmlDoc) -> Vec<&str> {
        doc.texts.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn link_with_decoded_href_text_and_span() {
        let html = r#"<p>Hi <a class="x" href="https://ex.test/u?a=1&amp;b=2">Unsubscribe
            here</a>.</p>"#;
        let d = doc(html);
        assert_eq!(
            d.links,
            vec![Link {
                href: Some("https://ex.test/u?a=1&b=2".into()),
                text: "Unsubscribe here".into(),
                span: span_of(
                    html,
                    r#"<a class="x" href="https://ex.test/u?a=1&amp;b=2">"#
                ),
                block: 1,
            }]
        );
        assert_eq!(texts(&d), ["Hi", "Unsubscribe here", "."]);
        assert_eq!(
            d.texts[1].span,
            span_of(html, "Unsubscribe\n            here")
        );
        let dot = html.find(".</p>").unwrap();
        assert_eq!(d.texts[2].span, dot..dot + 1);
    }

    #[test]
    fn link_without_href_and_hash_href() {
        let html = r##"<a name="top">Top</a> <a href="#">unsubscribe</a> <a href>x</a>"##;
        let d = doc(html);
        assert_eq!(d.links.len(), 3);
        assert_eq!(d.links[0].href, None);
        assert_eq!(d.links[0].text, "Top");
        assert_eq!(d.links[0].span, span_of(html, r#"<a name="top">"#));
        assert_eq!(d.links[1].href.as_deref(), Some("#"));
        assert_eq!(d.links[1].text, "unsubscribe");
        assert_eq!(d.links[1].span, span_of(html, r##"<a href="#">"##));
        assert_eq!(d.links[2].href.as_deref(), Some(""));
        assert_eq!(d.links[2].span, span_of(html, "<a href>"));
    }

    #[test]
    fn image_only_link_gets_alt_text() {
        let html =
            r#"<a href="/u"><img src="x.png" alt="Unsubscribe &amp; leave"></a><img src=y.gif>"#;
        let d = doc(html);
        assert_eq!(d.links.len(), 1);
        assert_eq!(d.links[0].text, "Unsubscribe & leave");
        assert_eq!(
            d.images,
            vec![
                Image {
                    src: Some("x.png".into()),
                    alt: Some("Unsubscribe & leave".into()),
                    span: span_of(html, r#"<img src="x.png" alt="Unsubscribe &amp; leave">"#),
                },
                Image {
                    src: Some("y.gif".into()),
                    alt: None,
                    span: span_of(html, "<img src=y.gif>"),
                },
            ]
        );
        assert!(d.texts.is_empty());
        assert_eq!(d.visible_text, "");
    }

    #[test]
    fn uppercase_tags_and_attributes() {
        let html = "<P>Go <A HREF='/x' TARGET=_blank>THERE</A></P>";
        let d = doc(html);
        assert_eq!(d.links.len(), 1);
        assert_eq!(d.links[0].href.as_deref(), Some("/x"));
        assert_eq!(d.links[0].text, "THERE");
        assert_eq!(
            d.links[0].span,
            span_of(html, "<A HREF='/x' TARGET=_blank>")
        );
        assert_eq!(d.texts[1].span, span_of(html, "THERE"));
    }

    #[test]
    fn link_in_comment_is_ignored() {
        let html = r#"<!-- <a href="/fake">no</a> --><!--[if mso]><a href="/mso"><![endif]--><a href="/real">yes</a><!---->"#;
        let d = doc(html);
        assert_eq!(d.links.len(), 1);
        assert_eq!(d.links[0].href.as_deref(), Some("/real"));
        assert_eq!(d.links[0].span, span_of(html, r#"<a href="/real">"#));
        assert_eq!(texts(&d), ["yes"]);
        assert_eq!(d.texts[0].span, span_of(html, "yes"));
    }

    #[test]
    fn doctype_and_cdata_advance_the_cursor() {
        // Outside SVG/MathML, `<![CDATA[` is a bogus comment up to the first `>`.
        let html = "<!DOCTYPE html><![CDATA[<a href=x>]]><?php echo 1 ?></3 x><b>Text</b>";
        let d = doc(html);
        assert!(d.links.is_empty());
        assert_eq!(texts(&d), ["]]>", "Text"]);
        assert_eq!(d.texts[0].span, span_of(html, "]]>"));
        assert_eq!(d.texts[1].span, span_of(html, "Text"));
    }

    #[test]
    fn head_script_style_title_text_excluded() {
        let html = concat!(
            "<html><head><title>Secret title</title><style>p { color: red }</style>",
            "<script>var s = \"<a href='/s'>in script</a></div>\";</script></head>",
            "<body><p>Visible</p><script>if (a<b && c>d) {}</script>",
            "<noscript>no js</noscript><template><p>tpl</p></template>",
            "<STYLE>.x{}</STYLE><div>After</div></body></html>"
        );
        let d = doc(html);
        assert!(d.links.is_empty());
        assert_eq!(texts(&d), ["Visible", "After"]);
        assert_eq!(d.texts[0].span, span_of(html, "Visible"));
        assert_eq!(d.texts[1].span, span_of(html, "After"));
        assert_eq!(d.visible_text, "Visible\nAfter");
    }

    #[test]
    fn unclosed_head_ends_at_body_content() {
        let html = "<head><meta charset=utf-8><title>T</title><table><td>Body text";
        let d = doc(html);
        assert_eq!(texts(&d), ["Body text"]);
        assert_eq!(d.texts[0].span, span_of(html, "Body text"));
    }

    #[test]
    fn textarea_is_visible_text_not_markup() {
        let html = "<textarea><a href=/no>&lt;b&gt;</textarea><p>x";
        let d = doc(html);
        assert!(d.links.is_empty());
        assert_eq!(texts(&d), ["<a href=/no><b>", "x"]);
        assert_eq!(d.texts[0].span, span_of(html, "<a href=/no>&lt;b&gt;"));
    }

    #[test]
    fn gt_inside_quoted_attribute() {
        let html =
            r#"<a href="/x?a>b" title='1 > 0' data-x=">">Go</a><img alt="a > b" src=p.png/>"#;
        let d = doc(html);
        assert_eq!(
            d.links[0].span,
            span_of(html, r#"<a href="/x?a>b" title='1 > 0' data-x=">">"#)
        );
        assert_eq!(d.links[0].href.as_deref(), Some("/x?a>b"));
        assert_eq!(d.links[0].text, "Go");
        assert_eq!(texts(&d), ["Go"]);
        assert_eq!(d.texts[0].span, span_of(html, "Go"));
        assert_eq!(
            d.images[0].span,
            span_of(html, r#"<img alt="a > b" src=p.png/>"#)
        );
        assert_eq!(d.images[0].src.as_deref(), Some("p.png/"));
    }

    #[test]
    fn unclosed_links() {
        let html = r#"<a href="/1">First <a href="/2">Second<p>more <b>words"#;
        let d = doc(html);
        assert_eq!(d.links.len(), 2);
        assert_eq!(d.links[0].text, "First");
        assert_eq!(d.links[0].span, span_of(html, r#"<a href="/1">"#));
        assert_eq!(d.links[1].text, "Second more words");
        assert_eq!(d.links[1].span, span_of(html, r#"<a href="/2">"#));
        assert_eq!(d.visible_text, "First Second\nmore words");
    }

    #[test]
    fn unclosed_link_ends_with_its_table_cell() {
        let html = "<table><tr><td><a href=/shop>Shop</td><td>Other</td></tr></table>\
                    <a href=/wrap><table><td>In</td><td>cells</td></table></a>";
        let d = doc(html);
        assert_eq!(d.links[0].text, "Shop");
        assert_eq!(d.links[1].text, "In cells");
    }

    #[test]
    fn unterminated_tag_at_end_is_dropped() {
        let html = r#"<p>Hello</p><a href="/x"#;
        let d = doc(html);
        assert!(d.links.is_empty());
        assert_eq!(texts(&d), ["Hello"]);
        assert_eq!(d.texts[0].span, 3..8);
    }

    #[test]
    fn non_ascii_spans_slice_back() {
        let html = "<p>Café 🎉 déjà\u{a0}vu</p><a href=\"/é?q=ü\">Résumé 😀</a><p>\u{3000}日本語\u{3000}</p>";
        let d = doc(html);
        assert_eq!(texts(&d), ["Café 🎉 déjà vu", "Résumé 😀", "日本語"]);
        assert_eq!(&html[d.texts[0].span.clone()], "Café 🎉 déjà\u{a0}vu");
        assert_eq!(&html[d.texts[1].span.clone()], "Résumé 😀");
        assert_eq!(&html[d.texts[2].span.clone()], "日本語");
        assert_eq!(d.links[0].href.as_deref(), Some("/é?q=ü"));
        assert_eq!(d.links[0].span, span_of(html, "<a href=\"/é?q=ü\">"));
    }

    #[test]
    fn non_zero_base_spans_index_the_whole_source() {
        let body = "<p>Hi Zoë,</p>\r\n<a href='https://ex.test/unsub'>Unsubscribe</a>\r\n";
        let whole = format!("Subject: hé\r\nContent-Type: text/html\r\n\r\n{body}--boundary--\r\n");
        let base = whole.find("<p>").unwrap();
        let d = parse(SourceId(3), &whole[base..base + body.len()], base);
        assert_eq!(d.source, SourceId(3));
        assert_eq!(texts(&d), ["Hi Zoë,", "Unsubscribe"]);
        assert_eq!(d.texts[0].span, span_of(&whole, "Hi Zoë,"));
        assert_eq!(d.texts[1].span, span_of(&whole, "Unsubscribe"));
        assert_eq!(
            d.links[0].span,
            span_of(&whole, "<a href='https://ex.test/unsub'>")
        );
        assert_eq!(d.first_text_span(), Some(span_of(&whole, "Hi Zoë,")));
        assert_eq!(d.last_text_span(), Some(span_of(&whole, "Unsubscribe")));
    }

    #[test]
    fn text_runs_split_by_tags() {
        let html = "Hello <b>World</b>! Tom &amp; Jerry &lt;3\r\n   and\tfriends <i></i>  <br>";
        let d = doc(html);
        assert_eq!(
            texts(&d),
            ["Hello", "World", "! Tom & Jerry <3 and friends"]
        );
        assert_eq!(d.texts[0].span, 0..5);
        assert_eq!(d.texts[1].span, span_of(html, "World"));
        assert_eq!(
            d.texts[2].span,
            span_of(html, "! Tom &amp; Jerry &lt;3\r\n   and\tfriends")
        );
        assert_eq!(d.visible_text, "Hello World ! Tom & Jerry <3 and friends");
    }

    #[test]
    fn blank_entities_are_trimmed_from_spans() {
        let html =
            "<td>&nbsp;&#160; Hello&nbsp;</td><td>&zwnj;&nbsp;&#847;&zwnj;</td><td>so\u{ad}ft</td>";
        let d = doc(html);
        assert_eq!(texts(&d), ["Hello", "soft"]);
        assert_eq!(d.texts[0].span, span_of(html, "Hello"));
        assert_eq!(d.texts[1].span, span_of(html, "so\u{ad}ft"));
    }

    #[test]
    fn visible_text_breaks_lines_at_block_tags() {
        let html = "<div><p>Hi Anna,</p><p>Thanks <b>so</b> much<br>for joining</p>\
                    <table><tr><td>A</td><td>B</td></tr></table><span>C</span> <em>D</em><h2>E</h2></div>";
        let d = doc(html);
        assert_eq!(
            d.visible_text,
            "Hi Anna,\nThanks so much\nfor joining\nA\nB\nC D\nE"
        );
    }

    #[test]
    fn empty_and_degenerate_inputs() {
        let d = doc("");
        assert!(d.links.is_empty() && d.images.is_empty() && d.texts.is_empty());
        assert_eq!(d.visible_text, "");
        assert_eq!(d.first_text_span(), None);

        let d = doc("<");
        assert_eq!(texts(&d), ["<"]);
        assert_eq!(d.texts[0].span, 0..1);

        for html in [
            "</",
            "</>",
            "<!",
            "<!--",
            "<a",
            "<a href=\"",
            "<script>",
            "<!DOCTYPE",
            "&",
            "<>",
            "   ",
        ] {
            let d = parse(SourceId(0), html, 7);
            for t in &d.texts {
                assert!(
                    t.span.start >= 7 && t.span.end <= 7 + html.len(),
                    "{html:?}"
                );
            }
        }
        assert_eq!(texts(&doc("<>")), ["<>"]);
        assert_eq!(texts(&doc("a < b")), ["a < b"]);
    }

    #[test]
    fn script_end_tag_inside_string_literal() {
        let html = "<script>document.write('</div><a href=/x>');</script ><div>After</div>";
        let d = doc(html);
        assert!(d.links.is_empty());
        assert_eq!(texts(&d), ["After"]);
        assert_eq!(d.texts[0].span, span_of(html, "After"));
    }

    #[test]
    fn script_data_escapes_hide_inner_end_tags() {
        // `<!--<script>` inside a script hides the next `</script>` from the tokenizer.
        let html = "<script><!--<script>x</script>--></script><p>After</p>";
        let d = doc(html);
        assert_eq!(texts(&d), ["After"]);
        assert_eq!(d.texts[0].span, span_of(html, "After"));
    }

    #[test]
    fn elements_comments_and_style_sheets() {
        let html = "<html lang=\"en\"><head><style>p { color: red }</style></head>\
                    <body><table role=\"presentation\"><tr><td><p>Hi<br>there</p></td></tr></table>\
                    <!--[if mso]><table><tr><td>x</td></tr></table><![endif]--><img src=\"a.png\"></body></html>";
        let d = doc(html);
        let names: Vec<&str> = d.elements.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["html", "head", "style", "body", "table", "tr", "td", "p", "br", "img"]
        );
        assert_eq!(d.elements[0].attr("lang"), Some("en"));
        assert_eq!(d.elements[4].attr("role"), Some("presentation"));
        assert_eq!(
            d.elements[4].span,
            span_of(html, "<table role=\"presentation\">")
        );
        let parent = |i: usize| d.elements[i].parent.map(|p| d.elements[p].name.as_str());
        assert_eq!(parent(7), Some("td"));
        // `br` is void: the text after it is still in `p`, and `img` follows the table.
        assert_eq!(parent(8), Some("p"));
        assert_eq!(parent(9), Some("body"));
        assert_eq!(d.styles.len(), 1);
        assert_eq!(d.styles[0].text, "p { color: red }");
        assert_eq!(d.styles[0].span, span_of(html, "p { color: red }"));
        assert_eq!(&*d.elements[d.styles[0].element].name, "style");
        assert_eq!(d.comments.len(), 1);
        assert!(d.comments[0].text.starts_with("[if mso]>"));
        assert_eq!(
            d.comments[0].span,
            span_of(
                html,
                "<!--[if mso]><table><tr><td>x</td></tr></table><![endif]-->"
            )
        );
    }

    #[test]
    fn nul_in_tag_name_and_text() {
        let html = "<b\0x title=\"a\">One</b\0x>T\0wo<a href=/z>Z</a>";
        let d = doc(html);
        assert_eq!(texts(&d), ["One", "Two", "Z"]);
        assert_eq!(d.texts[0].span, span_of(html, "One"));
        assert_eq!(d.texts[1].span, span_of(html, "T\0wo"));
        assert_eq!(d.links[0].span, span_of(html, "<a href=/z>"));
    }

    /// A few hundred pseudo-random strings of HTML-ish fragments: no panic, every span in
    /// range and on char boundaries, texts never blank.
    #[test]
    fn random_fragments_never_panic_or_escape() {
        const FRAGMENTS: &[&str] = &[
            "<",
            ">",
            "</",
            "/>",
            "<a",
            "<A HREF=",
            "<a href=\"",
            "\"",
            "'",
            "=",
            " ",
            "\n",
            "\r\n",
            "\t",
            "<p>",
            "</p>",
            "<br>",
            "<img alt='x'",
            "<img src=x.png alt=\"é >\">",
            "</a>",
            "<a href=#>",
            "<!--",
            "-->",
            "--!>",
            "<!-->",
            "<!",
            "<!DOCTYPE html>",
            "<![CDATA[",
            "]]>",
            "<?",
            "</3",
            "<script>",
            "</script>",
            "<style>",
            "</STYLE>",
            "<title>",
            "</title>",
            "<head>",
            "</head>",
            "<body>",
            "<template>",
            "</template>",
            "<noscript>",
            "<textarea>",
            "</textarea>",
            "<td>",
            "</td>",
            "&amp;",
            "&nbsp;",
            "&#160;",
            "&zwnj;",
            "&#x1F600;",
            "&",
            ";",
            "&#",
            "é",
            "😀",
            "日本",
            "<!--<script>",
            "<script>-->",
            "<a title='>'>",
            "</script >",
            "<SCRIPT>",
            "<div\n class=x>",
            "\r",
            "<a/>",
            "<br/>",
            "<p",
            "= \"x\"",
            "\u{a0}",
            "\u{200b}",
            "\0",
            "text",
            "unsubscribe",
            "<xmp>",
            "</xmp>",
            "<iframe>",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        const CASES: usize = 600;
        for case in 0..CASES {
            let pieces = (next() % 40) as usize;
            let mut body = String::new();
            for _ in 0..pieces {
                body.push_str(FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize]);
            }
            let whole = format!("é{body}ü");
            let base = 'é'.len_utf8();
            let d = parse(SourceId(0), &whole[base..base + body.len()], base);
            let range = base..base + body.len();
            let spans = d
                .links
                .iter()
                .map(|l| &l.span)
                .chain(d.images.iter().map(|i| &i.span))
                .chain(d.texts.iter().map(|t| &t.span));
            for span in spans {
                assert!(
                    span.start <= span.end && span.start >= range.start && span.end <= range.end,
                    "case {case}: span {span:?} outside {range:?} in {body:?}"
                );
                assert!(
                    whole.is_char_boundary(span.start) && whole.is_char_boundary(span.end),
                    "case {case}: span {span:?} not on char boundaries in {body:?}"
                );
            }
            for t in &d.texts {
                assert!(
                    !t.text.is_empty() && t.text.trim() == t.text,
                    "case {case}: {t:?}"
                );
                let raw = &whole[t.span.clone()];
                // Where nothing needs decoding, the raw span must say what the run says: the
                // cursor kept in step with the tokenizer. (`</>` is markup the tokenizer drops
                // without a token, so it stays inside the run's span.)
                if !raw.contains(['&', '\0', '\r']) && !raw.contains("</>") {
                    assert_eq!(collapse(raw), t.text, "case {case}: {t:?} in {body:?}");
                }
            }
            for span in d
                .links
                .iter()
                .map(|l| &l.span)
                .chain(d.images.iter().map(|i| &i.span))
            {
                let tag = &whole[span.clone()];
                assert!(
                    tag.starts_with('<') && tag.ends_with('>'),
                    "case {case}: tag span {tag:?} in {body:?}"
                );
            }
            let runs = d.texts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>();
            assert_eq!(
                d.visible_text.replace('\n', " "),
                runs.join(" "),
                "case {case}: {body:?}"
            );
        }
    }
}
