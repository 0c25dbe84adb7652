//! The `history` view: per sender, the last 24 hours against the provider's limits.

use std::collections::{HashMap, HashSet};

use crate::mailing::history::{window_count, PastSend, Room, Tenant};
use crate::mailing::provider::LimitKey;
use crate::model::format::{format_utc, format_utc_near, group, DAY, HOUR};

/// One limit of a provider profile over its window.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LimitUse {
    /// The limit's key in `rules/providers.toml`.
    pub key: String,
    pub window_seconds: i64,
    pub used: u64,
    pub limit: u64,
    pub remaining: u64,
    /// When the window is back under the limit (UTC seconds), if it is over now.
    pub under_again_at: Option<i64>,
}

/// Sends of one body in the window.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BodyUse {
    pub fingerprint: Option<String>,
    pub subject: Option<String>,
    pub sends: usize,
    pub messages: u64,
    pub recipients: u64,
    pub unique_recipients: u64,
    /// Some sends have no recipient hashes (recorded before the upgrade to keyed hashes):
    /// `unique_recipients` is a lower bound.
    pub unique_recipients_at_least: bool,
    pub first: i64,
    pub last: i64,
}

/// One sender through one provider over the last 24 hours.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SenderUse {
    pub sender: Option<String>,
    pub provider: String,
    pub provider_name: String,
    pub sends: usize,
    pub messages: u64,
    pub recipients: u64,
    pub internal: u64,
    pub external: u64,
    pub unique_recipients: u64,
    /// As in [`BodyUse`].
    pub unique_recipients_at_least: bool,
    pub limits: Vec<LimitUse>,
    pub bodies: Vec<BodyUse>,
}

/// Groups the window's sends by sender and provider, with headroom under each rolling limit of
/// the provider's profile (`limits` overrides figures, as `bulklint.toml [limits]` does) and the
/// bodies sent, near-duplicates (at `similarity`) together.
pub fn summarize(
    sends: &[PastSend],
    now: i64,
    limits: &std::collections::BTreeMap<LimitKey, u64>,
    similarity: f64,
) -> Vec<SenderUse> {
    // (sender, provider) → its sends, in order of first appearance.
    type Key = (Option<String>, String);
    let mut groups: Vec<(Key, Vec<&PastSend>)> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for s in sends {
        let key = (s.sender.clone(), s.provider.clone());
        let i = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(s);
    }
    groups
        .into_iter()
        .map(|((sender, provider), sends)| {
            let mut profile = crate::mailing::provider::profile(&provider).cloned();
            if let Some(p) = profile.as_mut() {
                for (k, v) in limits {
                    p.override_limit(*k, *v, "bulklint.toml [limits]");
                }
            }
            // Sends recorded before recipient hashes were keyed outside the file have lost
            // theirs: their people are counted as at least the largest such send.
            let unique = |members: &[&PastSend]| -> (u64, bool) {
                let hashed = members
                    .iter()
                    .flat_map(|s| s.recipient_hashes.iter())
                    .collect::<HashSet<_>>()
                    .len() as u64;
                let unhashed = members
                    .iter()
                    .filter(|s| s.recipient_hashes.is_empty() && s.recipients > 0)
                    .map(|s| s.recipients)
                    .max();
                match unhashed {
                    Some(n) => (hashed.max(n), true),
                    None => (hashed, false),
                }
            };
            let mut limit_uses = Vec::new();
            if let Some(p) = &profile {
                for (key, window, external) in [
                    (LimitKey::PerDay, DAY, false),
                    (LimitKey::ExternalPerDay, DAY, true),
                    (LimitKey::ExternalPerHour, HOUR, true),
                ] {
                    let Some(limit) = p.limit(key) else { continue };
                    let entries: Vec<(i64, u64)> = sends
                        .iter()
                        .map(|s| (s.at, if external { s.external } else { s.recipients }))
                        .collect();
                    let w = window_count(&entries, now, window, 0, limit.value);
                    limit_uses.push(LimitUse {
                        key: key.as_str().to_string(),
                        window_seconds: window,
                        used: w.earlier,
                        limit: limit.value,
                        remaining: limit.value.saturating_sub(w.earlier),
                        under_again_at: match w.room_at {
                            Some(Room::At(t)) => Some(t),
                            _ => None,
                        },
                    });
                }
            }
            // Bodies: exact fingerprint first, then near-duplicates of a group's first send.
            let mut bodies: Vec<Vec<&PastSend>> = Vec::new();
            for s in &sends {
                let found = bodies.iter().position(|b| same_body(b[0], s, similarity));
                match found {
                    Some(i) => bodies[i].push(s),
                    None => bodies.push(vec![s]),
                }
            }
            let mut body_uses: Vec<BodyUse> = bodies
                .iter()
                .map(|b| {
                    let (unique_recipients, unique_recipients_at_least) = unique(b);
                    BodyUse {
                        fingerprint: b[0].fingerprint.as_ref().map(|f| f.0.clone()),
                        subject: b.iter().rev().find_map(|s| s.subject.clone()),
                        sends: b.len(),
                        messages: b.iter().map(|s| s.messages).sum(),
                        recipients: b.iter().map(|s| s.recipients).sum(),
                        unique_recipients,
                        unique_recipients_at_least,
                        first: b.iter().map(|s| s.at).min().unwrap_or(now),
                        last: b.iter().map(|s| s.at).max().unwrap_or(now),
                    }
                })
                .collect();
            body_uses.sort_by(|a, b| b.recipients.cmp(&a.recipients).then(a.first.cmp(&b.first)));
            let (unique_recipients, unique_recipients_at_least) = unique(&sends);
            SenderUse {
                sender,
                provider_name: profile
                    .as_ref()
                    .map_or_else(|| provider.clone(), |p| p.name.clone()),
                provider,
                sends: sends.len(),
                messages: sends.iter().map(|s| s.messages).sum(),
                recipients: sends.iter().map(|s| s.recipients).sum(),
                internal: sends.iter().map(|s| s.internal).sum(),
                external: sends.iter().map(|s| s.external).sum(),
                unique_recipients,
                unique_recipients_at_least,
                limits: limit_uses,
                bodies: body_uses,
            }
        })
        .collect()
}

