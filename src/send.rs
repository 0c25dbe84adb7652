//! The `Send` model every check reads: the draft, its recipients, the provider profile and the
//! sender's organisation, assembled once.

use crate::draft::Draft;
use crate::kind::KindChoice;
use crate::provider::Choice;
use crate::recipients::{is_internal, RecipientSet};
use crate::source::Sources;

/// One send, as the provider and the receiving side will judge it.
#[derive(Debug)]
pub struct Send {
    pub sources: Sources,
    pub draft: Draft,
    pub recipients: RecipientSet,
    pub provider: Choice,
    /// Domains whose recipients are internal (same organisation), lower-cased.
    pub org_domains: Vec<String>,
    /// Commercial or transactional, and why.
    pub kind: KindChoice,
}

impl Send {
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
}
