//! `unsubscribe-placeholder`: an unsubscribe link that goes nowhere.

use crate::finding::Finding;
use crate::rules::Rule;
use crate::send::Send;
use crate::unsubscribe;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    let analysis = unsubscribe::analyze(send, rule);
    for p in analysis.placeholders {
        out.push(
            rule.finding(format!("the unsubscribe link {}", p.why))
                .with_label(Some(p.label))
                .help("Point the link at a page that unsubscribes the reader, or use your ESP's unsubscribe merge tag (Mailchimp *|UNSUB|*, HubSpot {{ unsubscribe_link }}, …). A link that does nothing is no unsubscribe mechanism under CASL or CAN-SPAM."),
        );
    }
}