/// The `bulklint history` text: per sender and provider, the window's recipients, the headroom
/// under each rolling limit, and the bodies sent.
pub fn render_history(ledger: &str, now: i64, senders: &[SenderUse]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "send ledger {ledger}: the 24 hours to {}",
        format_utc(now)
    );
    if senders.is_empty() {
        let _ = writeln!(out, "\nno sends in the last 24 hours");
        return out;
    }
    for s in senders {
        let _ = writeln!(
            out,
            "\n{} via {} ({})",
            s.sender
                .as_deref()
                .unwrap_or("(sends without a From address)"),
            s.provider_name,
            s.provider
        );
        let messages = if s.messages as usize != s.sends {
            format!(" in {} messages", group(s.messages))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {} send{}{messages}: {} recipients ({} external, {} internal; {}{} different people)",
            s.sends,
            if s.sends == 1 { "" } else { "s" },
            group(s.recipients),
            group(s.external),
            group(s.internal),
            at_least(s.unique_recipients_at_least),
            group(s.unique_recipients)
        );
        if !s.limits.is_empty() {
            let _ = writeln!(out, "  headroom:");
        }
        let width = s.limits.iter().map(|l| l.key.len()).max().unwrap_or(0);
        for l in &s.limits {
            let window = if l.window_seconds == HOUR {
                "last hour"
            } else {
                "last 24 h"
            };
            let state = if l.used > l.limit {
                let until = l
                    .under_again_at
                    .map(|t| format!(" until {}", format_utc(t)))
                    .unwrap_or_default();
                format!("over by {}{until}", group(l.used - l.limit))
            } else {
                format!("{} left", group(l.remaining))
            };
            let _ = writeln!(
                out,
                "    {:width$}  {:>9} of {:>7} ({window})  {state}",
                l.key,
                group(l.used),
                group(l.limit)
            );
        }
        let _ = writeln!(out, "  bodies:");
        for b in &s.bodies {
            let subject = b
                .subject
                .as_deref()
                .filter(|t| !t.is_empty())
                .unwrap_or("(no subject)");
            let print = b.fingerprint.as_deref().map_or_else(
                || "no body".to_string(),
                |f| format!("fingerprint {}", &f[..f.len().min(12)]),
            );
            let when = if b.first == b.last {
                format_utc_near(b.first, now)
            } else {
                format!(
                    "{} to {}",
                    format_utc_near(b.first, now),
                    format_utc_near(b.last, now)
                )
            };
            let _ = writeln!(
                out,
                "    \u{201c}{subject}\u{201d} ({print}): {} recipients ({}{} different) in {} send{}, {when}",
                group(b.recipients),
                at_least(b.unique_recipients_at_least),
                group(b.unique_recipients),
                b.sends,
                if b.sends == 1 { "" } else { "s" }
            );
        }
    }
    out
}

