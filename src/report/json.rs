//! JSON output: a stable document (schema in `docs/json-output.md`) with one object per
//! finding, every label's line, column and byte offsets, each draft's verdict and a summary.

use serde::Serialize;

use crate::report::{draft_file, locate, Location};
use crate::rules::engine::Outcome;
use crate::rules::verdict::Verdict;

/// Bumped when a field changes meaning or disappears; additions keep the version.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    verdicts: Vec<JsonVerdict<'a>>,
    summary: Summary,
}

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

#[derive(Serialize)]
struct Summary {
    drafts: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

pub fn render(outcomes: &[Outcome]) -> String {
    let mut findings = Vec::new();
    for o in outcomes {
        for f in &o.findings {
            findings.push(JsonFinding {
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
            });
        }
    }
    let sum = |get: fn(&Verdict) -> usize| outcomes.iter().map(|o| get(&o.verdict)).sum();
    let doc = Document {
        version: SCHEMA_VERSION,
        findings,
        verdicts: outcomes
            .iter()
            .map(|o| JsonVerdict {
                draft: draft_file(o),
                verdict: &o.verdict,
            })
            .collect(),
        summary: Summary {
            drafts: outcomes.len(),
            errors: sum(|v| v.errors),
            warnings: sum(|v| v.warnings),
            infos: sum(|v| v.infos),
        },
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
