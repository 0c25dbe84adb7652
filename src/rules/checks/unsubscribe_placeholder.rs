//! `unsubscribe-placeholder`: an unsubscribe link that goes nowhere.

use crate::model::finding::{Finding, Severity};
use crate::model::kind::Kind;
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, _params: &crate::rules::Params, out: &mut Vec<Finding>) {
    // A dead link breaks the law only in commercial mail; where the kind cannot be told it is
    // still worth a warning, and in a receipt or a personal message it is no one's business.
    let severity = match send.kind.kind {
        Kind::Commercial => rule.severity,
        Kind::Unknown => Severity::Warning,
        Kind::Transactional | Kind::NotCommercial => return,
    };
    let analysis = send.unsubscribe();
    for p in &analysis.placeholders {
        let mut finding = rule.finding(format!("the unsubscribe link {}", p.why));
        // A link that goes somewhere may be a redirect we cannot follow: a warning.
        finding.severity = if p.doubtful {
            severity.min(Severity::Warning)
        } else {
            severity
        };
        out.push(
            finding
                .with_label(Some(p.label.clone()))
                .help("Point the link at a page that unsubscribes the reader, or use your ESP's unsubscribe merge tag (Mailchimp *|UNSUB|*, HubSpot {{ unsubscribe_link }}, …). A link that does nothing is no unsubscribe mechanism under CASL or CAN-SPAM."),
        );
    }
}
