//! `unsubscribe-missing`: a commercial message with no way to unsubscribe.

use crate::analysis::merge_tags;
use crate::analysis::unsubscribe;
use crate::mailing::provider::ProviderKind;
use crate::mailing::Mailing;
use crate::model::finding::Finding;
use crate::model::kind::Kind;
use crate::rules::{self, Rule};

pub fn check(send: &Mailing, rule: &Rule, out: &mut Vec<Finding>) {
    if send.kind.kind != Kind::Commercial {
        return;
    }
    let analysis = unsubscribe::analyze(
        &send.draft,
        &send.sources,
        &rules::params().unsubscribe_placeholder,
    );
    // A dead unsubscribe link is reported by `unsubscribe-placeholder`, at the link.
    if analysis.has_working() || !analysis.placeholders.is_empty() {
        return;
    }
    out.push(
        rule.finding("no way to unsubscribe (CASL s. 6(2)(c))")
            .with_label(send.draft.body_end_label(
                &send.sources,
                "the message ends here without an unsubscribe link",
            ))
            .help(format!(
                "Add a working unsubscribe link (or your ESP's unsubscribe merge tag) to the footer; CASL requires one in every commercial message, honoured within 10 business days, and Gmail and Yahoo expect it honoured within 2 days.{} Treated as commercial: {}; pass --kind transactional if it is a receipt, password reset or similar.",
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
