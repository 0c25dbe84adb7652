//! `identical-body`: one body, fingerprinted past greetings and merge fields, going to many
//! recipients from a mailbox.

use crate::finding::Finding;
use crate::fingerprint;
use crate::provider::ProviderKind;
use crate::rules::Rule;
use crate::send::Send;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    // An ESP sends one body to many by design, with the authentication and unsubscribe
    // headers that make it acceptable bulk mail.
    if send.provider.profile.kind != ProviderKind::Mailbox {
        return;
    }
    let copies = send.recipient_count() as u64;
    let min = rule.param_u64("min-copies");
    if copies < min {
        return;
    }
    let body = send.draft.visible_text();
    if body.trim().is_empty() {
        return;
    }
    let print = fingerprint::fingerprint(body);
    out.push(
        rule.finding(format!("the same body goes to {copies} recipients"))
            .with_label(send.draft.body_start_label(
                &send.sources,
                format!("this body goes to {copies} recipients (fingerprint {})", &print.0[..12]),
            ))
            .help(
                "Receiving filters (DCC, Razor, Pyzor, rspamd fuzzy hashes) count identical bodies across recipients, and a personalised greeting or merge field does not make copies different. To them this is bulk mail: send it as bulk mail, through a bulk-mail service.",
            ),
    );
}
