//! `bulk-from-mailbox`: a personal or business mailbox about to send more external mail than
//! its provider's outbound spam filter tolerates, in this send or together with the send
//! ledger's earlier sends of the last hour and day.

use crate::data::services;
use crate::mailing::history::{window_count, Room, WindowCount};
use crate::mailing::provider::{LimitKey, ProviderKind};
use crate::mailing::Mailing;
use crate::model::finding::Finding;
use crate::model::format::{format_utc, group, DAY, HOUR};
use crate::rules::Rule;
use crate::rules::Subject;

/// The outbound-spam windows, shortest first.
const WINDOWS: [(LimitKey, i64, &str, &str); 2] = [
    (LimitKey::ExternalPerHour, HOUR, "an hour", "the last hour"),
    (LimitKey::ExternalPerDay, DAY, "a day", "the last 24 h"),
];

pub fn check(send: &Subject, rule: &Rule, _params: &crate::rules::Params, out: &mut Vec<Finding>) {
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
    let mut over: Vec<(&str, &str, &crate::mailing::provider::Limit, WindowCount)> = Vec::new();
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
    let has_unsubscribe = send.unsubscribe().has_working();
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
                suggested_command(send)
            )),
    );
}

/// `bulklint export DRAFT --recipients LIST … --to SERVICE -o SERVICE-import/`, built from the
/// send's own file names (a name the shell would split is quoted).
pub fn suggested_command(send: &Mailing) -> String {
    let service = &services::data().suggested;
    let draft_file = &send.sources.get(send.draft.source).file;
    let batch = send.batch.is_some();
    let draft = if batch || draft_file == "<stdin>" {
        "DRAFT".to_string()
    } else {
        shell_quote(draft_file)
    };
    let mut command = format!("bulklint export {draft}");
    if batch {
        command.push_str(" --recipients LIST");
    } else {
        for list in send.recipients.lists() {
            let file = &send.sources.get(list.source).file;
            command.push_str(" --recipients ");
            command.push_str(&if file == "<stdin>" {
                "LIST".to_string()
            } else {
                shell_quote(file)
            });
        }
    }
    command.push_str(&format!(" --to {service} -o {service}-import/"));
    command
}

/// Quotes a file name for a POSIX shell when it holds anything but safe characters.
fn shell_quote(name: &str) -> String {
    shlex::try_quote(name).map_or_else(|_| format!("'{name}'"), |q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(
            shell_quote("examples/customers.csv"),
            "examples/customers.csv"
        );
        assert_eq!(shell_quote("My List.csv"), "'My List.csv'");
        assert_eq!(shell_quote("it's.csv"), "\"it's.csv\"");
    }
}
