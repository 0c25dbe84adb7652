//! Provider profiles (`rules/providers.toml`) and their detection from a draft.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::analysis::merge_tags::{self, BodyTags};
use crate::data::embedded;
use crate::load::draft::{Draft, DraftFormat};
use crate::model::finding::Label;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// A personal or business mailbox whose outbound spam filter judges bulk sends.
    Mailbox,
    /// A bulk-mail service.
    Esp,
}

/// The figures a profile can carry; a misspelt key in `rules/providers.toml` or `[limits]`
/// does not load.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum LimitKey {
    PerMessage,
    PerDay,
    ExternalPerHour,
    ExternalPerDay,
    SmtpMessagesPerMinute,
}

impl LimitKey {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKey::PerMessage => "per-message",
            LimitKey::PerDay => "per-day",
            LimitKey::ExternalPerHour => "external-per-hour",
            LimitKey::ExternalPerDay => "external-per-day",
            LimitKey::SmtpMessagesPerMinute => "smtp-messages-per-minute",
        }
    }
}

impl std::fmt::Display for LimitKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One published figure and the page it was read from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub value: u64,
    pub note: String,
    pub source: String,
}

/// What happens to a mailbox that crosses its limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    pub code: String,
    pub consequence: String,
    /// The consequence without jargon, for the plain summary: "block your mailbox from
    /// sending any mail until your IT administrator unblocks it".
    pub plain: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub kind: ProviderKind,
    pub mailers: Vec<String>,
    pub message_id_domains: Vec<String>,
    pub received_domains: Vec<String>,
    pub from_domains: Vec<String>,
    pub header_prefixes: Vec<String>,
    #[serde(default)]
    pub limits: BTreeMap<LimitKey, Limit>,
    pub block: Option<Block>,
}

impl Profile {
    /// Replaces a figure with the organisation's own (from its outbound spam policy).
    pub fn override_limit(&mut self, key: LimitKey, value: u64, source: &str) {
        self.limits.insert(
            key,
            Limit {
                value,
                note: "your organisation's setting".into(),
                source: source.to_string(),
            },
        );
    }

    /// A named limit, when the profile has one.
    pub fn limit(&self, key: LimitKey) -> Option<&Limit> {
        self.limits.get(&key)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidersFile {
    provider: Vec<Profile>,
}

/// All profiles, in file order.
pub fn profiles() -> &'static [Profile] {
    static PROFILES: OnceLock<Vec<Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        let file: ProvidersFile = embedded::read("providers", embedded::embedded!("providers"));
        file.provider
    })
}

pub fn profile(id: &str) -> Option<&'static Profile> {
    profiles().iter().find(|p| p.id == id)
}

pub fn ids() -> Vec<&'static str> {
    profiles().iter().map(|p| p.id.as_str()).collect()
}

// `IDS`: the same ids, known without parsing the profiles (the command line offers them).
include!(concat!(env!("OUT_DIR"), "/provider_ids.rs"));

/// The profile a send is judged against, and why.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The profile, with any limits the organisation overrides.
    pub profile: Profile,
    /// Human words for the reason: "set with --provider", "detected from X-Mailer", …
    pub reason: String,
    /// The header that gave it away, when detected.
    pub label: Option<Label>,
    /// Whether the user named the provider (flag or config) rather than it being inferred.
    pub explicit: bool,
}

/// The profile used when nothing in the draft names one: Microsoft 365, the commonest
/// business mailbox and the one whose block this tool exists to prevent.
pub const DEFAULT_PROFILE: &str = "microsoft365";

/// Picks the profile: an explicit choice wins; otherwise the draft's headers and body decide.
pub fn choose(explicit: Option<&'static Profile>, draft: &Draft, body_tags: &BodyTags) -> Choice {
    if let Some(profile) = explicit {
        return Choice {
            profile: profile.clone(),
            reason: "set with --provider".into(),
            label: None,
            explicit: true,
        };
    }
    detect(draft)
        .or_else(|| detect_template_esp(draft, body_tags))
        .unwrap_or_else(|| Choice {
            profile: profile(DEFAULT_PROFILE)
                .expect("default profile exists")
                .clone(),
            reason: "nothing in the draft names a provider, so this one is assumed: set --provider if it is another".into(),
            label: None,
            explicit: false,
        })
}

