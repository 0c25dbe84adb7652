//! `preheader`: the inbox preview of an HTML email that has no preheader shows its first
//! visible text; when that text is a "view in browser" line, the preview wastes the line
//! readers decide on.

use serde::Deserialize;

use crate::model::finding::Finding;
use crate::rules::checks::{designed_html, shortened};
use crate::rules::Rule;
use crate::rules::Subject;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// Lines that offer the web version, lowercase; one found in the first visible text means
    /// the preview shows it.
    pub view_online: Vec<String>,
    /// How many characters of the first text the finding quotes: about what an inbox shows.
    pub preview_chars: usize,
}

/// Whether the first text offers the web version, which the preview then shows.
fn offers_web_version(first: &str, p: &Params) -> bool {
    let lower = first.to_lowercase();
    p.view_online.iter().any(|v| lower.contains(v.as_str()))
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    let p = &params.preheader;
    let Some(first) = doc.texts.first() else {
        return;
    };
    if !offers_web_version(&first.text, p) {
        return;
    }
    let text: String = doc
        .visible_text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let preview = shortened(&text, p.preview_chars);
    out.push(
        rule.finding(format!(
            "no preheader: the inbox preview would show \"{preview}\""
        ))
        .label(doc.source, first.span.clone(), "the first text offers the web version")
        .help("Put a one-line summary first in the body, hidden if you like (`<div style=\"display:none;max-height:0;overflow:hidden\">Fresh bread, 20% off this week</div>`), or fill your sending service's preview-text field; the web-version link can follow it."),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_version_lines() {
        let p = crate::rules::params().preheader.clone();
        assert!(offers_web_version("View this email in your browser", &p));
        assert!(offers_web_version(
            "Having trouble viewing this email? Click here",
            &p
        ));
        assert!(offers_web_version("Im Browser ansehen", &p));
        assert!(!offers_web_version("Fresh bread every morning", &p));
        // What a template engine writes first is not what the reader sees.
        assert!(!offers_web_version("{% extends \"base.html\" %}", &p));
    }
}
