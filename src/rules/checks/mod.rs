//! The checks, one module per rule; each is a pure function of the send.

pub mod bulk_from_mailbox;
pub mod client_support;
pub mod consent_expired;
pub mod consent_missing;
pub mod gmail_clipping;
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

use crate::load::draft::{DraftFormat, HtmlDoc};
use crate::load::recipients::Origin;
use crate::mailing::Mailing;
use crate::model::finding::{Finding, Label};
use crate::model::kind::Kind;
use crate::rules::{ListedParams, Rule};

/// The HTML the template checks (client support, accessibility, size, links) read: an HTML or
/// MJML template, or a message that is commercial, transactional or of unknown kind. Mail
/// between people (a reply, a list post, a bounce) is written in a mail program, not designed,
/// and how it is built is nobody's business but its writer's.
pub fn designed_html(send: &Mailing) -> Option<&HtmlDoc> {
    let html = send.draft.html.as_ref()?;
    match send.draft.format {
        DraftFormat::Html | DraftFormat::Mjml => Some(html),
        DraftFormat::Message | DraftFormat::Text => {
            (send.kind.kind != Kind::NotCommercial).then_some(html)
        }
    }
}

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
