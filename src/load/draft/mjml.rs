//! MJML templates: rendered to HTML, read like any template, spans mapped back to the `.mjml`.
//!
//! Rendering is `mrml` (6.x, with only its `parse` and `render` features: no JSON, no
//! include loaders, nothing read or fetched besides the template).
//!
//! # Why map back
//!
//! The HTML the MJML renders to is what recipients get, so that is what the checks judge. But
//! nobody edits it: a finding should point at the `.mjml` line to change. The `.mjml` file is
//! the draft's source (so suppression comments and merge tags are read from it), the rendered
//! HTML is registered as a source of its own (`<file> (rendered HTML)`), and after
//! [`html::parse`] reads the rendered HTML every span is moved into the `.mjml`:
//!
//! - a **text run** is looked up, word by word with any whitespace between, in the text of the
//!   `.mjml` (outside tags, comments, `<mj-style>` and `<mj-title>`), searching forward from
//!   the previous text found, since MJML renders its content in order and copies text as
//!   written;
//! - a **link** is the next `.mjml` tag (an `<a>`, `<mj-button>`, `<mj-image>`,
//!   `<mj-social-element>`, …) whose `href` equals the rendered one, or failing that is
//!   contained in it (`mj-social-element` wraps its `href` in a share URL);
//! - an **image** likewise by `src`.
//!
//! What MJML generates by itself (a social icon, say) has no counterpart: it points at the
//! nearest MJML element before it, which is where it came from in practice. Each kind of item
//! keeps its own cursor, so one item not found does not throw the others off.
//!
//! # Errors
//!
//! A template that does not parse is an [`InputError`] naming the line: mrml's own position
//! where it gives one, else (an element left open, which mrml only reports as the end of the
//! input) the line found by our own scan of the tags. `<mj-include>` is not followed (bulklint
//! checks one file and reads nothing else): it is left out and reported as a load problem, and
//! the rest is rendered. mrml's warnings (an unknown attribute) are MJML
//! style, not a send risk, and are not reported. MJML nested deeper than
//! [`MAX_DEPTH`] elements is refused before mrml sees it, since its parser recurses once per
//! level and a stack overflow is no panic that could be caught.

use std::ops::Range;

use crate::load::draft::{html, Draft, DraftFormat, HtmlDoc, LoadProblem};
use crate::model::error::InputError;
use crate::model::finding::Label;
use crate::model::source::{SourceId, Sources};

/// The deepest nesting of elements read. Real templates nest a dozen levels or so
/// (mjml > mj-body > mj-wrapper > mj-section > mj-column > mj-text > table > tr > td > p > a);
/// mrml recurses once per level and runs out of a 2 MiB thread stack some hundreds deep in a
/// debug build.
pub const MAX_DEPTH: usize = 100;

/// How far past the previous match a text is looked for, so that a template of many texts
/// that cannot be found does not cost a scan of the whole file each.
const SEARCH_WINDOW: usize = 256 * 1024;

/// Whether the text starts with an `<mjml>` element, after whitespace, comments and an XML
/// declaration.
pub fn looks_like_mjml(text: &str) -> bool {
    let Some(rest) = after_prolog(text) else {
        return false;
    };
    starts_with_element(rest, "<mjml")
}

/// The text after a byte-order mark, whitespace, comments and an XML declaration; `None` when a
/// comment or declaration is never closed.
fn after_prolog(text: &str) -> Option<&str> {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->")?;
            rest = after[end + 3..].trim_start();
        } else if rest.starts_with("<?") {
            let end = rest.find("?>")?;
            rest = rest[end + 2..].trim_start();
        } else {
            return Some(rest);
        }
    }
}

/// Whether `rest` starts with the start tag `open` (`<name`, any case), followed by the end of
/// the name.
fn starts_with_element(rest: &str, open: &str) -> bool {
    let Some(head) = rest.get(..open.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(open)
        && rest[open.len()..]
            .chars()
            .next()
            .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace())
}

