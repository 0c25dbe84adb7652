//! `recipient-duplicate`: the same address more than once.

use crate::load::recipients::Duplicate;
use crate::mailing::provider::ProviderKind;
use crate::model::finding::{Finding, Label};
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
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
        &params.recipient_duplicate,
        &dups,
        |d| &d.origin,
        "duplicate addresses",
        |d| {
            // The first copy as written there: a copy in another case is named, since a
            // list's owner may not see `Ann@` and `ann@` as the same person.
            let first = send
                .sources
                .get(d.first.source)
                .text
                .get(d.first.span.clone())
                .map(|t| t.trim().trim_matches('"').trim())
                .filter(|t| local_part(t) != local_part(d.address));
            let message = match first {
                Some(other) => format!(
                    "`{}` is listed twice, once as `{other}`: mail providers treat addresses that differ only in case as one mailbox",
                    d.address
                ),
                None => format!("`{}` is listed twice", d.address),
            };
            rule.finding(message)
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

/// The part before the last `@`: a difference in case there is what a reader may not see as
/// the same address (domains are case-insensitive by definition).
fn local_part(address: &str) -> &str {
    address.trim().rsplit_once('@').map_or(address, |(l, _)| l)
}