fn detect(draft: &Draft) -> Option<Choice> {
    let all = profiles();
    let found = |p: &'static Profile, header: &str, why: String| Choice {
        profile: p.clone(),
        reason: why,
        label: draft.header_label(header, format!("sent with {}", p.name)),
        explicit: false,
    };
    // ESP signals first: an ESP's own headers on a message that also passed through a mailbox
    // provider still mean the ESP sent it.
    let ordered = all
        .iter()
        .filter(|p| p.kind == crate::mailing::provider::ProviderKind::Esp)
        .chain(
            all.iter()
                .filter(|p| p.kind != crate::mailing::provider::ProviderKind::Esp),
        );
    let from_domain = draft
        .from_address()
        .and_then(|a| crate::model::address::domain(&a));
    for p in ordered {
        for h in &draft.headers {
            let lname = h.name.to_ascii_lowercase();
            if p.header_prefixes
                .iter()
                .any(|pre| lname.starts_with(pre.as_str()))
            {
                return Some(found(
                    p,
                    &h.name,
                    format!("detected from the {} header", h.name),
                ));
            }
        }
        for name in ["X-Mailer", "User-Agent"] {
            if let Some(v) = draft.header_value(name) {
                let lv = v.to_ascii_lowercase();
                if p.mailers.iter().any(|m| lv.contains(m.as_str())) {
                    return Some(found(p, name, format!("detected from {name}")));
                }
            }
        }
        if let Some(mid) = draft.header_value("Message-ID") {
            let domain = mid.trim().trim_start_matches('<').trim_end_matches('>');
            let domain = domain.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
            if let Some(d) = domain {
                if p.message_id_domains.iter().any(|m| domain_matches(&d, m)) {
                    // Gmail and Workspace share Message-ID domains: the From domain decides.
                    let p = if p.id == "google-workspace"
                        && from_domain.as_deref().is_some_and(is_gmail)
                    {
                        profile("gmail").unwrap_or(p)
                    } else {
                        p
                    };
                    return Some(found(
                        p,
                        "Message-ID",
                        "detected from the Message-ID domain".into(),
                    ));
                }
            }
        }
        for h in draft
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("Received"))
        {
            let lv = h.value.to_ascii_lowercase();
            if p.received_domains.iter().any(|d| lv.contains(d.as_str())) {
                return Some(Choice {
                    profile: p.clone(),
                    reason: "detected from a Received header".into(),
                    label: Some(Label {
                        source: draft.source,
                        span: h.span.clone(),
                        text: format!("relayed by {}", p.name),
                    }),
                    explicit: false,
                });
            }
        }
    }
    let from_domain = from_domain?;
    all.iter()
        .find(|p| {
            p.from_domains
                .iter()
                .any(|d| domain_matches(&from_domain, d))
        })
        .map(|p| found(p, "From", "detected from the From domain".into()))
}

/// A bare template written in an ESP's merge-tag language is headed for that ESP: the tags
/// only make sense there.
fn detect_template_esp(draft: &Draft, body_tags: &BodyTags) -> Option<Choice> {
    if draft.format == DraftFormat::Message {
        return None;
    }
    let esp = profile("esp")?;
    let tags = body_tags.get(draft.source)?;
    let named = merge_tags::unsubscribe_tag(tags)
        .and_then(|(tag, esp)| esp.map(|e| (tag, e)))
        .or_else(|| merge_tags::address_tags(tags).next());
    let (tag, reason) = match named {
        Some((tag, esp)) => (tag, format!("detected from {} merge tags", esp.name)),
        None => (
            tags.first()?,
            "detected from the template's merge tags".to_string(),
        ),
    };
    Some(Choice {
        profile: esp.clone(),
        reason,
        label: Some(Label {
            source: draft.source,
            span: tag.span.clone(),
            text: "an ESP merge tag".into(),
        }),
        explicit: false,
    })
}

fn is_gmail(domain: &str) -> bool {
    matches!(domain, "gmail.com" | "googlemail.com")
}

fn domain_matches(domain: &str, suffix: &str) -> bool {
    domain == suffix || domain.ends_with(&format!(".{suffix}"))
}

/// Mail domains that belong to a provider, never to the sender's organisation.
pub fn is_public_mail_domain(domain: &str) -> bool {
    profiles()
        .iter()
        .any(|p| p.from_domains.iter().any(|d| d == domain) && p.id != "microsoft365")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ids_written_at_build_time_are_the_profiles() {
        assert_eq!(IDS, ids().as_slice());
    }

    #[test]
    fn every_profile_has_the_named_limits_with_sources() {
        for p in profiles() {
            for (key, limit) in &p.limits {
                assert!(limit.source.starts_with("https://"), "{}.{key}", p.id);
                assert!(limit.value > 0, "{}.{key}", p.id);
            }
            if p.kind == ProviderKind::Mailbox {
                assert!(
                    p.limit(LimitKey::PerMessage).is_some(),
                    "{} has no per-message limit",
                    p.id
                );
                assert!(p.block.is_some(), "{} has no block consequence", p.id);
            }
        }
        for id in [
            "microsoft365",
            "outlook-com",
            "gmail",
            "google-workspace",
            "icloud",
            "yahoo",
            "esp",
        ] {
            assert!(profile(id).is_some(), "{id}");
        }
    }
}
