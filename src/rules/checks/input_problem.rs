//! `input-problem`: parts of the input that could not be read; the rest was still checked.

use crate::mailing::Mailing;
use crate::model::finding::{Finding, Label};
use crate::model::source::SourceId;
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, _params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let draft = send.draft.problems.iter().map(|p| (send.draft.source, p));
    let lists = send
        .recipients
        .lists()
        .iter()
        .flat_map(|l| l.problems.iter().map(move |p| (l.source, p)));
    for (source, p) in draft.chain(lists) {
        let label = p.label.clone().unwrap_or_else(|| first_line(send, source));
        let mut finding = rule
            .finding(p.message.clone())
            .with_label(Some(label))
            .help(if p.warning {
                "Everything in it was read; fix it so the list says what you mean."
            } else {
                "The rest of the input was checked; fix this part and check again for a complete verdict."
            });
        if p.warning {
            finding.severity = crate::model::finding::Severity::Warning;
        }
        out.push(finding);
    }
}

/// Problems about a file as a whole point at its first line, so every finding has a place.
fn first_line(send: &Mailing, source: SourceId) -> Label {
    Label {
        source,
        span: send.sources.get(source).line_span(1),
        text: "in this file".into(),
    }
}
