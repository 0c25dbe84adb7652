//! The draft model: one message (headers, text part, parsed HTML part) and the loaders that build it.

pub mod eml;
pub mod html;
pub mod mjml;
pub mod msg;
mod multipart;
pub mod text;

use std::ops::Range;

use crate::load::input_limits::InputLimits;
use crate::model::error::InputError;
use crate::model::finding::Label;
use crate::model::source::{SourceId, Sources};

pub use html::{HtmlDoc, Image, Link, TextRun};

/// How the draft was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DraftFormat {
    /// An RFC 5322 message (`.eml`, or sniffed from the content), or an Outlook item (`.msg`):
    /// both are messages as a mailbox sends them.
    Message,
    /// A bare HTML template.
    Html,
    /// A bare plain-text template.
    Text,
    /// An MJML template (`.mjml`), rendered to HTML.
    Mjml,
}

/// One header field as written in the source.
#[derive(Debug, Clone)]
pub struct Header {
    pub name: String,
    /// The decoded, unfolded value.
    pub value: String,
    /// The whole field (`Name: value`) in the draft source.
    pub span: Range<usize>,
}

/// Which address header an address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddressField {
    To,
    Cc,
    Bcc,
}

impl AddressField {
    pub fn as_str(self) -> &'static str {
        match self {
            AddressField::To => "To",
            AddressField::Cc => "Cc",
            AddressField::Bcc => "Bcc",
        }
    }
}

/// A recipient address written in the draft's own headers.
#[derive(Debug, Clone)]
pub struct HeaderAddress {
    pub field: AddressField,
    /// The address as written (without the display name).
    pub address: String,
    /// The header field it stands in.
    pub span: Range<usize>,
}

/// The body of the draft in one MIME part (or the whole file for bare templates).
#[derive(Debug, Clone)]
pub struct TextPart {
    pub source: SourceId,
    /// Byte range of the body inside `source`.
    pub span: Range<usize>,
    pub content: String,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: Option<String>,
    pub content_type: String,
    pub size: usize,
}

/// A loaded draft.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The file as read (for messages: the raw message).
    pub source: SourceId,
    pub format: DraftFormat,
    pub headers: Vec<Header>,
    pub recipients: Vec<HeaderAddress>,
    pub text: Option<TextPart>,
    pub html: Option<HtmlDoc>,
    pub attachments: Vec<Attachment>,
    /// Problems met while loading that did not stop the load (an undecodable part, say).
    pub problems: Vec<LoadProblem>,
    /// Sources holding a body whose text could not be decoded (an unknown charset, bytes
    /// invalid in every charset tried): what checks read there is not what a reader sees.
    /// See [`Draft::undecoded`].
    pub undecoded: Vec<SourceId>,
}

/// A recoverable problem met while loading an input.
#[derive(Debug, Clone)]
pub struct LoadProblem {
    pub message: String,
    pub label: Option<Label>,
    /// The input was read anyway (an empty address cell; extra fields whose addresses were
    /// read): worth a warning, not an error.
    pub warning: bool,
}

impl Draft {
    /// Whether the text in `source` could not be decoded, so that checks reading words in it
    /// (phrases, names, addresses) should not trust what they find or miss there.
    pub fn undecoded(&self, source: SourceId) -> bool {
        self.undecoded.contains(&source)
    }

    /// Whether the body a reader sees (the HTML part, else the text part) could not be decoded.
    pub fn body_undecoded(&self) -> bool {
        match (&self.html, &self.text) {
            (Some(html), _) => self.undecoded(html.source),
            (None, Some(part)) => self.undecoded(part.source),
            (None, None) => false,
        }
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&Header> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.header(name).map(|h| h.value.as_str())
    }

    /// The From address, lower-cased domain part included as written.
    pub fn from_address(&self) -> Option<String> {
        let value = self.header_value("From")?;
        crate::model::address::extract_addresses(value)
            .into_iter()
            .next()
    }

    /// A label on a header field, for findings that blame one.
    pub fn header_label(&self, name: &str, text: impl Into<String>) -> Option<Label> {
        self.header(name).map(|h| Label {
            source: self.source,
            span: h.span.clone(),
            text: text.into(),
        })
    }

    /// Where the body ends: the last non-blank line of the HTML part, else the text part.
    /// Findings about something missing from a message point here.
    pub fn body_end_label(&self, sources: &Sources, text: impl Into<String>) -> Option<Label> {
        let (source, span) = match (&self.html, &self.text) {
            (Some(html), _) => (html.source, html.last_text_span()?),
            (None, Some(part)) => (part.source, part.span.clone()),
            (None, None) => return None,
        };
        let file = sources.get(source);
        let body = file.clamp_span(span);
        let trimmed_end = body.start + file.text[body.clone()].trim_end().len();
        let (line, _) = file.line_col(trimmed_end.saturating_sub(1).max(body.start));
        let line_span = file.line_span(line);
        let first = line_span.start
            + (file.text[line_span.clone()].len()
                - file.text[line_span.clone()].trim_start().len());
        Some(Label {
            source,
            span: first..line_span.end,
            text: text.into(),
        })
    }

