//! Message kind from the draft's content: is it commercial or transactional?

use crate::data::phrases;
use crate::load::draft::Draft;
use crate::model::kind::{Kind, KindChoice};

/// A message is commercial unless told otherwise or clearly transactional by its subject or
/// opening text (a password reset, a receipt, …): a linter that flags every password-reset
/// template is a linter people switch off.
pub fn classify(explicit: Option<Kind>, draft: &Draft) -> KindChoice {
    if let Some(kind) = explicit {
        return KindChoice {
            kind,
            reason: "set with --kind".into(),
        };
    }
    /// How much of the body counts as its opening, in characters.
    const OPENING_CHARS: usize = 300;
    let subject = draft.header_value("Subject").unwrap_or_default();
    let body = draft.visible_text();
    let opening: String = body.chars().take(OPENING_CHARS).collect();
    let found = phrases::find_transactional(subject)
        .or_else(|| phrases::find_transactional_opening(subject))
        .map(|p| format!("the subject says \"{p}\""))
        .or_else(|| {
            phrases::find_transactional_opening(&opening)
                .map(|p| format!("the message opens with \"{p}\""))
        })
        .or_else(|| phrases::find_transactional(body).map(|p| format!("the message says \"{p}\"")));
    if let Some(reason) = found {
        return KindChoice {
            kind: Kind::Transactional,
            reason,
        };
    }
    KindChoice {
        kind: Kind::Commercial,
        reason: "nothing marks it as transactional, such as a receipt or a password reset".into(),
    }
}
