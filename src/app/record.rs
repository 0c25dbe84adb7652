//! Recording a checked send in the ledger.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::app::batch::near_duplicate_similarity;
use crate::app::session::LedgerSession;
use crate::ledger::{Origin, SendRecord};
use crate::mailing::history::HistoryState;
use crate::mailing::Mailing;
use crate::model::error::InputError;
use crate::model::finding::{Finding, Severity};
use crate::model::format::{format_utc, group};
use crate::model::rule::{Level, RuleId};
use crate::rules::engine;

/// What recording did, for the binary to say.
pub enum Recorded {
    /// Written: the sentence that says so.
    Written(String),
    /// Nothing to record, and why.
    Nothing(String),
    /// Not written: sends recorded since the check leave no room for this one; why.
    Refused(String),
}

/// Whether findings fail a check (exit code 1): an error, or a warning with `deny_warnings`.
pub fn fails(findings: &[Finding], deny_warnings: bool) -> bool {
    findings.iter().any(|f| failing(f, deny_warnings))
}

fn failing(f: &Finding, deny_warnings: bool) -> bool {
    f.severity == Severity::Error || (deny_warnings && f.severity == Severity::Warning)
}

/// The records a send makes (one per message of a batch).
pub fn records(send: &Mailing, now: i64, origin: Origin) -> Vec<SendRecord> {
    SendRecord::from_send(send, now, origin, near_duplicate_similarity())
}

/// Writes a checked send to the session's ledger.
pub fn record(
    session: &LedgerSession,
    send: &Mailing,
    now: i64,
    origin: Origin,
) -> Result<Recorded, InputError> {
    session.ready()?;
    let Some(records) = records_of(send, now, origin) else {
        return Ok(nothing());
    };
    let path = session.record(&records, now)?;
    Ok(Recorded::Written(recorded_text(&records, &path)))
}

/// Writes a send that passed its check (with these rule `levels`), after judging it again
/// against the ledger's last 24 hours as they stand under the write lock: sends other runs
/// recorded since the check count, and when they leave no room the send is refused, not written.
pub fn record_if_passing(
    session: &LedgerSession,
    send: &mut Mailing,
    now: i64,
    levels: &BTreeMap<RuleId, Level>,
    deny_warnings: bool,
) -> Result<Recorded, InputError> {
    session.ready()?;
    let Some(records) = records_of(send, now, Origin::Check) else {
        return Ok(nothing());
    };
    let HistoryState::Known(checked) = &send.history else {
        // No history was read (no ledger yet, or none wanted): record as checked.
        let path = session.record(&records, now)?;
        return Ok(Recorded::Written(recorded_text(&records, &path)));
    };
    // The tenant's sends count too: another mailbox of the organisation may have used its
    // shared budget since.
    let ids = |h: &crate::mailing::history::History| -> BTreeSet<i64> {
        h.sends
            .iter()
            .chain(h.tenant.iter().flat_map(|t| t.sends.iter()))
            .map(|s| s.id)
            .collect()
    };
    let seen = ids(checked);
    let sender = scope_sender(&checked.scope);
    let written = session.record_if(&records, now, sender.as_deref(), |fresh| {
        let new = ids(&fresh).difference(&seen).count();
        if new == 0 {
            return None;
        }
        let before = std::mem::replace(&mut send.history, HistoryState::Known(fresh));
        let findings = engine::run(send, levels);
        send.history = before;
        let first = findings.iter().find(|f| failing(f, deny_warnings))?;
        Some(format!(
            "not recorded: {new} send{} recorded since this check (by another bulklint run) leave no room for it: {}: {}. Check it again before sending",
            if new == 1 { "" } else { "s" },
            first.rule,
            first.message
        ))
    })?;
    Ok(match written {
        Ok(path) => Recorded::Written(recorded_text(&records, &path)),
        Err(refusal) => Recorded::Refused(refusal),
    })
}

/// The records of a send, `None` when it has no recipients.
fn records_of(send: &Mailing, now: i64, origin: Origin) -> Option<Vec<SendRecord>> {
    let records = records(send, now, origin);
    (!records.iter().all(|r| r.recipients == 0)).then_some(records)
}

fn nothing() -> Recorded {
    Recorded::Nothing(
        "not recorded: the send has no recipients (pass --recipients, or a draft with To, Cc or Bcc)".into(),
    )
}

/// The sender a history was read for (`None`: every sender of the provider).
fn scope_sender(scope: &crate::mailing::history::Scope) -> Option<String> {
    match scope {
        crate::mailing::history::Scope::Sender(s) => Some(s.clone()),
        crate::mailing::history::Scope::Provider => None,
    }
}

/// "recorded in FILE: 600 recipients (600 external) from ann@… via microsoft365 at …".
pub fn recorded_text(records: &[SendRecord], path: &Path) -> String {
    let recipients: u64 = records.iter().map(|r| r.recipients).sum();
    let external: u64 = records.iter().map(|r| r.external).sum();
    let messages: u64 = records.iter().map(|r| r.messages).sum();
    let Some(first) = records.first() else {
        return format!("nothing recorded in {}", path.display());
    };
    format!(
        "recorded in {}: {} recipient{} ({} external){} from {} via {} at {}",
        path.display(),
        group(recipients),
        if recipients == 1 { "" } else { "s" },
        group(external),
        if messages > 1 {
            format!(" in {} messages", group(messages))
        } else {
            String::new()
        },
        first.sender.as_deref().unwrap_or("(no From)"),
        first.provider,
        format_utc(first.at)
    )
}
