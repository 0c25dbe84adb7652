//! JSON output: a stable document (schema in `docs/json-output.md`) with one object per
//! finding, every label's line, column and byte offsets, each draft's verdict and a summary.

use serde::Serialize;

use crate::report::{draft_file, locate, Location};
use crate::rules::engine::Outcome;
use crate::rules::verdict::Verdict;

/// Bumped when a field changes meaning or disappears; additions keep the version.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonFinding<'a> {
    draft: &'a str,
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<Location<'a>>,
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    draft: &'a str,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

#[derive(Serialize, Default)]
struct Summary {
    drafts: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

/// The document, written as outcomes arrive: each finding and verdict is serialised when its
/// outcome is pushed, and [`Report::finish`] lays them out as one pretty-printed document
/// (`Document`'s shape, byte for byte).
#[derive(Default)]
pub struct Report {
    findings: Vec<String>,
    verdicts: Vec<String>,
    summary: Summary,
}

impl Report {
    pub fn push(&mut self, o: &Outcome) {
        for f in &o.findings {
            self.findings.push(pretty(&JsonFinding {
                draft: draft_file(o),
                rule: f.rule.as_str(),
                severity: f.severity.as_str(),
                message: &f.message,
                help: f.help.as_deref(),
                labels: f
                    .labels
                    .iter()
                    .map(|l| locate(&o.send.sources, l))
                    .collect(),
            }));
        }
        self.verdicts.push(pretty(&JsonVerdict {
            draft: draft_file(o),
            verdict: &o.verdict,
        }));
        let s = &mut self.summary;
        s.drafts += 1;
        s.errors += o.verdict.errors;
        s.warnings += o.verdict.warnings;
        s.infos += o.verdict.infos;
    }

    pub fn finish(self) -> String {
        let mut text = format!("{{\n  \"version\": {SCHEMA_VERSION},\n  \"findings\": ");
        array(&mut text, &self.findings);
        text.push_str(",\n  \"verdicts\": ");
        array(&mut text, &self.verdicts);
        text.push_str(",\n  \"summary\": ");
        text.push_str(&indent(&pretty(&self.summary), "  "));
        text.push_str("\n}\n");
        text
    }
}

/// Pretty-printed at the top level; serialising plain structs of strings and numbers cannot
/// fail.
fn pretty(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A pretty-printed value moved in by `pad`: JSON strings hold no raw line breaks, so every
/// line break is one of the layout's.
fn indent(pretty: &str, pad: &str) -> String {
    pretty.replace('\n', &format!("\n{pad}"))
}

/// An array of pretty-printed items at the document's second level, as serde_json lays it out.
fn array(text: &mut String, items: &[String]) {
    if items.is_empty() {
        text.push_str("[]");
        return;
    }
    text.push_str("[\n");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str("    ");
        text.push_str(&indent(item, "    "));
    }
    text.push_str("\n  ]");
}
