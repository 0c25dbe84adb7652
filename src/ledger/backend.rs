//! The ledger's logical schema as both backends speak it: the statements every backend runs
//! (written once, in the SQL SQLite and PostgreSQL share: `$n` parameters, `ON CONFLICT`,
//! `RETURNING`), the row a send is stored as, and the transaction each backend implements.
//! What differs between the backends (opening, locking, column types, migrations) stays in
//! `store.rs` (SQLite) and `postgres.rs`.

use super::error::LedgerError;
use crate::mailing::fingerprint::Fingerprint;
use crate::mailing::history::{PastSend, RecipientHash};
use crate::mailing::minhash::Signature;
use crate::model::format::DAY;

/// The sends of a window (`$1 < sent_at <= $2`), of one sender (`$3`) or of all, oldest first.
pub(super) const SELECT_WINDOW: &str =
    "SELECT id, sent_at, sender, provider, recipients, internal, external, messages,
        fingerprint, signature, subject
    FROM sends
    WHERE sent_at > $1 AND sent_at <= $2 AND (CAST($3 AS TEXT) IS NULL OR sender = $3)
    ORDER BY sent_at, id";

/// The recipient hashes of the same window's sends, in one query rather than one per send (a
/// round trip each on a server).
pub(super) const SELECT_WINDOW_HASHES: &str = "SELECT r.send_id, r.hash
    FROM send_recipients r JOIN sends s ON s.id = r.send_id
    WHERE s.sent_at > $1 AND s.sent_at <= $2 AND (CAST($3 AS TEXT) IS NULL OR s.sender = $3)
    ORDER BY r.send_id, r.hash";

/// Every column of the sends after id `$1`, by id, `$2` at most: what a copy to another ledger
/// reads.
pub(super) const SELECT_ROWS: &str =
    "SELECT id, sent_at, sender, provider, recipients, internal, external, messages,
        fingerprint, signature, subject, origin, import_key, recorded_at
    FROM sends WHERE id > $1 ORDER BY id LIMIT $2";

/// The hashes of the sends `$1 < id <= $2`.
pub(super) const SELECT_ROW_HASHES: &str =
    "SELECT send_id, hash FROM send_recipients WHERE send_id > $1 AND send_id <= $2 ORDER BY send_id, hash";

/// One send; no row (and so no id) when a send with its import key is already there.
pub(super) const INSERT_SEND: &str =
    "INSERT INTO sends (sent_at, sender, provider, recipients, internal, external, messages,
        fingerprint, signature, subject, origin, import_key, recorded_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
    ON CONFLICT (import_key) DO NOTHING
    RETURNING id";

pub(super) const INSERT_HASH: &str =
    "INSERT INTO send_recipients (send_id, hash) VALUES ($1, $2) ON CONFLICT DO NOTHING";

pub(super) const SELECT_META: &str = "SELECT value FROM meta WHERE key = $1";

pub(super) const COUNT_SENDS: &str = "SELECT count(*) FROM sends";

pub(super) const SELECT_IDS: &str = "SELECT id FROM sends ORDER BY id";

/// One stored send, column by column, with its recipient hashes.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub id: i64,
    pub sent_at: i64,
    pub sender: Option<String>,
    pub provider: String,
    pub recipients: i64,
    pub internal: i64,
    pub external: i64,
    pub messages: i64,
    pub fingerprint: Option<String>,
    pub signature: Option<Vec<u8>>,
    pub subject: Option<String>,
    pub origin: String,
    pub import_key: Option<String>,
    pub recorded_at: i64,
    pub hashes: Vec<RecipientHash>,
}

/// The columns of a result row, as each backend's client reads them.
pub(super) trait Columns {
    type Error;
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    fn text(&self, i: usize) -> Result<Option<String>, Self::Error>;
    fn bytes(&self, i: usize) -> Result<Option<Vec<u8>>, Self::Error>;
}

/// [`Columns`] for a client's row type whose `$get` reads any column type.
macro_rules! columns {
    ($row:ty, $error:ty, $get:ident) => {
        impl $crate::ledger::backend::Columns for $row {
            type Error = $error;
            fn int(&self, i: usize) -> Result<i64, $error> {
                self.$get(i)
            }
            fn text(&self, i: usize) -> Result<Option<String>, $error> {
                self.$get(i)
            }
            fn bytes(&self, i: usize) -> Result<Option<Vec<u8>>, $error> {
                self.$get(i)
            }
        }
    };
}
pub(super) use columns;

