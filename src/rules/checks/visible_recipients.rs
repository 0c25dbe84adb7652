//! `visible-recipients`: many addresses in To/Cc, so every recipient sees every other.

use crate::load::draft::AddressField;
use crate::model::finding::Finding;
use crate::rules::Rule;
use crate::rules::Subject;

/// `rules/visible-recipients.toml`'s `[params]`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// Addresses in To and Cc from which the recipients are exposed to each other.
    pub max_visible: u64,
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let max = params.visible_recipients.max_visible;
    let visible = send
        .draft
        .recipients
        .iter()
        .filter(|r| matches!(r.field, AddressField::To | AddressField::Cc))
        .count() as u64;
    if visible <= max {
        return;
    }
    let field = if send.draft.header("To").is_some() {
        "To"
    } else {
        "Cc"
    };
    out.push(
        rule.finding(format!(
            "{visible} addresses in To/Cc: every recipient sees every other recipient's address"
        ))
        .with_label(send.draft.header_label(field, format!("{visible} visible addresses")))
        .help("Put recipients in Bcc, or better, send through a bulk-mail service that addresses each person individually. Exposing a customer list is a privacy breach in its own right."),
    );
}
