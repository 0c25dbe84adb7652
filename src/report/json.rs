//! JSON output: a stable document with every finding's locations (line, column and byte
//! offsets) and the verdict. Schema: `docs/json-schema.md`.

use serde::Serialize;

use crate::check::Outcome;
use crate::source::Sources;
use crate::verdict::Verdict;

/// Bumped when a field changes meaning or disappears; additions keep the version.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    verdict: &'a Verdict,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    offset: usize,
    length: usize,
    text: &'a str,
}

pub fn render(outcome: &Outcome) -> String {
    let doc = Document {
        version: SCHEMA_VERSION,
        findings: outcome
            .findings
            .iter()
            .map(|f| JsonFinding {
                rule: f.rule,
                severity: f.severity.as_str(),
                message: &f.message,
                help: f.help.as_deref(),
                labels: f.labels.iter().map(|l| label(&outcome.send.sources, l)).collect(),
            })
            .collect(),
        verdict: &outcome.verdict,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    text.push('\n');
    text
}

fn label<'a>(sources: &'a Sources, l: &'a crate::finding::Label) -> JsonLabel<'a> {
    let file = sources.get(l.source);
    let span = file.clamp_span(l.span.clone());
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    JsonLabel {
        file: &file.name,
        line,
        column,
        end_line,
        end_column,
        offset: span.start,
        length: span.len(),
        text: &l.text,
    }
}
