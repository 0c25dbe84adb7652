//! Earlier sends as the checks read them: plain data, filled in by the ledger before a check
//! (the checks never touch the ledger themselves).

use crate::mailing::fingerprint::Fingerprint;
use crate::mailing::minhash::Signature;
use crate::model::format::DAY;

/// A keyed hash of one recipient address (the first 16 bytes of keyed BLAKE3).
pub type RecipientHash = [u8; 16];

/// One earlier send in the window.
#[derive(Debug, Clone)]
pub struct PastSend {
    pub id: i64,
    /// When it was sent (UTC seconds): it counts against rolling limits from then on...
    pub at: i64,
    /// ...until this moment, when it leaves the 24-hour window.
    pub until: i64,
    pub sender: Option<String>,
    pub provider: String,
    pub recipients: u64,
    pub internal: u64,
    pub external: u64,
    pub messages: u64,
    pub fingerprint: Option<Fingerprint>,
    pub signature: Option<Signature>,
    pub subject: Option<String>,
    /// Sorted, for overlap counts.
    pub recipient_hashes: Vec<RecipientHash>,
}

/// Whose sends a history holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The draft's From address.
    Sender(String),
    /// The draft has no From: every send of the draft's provider counts.
    Provider,
}

/// The ledger's view of the 24 hours before a send: plain data, no connection.
#[derive(Debug, Clone)]
pub struct History {
    /// The ledger file, for messages.
    pub ledger: String,
    /// The moment of this send (UTC seconds); every window ends here.
    pub now: i64,
    pub scope: Scope,
    /// Earlier sends with `now - DAY < at <= now`, oldest first.
    pub sends: Vec<PastSend>,
    /// The key the recipient hashes were made with (kept outside the ledger file).
    pub key: [u8; 32],
    /// The window's sends of every sender of the organisation, when the configuration names
    /// one (`[tenant]`): a limit its mailboxes share is judged on these.
    pub tenant: Option<TenantView>,
}

/// An organisation whose mailboxes share a limit: Microsoft 365 counts the external recipients
/// of every mailbox of a tenant against one budget (TERRL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The provider profile id its mailboxes send through.
    pub provider: String,
    /// Purchased email licences: the budget grows with them.
    pub licences: u64,
    /// Its mail domains, lower-case: a send from one of them is the tenant's.
    pub domains: Vec<String>,
}

impl Tenant {
    /// A name for the tenant: its domains.
    pub fn name(&self) -> String {
        self.domains.join(",")
    }

    /// Whether `send` counts against the tenant's budget: from one of its domains, through
    /// its provider.
    pub fn counts(&self, send: &PastSend) -> bool {
        send.provider == self.provider
            && send
                .sender
                .as_deref()
                .and_then(crate::model::address::domain)
                .is_some_and(|d| self.domains.contains(&d))
    }
}

/// A tenant and its senders' sends in the window; only the checked sender's carry their
/// recipient hashes (the budget counts totals).
#[derive(Debug, Clone)]
pub struct TenantView {
    pub tenant: Tenant,
    pub sends: Vec<PastSend>,
}

impl History {
    /// The earlier sends that count for a send through `provider`: all of the sender's, or,
    /// when the draft names no sender, the provider's.
    pub fn sends_for(&self, provider: &str) -> Vec<&PastSend> {
        self.sends
            .iter()
            .filter(|s| s.at > self.now - DAY && s.at <= self.now)
            .filter(|s| match self.scope {
                Scope::Sender(_) => true,
                Scope::Provider => s.provider == provider,
            })
            .collect()
    }

    pub fn hash(&self, address: &str) -> RecipientHash {
        hash_recipient(&self.key, address)
    }

    /// Who the history is about, for messages: "ann@example.com" or "all microsoft365 sends".
    pub fn whose(&self, provider: &str) -> String {
        match &self.scope {
            Scope::Sender(s) => s.clone(),
            Scope::Provider => format!("every {provider} send (the draft has no From)"),
        }
    }
}

