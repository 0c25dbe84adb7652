//! `unsubscribe-missing`: a commercial message with no way to unsubscribe. For a message whose
//! kind cannot be told, one note (info) says what would be missing if it were commercial.

use crate::analysis::merge_tags;
use crate::analysis::unsubscribe;
use crate::mailing::provider::ProviderKind;
use crate::mailing::Mailing;
use crate::model::finding::Finding;
use crate::model::kind::Kind;
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, _params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let unknown = match send.kind.kind {
        Kind::Commercial => false,
        Kind::Unknown => true,
        Kind::Transactional | Kind::NotCommercial => return,
    };
    let analysis = send.unsubscribe();
    // A dead unsubscribe link is reported by `unsubscribe-placeholder`, at the link.
    if !analysis.placeholders.is_empty() {
        return;
    }
    let header_only = analysis
        .working
        .iter()
        .all(|m| m.means == unsubscribe::Means::Header);
    if analysis.has_working() && header_only && !unknown {
        // The header gives an Unsubscribe button in the clients that show it; the message
        // itself, which CASL and Gmail ask to show the way out, says nothing.
        let mut warning = rule
            .finding("the only way to unsubscribe is the List-Unsubscribe header: the message itself shows none")
            .with_label(send.draft.body_end_label(
                &send.sources,
                "no unsubscribe link or instruction in the body",
            ))
            .help("Mail clients that show the List-Unsubscribe header offer an Unsubscribe button; others show nothing. CASL asks for the unsubscribe mechanism to be set out clearly and prominently in the message, and Gmail and Yahoo for a visible unsubscribe link in the body: add one to the footer (or your ESP's unsubscribe merge tag).");
        warning.severity = crate::model::finding::Severity::Warning;
        out.push(warning);
        return;
    }
    if analysis.has_working() {
        // An email or a reply satisfies CASL (the same electronic means) but is not the one
        // click Gmail and Yahoo ask bulk senders for: a note, for commercial mail.
        if !unknown && !analysis.one_click() {
            let how: Vec<&str> = analysis
                .working
                .iter()
                .map(|m| m.description.as_str())
                .collect();
            let mut note = rule
                .finding(format!(
                    "unsubscribing takes an email, not one click: {}",
                    how.join("; ")
                ))
                .with_label(
                    analysis
                        .working
                        .iter()
                        .find_map(|m| m.label.clone())
                        .or_else(|| {
                            send.draft
                                .body_end_label(&send.sources, "unsubscribing works by email here")
                        }),
                )
                .help("This satisfies CASL and CAN-SPAM, which accept an unsubscribe by the same electronic means. Gmail and Yahoo ask bulk senders for a one-click link in the body and List-Unsubscribe-Post headers: a bulk-mail service adds both.");
            note.severity = crate::model::finding::Severity::Info;
            out.push(note);
        }
        return;
    }
    if unknown {
        let mut note = rule
            .finding("if this message is commercial, it has no way to unsubscribe (CASL s. 6(2)(c))")
            .with_label(send.draft.body_end_label(
                &send.sources,
                "no unsubscribe link or instruction in the message",
            ))
            .help(format!(
                "bulklint cannot tell whether this message is commercial: {}. If it offers or promotes anything, or is a business's newsletter, it needs an unsubscribe mechanism: pass --kind commercial to check it as such; --kind not-commercial or transactional silences this note.",
                send.kind.reason
            ));
        note.severity = crate::model::finding::Severity::Info;
        out.push(note);
        return;
    }
    out.push(
        rule.finding("no way to unsubscribe (CASL s. 6(2)(c))")
            .with_label(send.draft.body_end_label(
                &send.sources,
                "the message ends here without an unsubscribe link",
            ))
            .help(format!(
                "Add a working unsubscribe link (or your ESP's unsubscribe merge tag) to the footer; CASL requires one in every commercial message, honoured within 10 business days, and Gmail and Yahoo expect it honoured within 2 days.{} Treated as commercial: {}; pass --kind transactional or not-commercial if it is a receipt, a personal message or similar.",
                esp_footer_note(send),
                send.kind.reason
            )),
    );
}

/// Some ESPs append their own footer when a template has none; say so, since the user then
/// gets a footer they did not design rather than none at all.
fn esp_footer_note(send: &Mailing) -> String {
    if send.provider.profile.kind != ProviderKind::Esp {
        return String::new();
    }
    send.draft
        .body_sources()
        .into_iter()
        .find_map(|id| merge_tags::identify_esp(&send.sources.get(id).text).filter(|e| e.adds_footer))
        .map(|e| {
            let tag = e.unsubscribe.first().map(String::as_str).unwrap_or("unsubscribe tag");
            format!(" {} appends its own default footer when `{tag}` is missing; place the tag where you want it.", e.name)
        })
        .unwrap_or_default()
}
