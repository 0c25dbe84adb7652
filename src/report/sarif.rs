//! SARIF 2.1.0: rule metadata from `rules/<id>.toml` and one result per finding, for code
//! scanning dashboards (GitHub code scanning, Azure DevOps, …).

use serde_json::{json, Value};

use crate::model::finding::Severity;
use crate::report::{draft_file, locate, Location};
use crate::rules;
use crate::rules::engine::Outcome;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The results, built as each outcome arrives; the rules' metadata and the run around them are
/// added by [`Report::finish`].
#[derive(Default)]
pub struct Report {
    results: Vec<Value>,
}

impl Report {
    pub fn push(&mut self, o: &Outcome) {
        let all = rules::all();
        for f in &o.findings {
            let index = all.iter().position(|r| r.id == f.rule);
            let locs: Vec<Location> = f
                .labels
                .iter()
                .map(|l| locate(&o.send.sources, l))
                .collect();
            let primary = match locs.first() {
                Some(loc) => location(loc),
                None => {
                    json!({ "physicalLocation": { "artifactLocation": { "uri": uri(draft_file(o)) } } })
                }
            };
            let related: Vec<Value> = locs
                .iter()
                .skip(1)
                .enumerate()
                .map(|(i, loc)| {
                    let mut v = location(loc);
                    v["id"] = json!(i + 1);
                    v["message"] = json!({ "text": loc.text });
                    v
                })
                .collect();
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": { "text": match &f.help { Some(h) => format!("{}\n{}", f.message, h), None => f.message.clone() } },
                "locations": [primary],
            });
            if let Some(i) = index {
                result["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            self.results.push(result);
        }
    }

    pub fn finish(self) -> String {
        render(self.results)
    }
}

fn render(results: Vec<Value>) -> String {
    let all = rules::all();
    let rule_meta: Vec<Value> = all
        .iter()
        .map(|r| {
            let laws: Vec<String> = r.laws.iter().map(|l| format!("{} {} ({})", l.law, l.section, l.url)).collect();
            json!({
                "id": r.id,
                "name": camel(r.id.as_str()),
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.docs.what },
                "help": {
                    "text": format!("{}\n\nWhy: {}\n\nFix: {}", r.docs.what, r.docs.why, r.docs.fix),
                    "markdown": format!("{}\n\n**Why.** {}\n\n**Example**\n\n```\n{}\n```\n\n**Fix.** {}", r.docs.what, r.docs.why, r.docs.example.trim(), r.docs.fix),
                },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "category": r.category, "laws": laws, "tags": [r.category] },
            })
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "bulklint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/bulklint",
                "rules": rule_meta,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn location(loc: &Location) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": uri(loc.file) } });
    // Positions inside a decoded MIME part are not positions in the file.
    if loc.in_file {
        physical["region"] = json!({
            "startLine": loc.line,
            "startColumn": loc.column,
            "endLine": loc.end_line,
            "endColumn": loc.end_column,
            "charOffset": loc.offset,
            "charLength": loc.length,
            "message": { "text": loc.text },
        });
    }
    json!({ "physicalLocation": physical, "message": { "text": format!("{}: {}", loc.source, loc.text) } })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a URI reference: separators kept, everything else unsafe escaped.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `bulk-from-mailbox` → `BulkFromMailbox`, SARIF's conventional rule name form.
fn camel(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}