/// The template as mrml is given it, at the file's own byte offsets (past [`Prepared::prefix`]).
#[derive(Debug)]
struct Prepared {
    /// What is scanned and rendered: the file with each `\r\n` as `\n ` and a lone `\r` as `\n`
    /// (mrml refuses a `\r` between elements, and a space before a line break too), each
    /// `<mj-include>` blanked out, and a fragment wrapped in `<mjml><mj-body>`. Every
    /// replacement keeps the byte length, so offsets past the prefix are offsets in the file
    /// (lines are counted in the file, where `\r\n` is one).
    text: String,
    /// Bytes of the wrapper put in front of a fragment (0 for a whole template).
    prefix: usize,
    /// The `<mj-include>` elements left out: where they are in the file and the path each
    /// names.
    includes: Vec<(Range<usize>, String)>,
}

impl Prepared {
    /// A span of [`Prepared::text`] as a span of the file whose text is `file`.
    fn to_file(&self, span: Range<usize>, file: &str) -> Range<usize> {
        let mut start = span.start.saturating_sub(self.prefix).min(file.len());
        let mut end = span
            .end
            .saturating_sub(self.prefix)
            .min(file.len())
            .max(start);
        while !file.is_char_boundary(start) {
            start -= 1;
        }
        while !file.is_char_boundary(end) {
            end += 1;
        }
        start..end
    }
}

fn prepare(text: &str) -> Prepared {
    let mut bytes = text.as_bytes().to_vec();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' {
            bytes[i] = b'\n';
            if let Some(next @ b'\n') = bytes.get_mut(i + 1) {
                *next = b' ';
            }
        }
    }
    let mut includes = Vec::new();
    // The scan skips comments, so a commented-out include is no include.
    let normalised = String::from_utf8_lossy(&bytes).into_owned();
    for tag in scan(&normalised)
        .tags
        .iter()
        .filter(|t| t.name == "mj-include")
    {
        let mut end = tag.span.end;
        if !normalised[tag.span.clone()].ends_with("/>") {
            // `<mj-include …></mj-include>`: blank the end tag too.
            let after = &normalised[end..];
            if let Some(close) = after.to_ascii_lowercase().find("</mj-include") {
                if let Some(gt) = after[close..].find('>') {
                    end += close + gt + 1;
                }
            }
        }
        for b in &mut bytes[tag.span.start..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        includes.push((
            tag.span.start..end,
            tag.attr("path").unwrap_or_default().to_string(),
        ));
    }
    // Blanking whole tags (from `<` to `>`) keeps the text valid UTF-8.
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let wrapper = match after_prolog(&body) {
        Some(rest) if starts_with_element(rest, "<mjml") => None,
        Some(rest)
            if starts_with_element(rest, "<mj-head") || starts_with_element(rest, "<mj-body") =>
        {
            Some(("<mjml>", "</mjml>"))
        }
        Some(rest)
            if rest
                .get(..4)
                .is_some_and(|h| h.eq_ignore_ascii_case("<mj-")) =>
        {
            Some(("<mjml><mj-body>", "</mj-body></mjml>"))
        }
        _ => None,
    };
    match wrapper {
        Some((open, close)) => Prepared {
            text: format!("{open}{body}{close}"),
            prefix: open.len(),
            includes,
        },
        None => Prepared {
            text: body,
            prefix: 0,
            includes,
        },
    }
}

