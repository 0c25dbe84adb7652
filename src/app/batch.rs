//! A folder, mbox or Maildir of merged messages read as one send: the message whose body most
//! of them share is read as the draft, every message's recipients as the list.

use std::path::Path;
use std::sync::Arc;

use crate::load::input_limits::InputLimits;
use crate::load::mailbox;
use crate::mailing::batch::Batch;
use crate::model::error::InputError;
use crate::model::format::group;
use crate::model::input::Input;
use crate::rules;

/// A batch ready to check.
pub struct LoadedBatch {
    /// The representative message.
    pub draft: Input,
    /// The given lists plus every other message's recipients.
    pub lists: Vec<Input>,
    pub batch: Arc<Batch>,
    /// Messages that could not be read, each with the reason; left out, not lost.
    pub warnings: Vec<String>,
}

/// The MinHash similarity from which two bodies are one (`rules/identical-body.toml`).
pub fn near_duplicate_similarity() -> f64 {
    rules::params().identical_body.near_duplicate_similarity
}

/// Reads a batch: the representative draft, the recipient lists and the batch model, each
/// message under `limits`.
pub fn load(
    path: &Path,
    lists: Vec<Input>,
    limits: &InputLimits,
) -> Result<LoadedBatch, InputError> {
    let (kind, raw) = mailbox::read_mailbox(path)?;
    let batch = Batch::build_with(path.display().to_string(), kind, &raw, limits);
    let mut warnings: Vec<String> = batch
        .problems
        .iter()
        .map(|(location, reason)| format!("{location}: {reason}; left out of the batch"))
        .collect();
    if batch.messages.is_empty() {
        return Err(InputError::new(
            path.display().to_string(),
            format!("none of its {} messages could be read", raw.len()),
        ));
    }
    if !batch.problems.is_empty() {
        warnings.push(format!(
            "{} of {} messages in {} could not be read (listed above)",
            batch.problems.len(),
            raw.len(),
            path.display()
        ));
    }
    let rep = batch
        .clusters(near_duplicate_similarity())
        .first()
        .map_or(0, |c| c.members[0]);
    let location = &batch.messages[rep].location;
    let bytes = raw
        .iter()
        .find(|m| &m.location == location)
        .map(|m| m.bytes.clone())
        .unwrap_or_default();
    let draft = Input {
        name: location.to_string(),
        bytes,
    };
    let mut all = lists;
    all.push(batch.recipients_list(Some(rep)));
    Ok(LoadedBatch {
        draft,
        lists: all,
        batch: Arc::new(batch),
        warnings,
    })
}

/// One line saying what the batch holds.
pub fn summary(batch: &Batch) -> String {
    let bodies = batch.clusters(near_duplicate_similarity()).len();
    let dated = batch.messages.iter().filter(|m| m.date.is_some()).count();
    format!(
        "batch: {} ({}): {} messages, {} recipients, {} bod{}; {} of the messages dated{}",
        batch.name,
        batch.kind.as_str(),
        group(batch.messages.len() as u64),
        group(batch.recipient_total()),
        bodies,
        if bodies == 1 { "y" } else { "ies" },
        dated,
        if batch.problems.is_empty() {
            String::new()
        } else {
            format!("; {} unreadable, left out", batch.problems.len())
        }
    )
}
