//! `recipient-duplicate`: the same address more than once.

use crate::finding::{Finding, Label};
use crate::rules::Rule;
use crate::send::Send;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    super::per_entry(
        rule,
        &send.recipients.duplicates,
        |d| &d.origin,
        "duplicate addresses",
        |d| {
            rule.finding(format!("`{}` is listed twice", d.address))
            .with_label(Some(Label {
                source: d.origin.source,
                span: d.origin.span.clone(),
                text: format!("already at {}", send.origin_text(&d.first)),
            }))
            .help("Each copy counts against the provider's recipient limits, and the person gets the message twice.")
        },
        out,
    );
}
