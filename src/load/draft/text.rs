//! Plain-text templates: the whole file is the body.

use crate::load::draft::{Draft, DraftFormat, TextPart};
use crate::model::source::Sources;

/// A bare text template: the whole file is the text part, and there are no headers.
pub fn load_template(sources: &mut Sources, name: &str, text: String) -> Draft {
    let len = text.len();
    let content = text.clone();
    let source = sources.add(name, text);
    Draft {
        source,
        format: DraftFormat::Text,
        headers: Vec::new(),
        recipients: Vec::new(),
        text: Some(TextPart {
            source,
            span: 0..len,
            content,
        }),
        html: None,
        attachments: Vec::new(),
        problems: Vec::new(),
        undecoded: Vec::new(),
    }
}