/// Renders an MJML template and reads the result as the draft's HTML, with spans in the
/// `.mjml` source.
///
/// Each `<mj-include>` is left out (bulklint reads no other file) and recorded as a load
/// problem; a fragment (a file that is only `<mj-section>`s, say, as template systems keep
/// their partials) is rendered as if wrapped in `<mjml><mj-body>`.
pub fn load(sources: &mut Sources, name: &str, text: String) -> Result<Draft, InputError> {
    let prepared = prepare(&text);
    let scan = scan(&prepared.text);
    let rendered = render_scanned(name, &prepared, &text, &scan)?;
    let source = sources.add(name, text);
    let part = sources.add_part(format!("{name} (rendered HTML)"), name, rendered);
    let mut doc = html::parse(part, &sources.get(part).text, 0);
    map_back(&mut doc, &prepared.text, &sources.get(part).text, &scan);
    let file = &sources.get(source).text;
    for run in &mut doc.texts {
        run.span = prepared.to_file(run.span.clone(), file);
    }
    for link in &mut doc.links {
        link.span = prepared.to_file(link.span.clone(), file);
    }
    for image in &mut doc.images {
        image.span = prepared.to_file(image.span.clone(), file);
    }
    // Elements, comments and style sheets keep their places in the rendered HTML
    // (`doc.markup`): markup MJML generated has no line of its own in the `.mjml`.
    doc.source = source;
    let problems = prepared
        .includes
        .iter()
        .map(|(span, path)| include_problem(name, source, span.clone(), path))
        .collect();
    Ok(Draft {
        source,
        format: DraftFormat::Mjml,
        headers: Vec::new(),
        recipients: Vec::new(),
        text: None,
        html: Some(doc),
        attachments: Vec::new(),
        problems,
        undecoded: Vec::new(),
    })
}

fn include_problem(name: &str, source: SourceId, span: Range<usize>, path: &str) -> LoadProblem {
    let what = if path.is_empty() {
        "an `<mj-include>` without a path".to_string()
    } else {
        format!("`<mj-include path=\"{path}\">`")
    };
    let html = std::path::Path::new(name)
        .with_extension("html")
        .to_string_lossy()
        .into_owned();
    LoadProblem {
        warning: false,
        message: format!(
            "{what} was not followed: bulklint reads only this file, so what it includes was not checked; to check the whole template, render it with MJML (`mjml {name} -o {html}`) and check the HTML"
        ),
        label: Some(Label {
            source,
            span,
            text: "not followed".into(),
        }),
    }
}

/// The HTML an MJML template renders to: what the recipients get, for whoever needs the HTML
/// itself (the draft's own spans point into the `.mjml`). Errors as [`load`] gives them;
/// `<mj-include>`s are left out as [`load`] leaves them.
pub fn render(name: &str, text: &str) -> Result<String, InputError> {
    let prepared = prepare(text);
    render_scanned(name, &prepared, text, &scan(&prepared.text))
}

/// Renders the prepared template; an error names its line in `file`, the template as read.
fn render_scanned(
    name: &str,
    prepared: &Prepared,
    file: &str,
    scan: &Scan,
) -> Result<String, InputError> {
    let text = prepared.text.as_str();
    let line_of = |offset: usize| {
        let at = prepared.to_file(offset..offset, file).start;
        1 + file[..at].matches('\n').count()
    };
    if let Some((offset, depth_problem)) = &scan.too_deep {
        return Err(InputError::new(name, depth_problem.clone()).at_line(line_of(*offset)));
    }
    let options = mrml::prelude::parser::ParserOptions::default();
    // Defence in depth: a panic in the renderer on odd input is a diagnostic, not a crash.
    let rendered = crate::model::panic_guard::catch(|| {
        let parsed = mrml::parse_with_options(text, &options).map_err(Failure::Parse)?;
        parsed
            .element
            .render(&mrml::prelude::render::RenderOptions::default())
            .map_err(|e| Failure::Render(e.to_string()))
    });
    match rendered {
        Ok(Ok(html)) => Ok(html),
        Ok(Err(Failure::Parse(e))) => {
            let (offset, message) = describe(&e, text, scan);
            Err(InputError::new(name, message).at_line(line_of(offset)))
        }
        Ok(Err(Failure::Render(e))) => Err(InputError::new(
            name,
            format!("the MJML could not be rendered to HTML: {e}"),
        )),
        Err(_) => Err(InputError::new(
            name,
            "the MJML renderer failed on this template (malformed structure)",
        )),
    }
}

enum Failure {
    Parse(mrml::prelude::parser::Error),
    Render(String),
}

