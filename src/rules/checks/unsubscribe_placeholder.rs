//! `unsubscribe-placeholder`: an unsubscribe link that goes nowhere.

use crate::analysis::unsubscribe;
use crate::mailing::Mailing;
use crate::model::finding::Finding;
use crate::rules::{self, Rule};

pub fn check(send: &Mailing, rule: &Rule, out: &mut Vec<Finding>) {
    let analysis = unsubscribe::analyze(
        &send.draft,
        &send.sources,
        &rules::params().unsubscribe_placeholder,
    );
    for p in analysis.placeholders {
        out.push(
            rule.finding(format!("the unsubscribe link {}", p.why))
                .with_label(Some(p.label))
                .help("Point the link at a page that unsubscribes the reader, or use your ESP's unsubscribe merge tag (Mailchimp *|UNSUB|*, HubSpot {{ unsubscribe_link }}, …). A link that does nothing is no unsubscribe mechanism under CASL or CAN-SPAM."),
        );
    }
}
