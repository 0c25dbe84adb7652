//! The checks, one module per rule; each is a pure function of the send.

pub mod bulk_from_mailbox;
pub mod consent_expired;
pub mod consent_missing;
pub mod identical_body;
pub mod input_problem;
pub mod list_unsubscribe_header;
pub mod merge_tag_syntax;
pub mod recipient_duplicate;
pub mod recipient_invalid;
pub mod recipient_limit;
pub mod sender_identification;
pub mod unrendered_merge_tag;
pub mod unsubscribe_missing;
pub mod unsubscribe_placeholder;
pub mod unused_suppression;
pub mod visible_recipients;

use crate::load::recipients::Origin;
use crate::model::finding::{Finding, Label};
use crate::rules::{ListedParams, Rule};

/// Findings for a list of bad entries: one per entry up to the rule's `max-listed`, then one
/// that counts the rest, so a list with thousands of bad rows stays readable.
fn per_entry<T>(
    rule: &Rule,
    listed: &ListedParams,
    entries: &[T],
    origin: impl Fn(&T) -> &Origin,
    noun: &str,
    each: impl Fn(&T) -> Finding,
    out: &mut Vec<Finding>,
) {
    let max = usize::try_from(listed.max_listed).unwrap_or(usize::MAX);
    out.extend(entries.iter().take(max).map(each));
    if let Some(rest) = entries.get(max..).filter(|r| !r.is_empty()) {
        let first = origin(&rest[0]);
        out.push(
            rule.finding(format!(
                "{} more {noun} (not listed one by one)",
                rest.len()
            ))
            .with_label(Some(Label {
                source: first.source,
                span: first.span.clone(),
                text: format!("the first of {} more", rest.len()),
            }))
            .help("`--format json` lists every finding; clean the list before sending."),
        );
    }
}