/// Where an mrml parse error is (a byte offset into the template) and what to tell the user.
fn describe(e: &mrml::prelude::parser::Error, text: &str, scan: &Scan) -> (usize, String) {
    use mrml::prelude::parser::Error as E;
    let at = |span: &mrml::prelude::parser::Span| span.start.min(text.len());
    let quote = |span: &mrml::prelude::parser::Span| {
        let s = text
            .get(span.start..span.end.min(text.len()))
            .unwrap_or_default()
            .trim();
        if s.is_empty() || s.len() > 60 {
            String::new()
        } else {
            format!(" `{s}`")
        }
    };
    match e {
        E::UnexpectedElement { position, .. } => (
            at(position),
            format!(
                "MJML does not allow the element{} here",
                quote(position)
            ),
        ),
        E::UnexpectedToken { position, .. } => (
            at(position),
            format!("unexpected{} in the MJML", quote(position)),
        ),
        E::MissingAttribute { name, position, .. } => (
            at(position),
            format!("this MJML element needs the `{name}` attribute"),
        ),
        E::InvalidAttribute { position, .. } => (
            at(position),
            format!("invalid MJML attribute{}", quote(position)),
        ),
        E::InvalidFormat { position, .. } => (
            at(position),
            format!("invalid value{} in the MJML", quote(position)),
        ),
        E::IncludeLoaderError { position, .. } => (
            at(position),
            "`<mj-include>` is not supported: bulklint checks one file and reads no other; render the template with MJML first and check the HTML, or inline the included part".into(),
        ),
        E::ParserError { source, .. } => {
            let pos = source.pos();
            let offset = offset_of(text, pos.row as usize, pos.col as usize);
            (offset, format!("the MJML is not well-formed: {source}"))
        }
        E::NoRootNode => (0, "no `<mjml>` element: this is not an MJML template".into()),
        E::SizeLimit { .. } => (0, "the template is too large for the MJML parser".into()),
        // mrml says no more than that the input ended; our own scan knows which element was
        // left open.
        _ => match &scan.problem {
            Some((offset, message)) => (*offset, message.clone()),
            None => (
                text.len(),
                "the MJML ends before all its elements are closed".into(),
            ),
        },
    }
}

/// Byte offset of a 1-based row and column (in characters).
fn offset_of(text: &str, row: usize, col: usize) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(row.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    line_start
        + text[line_start.min(text.len())..]
            .chars()
            .take(col.saturating_sub(1))
            .map(char::len_utf8)
            .sum::<usize>()
}

