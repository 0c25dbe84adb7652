//! `recipient-duplicate`: the same address more than once.

use crate::load::recipients::Duplicate;
use crate::mailing::provider::ProviderKind;
use crate::mailing::Mailing;
use crate::model::finding::{Finding, Label};
use crate::rules::{self, Rule};

pub fn check(send: &Mailing, rule: &Rule, out: &mut Vec<Finding>) {
    // A message an ESP sent is one merged copy of the mailing: its To is a member of the list,
    // not a second copy for that person.
    let merged_copy = |d: &Duplicate| {
        send.provider.profile.kind == ProviderKind::Esp && d.first.source == send.draft.source
    };
    let dups: Vec<_> = send
        .recipients
        .duplicates()
        .filter(|d| !merged_copy(d))
        .collect();
    super::per_entry(
        rule,
        &rules::params().recipient_duplicate,
        &dups,
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
