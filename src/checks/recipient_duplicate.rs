//! `recipient-duplicate`: the same address more than once.

use crate::finding::{Finding, Label};
use crate::rules::Rule;
use crate::send::Send;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    let dups = &send.recipients.duplicates;
    let max = rule.param_u64("max-listed") as usize;
    for d in dups.iter().take(max) {
        out.push(
            rule.finding(format!("`{}` is listed twice", d.address))
                .with_label(Some(Label {
                    source: d.origin.source,
                    span: d.origin.span.clone(),
                    text: format!("already at {}", send.origin_text(&d.first)),
                }))
                .help("Each copy counts against the provider's recipient limits, and the person gets the message twice."),
        );
    }
    if dups.len() > max {
        let rest = &dups[max..];
        out.push(
            rule.finding(format!("{} more duplicate addresses (not listed one by one)", rest.len()))
                .with_label(rest.first().map(|d| Label {
                    source: d.origin.source,
                    span: d.origin.span.clone(),
                    text: format!("the first of {} more", rest.len()),
                })),
        );
    }
}