/// What a check knows of earlier sends.
#[derive(Debug, Clone, Default)]
pub enum HistoryState {
    /// No ledger was consulted (none exists, or `--no-ledger`).
    #[default]
    NotUsed,
    /// The ledger's last 24 hours. A ledger that exists but cannot be read is an input error
    /// before any check: there is no state for "checked without its history".
    Known(History),
}

impl HistoryState {
    pub fn known(&self) -> Option<&History> {
        match self {
            HistoryState::Known(h) => Some(h),
            _ => None,
        }
    }
}

pub fn hash_recipient(key: &[u8; 32], address: &str) -> RecipientHash {
    let address = address.trim().to_lowercase();
    let digest = blake3::keyed_hash(key, address.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest.as_bytes()[..16]);
    out
}

/// How a rolling-window limit stands for a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    /// Counted in the window before this send.
    pub earlier: u64,
    /// This send's count.
    pub this: u64,
    pub limit: u64,
    /// The earliest time the window has room for this send: `None` when it has room now.
    pub room_at: Option<Room>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// When enough earlier sends have left the window (UTC seconds).
    At(i64),
    /// This send alone is over the limit: waiting does not help.
    Never,
}

impl WindowCount {
    pub fn total(&self) -> u64 {
        self.earlier + self.this
    }

    pub fn exceeded(&self) -> bool {
        self.total() > self.limit
    }
}

/// Counts `this` plus the earlier sends (`(time, count)`) within `window` seconds before `now`
/// against `limit`, and finds when the oldest sends will have left the window so the total fits.
pub fn window_count(
    earlier: &[(i64, u64)],
    now: i64,
    window: i64,
    this: u64,
    limit: u64,
) -> WindowCount {
    let mut inside: Vec<(i64, u64)> = earlier
        .iter()
        .copied()
        .filter(|&(at, _)| at > now - window && at <= now)
        .collect();
    inside.sort_unstable();
    let mut remaining: u64 = inside.iter().map(|&(_, n)| n).sum();
    let earlier_total = remaining;
    let room_at = if remaining + this <= limit {
        None
    } else if this > limit {
        Some(Room::Never)
    } else {
        let mut at = None;
        for &(t, n) in &inside {
            remaining -= n;
            if remaining + this <= limit {
                at = Some(Room::At(t + window));
                break;
            }
        }
        at.or(Some(Room::Never))
    };
    WindowCount {
        earlier: earlier_total,
        this,
        limit,
        room_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::format::HOUR;

    #[test]
    fn window_counts_and_finds_when_room_returns() {
        let t0 = 1_000_000;
        let earlier = [(t0, 4_000), (t0 + HOUR, 4_700), (t0 - DAY, 9_999)];
        let now = t0 + 2 * HOUR;
        let w = window_count(&earlier, now, DAY, 2_000, 10_000);
        assert_eq!(w.earlier, 8_700);
        assert!(w.exceeded());
        // Dropping the first send (4,000) leaves 4,700 + 2,000: room at t0 + 24 h.
        assert_eq!(w.room_at, Some(Room::At(t0 + DAY)));
        assert_eq!(
            window_count(&earlier, now, DAY, 20_000, 10_000).room_at,
            Some(Room::Never)
        );
        assert_eq!(
            window_count(&earlier, now, DAY, 1_000, 10_000).room_at,
            None
        );
        // A send exactly one window old has left it.
        assert_eq!(
            window_count(&[(now - HOUR, 400)], now, HOUR, 400, 500).earlier,
            0
        );
    }

    #[test]
    fn recipient_hashes_depend_on_the_key_and_ignore_case() {
        let a = hash_recipient(&[1; 32], "Ann@Example.com");
        assert_eq!(a, hash_recipient(&[1; 32], "ann@example.com"));
        assert_ne!(a, hash_recipient(&[2; 32], "ann@example.com"));
    }
}
