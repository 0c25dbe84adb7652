//! JUnit XML: one test case per draft and rule that fired (failed), or one passing case for a
//! clean draft, for CI systems that show test reports (GitLab, Jenkins).

use std::fmt::Write;

use crate::model::finding::Severity;
use crate::report::markup as xml;
use crate::report::{draft_file, locate};
use crate::rules::engine::Outcome;

/// The test cases, written as each outcome arrives, and their counts for the suite's header.
#[derive(Default)]
pub struct Report {
    cases: String,
    tests: usize,
    failures: usize,
}

impl Report {
    pub fn push(&mut self, o: &Outcome) {
        let Report {
            cases,
            tests,
            failures,
        } = self;
        let file = draft_file(o);
        if o.findings.is_empty() {
            *tests += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}\" name=\"bulklint\"/>",
                xml(file)
            );
            return;
        }
        for f in &o.findings {
            *tests += 1;
            let location = f
                .labels
                .first()
                .map(|l| {
                    let loc = locate(&o.send.sources, l);
                    format!("{}:{}:{}", loc.source, loc.line, loc.column)
                })
                .unwrap_or_else(|| file.to_string());
            let body = format!(
                "{location}: {}{}",
                f.message,
                f.help
                    .as_deref()
                    .map(|h| format!("\n{h}"))
                    .unwrap_or_default()
            );
            let _ = write!(
                cases,
                "    <testcase classname=\"{}\" name=\"{}\">",
                xml(file),
                xml(f.rule.as_str())
            );
            if f.severity == Severity::Error {
                *failures += 1;
                let _ = write!(
                    cases,
                    "<failure type=\"error\" message=\"{}\">{}</failure>",
                    xml(&f.message),
                    xml(&body)
                );
            } else {
                let _ = write!(
                    cases,
                    "<system-out>{}: {}</system-out>",
                    f.severity,
                    xml(&body)
                );
            }
            cases.push_str("</testcase>\n");
        }
    }

    pub fn finish(self) -> String {
        let Report {
            cases,
            tests,
            failures,
        } = self;
        format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bulklint\" tests=\"{tests}\" failures=\"{failures}\">\n  <testsuite name=\"bulklint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n{cases}  </testsuite>\n</testsuites>\n"
        )
    }
}
