//! `visible-recipients`: many addresses in To/Cc, so every recipient sees every other.

use crate::draft::AddressField;
use crate::finding::Finding;
use crate::rules::Rule;
use crate::send::Send;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    let max = rule.param_u64("max-visible");
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
