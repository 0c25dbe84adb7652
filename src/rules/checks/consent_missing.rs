//! `consent-missing`: recipients with no usable consent record in a list that records consent.

use crate::mailing::consent::{self, Status};
use crate::model::finding::{Finding, Label};
use crate::model::kind::Kind;
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let windows = &params.consent_expired;
    let Some(as_of) = send.as_of else {
        return;
    };
    // Only recipients of lists with consent columns are judged: without such a list there is
    // nobody to look at.
    if send.kind.kind != Kind::Commercial
        || !send.laws.iter().any(|l| l.requires_consent())
        || !send
            .recipients
            .lists()
            .iter()
            .any(|l| l.has_consent_columns)
    {
        return;
    }
    let mut labels = Vec::new();
    for r in send.recipients.unique() {
        let Some(list) = send.recipients.list_of(&r) else {
            continue;
        };
        if !list.has_consent_columns {
            continue;
        }
        if let Status::Missing(why) = consent::assess(r.consent, as_of, windows) {
            labels.push(Label {
                source: r.origin.source,
                span: r.origin.span.clone(),
                text: why,
            });
        }
    }
    if labels.is_empty() {
        return;
    }
    let n = labels.len();
    let mut finding = rule
        .finding(format!(
            "{n} recipient{} with no consent on record (CASL s. 6(1))",
            if n == 1 { "" } else { "s" }
        ))
        .help("CASL puts the burden of proving consent on the sender. Record express consent (or the purchase or inquiry that implies it, with its date) before mailing these people, or leave them out.");
    finding.labels = labels;
    out.push(finding);
}