impl Row {
    /// A row of [`SELECT_WINDOW`], or with `full` of [`SELECT_ROWS`] (hashes left empty).
    pub fn read<C: Columns>(c: &C, full: bool) -> Result<Row, C::Error> {
        Ok(Row {
            id: c.int(0)?,
            sent_at: c.int(1)?,
            sender: c.text(2)?,
            provider: c.text(3)?.unwrap_or_default(),
            recipients: c.int(4)?,
            internal: c.int(5)?,
            external: c.int(6)?,
            messages: c.int(7)?,
            fingerprint: c.text(8)?,
            signature: c.bytes(9)?,
            subject: c.text(10)?,
            origin: if full {
                c.text(11)?.unwrap_or_default()
            } else {
                String::new()
            },
            import_key: if full { c.text(12)? } else { None },
            recorded_at: if full { c.int(13)? } else { 0 },
            hashes: Vec::new(),
        })
    }

    pub fn past_send(self) -> PastSend {
        PastSend {
            id: self.id,
            at: self.sent_at,
            until: self.sent_at + DAY,
            sender: self.sender,
            provider: self.provider,
            recipients: to_u64(self.recipients),
            internal: to_u64(self.internal),
            external: to_u64(self.external),
            messages: to_u64(self.messages),
            fingerprint: self.fingerprint.map(Fingerprint),
            signature: self.signature.as_deref().and_then(Signature::from_bytes),
            subject: self.subject,
            recipient_hashes: self.hashes,
        }
    }
}

/// One transaction on a ledger, read or write; dropped without [`Tx::commit`], it rolls back.
pub(super) trait Tx {
    /// The rows of [`SELECT_WINDOW`] (hashes left empty).
    fn window_rows(
        &mut self,
        since: i64,
        until: i64,
        sender: Option<&str>,
    ) -> Result<Vec<Row>, LedgerError>;
    /// `(send id, hash)` pairs of [`SELECT_WINDOW_HASHES`].
    fn window_hashes(
        &mut self,
        since: i64,
        until: i64,
        sender: Option<&str>,
    ) -> Result<Vec<(i64, Vec<u8>)>, LedgerError>;
    /// The rows of [`SELECT_ROWS`] (hashes left empty).
    fn rows_after(&mut self, after: i64, limit: i64) -> Result<Vec<Row>, LedgerError>;
    /// `(send id, hash)` pairs of [`SELECT_ROW_HASHES`].
    fn row_hashes(&mut self, after: i64, upto: i64) -> Result<Vec<(i64, Vec<u8>)>, LedgerError>;
    /// Inserts the send (its `id` is ignored), returning its new id, `None` when its import key
    /// is already there.
    fn insert(&mut self, row: &Row) -> Result<Option<i64>, LedgerError>;
    /// Inserts the recipient hashes of a send (SQLite: [`INSERT_HASH`] each; a server takes
    /// them in one statement, a round trip per send rather than per recipient).
    fn insert_hashes(&mut self, send_id: i64, hashes: &[RecipientHash]) -> Result<(), LedgerError>;
    fn meta(&mut self, key: &str) -> Result<Option<Vec<u8>>, LedgerError>;
    fn count(&mut self) -> Result<i64, LedgerError>;
    fn ids(&mut self) -> Result<Vec<i64>, LedgerError>;
    fn commit(self: Box<Self>) -> Result<(), LedgerError>;
}

/// The window's sends with their hashes, read on `tx`.
pub(super) fn read_window(
    tx: &mut dyn Tx,
    now: i64,
    sender: Option<&str>,
) -> Result<Vec<PastSend>, LedgerError> {
    read_window_hashing(tx, now, sender, sender)
}

/// The window's sends of `sender` (all with `None`), with the recipient hashes of only
/// `hashes_of`'s sends (all with `None`): a tenant's other senders count by their totals, and
/// their hashes would be most of what is read.
pub(super) fn read_window_hashing(
    tx: &mut dyn Tx,
    now: i64,
    sender: Option<&str>,
    hashes_of: Option<&str>,
) -> Result<Vec<PastSend>, LedgerError> {
    let rows = tx.window_rows(now - DAY, now, sender)?;
    let hashes = tx.window_hashes(now - DAY, now, hashes_of)?;
    Ok(attach_hashes(rows, hashes)
        .into_iter()
        .map(Row::past_send)
        .collect())
}

/// `rows` with their `(send id, hash)` pairs; a hash of another length than a recipient hash
/// (none is written) is left out.
pub(super) fn attach_hashes(mut rows: Vec<Row>, hashes: Vec<(i64, Vec<u8>)>) -> Vec<Row> {
    let index: std::collections::HashMap<i64, usize> =
        rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for (id, hash) in hashes {
        if let (Some(&i), Ok(hash)) = (index.get(&id), RecipientHash::try_from(hash)) {
            rows[i].hashes.push(hash);
        }
    }
    rows
}

pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