/// One sender's share of a tenant's budget.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TenantSender {
    pub sender: Option<String>,
    pub sends: usize,
    pub recipients: u64,
    pub external: u64,
}

/// A tenant's last 24 hours against its shared external recipient limit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TenantUse {
    pub domains: Vec<String>,
    pub provider: String,
    pub licences: u64,
    pub external: u64,
    pub limit: u64,
    pub remaining: u64,
    /// When the window is back under the limit (UTC seconds), if it is over now.
    pub under_again_at: Option<i64>,
    /// Most external recipients first.
    pub senders: Vec<TenantSender>,
}

/// Per-sender totals of the tenant's sends in the window (`sends`: the tenant's, see
/// [`Tenant::counts`]) against its budget.
pub fn summarize_tenant(sends: &[PastSend], tenant: &Tenant, now: i64) -> TenantUse {
    let limit = crate::rules::params()
        .recipient_limit
        .tenant_limit(tenant.licences);
    let mut senders: Vec<TenantSender> = Vec::new();
    for s in sends.iter().filter(|s| tenant.counts(s)) {
        match senders.iter_mut().find(|t| t.sender == s.sender) {
            Some(t) => {
                t.sends += 1;
                t.recipients += s.recipients;
                t.external += s.external;
            }
            None => senders.push(TenantSender {
                sender: s.sender.clone(),
                sends: 1,
                recipients: s.recipients,
                external: s.external,
            }),
        }
    }
    senders.sort_by(|a, b| b.external.cmp(&a.external).then(a.sender.cmp(&b.sender)));
    let entries: Vec<(i64, u64)> = sends
        .iter()
        .filter(|s| tenant.counts(s))
        .map(|s| (s.at, s.external))
        .collect();
    let w = window_count(&entries, now, DAY, 0, limit);
    TenantUse {
        domains: tenant.domains.clone(),
        provider: tenant.provider.clone(),
        licences: tenant.licences,
        external: w.earlier,
        limit,
        remaining: limit.saturating_sub(w.earlier),
        under_again_at: match w.room_at {
            Some(Room::At(t)) => Some(t),
            _ => None,
        },
        senders,
    }
}

/// The `bulklint history --tenant` text.
pub fn render_tenant(ledger: &str, now: i64, tenant: &TenantUse) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "send ledger {ledger}: the 24 hours to {}",
        format_utc(now)
    );
    let state = if tenant.external > tenant.limit {
        let until = tenant
            .under_again_at
            .map(|t| format!(" until {}", format_utc(t)))
            .unwrap_or_default();
        format!(
            "over by {}{until}: mail to outside addresses is rejected with 550 5.7.233",
            group(tenant.external - tenant.limit)
        )
    } else {
        format!("{} left", group(tenant.remaining))
    };
    let _ = writeln!(
        out,
        "
tenant {} ({}): {} external of {} (TERRL for {} licence{}); {state}",
        tenant.domains.join(", "),
        tenant.provider,
        group(tenant.external),
        group(tenant.limit),
        group(tenant.licences),
        if tenant.licences == 1 { "" } else { "s" }
    );
    if tenant.senders.is_empty() {
        let _ = writeln!(
            out,
            "  no sends from the tenant's domains in the last 24 hours"
        );
    }
    let width = tenant
        .senders
        .iter()
        .map(|s| s.sender.as_deref().unwrap_or("").len())
        .max()
        .unwrap_or(0);
    for s in &tenant.senders {
        let _ = writeln!(
            out,
            "  {:width$}  {:>9} external  {:>9} recipients  {} send{}",
            s.sender.as_deref().unwrap_or(""),
            group(s.external),
            group(s.recipients),
            s.sends,
            if s.sends == 1 { "" } else { "s" }
        );
    }
    out
}

fn at_least(lower_bound: bool) -> &'static str {
    if lower_bound {
        "at least "
    } else {
        ""
    }
}

/// Whether two sends carry one body: the same exact fingerprint, or MinHash signatures at least
/// `similarity` alike.
pub fn same_body(a: &PastSend, b: &PastSend, similarity: f64) -> bool {
    match (&a.fingerprint, &b.fingerprint) {
        (Some(x), Some(y)) if x == y => return true,
        _ => {}
    }
    matches!((&a.signature, &b.signature), (Some(x), Some(y)) if x.similarity(y) >= similarity)
}
