//! `consent-expired`: implied consent past its CASL window on the day of the send.

use crate::mailing::consent::{self, Status};
use crate::model::finding::{Finding, Label};
use crate::model::kind::Kind;
use crate::model::law::Law;
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(as_of) = send.as_of else {
        return;
    };
    // The 2-year and 6-month windows are CASL's (s. 10(10)).
    // Only lists with consent columns carry consent records: without one, nothing can expire,
    // and a million recipients need not be looked at.
    if send.kind.kind != Kind::Commercial
        || !send.laws.contains(&Law::Casl)
        || !send
            .recipients
            .lists()
            .iter()
            .any(|l| l.has_consent_columns)
    {
        return;
    }
    let mut labels = Vec::new();
    for r in send.recipients.unique() {
        if let Status::Expired {
            basis,
            given,
            lapsed,
        } = consent::assess(r.consent, as_of, &params.consent_expired)
        {
            labels.push(Label {
                source: r.origin.source,
                span: r.origin.span.clone(),
                text: format!("{} on {given}, lapsed {lapsed}", basis.describe()),
            });
        }
    }
    if labels.is_empty() {
        return;
    }
    let n = labels.len();
    let mut finding = rule
        .finding(format!(
            "{n} recipient{} whose implied consent has expired as of {as_of} (CASL s. 10(10))",
            if n == 1 { "" } else { "s" }
        ))
        .help(format!(
            "Implied consent lasts {} months after a purchase and {} months after an inquiry. Ask these people for express consent by another channel, or leave them out: a message asking for consent is itself a commercial message.",
            params.consent_expired.purchase_months,
            params.consent_expired.inquiry_months
        ));
    finding.labels = labels;
    out.push(finding);
}