/// One start tag of the template.
#[derive(Debug, Clone)]
struct Tag {
    name: String,
    /// The whole `<name …>`.
    span: Range<usize>,
    /// Attribute names (lower case) and decoded values.
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a light scan of the template's markup finds: its start tags, where its text is, and
/// the first structural problem.
#[derive(Debug, Default)]
struct Scan {
    tags: Vec<Tag>,
    /// Byte ranges of text content (outside tags, comments, `<mj-style>`, `<style>` and
    /// `<mj-title>`).
    texts: Vec<Range<usize>>,
    /// An element left open, or closed by the wrong end tag.
    problem: Option<(usize, String)>,
    /// Nesting deeper than [`MAX_DEPTH`], at the tag that went too deep.
    too_deep: Option<(usize, String)>,
}

fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut out = Scan::default();
    let mut open: Vec<(String, usize)> = Vec::new();
    let line_of = |offset: usize| 1 + text[..offset].matches('\n').count();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        let Some(lt) = text[i..].find('<').map(|p| p + i) else {
            break;
        };
        let rest = &text[lt..];
        let next = rest.as_bytes().get(1).copied().unwrap_or(b' ');
        let markup_end = if rest.starts_with("<!--") {
            rest.find("-->").map_or(bytes.len(), |e| lt + e + 3)
        } else if rest.starts_with("<![CDATA[") {
            rest.find("]]>").map_or(bytes.len(), |e| lt + e + 3)
        } else if next == b'!' || next == b'?' {
            rest.find('>').map_or(bytes.len(), |e| lt + e + 1)
        } else if next == b'/' || next.is_ascii_alphabetic() {
            let Some((end, tag, closing, self_closing)) = read_tag(text, lt) else {
                i = lt + 1;
                continue;
            };
            if closing {
                match open.iter().rposition(|(n, _)| *n == tag.name) {
                    Some(pos) => {
                        if pos + 1 != open.len() && out.problem.is_none() {
                            let (inner, at) = &open[open.len() - 1];
                            out.problem = Some((
                                *at,
                                format!(
                                    "`<{inner}>` is not closed before `</{}>` on line {}",
                                    tag.name,
                                    line_of(lt)
                                ),
                            ));
                        }
                        open.truncate(pos);
                    }
                    None => {
                        if out.problem.is_none() {
                            out.problem =
                                Some((lt, format!("`</{}>` closes no open element", tag.name)));
                        }
                    }
                }
            } else {
                // CSS is no text, and a title is never body text: neither can be where a run of
                // the body came from.
                let raw_text = matches!(tag.name.as_str(), "mj-style" | "style" | "mj-title");
                if !self_closing && !html::is_void(&tag.name) {
                    open.push((tag.name.clone(), lt));
                    if open.len() > MAX_DEPTH && out.too_deep.is_none() {
                        out.too_deep = Some((
                            lt,
                            format!(
                                "elements are nested more than {MAX_DEPTH} deep; no real template is, so this one is not rendered"
                            ),
                        ));
                    }
                }
                let name = tag.name.clone();
                out.tags.push(tag);
                if raw_text && !self_closing {
                    // Jump to the end tag.
                    let close = format!("</{name}");
                    let lower = text[end..].to_ascii_lowercase();
                    let stop = lower.find(&close).map_or(bytes.len(), |p| end + p);
                    if text_start < lt {
                        out.texts.push(text_start..lt);
                    }
                    i = stop;
                    text_start = stop;
                    continue;
                }
            }
            end
        } else {
            // A lone `<` in text.
            i = lt + 1;
            continue;
        };
        if text_start < lt {
            out.texts.push(text_start..lt);
        }
        i = markup_end;
        text_start = markup_end;
    }
    if text_start < bytes.len() {
        out.texts.push(text_start..bytes.len());
    }
    if out.problem.is_none() {
        if let Some((name, at)) = open.last() {
            out.problem = Some((*at, format!("`<{name}>` is never closed")));
        }
    }
    out
}

/// Reads the tag at `lt`: where it ends, the tag, whether it is an end tag or self-closing.
fn read_tag(text: &str, lt: usize) -> Option<(usize, Tag, bool, bool)> {
    let bytes = text.as_bytes();
    let mut j = lt + 1;
    let closing = bytes.get(j) == Some(&b'/');
    if closing {
        j += 1;
    }
    let name_start = j;
    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !matches!(bytes[j], b'>' | b'/') {
        j += 1;
    }
    if j == name_start {
        return None;
    }
    let name = text[name_start..j].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        match bytes.get(j) {
            None => return None,
            Some(b'>') => {
                j += 1;
                break;
            }
            Some(b'/') => {
                self_closing = bytes.get(j + 1) == Some(&b'>');
                j += 1;
                continue;
            }
            Some(_) => {}
        }
        let attr_start = j;
        while j < bytes.len()
            && !bytes[j].is_ascii_whitespace()
            && !matches!(bytes[j], b'=' | b'>' | b'/')
        {
            j += 1;
        }
        let attr = text[attr_start..j].to_ascii_lowercase();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = String::new();
        if bytes.get(j) == Some(&b'=') {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            match bytes.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    let end = text[j + 1..].find(q as char).map(|p| j + 1 + p)?;
                    value = decode_entities(&text[j + 1..end]);
                    j = end + 1;
                }
                Some(_) => {
                    let start = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    value = decode_entities(&text[start..j]);
                }
                None => return None,
            }
        }
        if attr.is_empty() {
            j += 1;
        } else {
            attrs.push((attr, value));
        }
    }
    Some((
        j,
        Tag {
            name,
            span: lt..j,
            attrs,
        },
        closing,
        self_closing,
    ))
}

