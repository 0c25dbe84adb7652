//! `bulk-from-mailbox`: a personal or business mailbox about to send more external mail than
//! its provider's outbound spam filter tolerates.

use crate::finding::Finding;
use crate::provider::ProviderKind;
use crate::rules::{self, Rule};
use crate::send::Send;
use crate::unsubscribe;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    let profile = &send.provider.profile;
    if profile.kind != ProviderKind::Mailbox {
        return;
    }
    let Some((limit, window)) = profile
        .limit("external-per-hour")
        .map(|l| (l, "an hour"))
        .or_else(|| profile.limit("external-per-day").map(|l| (l, "a day")))
    else {
        return;
    };
    let external = send.external_count() as u64;
    if external <= limit.value {
        return;
    }

    let mut pattern = vec![format!("{external} external recipients")];
    if send.recipient_count() > 1 {
        pattern.push("one generic body".into());
    }
    let has_unsubscribe = rules::get("unsubscribe-placeholder")
        .is_some_and(|p| unsubscribe::analyze(send, p).has_working());
    if !has_unsubscribe {
        pattern.push("no unsubscribe link".into());
    }
    let consequence = profile.block.as_ref().map_or_else(String::new, |b| {
        format!(
            "the pattern {}'s outbound spam filter blocks (\"{}\"); {}. ",
            profile.name, b.code, b.consequence
        )
    });
    let label_text = format!("sent from {} ({})", profile.name, send.provider.reason);
    let label = send
        .provider
        .label
        .clone()
        .map(|mut l| {
            l.text = label_text.clone();
            l
        })
        .or_else(|| send.recipients_label(format!("{external} external recipients")));
    out.push(
        rule.finding(format!("this is a bulk send from a {} mailbox", profile.name))
            .with_label(label)
            .help(format!(
                "{}: {consequence}{} tolerates about {} external recipients in {window} ({}). Send newsletters through a bulk-mail service (Mailchimp, Brevo, SendGrid, …) instead.",
                pattern.join(", "),
                profile.name,
                limit.value,
                limit.note
            )),
    );
}
