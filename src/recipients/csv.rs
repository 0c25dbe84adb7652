//! Recipient lists in csv form.

use crate::error::InputError;
use crate::recipients::RecipientList;
use crate::source::SourceId;

pub fn parse(source: SourceId, name: &str, text: &str, column: Option<&str>) -> Result<RecipientList, InputError> {
    let _ = (name, text, column);
    Ok(RecipientList { source, column: None, has_consent_columns: false, entries: Vec::new(), problems: Vec::new() })
}

/// Whether a list without a telling extension is CSV (a header row with a separator).
pub fn looks_like_csv(text: &str) -> bool {
    text.lines().next().is_some_and(|l| l.contains(',') || l.contains(';') || l.contains('\t'))
}