/// The character references attribute values use in practice.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // An entity is ASCII and short: look for its `;` in the next 12 bytes, a window that
        // may end inside a character, so searched as bytes.
        let end = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|&b| b == b';');
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let num = entity.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Moves the spans of `doc` (parsed from `rendered`) into `mjml`; see the module docs.
fn map_back(doc: &mut HtmlDoc, mjml: &str, rendered: &str, scan: &Scan) {
    let mj_tags: Vec<&Tag> = scan
        .tags
        .iter()
        .filter(|t| t.name == "mjml" || t.name.starts_with("mj-"))
        .collect();
    // The fallback for what cannot be found: the MJML element at or before the last match.
    let element_at = |offset: usize| -> Range<usize> {
        mj_tags
            .iter()
            .rev()
            .find(|t| t.span.start <= offset)
            .map(|t| t.span.clone())
            .unwrap_or(0..0)
    };
    let body_start = mj_tags
        .iter()
        .find(|t| t.name == "mj-body")
        .map_or(0, |t| t.span.start);

    // Every item in rendered order, so the fallback sees what came just before it.
    #[derive(Clone, Copy)]
    enum Item {
        Text(usize),
        Link(usize),
        Image(usize),
    }
    let mut items: Vec<(usize, Item)> = Vec::new();
    items.extend(
        doc.texts
            .iter()
            .enumerate()
            .map(|(i, t)| (t.span.start, Item::Text(i))),
    );
    items.extend(
        doc.links
            .iter()
            .enumerate()
            .map(|(i, l)| (l.span.start, Item::Link(i))),
    );
    items.extend(
        doc.images
            .iter()
            .enumerate()
            .map(|(i, m)| (m.span.start, Item::Image(i))),
    );
    items.sort_by_key(|(start, _)| *start);

    let hrefs: Vec<&Tag> = scan
        .tags
        .iter()
        .filter(|t| t.attr("href").is_some())
        .collect();
    let srcs: Vec<&Tag> = scan
        .tags
        .iter()
        .filter(|t| t.attr("src").is_some())
        .collect();
    let mut text_cursor = 0;
    let mut href_cursor = 0;
    let mut src_cursor = 0;
    let mut last_match = body_start;
    for (_, item) in items {
        match item {
            Item::Text(i) => {
                let run = &mut doc.texts[i];
                let raw = rendered.get(run.span.clone()).unwrap_or_default();
                let found = find_words(mjml, &scan.texts, text_cursor, raw)
                    .or_else(|| find_words(mjml, &scan.texts, text_cursor, &run.text));
                run.span = match found {
                    Some(span) => {
                        text_cursor = span.end;
                        last_match = span.start;
                        span
                    }
                    None => element_at(last_match),
                };
            }
            Item::Link(i) => {
                let link = &mut doc.links[i];
                let href = link.href.as_deref().unwrap_or_default();
                link.span = match find_attr(&hrefs, href_cursor, "href", href) {
                    Some(k) => {
                        href_cursor = k + 1;
                        last_match = hrefs[k].span.start;
                        hrefs[k].span.clone()
                    }
                    None => element_at(last_match),
                };
            }
            Item::Image(i) => {
                let image = &mut doc.images[i];
                let src = image.src.as_deref().unwrap_or_default();
                image.span = match find_attr(&srcs, src_cursor, "src", src) {
                    Some(k) => {
                        src_cursor = k + 1;
                        last_match = srcs[k].span.start;
                        srcs[k].span.clone()
                    }
                    None => element_at(last_match),
                };
            }
        }
    }
}

