//! The verdict in three sentences for the person who pressed Send, not for an engineer: what
//! will happen, why, and the one thing to do. Rule and provider jargon stays in the findings
//! and in `explain`; the words here come from each rule's `plain` clause and each provider's
//! plain consequence.

use crate::mailing::provider::ProviderKind;
use crate::mailing::Mailing;
use crate::model::finding::{Finding, Severity};
use crate::model::law::Law;
use crate::model::rule::{Category, RuleId};
use crate::rules::{self, verdict::Risk};

/// Three sentences: what happens on Send, why, what to do.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Plain {
    pub outcome: String,
    pub why: String,
    pub todo: String,
}

impl Plain {
    pub fn lines(&self) -> [&str; 3] {
        [&self.outcome, &self.why, &self.todo]
    }
}

pub fn summarise(send: &Mailing, findings: &[Finding], risk: Risk, external: usize) -> Plain {
    let errors = distinct_rules(findings, Severity::Error);
    let warnings = distinct_rules(findings, Severity::Warning);
    let provider = &send.provider.profile;
    let compliance: Vec<RuleId> = errors
        .iter()
        .copied()
        .filter(|&id| rules::rule(id).category == Category::Compliance)
        .collect();
    let outcome = match risk {
        Risk::High => match (&provider.block, provider.kind) {
            (Some(block), ProviderKind::Mailbox) => format!(
                "If you press Send, {} is likely to {}.",
                provider.name, block.plain
            ),
            _ => format!(
                "If you press Send, {} is likely to refuse this mailing.",
                provider.name
            ),
        },
        Risk::Medium => format!(
            "If you press Send, {} may hold this mail back or block your mailbox.",
            provider.name
        ),
        Risk::Low if !compliance.is_empty() => {
            if send.laws.contains(&Law::Casl) {
                "If you press Send, the mail goes out, but it breaks the anti-spam law for commercial mail (in Canada, fines reach $10 million).".to_string()
            } else {
                "If you press Send, the mail goes out, but it breaks the anti-spam law for commercial mail.".to_string()
            }
        }
        Risk::Low if !errors.is_empty() => {
            "If you press Send, the mail goes out with the problems listed below.".to_string()
        }
        Risk::Low => "Nothing here should stop this mail from going out.".to_string(),
    };

    // The volume, in numbers, when it is what decides; then what the message has, in the
    // rules' own plain words (volume rules are said by the first part).
    let volume = (risk != Risk::Low).then(|| {
        format!(
            "it goes to {external} {} outside your organisation at once{}",
            if external == 1 { "person" } else { "people" },
            if provider.kind == ProviderKind::Mailbox {
                " from an ordinary mailbox"
            } else {
                ""
            }
        )
    });
    let shown = if errors.is_empty() {
        &warnings
    } else {
        &errors
    };
    let has: Vec<String> = shown
        .iter()
        .filter(|&&id| volume.is_none() || rules::rule(id).category != Category::Volume)
        .map(|&id| rules::rule(id).plain.clone())
        .collect();
    let has = (!has.is_empty()).then(|| format!("it has {}", join(&has)));
    let reasons: Vec<String> = volume.into_iter().chain(has).collect();
    let why = match (reasons.is_empty(), errors.is_empty()) {
        (true, _) => "Why: bulklint found nothing that breaks a sending limit or the law.".into(),
        (false, true) => format!("Worth a look: {}.", reasons.join("; ")),
        (false, false) => format!("Why: {}.", reasons.join("; ")),
    };

    let todo = if risk != Risk::Low {
        "What to do: send it through a newsletter service (Mailchimp, Brevo, SendGrid…) instead; `bulklint export` prepares your list and your email for one.".to_string()
    } else if !errors.is_empty() {
        format!("What to do: {}, then check again.", join(&fixes(&errors)))
    } else if !warnings.is_empty() {
        "What to do: it can go out as it is; fix the points below when you can.".to_string()
    } else {
        "What to do: nothing; it is ready to send.".to_string()
    };
    Plain { outcome, why, todo }
}

/// What to do about the compliance errors among `findings`, as one sentence's list ("add an
/// unsubscribe link to the footer and add your business name, …"); `None` when there are none.
pub fn compliance_fixes(findings: &[Finding]) -> Option<String> {
    let compliance: Vec<RuleId> = distinct_rules(findings, Severity::Error)
        .into_iter()
        .filter(|&id| rules::rule(id).category == Category::Compliance)
        .collect();
    (!compliance.is_empty()).then(|| join(&fixes(&compliance)))
}

/// The rules' `plain-fix` texts, each once (two volume rules share "send it through a
/// newsletter service").
fn fixes(ids: &[RuleId]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &id in ids {
        let fix = &rules::rule(id).plain_fix;
        if !out.contains(fix) {
            out.push(fix.clone());
        }
    }
    out
}

/// The rules with a finding of `severity`, once each, in catalogue order.
fn distinct_rules(findings: &[Finding], severity: Severity) -> Vec<RuleId> {
    RuleId::ALL
        .iter()
        .copied()
        .filter(|id| {
            findings
                .iter()
                .any(|f| f.rule == *id && f.severity == severity)
        })
        .collect()
}

/// "a", "a and b", "a, b and c".
fn join(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clauses_read_as_a_list() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(super::join(&s(&["a"])), "a");
        assert_eq!(super::join(&s(&["a", "b", "c"])), "a, b and c");
    }
}
