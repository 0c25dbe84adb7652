//! Recording a checked send in the ledger.

use std::path::Path;

use crate::app::batch::near_duplicate_similarity;
use crate::app::session::LedgerSession;
use crate::ledger::{Origin, SendRecord};
use crate::mailing::Mailing;
use crate::model::error::InputError;
use crate::model::format::{format_utc, group};

/// What recording did, for the binary to say.
pub enum Recorded {
    /// Written: the sentence that says so.
    Written(String),
    /// Nothing to record, and why.
    Nothing(String),
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
    let records = records(send, now, origin);
    if records.iter().all(|r| r.recipients == 0) {
        return Ok(Recorded::Nothing(
            "not recorded: the send has no recipients (pass --recipients, or a draft with To, Cc or Bcc)".into(),
        ));
    }
    let path = session.record(&records, now)?;
    Ok(Recorded::Written(recorded_text(&records, &path)))
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
