//! The closing verdict: who the send reaches, through which provider, the block risk, and the
//! one thing to do.

use crate::mailing::Mailing;
use crate::model::finding::{Finding, Severity};
use crate::model::rule::Category;
use crate::rules;
use crate::rules::plain::{self, Plain};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "LOW",
            Risk::Medium => "MEDIUM",
            Risk::High => "HIGH",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    pub recipients: usize,
    pub external: usize,
    pub internal: usize,
    /// List entries that are no address, and addresses listed again: not sent to.
    pub invalid: usize,
    pub duplicates: usize,
    pub provider: String,
    pub provider_reason: String,
    pub kind: String,
    pub kind_reason: String,
    /// Risk that the provider blocks the mailbox.
    pub block_risk: Risk,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// The one thing to do.
    pub advice: String,
    /// The verdict in plain words, for the person pressing Send.
    pub plain: Plain,
}

pub fn judge(send: &Mailing, findings: &[Finding]) -> Verdict {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let volume = |f: &&Finding| rules::rule(f.rule).category == Category::Volume;
    let block_risk = if findings
        .iter()
        .filter(volume)
        .any(|f| f.severity == Severity::Error)
    {
        Risk::High
    } else if findings.iter().any(|f| volume(&f)) {
        Risk::Medium
    } else {
        Risk::Low
    };
    let compliance_fixes = plain::compliance_fixes(findings);
    let advice = match (block_risk, compliance_fixes, count(Severity::Error)) {
        (Risk::High, _, _) => "Move this mailing to a bulk-mail service.".to_string(),
        (Risk::Medium, _, _) => {
            "Send this through a bulk-mail service, or to fewer people.".to_string()
        }
        (_, Some(fixes), _) => format!("Before sending, {fixes}."),
        (_, _, 0) => "Nothing blocks this send.".to_string(),
        _ => "Fix the errors above before sending.".to_string(),
    };
    let external = send.external_count();
    Verdict {
        recipients: send.recipient_count(),
        external,
        internal: send.recipient_count() - external,
        invalid: send.recipients.invalid_count(),
        duplicates: send.recipients.duplicate_count(),
        provider: send.provider.profile.id.clone(),
        provider_reason: send.provider.reason.clone(),
        kind: send.kind.kind.as_str().to_string(),
        kind_reason: send.kind.reason.clone(),
        block_risk,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        advice,
        plain: plain::summarise(send, findings, block_risk, external),
    }
}
