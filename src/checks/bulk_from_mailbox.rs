//! `bulk-from-mailbox`: a personal or business mailbox about to send more external mail than
//! its provider's outbound spam filter tolerates, in this send or together with the send
//! ledger's earlier sends of the last hour and day.

use crate::finding::Finding;
use crate::ledger::{format_utc, group, window_count, Room, WindowCount, DAY, HOUR};
use crate::provider::ProviderKind;
use crate::rules::{self, Rule};
use crate::send::Send;
use crate::unsubscribe;

/// The outbound-spam windows, shortest first.
const WINDOWS: [(&str, i64, &str, &str); 2] = [
    ("external-per-hour", HOUR, "an hour", "the last hour"),
    ("external-per-day", DAY, "a day", "the last 24 h"),
];

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    let profile = &send.provider.profile;
    if profile.kind != ProviderKind::Mailbox {
        return;
    }
    let volume = send.volume();
    let external = volume.external;
    let earlier: Vec<(i64, u64)> = send
        .earlier_sends()
        .iter()
        .map(|s| (s.at, s.external))
        .collect();
    let now = send.history.known().map(|h| h.now);

    // Every window whose limit this send (plus the earlier ones) passes.
    let mut over: Vec<(&str, &str, &crate::provider::Limit, WindowCount)> = Vec::new();
    for (key, window, span, recent) in WINDOWS {
        let Some(limit) = profile.limit(key) else {
            continue;
        };
        let w = match now {
            Some(now) => window_count(&earlier, now, window, external, limit.value),
            None => window_count(&[], 0, window, external, limit.value),
        };
        if w.exceeded() {
            over.push((span, recent, limit, w));
        }
    }
    // The history makes the point when it is what tips a window over; otherwise the shortest.
    let Some(&(span, recent, limit, w)) = over
        .iter()
        .find(|(_, _, _, w)| w.earlier > 0 && w.this <= w.limit)
        .or_else(|| over.first())
    else {
        return;
    };

    let mut pattern = vec![format!("{} external recipients", group(external))];
    if w.earlier > 0 {
        pattern[0] = format!(
            "{} external recipients in {recent} with this send",
            group(w.total())
        );
    }
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
        .or_else(|| send.recipients_label(format!("{} external recipients", group(external))));
    let message = if w.earlier > 0 {
        format!(
            "this is a bulk send from a {} mailbox: you have sent to {} external recipients in {recent}, and this send of {} brings it to {}, above the {} it tolerates in {span}",
            profile.name,
            group(w.earlier),
            group(w.this),
            group(w.total()),
            group(limit.value)
        )
    } else {
        format!("this is a bulk send from a {} mailbox", profile.name)
    };
    let room = match (w.earlier > 0, w.room_at) {
        (true, Some(Room::At(t))) => format!(
            " Room for this send under that limit returns at {}, when earlier sends leave the window; to the filter it is still the same mailing.",
            format_utc(t)
        ),
        _ => String::new(),
    };
    let history_note = send
        .history
        .known()
        .filter(|_| w.earlier > 0)
        .map(|h| {
            format!(
                " Earlier sends counted from {} in {}.",
                h.whose(&profile.id),
                h.ledger
            )
        })
        .unwrap_or_default();
    let others: Vec<String> = over
        .iter()
        .filter(|(s, _, _, _)| *s != span)
        .map(|(s, _, l, o)| format!("{} of {} in {s}", group(o.total()), group(l.value)))
        .collect();
    let others = if others.is_empty() {
        String::new()
    } else {
        format!(" Also over: {}.", others.join(", "))
    };
    out.push(
        rule.finding(message)
            .with_label(label)
            .help(format!(
                "{}: {consequence}{} tolerates about {} external recipients in {span} ({}).{others}{room}{history_note} Send newsletters through a bulk-mail service (Mailchimp, Brevo, SendGrid, …) instead; to prepare the import: `{}`",
                pattern.join(", "),
                profile.name,
                group(limit.value),
                limit.note,
                crate::export::suggested_command(send)
            )),
    );
}
