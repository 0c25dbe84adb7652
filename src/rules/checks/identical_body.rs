//! `identical-body`: one body, fingerprinted past greetings and merge fields, going to many
//! recipients from a mailbox: in one message, across the messages of a batch (near-duplicates
//! included), or across the send ledger's sends of the last 24 hours (a list split into parts).

use crate::mailing::fingerprint;
use crate::mailing::history::PastSend;
use crate::mailing::minhash;
use crate::mailing::provider::ProviderKind;
use crate::model::finding::Finding;
use crate::model::format::{format_utc_near, group, recipients};
use crate::rules::Rule;
use crate::rules::Subject;

/// Earlier sends named one by one in the help; the rest are counted.
const MAX_NAMED: usize = 5;

/// `rules/identical-body.toml`'s `[params]`.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// Copies of one body from which a send is a bulk send.
    pub min_copies: u64,
    /// MinHash similarity from which two bodies count as one.
    pub near_duplicate_similarity: f64,
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    // An ESP sends one body to many by design, with the authentication and unsubscribe
    // headers that make it acceptable bulk mail.
    if send.provider.profile.kind != ProviderKind::Mailbox {
        return;
    }
    let Params {
        min_copies: min,
        near_duplicate_similarity: similarity,
    } = params.identical_body;
    let body = send.draft.visible_text();
    if body.trim().is_empty() {
        return;
    }
    // This send's copies of the body, and in a batch how many messages share it and their
    // addresses (`None`: the send's recipients, read only when a history needs them).
    let (copies, shared, addresses): (u64, Option<String>, Option<Vec<&str>>) = match &send.batch {
        Some(batch) => {
            let clusters = batch.clusters(similarity);
            let Some(largest) = clusters.first() else {
                return;
            };
            let copies = largest
                .members
                .iter()
                .map(|&i| batch.messages[i].recipients.len() as u64)
                .sum();
            let shared = format!(
                "{} of {} messages share one body",
                group(largest.members.len() as u64),
                group(batch.messages.len() as u64)
            );
            let addresses = largest
                .members
                .iter()
                .flat_map(|&i| batch.messages[i].recipients.iter().map(String::as_str))
                .collect();
            (copies, Some(shared), Some(addresses))
        }
        None => (send.recipient_count() as u64, None, None),
    };

    let earlier_sends = send.earlier_sends();
    // Too few copies and nothing sent before: no body to compare.
    if copies < min && earlier_sends.is_empty() {
        return;
    }
    let print = fingerprint::fingerprint(body);
    let signature = minhash::signature(body);

    // Earlier sends of the same body in the last 24 hours.
    let matches: Vec<(&PastSend, Option<f64>)> = earlier_sends
        .into_iter()
        .filter_map(|s| {
            if s.fingerprint.as_ref() == Some(&print) {
                return Some((s, None));
            }
            let sim = match (&s.signature, &signature) {
                (Some(a), Some(b)) => a.similarity(b),
                _ => return None,
            };
            (sim >= similarity).then_some((s, Some(sim)))
        })
        .collect();
    let earlier: u64 = matches.iter().map(|(s, _)| s.recipients).sum();
    let total = copies + earlier;
    if copies < min && (matches.is_empty() || total < min) {
        return;
    }

    let mut message = match &shared {
        Some(shared) => format!("{shared}, going to {}", recipients(copies)),
        None => format!("the same body goes to {}", recipients(copies)),
    };
    let mut label = format!(
        "this body goes to {} (fingerprint {})",
        recipients(copies),
        &print.0[..12]
    );
    let mut help = String::from(
        "Receiving filters (DCC, Razor, Pyzor, rspamd fuzzy hashes) count identical bodies across recipients, and a personalised greeting or merge field does not make copies different. To them this is bulk mail: send it as bulk mail, through a bulk-mail service.",
    );
    if let (Some(history), false) = (send.history.known(), matches.is_empty()) {
        message.push_str(&format!(
            "; it already went to {} more in the last 24 h ({} earlier send{}): {} copies",
            group(earlier),
            matches.len(),
            if matches.len() == 1 { "" } else { "s" },
            group(total)
        ));
        label = format!(
            "this body goes to {} here and went to {} in the last 24 h",
            recipients(copies),
            group(earlier)
        );
        let mine: Vec<_> = match &addresses {
            Some(addresses) => addresses.iter().map(|a| history.hash(a)).collect(),
            None => send
                .recipients
                .unique()
                .map(|r| history.hash(r.address))
                .collect(),
        };
        let named: Vec<String> = matches
            .iter()
            .take(MAX_NAMED)
            .map(|(s, sim)| {
                let subject = s
                    .subject
                    .as_deref()
                    .filter(|t| !t.is_empty())
                    .unwrap_or("(no subject)");
                let how = match sim {
                    None => "same body".to_string(),
                    Some(sim) => format!("{:.0}% alike", sim * 100.0),
                };
                let overlap = mine
                    .iter()
                    .filter(|h| s.recipient_hashes.binary_search(h).is_ok())
                    .count();
                let overlap = if overlap > 0 {
                    format!(", {} of them on this send too", group(overlap as u64))
                } else {
                    String::new()
                };
                let messages = if s.messages > 1 {
                    format!(" in {} messages", group(s.messages))
                } else {
                    String::new()
                };
                format!(
                    "{} \u{201c}{subject}\u{201d} to {}{messages} ({how}{overlap})",
                    format_utc_near(s.at, history.now),
                    recipients(s.recipients)
                )
            })
            .collect();
        let rest = matches.len().saturating_sub(MAX_NAMED);
        let rest = if rest > 0 {
            format!("; and {rest} more")
        } else {
            String::new()
        };
        help.push_str(&format!(
            " Splitting a list into smaller sends does not help: the filters count copies, not messages. Earlier sends of this body from {} ({}): {}{rest}.",
            history.whose(&send.provider.profile.id),
            history.ledger,
            named.join("; ")
        ));
    }
    out.push(
        rule.finding(message)
            .with_label(send.draft.body_start_label(&send.sources, label))
            .help(help),
    );
}
