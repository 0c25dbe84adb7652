//! `unrendered-merge-tag`: merge tags left in a draft that goes straight from a mailbox, where
//! nothing will replace them.

use crate::analysis::merge_tags;
use crate::load::draft::DraftFormat;
use crate::mailing::provider::ProviderKind;
use crate::model::finding::{Finding, Label};
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, _params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let profile = &send.provider.profile;
    if profile.kind != ProviderKind::Mailbox {
        return;
    }
    // A bare template is rendered by whatever sends it; it is "sent directly" only when the
    // user says the mailbox sends it.
    if send.draft.format != DraftFormat::Message && !send.provider.explicit {
        return;
    }
    let mut labels = Vec::new();
    let mut first = None;
    for placed in merge_tags::find_in_draft(&send.draft, &send.sources) {
        first.get_or_insert(placed.written);
        labels.push(Label {
            source: placed.source,
            span: placed.tag.span,
            text: "recipients will see this as written".into(),
        });
    }
    let Some(first) = first else {
        return;
    };
    let n = labels.len();
    let more = match n {
        1 => String::new(),
        2 => " and 1 more merge tag".into(),
        _ => format!(" and {} more merge tags", n - 1),
    };
    let mut finding = rule
        .finding(format!("`{first}`{more} will not be filled in: {} sends the draft as it is", profile.name))
        .help("Merge tags are replaced by a bulk-mail service or a mail-merge tool, not by a mailbox. Replace them with the real text, or send the template through the service it was written for.");
    finding.labels = labels;
    out.push(finding);
}
