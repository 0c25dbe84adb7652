//! `recipient-invalid`: addresses that do not parse.

use crate::mailing::Mailing;
use crate::model::finding::{Finding, Label};
use crate::rules::{self, Rule};

pub fn check(send: &Mailing, rule: &Rule, out: &mut Vec<Finding>) {
    let invalid: Vec<_> = send.recipients.invalid().collect();
    super::per_entry(
        rule,
        &rules::params().recipient_invalid,
        &invalid,
        |e| &e.origin,
        "invalid addresses",
        |e| {
            rule.finding(format!("`{}` is not a valid address: {}", e.address, e.reason))
            .with_label(Some(Label {
                source: e.origin.source,
                span: e.origin.span.clone(),
                text: e.reason.clone(),
            }))
            .help("Correct or remove it: mail to it bounces, and bounces count against the sender's reputation.")
        },
        out,
    );
}
