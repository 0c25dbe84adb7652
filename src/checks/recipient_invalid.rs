//! `recipient-invalid`: addresses that do not parse.

use crate::finding::{Finding, Label};
use crate::rules::Rule;
use crate::send::Send;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    let invalid = &send.recipients.invalid;
    let max = rule.param_u64("max-listed") as usize;
    for entry in invalid.iter().take(max) {
        out.push(
            rule.finding(format!("`{}` is not a valid address: {}", entry.address, entry.reason))
                .with_label(Some(Label {
                    source: entry.origin.source,
                    span: entry.origin.span.clone(),
                    text: entry.reason.clone(),
                }))
                .help("Correct or remove it: mail to it bounces, and bounces count against the sender's reputation."),
        );
    }
    if invalid.len() > max {
        let rest = &invalid[max..];
        out.push(
            rule.finding(format!("{} more invalid addresses (not listed one by one)", rest.len()))
                .with_label(rest.first().map(|e| Label {
                    source: e.origin.source,
                    span: e.origin.span.clone(),
                    text: format!("the first of {} more", rest.len()),
                }))
                .help("Clean the list before sending; `--format json` lists every entry."),
        );
    }
}
