//! The mailing being judged: the draft, its recipients, the provider profile, the sender's
//! organisation and its earlier sends, assembled once from the loaded inputs; every check reads it.

pub mod assemble;
pub mod batch;
pub mod consent;
pub mod fingerprint;
pub mod history;
pub mod minhash;
pub mod provider;
pub mod suppress;

use crate::load::draft::Draft;
use crate::load::recipients::{is_internal, RecipientSet};
use crate::mailing::provider::Choice;
use crate::model::kind::KindChoice;
use crate::model::source::Sources;

/// One send, as the provider and the receiving side will judge it.
#[derive(Debug)]
pub struct Mailing {
    pub sources: Sources,
    pub draft: Draft,
    pub recipients: RecipientSet,
    pub provider: Choice,
    /// Domains whose recipients are internal (same organisation), lower-cased.
    pub org_domains: Vec<String>,
    /// Commercial or transactional, and why.
    pub kind: KindChoice,
    /// The day the send is judged on (consent windows); `None` skips date-based checks.
    pub as_of: Option<crate::model::date::Date>,
    /// The laws the send is judged under.
    pub laws: Vec<crate::model::law::Law>,
    /// The merge tags of the draft's body sources.
    pub body_tags: crate::analysis::merge_tags::BodyTags,
    /// Inline suppressions found in the draft.
    pub suppressions: Vec<crate::mailing::suppress::Directive>,
    /// The send ledger's last 24 hours before this send, if it was consulted.
    pub history: crate::mailing::history::HistoryState,
    /// For a batch of merged messages: all of them (the draft is one).
    pub batch: Option<std::sync::Arc<crate::mailing::batch::Batch>>,
    /// Rule parameters that replace the rule files' (`[params.<rule>]` in bulklint.toml),
    /// laid over them when the rules run.
    pub rule_params: std::collections::BTreeMap<crate::model::rule::RuleId, toml::Table>,
}

impl Mailing {
    pub fn recipient_count(&self) -> usize {
        self.recipients.len()
    }

    pub fn external_count(&self) -> usize {
        self.recipients.external_count(&self.org_domains)
    }

    pub fn internal_count(&self) -> usize {
        self.recipient_count() - self.external_count()
    }

    pub fn is_internal(&self, domain: &str) -> bool {
        is_internal(domain, &self.org_domains)
    }

    /// Recipients and messages as providers count them, batch-aware.
    pub fn volume(&self) -> crate::mailing::batch::Volume {
        crate::mailing::batch::volume(self)
    }

    /// The ledger's earlier sends that count with this one (same sender, or same provider when
    /// the draft has no From), oldest first; empty without a ledger.
    pub fn earlier_sends(&self) -> Vec<&crate::mailing::history::PastSend> {
        self.history
            .known()
            .map(|h| h.sends_for(&self.provider.profile.id))
            .unwrap_or_default()
    }
}

impl Mailing {
    /// A label on where the recipients came from: the address column of the first list, else
    /// its first entry, else the draft's To header.
    pub fn recipients_label(
        &self,
        text: impl Into<String>,
    ) -> Option<crate::model::finding::Label> {
        let text = text.into();
        if let Some(list) = self.recipients.lists().first() {
            if let Some(col) = &list.column {
                return Some(crate::model::finding::Label {
                    source: list.source,
                    span: col.span.clone(),
                    text,
                });
            }
            if let Some(span) = self.recipients.first_list_entry() {
                return Some(crate::model::finding::Label {
                    source: list.source,
                    span,
                    text,
                });
            }
        }
        ["To", "Cc", "Bcc"]
            .iter()
            .find_map(|h| self.draft.header_label(h, text.clone()))
    }

    /// Where a recipient entry stands, as `file:line` (or the header it came from).
    pub fn origin_text(&self, origin: &crate::load::recipients::Origin) -> String {
        let file = self.sources.get(origin.source);
        // List entries know their record's line; header addresses (line 0) are located by span.
        let line = if origin.line > 0 {
            origin.line
        } else {
            file.line_col(origin.span.start).0
        };
        format!("{}:{}", file.name, line)
    }
}
