//! `recipient-limit`: more recipients than the provider accepts in one message, or in its
//! rolling 24 hours once the send ledger's earlier sends are counted; and, for a batch of
//! merged messages, more messages a minute than SMTP submission accepts; and, when the
//! configuration names the tenant, more external recipients than every mailbox of a Microsoft 365
//! tenant may send together in 24 hours.

use crate::mailing::history::{window_count, History, Room, Tenant};
use crate::mailing::provider::{LimitKey, ProviderKind};
use crate::mailing::Mailing;
use crate::model::finding::{Finding, Severity};
use crate::model::format::{format_utc, group, DAY};
use crate::rules::Rule;
use crate::rules::Subject;

/// `rules/recipient-limit.toml`'s `[params]`: the tenant-wide external recipient limit.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// The provider whose tenants share the budget.
    pub tenant_provider: String,
    pub tenant_base: f64,
    pub tenant_factor: f64,
    pub tenant_exponent: f64,
    /// The rejection the tenant's senders get over it.
    pub tenant_code: String,
    pub tenant_source: String,
}

impl Params {
    /// The tenant's external recipients per rolling 24 hours: factor × licences^exponent + base.
    pub fn tenant_limit(&self, licences: u64) -> u64 {
        let budget =
            self.tenant_factor * (licences as f64).powf(self.tenant_exponent) + self.tenant_base;
        budget.round() as u64
    }
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let profile = &send.provider.profile;
    if profile.kind != ProviderKind::Mailbox {
        return;
    }
    let volume = send.volume();

    if let Some(limit) = profile.limit(LimitKey::PerMessage) {
        let n = volume.largest_message;
        if n > limit.value {
            let message = match &volume.largest_message_at {
                None => format!(
                    "{} recipients in one message; {} accepts at most {}",
                    group(n),
                    profile.name,
                    group(limit.value)
                ),
                Some(at) => format!(
                    "{} recipients in one message ({at}); {} accepts at most {}",
                    group(n),
                    profile.name,
                    group(limit.value)
                ),
            };
            out.push(
                rule.finding(message)
                    .with_label(send.recipients_label(format!("{} unique addresses in this send", group(send.recipient_count() as u64))))
                    .help(format!(
                        "{} rejects the whole message above {} ({}). A newsletter belongs in a bulk-mail service. Source: `bulklint explain recipient-limit`.",
                        profile.name, group(limit.value), limit.note
                    )),
            );
        }
    }

    if let Some(limit) = profile.limit(LimitKey::PerDay) {
        let earlier: Vec<(i64, u64)> = send
            .earlier_sends()
            .iter()
            .map(|s| (s.at, s.recipients))
            .collect();
        let this = volume.recipients;
        match send.history.known() {
            Some(history) if !earlier.is_empty() => {
                let w = window_count(&earlier, history.now, DAY, this, limit.value);
                if w.exceeded() {
                    let room = match w.room_at {
                        Some(Room::At(t)) => format!(
                            "Enough headroom for this send returns at {}, when your oldest sends leave the 24-hour window.",
                            format_utc(t)
                        ),
                        _ => "This send alone is over the limit: waiting does not help.".to_string(),
                    };
                    out.push(
                        rule.finding(format!(
                            "you have sent to {} recipients in the last 24 h; this send of {} would pass {}'s {}",
                            group(w.earlier),
                            group(this),
                            profile.name,
                            group(limit.value)
                        ))
                        .with_label(send.recipients_label(format!(
                            "{} recipients here + {} earlier = {}",
                            group(this),
                            group(w.earlier),
                            group(w.total())
                        )))
                        .help(format!(
                            "{} allows {} ({}); {} sends from {} in the ledger {} count. Above it the mailbox stops sending, ordinary mail included. {room} A newsletter belongs in a bulk-mail service.",
                            profile.name,
                            group(limit.value),
                            limit.note,
                            earlier.len(),
                            history.whose(&profile.id),
                            history.ledger
                        )),
                    );
                }
            }
            _ => {
                if this > limit.value {
                    let what = if volume.messages > 1 {
                        format!(
                            "{} recipients in this batch of {} messages",
                            group(this),
                            group(volume.messages)
                        )
                    } else {
                        format!("{} recipients in one send", group(this))
                    };
                    out.push(
                        rule.finding(format!("{what}; {} allows {} per day", profile.name, group(limit.value)))
                            .with_label(send.recipients_label(format!("{} unique addresses in this send", group(send.recipient_count() as u64))))
                            .help(format!(
                                "Above {} ({}) the mailbox stops sending until the window clears. A newsletter belongs in a bulk-mail service.",
                                group(limit.value),
                                limit.note
                            )),
                    );
                }
            }
        }
    }

