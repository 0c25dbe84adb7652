//! Seeding the ledger from a Sent folder (mbox, Maildir).

use super::error::LedgerError;
use super::record::{Origin, SendRecord};
use super::store::Ledger;
use crate::load::mailbox::{self, RawMessage};
use crate::mailing::assemble::{self, Options};
use crate::model::input::Input;
use crate::rules;

/// A message an import left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub location: mailbox::Location,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub messages: usize,
    pub recorded: usize,
    /// Already in the ledger from an earlier import (same Message-ID or content).
    pub already: usize,
    pub skipped: Vec<Skipped>,
}

/// Messages per transaction during an import. Each message is all-or-nothing; a killed import
/// loses at most the open chunk, and running it again records only what is missing (import
/// keys make it idempotent).
const IMPORT_CHUNK: usize = 200;

/// Records each message as a send dated from its Date header. Messages without a Date that
/// parses, or that cannot be read as messages, are skipped and reported with where they are.
pub fn import(
    ledger: &mut Ledger,
    messages: &[RawMessage],
    options: &Options,
    recorded_at: i64,
) -> Result<ImportReport, LedgerError> {
    let mut report = ImportReport {
        messages: messages.len(),
        ..ImportReport::default()
    };
    let similarity = rules::params().identical_body.near_duplicate_similarity;
    let mut pending: Vec<SendRecord> = Vec::new();
    let mut flush =
        |pending: &mut Vec<SendRecord>, report: &mut ImportReport| -> Result<(), LedgerError> {
            for id in ledger.record(pending, recorded_at)? {
                match id {
                    Some(_) => report.recorded += 1,
                    None => report.already += 1,
                }
            }
            pending.clear();
            Ok(())
        };
    for m in messages {
        let skip = |reason: String| Skipped {
            location: m.location.clone(),
            reason,
        };
        let at = match mailbox::message_date(&m.bytes) {
            Ok(Some(at)) => at,
            Ok(None) => {
                report.skipped.push(skip("no Date header".into()));
                continue;
            }
            Err(raw) => {
                report
                    .skipped
                    .push(skip(format!("the Date header `{raw}` does not parse")));
                continue;
            }
        };
        let input = Input {
            name: m.location.to_string(),
            bytes: m.bytes.clone(),
        };
        let send = match mailbox::guard(|| assemble::load(input, Vec::new(), options)) {
            Ok(send) => send,
            Err(e) => {
                report.skipped.push(skip(e.message));
                continue;
            }
        };
        if send.draft.format != crate::load::draft::DraftFormat::Message {
            report
                .skipped
                .push(skip("not a message: no header fields".into()));
            continue;
        }
        let key = import_key(&m.bytes);
        for mut r in SendRecord::from_send(&send, at, Origin::Import, similarity) {
            r.import_key = Some(key.clone());
            pending.push(r);
        }
        if pending.len() >= IMPORT_CHUNK {
            flush(&mut pending, &mut report)?;
        }
    }
    flush(&mut pending, &mut report)?;
    Ok(report)
}

/// The Message-ID when there is one, else a hash of the whole message.
fn import_key(bytes: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse_headers(bytes)
        .and_then(|m| m.message_id().map(|id| format!("mid:{}", id.trim())))
        .unwrap_or_else(|| format!("b3:{}", blake3::hash(bytes).to_hex()))
}

// ---------------------------------------------------------------------------------------------
