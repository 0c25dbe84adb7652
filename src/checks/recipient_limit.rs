//! `recipient-limit`: more recipients than the provider accepts in one message or one day.

use crate::finding::Finding;
use crate::provider::ProviderKind;
use crate::rules::Rule;
use crate::send::Send;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    let profile = &send.provider.profile;
    if profile.kind != ProviderKind::Mailbox {
        return;
    }
    let n = send.recipient_count() as u64;
    if let Some(limit) = profile.limit("per-message") {
        if n > limit.value {
            out.push(
                rule.finding(format!(
                    "{n} recipients in one message; {} accepts at most {}",
                    profile.name, limit.value
                ))
                .with_label(send.recipients_label(format!("{n} unique addresses in this send")))
                .help(format!(
                    "{} rejects the whole message above {} ({}). A newsletter belongs in a bulk-mail service. Source: `bulklint explain recipient-limit`.",
                    profile.name, limit.value, limit.note
                )),
            );
        }
    }
    if let Some(limit) = profile.limit("per-day") {
        if n > limit.value {
            out.push(
                rule.finding(format!(
                    "{n} recipients in one send; {} allows {} per day",
                    profile.name, limit.value
                ))
                .with_label(send.recipients_label(format!("{n} unique addresses in this send")))
                .help(format!(
                    "Above {} ({}) the mailbox stops sending until the window clears. A newsletter belongs in a bulk-mail service.",
                    limit.value, limit.note
                )),
            );
        }
    }
}