    /// Where the body starts: the first visible text, for findings about the body as a whole.
    pub fn body_start_label(&self, sources: &Sources, text: impl Into<String>) -> Option<Label> {
        let (source, span) = match (&self.html, &self.text) {
            (Some(html), _) => (html.source, html.first_text_span()?),
            (None, Some(part)) => {
                let file = sources.get(part.source);
                let body = file.clamp_span(part.span.clone());
                let lead =
                    file.text[body.clone()].len() - file.text[body.clone()].trim_start().len();
                let start = body.start + lead;
                let (line, _) = file.line_col(start);
                (part.source, start..file.line_span(line).end)
            }
            (None, None) => return None,
        };
        Some(Label {
            source,
            span,
            text: text.into(),
        })
    }

    /// The sources holding the draft's headers and bodies, each once: the file itself, and a
    /// decoded part where it had to be decoded into a source of its own.
    pub fn body_sources(&self) -> Vec<SourceId> {
        let mut ids = vec![self.source];
        for id in self
            .html
            .as_ref()
            .map(|h| h.source)
            .into_iter()
            .chain(self.text.as_ref().map(|t| t.source))
        {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The body as the reader sees it: the HTML part's visible text, else the text part.
    pub fn visible_text(&self) -> &str {
        match (&self.html, &self.text) {
            (Some(html), _) => &html.visible_text,
            (None, Some(part)) => &part.content,
            (None, None) => "",
        }
    }
}

/// Reads a draft from bytes, choosing the loader from the content (the name is only a hint).
pub fn load(sources: &mut Sources, name: &str, bytes: Vec<u8>) -> Result<Draft, InputError> {
    load_with(sources, name, bytes, &InputLimits::default())
}

/// [`load`] under the given input limits (`[input]` in bulklint.toml).
pub fn load_with(
    sources: &mut Sources,
    name: &str,
    bytes: Vec<u8>,
    limits: &InputLimits,
) -> Result<Draft, InputError> {
    limits.check_draft_size(name, bytes.len() as u64)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::new(
            name,
            "the draft is empty: there is nothing to check",
        ));
    }
    if msg::is_compound_file(&bytes) {
        return msg::load(sources, name, &bytes);
    }
    match sniff(name, &bytes) {
        DraftFormat::Message => eml::load_with(sources, name, bytes, limits),
        DraftFormat::Html => {
            let text = decode_text(name, bytes)?;
            Ok(html::load_template(sources, name, text))
        }
        DraftFormat::Text => {
            let text = decode_text(name, bytes)?;
            Ok(text::load_template(sources, name, text))
        }
        DraftFormat::Mjml => {
            let text = decode_text(name, bytes)?;
            mjml::load(sources, name, text)
        }
    }
}

/// Decides the format from the bytes: a message saved as `.txt` or with no extension is
/// still a message, and an `.html` file that starts with headers is a message too. A compound
/// file (Outlook's `.msg`) is known by its magic bytes whatever its name, and MJML by its
/// `<mjml>` root or the `.mjml` extension.
pub fn sniff(name: &str, bytes: &[u8]) -> DraftFormat {
    if msg::is_compound_file(bytes) {
        return DraftFormat::Message;
    }
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head);
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if looks_like_message(trimmed) {
        return DraftFormat::Message;
    }
    let lower = trimmed.to_ascii_lowercase();
    let ext = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    if ext.as_deref() == Some("mjml") || mjml::looks_like_mjml(trimmed) {
        return DraftFormat::Mjml;
    }
    let html_ext = matches!(ext.as_deref(), Some("html" | "htm" | "xhtml"));
    if html_ext
        || lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.contains("<body")
        || lower.contains("<table")
        || lower.contains("<p>")
        || lower.contains("<div")
    {
        DraftFormat::Html
    } else {
        DraftFormat::Text
    }
}

/// A message starts with header fields, and among the first few lines there is at least one
/// that only messages have (From, To, Subject, Received, MIME-Version, …).
fn looks_like_message(head: &str) -> bool {
    const MESSAGE_HEADERS: &[&str] = &[
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "received",
        "return-path",
        "mime-version",
        "message-id",
        "x-mailer",
        "delivered-to",
        "content-type",
    ];
    let mut fields = 0;
    let mut known = 0;
    for line in head.lines().take(40) {
        if line.is_empty() {
            break;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        if fields == 0 && line.starts_with("From ") {
            // mbox "From " separator line
            fields += 1;
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return false;
        }
        fields += 1;
        if MESSAGE_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            known += 1;
        }
    }
    fields >= 1 && known >= 1
}

/// Bare templates are text; invalid UTF-8 is read as Windows-1252, the commonest legacy
/// encoding of saved templates, rather than rejected.
fn decode_text(name: &str, bytes: Vec<u8>) -> Result<String, InputError> {
    if bytes.contains(&0) {
        return Err(InputError::new(
            name,
            "this is a binary file, not a draft (it contains NUL bytes)",
        ));
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(s)),
        Err(e) => Ok(e
            .into_bytes()
            .iter()
            .map(|&b| crate::load::charset::cp1252(b))
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_messages_regardless_of_extension() {
        let msg = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody";
        assert_eq!(sniff("x.txt", msg), DraftFormat::Message);
        assert_eq!(sniff("noext", msg), DraftFormat::Message);
        assert_eq!(sniff("x.html", b"<p>hi</p>"), DraftFormat::Html);
        assert_eq!(sniff("x", b"<!DOCTYPE html><html>"), DraftFormat::Html);
        assert_eq!(
            sniff("x.txt", b"Hello: world and more\nplain"),
            DraftFormat::Text
        );
        assert_eq!(
            sniff("x.txt", b"Dear customer,\n\nthanks"),
            DraftFormat::Text
        );
    }
}