    if let Some(history) = send.history.known() {
        tenant_check(send, history, rule, &params.recipient_limit, out);
    }

    if let (Some(batch), Some(limit)) =
        (&send.batch, profile.limit(LimitKey::SmtpMessagesPerMinute))
    {
        if let Some(peak) = batch.peak_per_minute().filter(|p| p.messages > limit.value) {
            let mut f = rule
                .finding(format!(
                    "{} messages dated within one minute (from {}); {} accepts {} a minute over SMTP",
                    group(peak.messages),
                    format_utc(peak.start),
                    profile.name,
                    group(limit.value)
                ))
                .with_label(send.recipients_label(format!("{} messages in this batch", group(volume.messages))))
                .help(format!(
                    "{} ({}): a script or mail-merge tool submitting this fast gets its messages refused and must retry. A bulk-mail service paces sending for you.",
                    profile.name, limit.note
                ));
            // Refused submissions are retried, not a block: a warning.
            f.severity = Severity::Warning;
            out.push(f);
        }
    }
}

/// The tenant's budget: this send's external recipients plus every one of the tenant's
/// mailboxes' in the last 24 hours.
fn tenant_check(
    send: &Mailing,
    history: &History,
    rule: &Rule,
    params: &Params,
    out: &mut Vec<Finding>,
) {
    let Some(view) = &history.tenant else { return };
    let profile = &send.provider.profile;
    if view.tenant.provider != profile.id || profile.id != params.tenant_provider {
        return;
    }
    let limit = params.tenant_limit(view.tenant.licences);
    let this = send.volume().external;
    let earlier: Vec<(i64, u64)> = view.sends.iter().map(|s| (s.at, s.external)).collect();
    let w = window_count(&earlier, history.now, DAY, this, limit);
    if !w.exceeded() {
        return;
    }
    let own: u64 = send.earlier_sends().iter().map(|s| s.external).sum();
    let room = match w.room_at {
        Some(Room::At(t)) => format!(
            "The tenant has room for this send again at {}, when enough of its mailboxes' sends have left the 24-hour window.",
            format_utc(t)
        ),
        _ => "This send alone is over the tenant's budget: waiting does not help.".to_string(),
    };
    out.push(
        rule.finding(format!(
            "you: {} external in 24 h; tenant: {} of {} ({}); this send's {} external would pass it",
            group(own),
            group(w.earlier),
            group(limit),
            terrl_name(&view.tenant),
            group(this)
        ))
        .with_label(send.recipients_label(format!(
            "{} external here + {} from the tenant's mailboxes = {}",
            group(this),
            group(w.earlier),
            group(w.total())
        )))
        .help(format!(
            "{} counts the external recipients of every mailbox of a tenant ({}) together: {} × licences^{} + {} per rolling 24 h, {} for {} licence{}, recorded by every sender in the ledger {}. Over it the tenant's mail to outside addresses is rejected with `{}` (\"your tenant exceeded its daily limit for sending email to external recipients\"), everyone's, not only this mailbox's. {room} Source: {}. A newsletter belongs in a bulk-mail service.",
            profile.name,
            view.tenant.domains.join(", "),
            group(params.tenant_factor as u64),
            params.tenant_exponent,
            group(params.tenant_base as u64),
            group(limit),
            group(view.tenant.licences),
            if view.tenant.licences == 1 { "" } else { "s" },
            history.ledger,
            params.tenant_code,
            params.tenant_source
        )),
    );
}

/// "TERRL for 40 licences".
fn terrl_name(tenant: &Tenant) -> String {
    format!(
        "TERRL for {} licence{}",
        group(tenant.licences),
        if tenant.licences == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tenant_budget_follows_microsofts_published_figures() {
        let params = &crate::rules::params().recipient_limit;
        for (licences, budget) in [
            (1, 10_000),
            (10, 12_006),
            (25, 14_259),
            (100, 22_059),
            (1_000, 72_446),
            (10_000, 324_979),
        ] {
            assert_eq!(params.tenant_limit(licences), budget, "{licences} licences");
        }
    }
}