/// The first tag from `from` on whose `attr` is `value`, else one whose value `value`
/// contains (a share URL wrapping the template's link).
fn find_attr(tags: &[&Tag], from: usize, attr: &str, value: &str) -> Option<usize> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let rest = tags.get(from..)?;
    let exact = rest
        .iter()
        .position(|t| t.attr(attr).is_some_and(|v| v.trim() == value));
    let within = || {
        rest.iter().position(|t| {
            t.attr(attr)
                .is_some_and(|v| v.trim().len() >= 4 && value.contains(v.trim()))
        })
    };
    exact.or_else(within).map(|k| from + k)
}

/// Where the words of `needle`, with any whitespace between them, stand in the text regions of
/// `hay` at or after `from`.
fn find_words(
    hay: &str,
    regions: &[Range<usize>],
    from: usize,
    needle: &str,
) -> Option<Range<usize>> {
    let words: Vec<&str> = needle.split_whitespace().collect();
    let first = *words.first()?;
    let in_text = |offset: usize| {
        let k = regions.partition_point(|r| r.end <= offset);
        regions.get(k).is_some_and(|r| r.start <= offset)
    };
    let mut limit = from.saturating_add(SEARCH_WINDOW).min(hay.len());
    while !hay.is_char_boundary(limit) {
        limit -= 1;
    }
    let mut search = from;
    while search < limit {
        let window = hay.get(search..limit)?;
        let start = search + window.find(first)?;
        search = start + first.chars().next().map_or(1, char::len_utf8);
        if !in_text(start) {
            continue;
        }
        let mut end = start + first.len();
        let mut matched = true;
        for word in &words[1..] {
            let after = &hay[end..];
            let gap = after.len() - after.trim_start().len();
            if gap == 0 || !after[gap..].starts_with(word) {
                matched = false;
                break;
            }
            end += gap + word.len();
        }
        if matched && in_text(end - 1) {
            return Some(start..end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_and_a_bare_ampersand_before_wide_characters_stays() {
        assert_eq!(
            decode_entities("a&amp;b&#233;&#x2014;&nbsp;"),
            "a&bé—\u{a0}"
        );
        // Found by fuzzing: the `;` search window ended inside `Ð`.
        assert_eq!(decode_entities("&https:ÑÐ–ker"), "&https:ÑÐ–ker");
        assert_eq!(decode_entities("&bogus;&"), "&bogus;&");
    }

    #[test]
    fn recognises_mjml() {
        assert!(looks_like_mjml("<mjml>"));
        assert!(looks_like_mjml(
            "\u{feff}<?xml version=\"1.0\"?>\n<!-- newsletter -->\n  <mjml lang=\"en\">"
        ));
        assert!(!looks_like_mjml("<mjmlx>"));
        assert!(!looks_like_mjml("<html><mjml>"));
        assert!(!looks_like_mjml("<!-- unclosed <mjml>"));
    }

    #[test]
    fn scan_finds_tags_texts_and_the_element_left_open() {
        let src = "<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n<mj-text>Hi <a href=\"https://x.example/?a=1&amp;b=2\">there</a></mj-text>\n</mj-column>\n</mj-body>\n</mjml>\n";
        let s = scan(src);
        let a = s.tags.iter().find(|t| t.name == "a").unwrap();
        assert_eq!(a.attr("href"), Some("https://x.example/?a=1&b=2"));
        let texts: Vec<&str> = s
            .texts
            .iter()
            .map(|r| src[r.clone()].trim())
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(texts, ["Hi", "there"]);
        let (at, message) = s.problem.unwrap();
        assert_eq!(&src[at..at + 12], "<mj-section>");
        assert!(message.contains("`<mj-section>` is not closed before `</mj-body>` on line 7"));
    }

    #[test]
    fn words_match_across_other_whitespace_only_in_text() {
        let hay = "<mj-text title=\"lemon tarts\">our lemon\n   tarts</mj-text>";
        let regions = scan(hay).texts;
        let span = find_words(hay, &regions, 0, "lemon tarts").unwrap();
        assert_eq!(&hay[span], "lemon\n   tarts");
        assert_eq!(find_words(hay, &regions, 0, "lemon pies"), None);
    }
}
