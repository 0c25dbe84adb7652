//! `list-unsubscribe-header`: a bulk commercial send needs `List-Unsubscribe` with an https URI
//! and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 2369, RFC 8058).

use crate::load::draft::DraftFormat;
use crate::mailing::provider::ProviderKind;
use crate::mailing::Mailing;
use crate::model::finding::{Finding, Label};
use crate::model::kind::Kind;
use crate::rules::Rule;
use crate::rules::Subject;

/// `rules/list-unsubscribe-header.toml`'s `[params]`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// Recipients from which a send is bulk for Gmail's and Yahoo's one-click rule.
    pub bulk_recipients: u64,
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    if send.kind.kind != Kind::Commercial {
        return;
    }
    let draft = &send.draft;
    let profile = &send.provider.profile;
    match draft.header("List-Unsubscribe") {
        Some(header) => {
            let label = draft.header_label("List-Unsubscribe", "here");
            for problem in uri_problems(&header.value) {
                out.push(
                    rule.finding(problem.0)
                        .with_label(label.clone())
                        .help(problem.1),
                );
            }
            let post = draft.header_value("List-Unsubscribe-Post");
            if post.map(str::trim) != Some("List-Unsubscribe=One-Click") {
                let message = match post {
                    None => "List-Unsubscribe-Post is missing: no one-click unsubscribe (RFC 8058)"
                        .to_string(),
                    Some(v) => {
                        format!("List-Unsubscribe-Post is `{v}`, not `List-Unsubscribe=One-Click`")
                    }
                };
                let label = draft
                    .header_label("List-Unsubscribe-Post", "here")
                    .or(label.clone());
                out.push(rule.finding(message).with_label(label.clone()).help(
                    "Add `List-Unsubscribe-Post: List-Unsubscribe=One-Click` beside an https List-Unsubscribe URI that unsubscribes on a POST; Gmail requires both for bulk senders.",
                ));
            }
            // Headers written into a draft (by hand or by `bulklint fix`) do not survive a
            // mailbox's own client: Outlook and the web app compose a new message.
            if profile.kind == ProviderKind::Mailbox && is_bulk(send, params) {
                let mut warning = rule
                    .finding(format!(
                        "{} does not send a draft's own List-Unsubscribe headers from a mailbox",
                        profile.name
                    ))
                    .with_label(label)
                    .help(format!(
                        "These headers reach recipients only when this file is submitted as it is (SMTP from a script, or a bulk-mail service). Sent from {}'s mail client or web app, the message is composed anew without them, and Gmail and Yahoo see a bulk send with no one-click unsubscribe. A bulk-mail service adds the headers itself.",
                        profile.name
                    ));
                warning.severity = crate::model::finding::Severity::Warning;
                out.push(warning);
            }
        }
        None => {
            if !is_bulk(send, params) {
                return;
            }
            // A bare template gets its headers from whatever sends it; an ESP adds them itself.
            if draft.format != DraftFormat::Message && profile.kind == ProviderKind::Esp {
                return;
            }
            let n = send.recipient_count();
            let mailbox_help = if profile.kind == ProviderKind::Mailbox {
                format!(" {} cannot add these headers to mail sent from a mailbox; a bulk-mail service adds them for you.", profile.name)
            } else {
                String::new()
            };
            out.push(
                rule.finding(format!(
                    "a bulk send to {n} recipients without one-click unsubscribe headers"
                ))
                .with_label(header_block_label(send))
                .help(format!(
                    "Gmail and Yahoo require `List-Unsubscribe: <https://…>` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058) on bulk marketing mail, and expect unsubscribes honoured within 2 days.{mailbox_help}"
                )),
            );
        }
    }
}

/// Bulk: more recipients than the rule's threshold, or mail an ESP sends (always bulk).
fn is_bulk(send: &Mailing, params: &crate::rules::Params) -> bool {
    send.recipient_count() as u64 >= params.list_unsubscribe_header.bulk_recipients
        || (send.provider.profile.kind == ProviderKind::Esp
            && send.draft.format == DraftFormat::Message)
}

/// Missing headers are reported at the From field, where the header block is.
fn header_block_label(send: &Mailing) -> Option<Label> {
    send.draft
        .header_label("From", "the headers have no List-Unsubscribe")
        .or_else(|| send.recipients_label("these recipients"))
}

/// Problems with a List-Unsubscribe value, each as (message, help).
fn uri_problems(value: &str) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let uris: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    if uris.is_empty() {
        problems.push((
            "List-Unsubscribe is empty".into(),
            "Give an https URI in angle brackets: `List-Unsubscribe: <https://example.com/u/123>`."
                .into(),
        ));
        return problems;
    }
    let mut https = false;
    for raw in &uris {
        let Some(uri) = raw.strip_prefix('<').and_then(|u| u.strip_suffix('>')) else {
            problems.push((
                format!("List-Unsubscribe URI `{raw}` is not in angle brackets"),
                "RFC 2369 requires each URI in angle brackets, comma-separated: `<https://…>, <mailto:…>`.".into(),
            ));
            continue;
        };
        let lower = uri.to_ascii_lowercase();
        if lower.starts_with("https://") {
            https = true;
        } else if lower.starts_with("http://") {
            problems.push((
                format!("List-Unsubscribe URI `{uri}` is http, not https"),
                "RFC 8058 one-click unsubscribe requires an https URI.".into(),
            ));
        } else if let Some(rest) = lower.strip_prefix("mailto:") {
            let addr = rest.split('?').next().unwrap_or("");
            if crate::model::address::validate(addr).is_err() {
                problems.push((
                    format!("List-Unsubscribe mailto `{uri}` has no valid address"),
                    "Write `<mailto:unsubscribe@example.com?subject=unsubscribe>`.".into(),
                ));
            }
        } else {
            problems.push((
                format!("List-Unsubscribe URI `{uri}` is neither https nor mailto"),
                "Use an https URI (one-click) and, optionally, a mailto URI.".into(),
            ));
        }
    }
    if !https && problems.is_empty() {
        problems.push((
            "List-Unsubscribe has only a mailto URI: no one-click unsubscribe".into(),
            "Yahoo accepts mailto, but Gmail's one-click requirement needs an https URI with List-Unsubscribe-Post (RFC 8058).".into(),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::uri_problems;

    #[test]
    fn validates_list_unsubscribe_values() {
        assert!(
            uri_problems("<https://x.example/u/1>, <mailto:u@x.example?subject=unsub>").is_empty()
        );
        assert!(uri_problems("https://x.example/u/1")[0]
            .0
            .contains("angle brackets"));
        assert!(uri_problems("<http://x.example/u/1>")[0]
            .0
            .contains("not https"));
        assert!(uri_problems("<mailto:u@x.example>")[0]
            .0
            .contains("only a mailto"));
        assert!(uri_problems("<mailto:nobody>")[0]
            .0
            .contains("no valid address"));
        assert!(uri_problems("<ftp://x>")[0].0.contains("neither"));
        assert!(uri_problems("")[0].0.contains("empty"));
    }
}
