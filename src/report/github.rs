//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding,
//! which GitHub shows as annotations on the pull request.

use std::fmt::Write;

use crate::model::finding::Severity;
use crate::report::{draft_file, locate};
use crate::rules::engine::Outcome;

/// Workflow commands, one line per finding, written as each outcome arrives.
#[derive(Default)]
pub struct Report {
    out: String,
}

impl Report {
    pub fn push(&mut self, o: &Outcome) {
        let out = &mut self.out;
        for f in &o.findings {
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut props = Vec::new();
            match f.labels.first().map(|l| locate(&o.send.sources, l)) {
                Some(loc) => {
                    props.push(format!("file={}", property(loc.file)));
                    if loc.in_file {
                        props.push(format!("line={}", loc.line));
                        props.push(format!("col={}", loc.column));
                        props.push(format!("endLine={}", loc.end_line));
                        props.push(format!("endColumn={}", loc.end_column));
                    }
                }
                None => props.push(format!("file={}", property(draft_file(o)))),
            }
            props.push(format!(
                "title={}",
                property(&format!("bulklint {}", f.rule))
            ));
            let mut message = f.message.clone();
            if let Some(help) = &f.help {
                message.push_str("\n\n");
                message.push_str(help);
            }
            let _ = writeln!(out, "::{command} {}::{}", props.join(","), data(&message));
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Escapes a command's message (GitHub's `escapeData`).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value (GitHub's `escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(super::data("50%\nok"), "50%25%0Aok");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
