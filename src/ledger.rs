//! The send ledger: an embedded SQLite file of earlier sends (time, sender, provider, recipient
//! counts, hashed recipients, body fingerprints), and the plain [`History`] of the last 24 hours
//! that the volume and body checks read.
//!
//! Durability: the file runs in WAL mode with `synchronous = FULL`; each record is one
//! `BEGIN IMMEDIATE` transaction, so two processes recording at once queue behind each other
//! (with a busy timeout) instead of failing, and a process killed mid-write leaves either the
//! whole send or nothing. The library never reads the clock: every time is passed in.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, TransactionBehavior};

use crate::batch::{self, RawMessage};
use crate::check::{self, Input, Options};
use crate::fingerprint::{self, Fingerprint};
use crate::minhash::{self, Signature};
use crate::recipients::is_internal;
use crate::send::Send;

/// The rolling window providers count daily limits over.
pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;

/// The schema this build writes; `PRAGMA user_version` holds the file's.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a writer waits for another to finish before the ledger counts as locked. A record
/// takes milliseconds; minutes of waiting mean something is stuck.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// Migrations: entry `i` takes a file from version `i` to `i + 1`. Never edit a shipped entry;
/// append a new one.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: the first schema.
    "CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;
    -- The salt of recipient hashes: random per ledger, so a hash means nothing outside it.
    INSERT OR IGNORE INTO meta (key, value) VALUES ('recipient-salt', randomblob(32));
    CREATE TABLE sends (
        id INTEGER PRIMARY KEY,
        sent_at INTEGER NOT NULL,            -- UTC seconds
        sender TEXT,                         -- lower-cased From address; NULL when the draft has none
        provider TEXT NOT NULL,              -- provider profile id
        recipients INTEGER NOT NULL CHECK (recipients >= 0),
        internal INTEGER NOT NULL CHECK (internal >= 0),
        external INTEGER NOT NULL CHECK (external >= 0),
        messages INTEGER NOT NULL DEFAULT 1 CHECK (messages >= 1),
        fingerprint TEXT,                    -- exact body fingerprint (fingerprint::fingerprint)
        signature BLOB,                      -- MinHash near-duplicate signature (minhash.rs)
        subject TEXT,
        origin TEXT NOT NULL,                -- check | record | import
        import_key TEXT UNIQUE,              -- Message-ID (or content hash) of an imported message
        recorded_at INTEGER NOT NULL         -- UTC seconds
    );
    CREATE INDEX sends_by_sender ON sends (sender, sent_at);
    CREATE INDEX sends_by_time ON sends (sent_at);
    -- Salted BLAKE3 of each recipient address: overlaps between sends can be counted without
    -- keeping addresses in clear.
    CREATE TABLE send_recipients (
        send_id INTEGER NOT NULL REFERENCES sends (id) ON DELETE CASCADE,
        hash BLOB NOT NULL,
        PRIMARY KEY (send_id, hash)
    ) WITHOUT ROWID;",
];

// ---------------------------------------------------------------------------------------------
// Plain data the checks read

/// A salted hash of one recipient address (the first 16 bytes of keyed BLAKE3).
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
    /// The salt the recipient hashes were made with.
    pub salt: [u8; 32],
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
        hash_recipient(&self.salt, address)
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
    Known(History),
    /// A ledger was wanted but could not be read; the check runs without history and says so.
    Unavailable(String),
}

impl HistoryState {
    pub fn known(&self) -> Option<&History> {
        match self {
            HistoryState::Known(h) => Some(h),
            _ => None,
        }
    }
}

pub fn hash_recipient(salt: &[u8; 32], address: &str) -> RecipientHash {
    let key = address.trim().to_lowercase();
    let digest = blake3::keyed_hash(salt, key.as_bytes());
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

// ---------------------------------------------------------------------------------------------
// Times

/// `2025-03-05 09:00 UTC`.
pub fn format_utc(ts: i64) -> String {
    let d = mail_parser::DateTime::from_timestamp(ts);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        d.year, d.month, d.day, d.hour, d.minute
    )
}

/// `09:00 UTC` when `ts` falls on the same UTC day as `reference`, else the full form.
pub fn format_utc_near(ts: i64, reference: i64) -> String {
    if ts.div_euclid(DAY) == reference.div_euclid(DAY) {
        let d = mail_parser::DateTime::from_timestamp(ts);
        format!("{:02}:{:02} UTC", d.hour, d.minute)
    } else {
        format_utc(ts)
    }
}

/// Reads a time given on the command line: Unix seconds, or RFC 3339
/// (`2025-03-05T09:00:00Z`, `2025-03-05T10:00:00+01:00`).
pub fn parse_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<i64>() {
        return Ok(secs);
    }
    let bad = || {
        format!("`{text}` is not a time (use RFC 3339, e.g. 2025-03-05T09:00:00Z, or Unix seconds)")
    };
    if t.len() < 19 || !t.as_bytes()[10].eq_ignore_ascii_case(&b't') && t.as_bytes()[10] != b' ' {
        return Err(bad());
    }
    let dt = mail_parser::DateTime::parse_rfc3339(t)
        .filter(|d| d.is_valid())
        .ok_or_else(bad)?;
    Ok(dt.to_timestamp())
}

/// `1 recipient`, `1,200 recipients`.
pub fn recipients(n: u64) -> String {
    format!("{} recipient{}", group(n), if n == 1 { "" } else { "s" })
}

/// `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Records

/// How a send came to be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `bulklint check --record`.
    Check,
    /// `bulklint record`.
    Record,
    /// `bulklint ledger import`.
    Import,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Check => "check",
            Origin::Record => "record",
            Origin::Import => "import",
        }
    }
}

/// One send to write.
#[derive(Debug, Clone)]
pub struct SendRecord {
    pub at: i64,
    pub sender: Option<String>,
    pub provider: String,
    pub recipients: u64,
    pub internal: u64,
    pub external: u64,
    pub messages: u64,
    /// Hashed on write; never stored in clear.
    pub addresses: Vec<String>,
    pub fingerprint: Option<Fingerprint>,
    pub signature: Option<Signature>,
    pub subject: Option<String>,
    pub origin: Origin,
    /// Set for imports, so importing the same mailbox twice does not count it twice.
    pub import_key: Option<String>,
}

impl SendRecord {
    /// The records of a checked send made at `at`: one for a single message; for a batch, one
    /// per body (near-duplicate cluster, at `similarity`), so later body checks can match each.
    pub fn from_send(send: &Send, at: i64, origin: Origin, similarity: f64) -> Vec<SendRecord> {
        let sender = send.draft.from_address().map(|a| a.trim().to_lowercase());
        let provider = send.provider.profile.id.clone();
        let subject = send
            .draft
            .header_value("Subject")
            .map(|s| s.trim().to_string());
        if let Some(batch) = &send.batch {
            let clusters = batch.clusters(similarity);
            let mut records: Vec<SendRecord> = clusters
                .iter()
                .map(|c| {
                    let first = &batch.messages[c.members[0]];
                    let addresses: Vec<String> = c
                        .members
                        .iter()
                        .flat_map(|&i| batch.messages[i].recipients.iter().cloned())
                        .collect();
                    let external = addresses
                        .iter()
                        .filter(|a| {
                            !is_internal(
                                &crate::address::domain(a).unwrap_or_default(),
                                &send.org_domains,
                            )
                        })
                        .count() as u64;
                    SendRecord {
                        at,
                        sender: first.from.clone().or_else(|| sender.clone()),
                        provider: provider.clone(),
                        recipients: addresses.len() as u64,
                        internal: addresses.len() as u64 - external,
                        external,
                        messages: c.members.len() as u64,
                        addresses,
                        fingerprint: first.fingerprint.clone(),
                        signature: first.signature.clone(),
                        subject: first.subject.clone(),
                        origin,
                        import_key: None,
                    }
                })
                .collect();
            // Messages without a body still went out and still count against limits.
            let clustered: HashSet<usize> = clusters
                .iter()
                .flat_map(|c| c.members.iter().copied())
                .collect();
            let rest: Vec<&batch::BatchMessage> = batch
                .messages
                .iter()
                .enumerate()
                .filter(|(i, _)| !clustered.contains(i))
                .map(|(_, m)| m)
                .collect();
            if !rest.is_empty() {
                let addresses: Vec<String> = rest
                    .iter()
                    .flat_map(|m| m.recipients.iter().cloned())
                    .collect();
                let external = addresses
                    .iter()
                    .filter(|a| {
                        !is_internal(
                            &crate::address::domain(a).unwrap_or_default(),
                            &send.org_domains,
                        )
                    })
                    .count() as u64;
                records.push(SendRecord {
                    at,
                    sender: rest[0].from.clone().or_else(|| sender.clone()),
                    provider: provider.clone(),
                    recipients: addresses.len() as u64,
                    internal: addresses.len() as u64 - external,
                    external,
                    messages: rest.len() as u64,
                    addresses,
                    fingerprint: None,
                    signature: None,
                    subject: rest[0].subject.clone(),
                    origin,
                    import_key: None,
                });
            }
            return records;
        }
        let body = send.draft.visible_text();
        let recipients = send.recipient_count() as u64;
        let external = send.external_count() as u64;
        vec![SendRecord {
            at,
            sender,
            provider,
            recipients,
            internal: recipients - external,
            external,
            messages: 1,
            addresses: send
                .recipients
                .unique
                .iter()
                .map(|r| r.address.clone())
                .collect(),
            fingerprint: (!body.trim().is_empty()).then(|| fingerprint::fingerprint(body)),
            signature: minhash::signature(body),
            subject,
            origin,
            import_key: None,
        }]
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerErrorKind {
    /// Not an SQLite file, or a damaged one.
    Corrupt,
    /// Another process holds the write lock past the busy timeout.
    Locked,
    /// Written by a newer bulklint.
    TooNew,
    /// An SQLite database, but someone else's.
    Foreign,
    /// Cannot create, open, read or write the file.
    Io,
}

/// A ledger that cannot be used, with the file and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerError {
    pub path: String,
    pub kind: LedgerErrorKind,
    pub detail: String,
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.path;
        match self.kind {
            LedgerErrorKind::Corrupt => write!(
                f,
                "{p}: the send ledger is damaged or not a ledger ({}). Move it aside (`mv '{p}' '{p}.damaged'`) and rebuild it from your Sent folder with `bulklint ledger import SENT.mbox`",
                self.detail
            ),
            LedgerErrorKind::Locked => write!(
                f,
                "{p}: the send ledger is locked by another process ({}). Try again when the other bulklint has finished; if none is running, the file may be on a network drive without working locks: point --ledger (or BULKLINT_LEDGER) at a local file",
                self.detail
            ),
            LedgerErrorKind::TooNew => write!(
                f,
                "{p}: the send ledger was written by a newer bulklint ({}); upgrade bulklint, or point --ledger at another file",
                self.detail
            ),
            LedgerErrorKind::Foreign => write!(
                f,
                "{p}: an SQLite database, but not a bulklint send ledger ({}); point --ledger at a new file",
                self.detail
            ),
            LedgerErrorKind::Io => write!(f, "{p}: cannot use the send ledger: {}", self.detail),
        }
    }
}

impl std::error::Error for LedgerError {}

impl From<LedgerError> for crate::error::InputError {
    fn from(e: LedgerError) -> Self {
        let path = e.path.clone();
        let text = e.to_string();
        let message = text
            .strip_prefix(&format!("{path}: "))
            .unwrap_or(&text)
            .to_string();
        crate::error::InputError::new(path, message)
    }
}

fn classify(path: &Path, e: &rusqlite::Error) -> LedgerError {
    let kind = match e.sqlite_error_code() {
        _ if is_busy(e) => LedgerErrorKind::Locked,
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => LedgerErrorKind::Corrupt,
        _ => LedgerErrorKind::Io,
    };
    let detail = match kind {
        LedgerErrorKind::Locked => format!("waited {} s: {e}", BUSY_TIMEOUT.as_secs()),
        _ => e.to_string(),
    };
    LedgerError {
        path: path.display().to_string(),
        kind,
        detail,
    }
}

/// Whether another connection holds the lock `e` failed on.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Puts the file in WAL mode. Switching needs an exclusive lock, and when two processes open a
/// new ledger at once SQLite reports the loser busy at once instead of calling the busy handler
/// (waiting could deadlock inside the switch). So the switch is retried here until the same
/// timeout a write gets; a file already in WAL mode (every open after the first) skips it.
fn switch_to_wal(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    let started = std::time::Instant::now();
    loop {
        let mode = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
            .and_then(|mode| {
                if mode.eq_ignore_ascii_case("wal") {
                    Ok(mode)
                } else {
                    conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                }
            });
        match mode {
            Err(e) if is_busy(&e) && started.elapsed() < busy_timeout => {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other.map(drop),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The file

/// The default ledger file: `ledger.sqlite3` in the user's data directory
/// (`~/.local/share/bulklint` on Linux, `~/Library/Application Support/bulklint` on macOS,
/// `%APPDATA%\bulklint\data` on Windows).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "bulklint").map(|d| d.data_dir().join("ledger.sqlite3"))
}

/// An open ledger.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    salt: [u8; 32],
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// Opens the ledger at `path`, creating it (and its directory) when missing, and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        Ledger::open_with_timeout(path, BUSY_TIMEOUT)
    }

    /// [`Ledger::open`] with another wait for a busy file (tests use a short one).
    pub fn open_with_timeout(path: &Path, busy_timeout: Duration) -> Result<Ledger, LedgerError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| LedgerError {
                path: path.display().to_string(),
                kind: LedgerErrorKind::Io,
                detail: format!("cannot create the directory {}: {e}", dir.display()),
            })?;
        }
        let err = |e: rusqlite::Error| classify(path, &e);
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(busy_timeout).map_err(err)?;
        // Someone else's database is refused before anything is written to it (the journal
        // mode below is stored in the file). Version and tables are read in one snapshot:
        // another bulklint creating the schema in between is not someone else's database.
        let snapshot = conn.transaction().map_err(err)?;
        let version: i64 = snapshot
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version == 0 {
            foreign_tables(&snapshot).map_err(|e| match e {
                Ok(tables) => LedgerError {
                    path: path.display().to_string(),
                    kind: LedgerErrorKind::Foreign,
                    detail: format!("it has the tables {}", tables.join(", ")),
                },
                Err(e) => classify(path, &e),
            })?;
        }
        snapshot.finish().map_err(err)?;
        // WAL: readers never block the writer and a killed writer leaves the last committed
        // state. FULL: a committed send survives power loss too, not only a crash.
        switch_to_wal(&conn, busy_timeout).map_err(err)?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(err)?;
        let mut ledger = Ledger {
            conn,
            path: path.to_path_buf(),
            salt: [0; 32],
        };
        ledger.migrate()?;
        ledger.salt = ledger.read_salt()?;
        Ok(ledger)
    }

    /// Opens the ledger when the file exists; `Ok(None)` when it does not (nothing recorded yet).
    pub fn open_existing(path: &Path) -> Result<Option<Ledger>, LedgerError> {
        if path.exists() {
            Ledger::open(path).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> LedgerError {
        classify(&self.path, &e)
    }

    fn migrate(&mut self) -> Result<(), LedgerError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| classify(&path, &e);
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        // Another process may be migrating too: take the write lock, then look again.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(LedgerError {
                path: path.display().to_string(),
                kind: LedgerErrorKind::TooNew,
                detail: format!(
                    "schema version {version}; this bulklint knows up to {SCHEMA_VERSION}"
                ),
            });
        }
        if version == 0 {
            foreign_tables(&tx).map_err(|e| match e {
                Ok(tables) => LedgerError {
                    path: path.display().to_string(),
                    kind: LedgerErrorKind::Foreign,
                    detail: format!("it has the tables {}", tables.join(", ")),
                },
                Err(e) => classify(&path, &e),
            })?;
        }
        for (from, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.execute_batch(sql).map_err(err)?;
            tx.pragma_update(None, "user_version", from as i64 + 1)
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    fn read_salt(&self) -> Result<[u8; 32], LedgerError> {
        let salt: Vec<u8> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'recipient-salt'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        salt.try_into().map_err(|_| LedgerError {
            path: self.path.display().to_string(),
            kind: LedgerErrorKind::Corrupt,
            detail: "the recipient salt is not 32 bytes".into(),
        })
    }

    /// Writes sends in one transaction: all of them or none. Returns each one's row id, or
    /// `None` for an import already in the ledger.
    pub fn record(
        &mut self,
        records: &[SendRecord],
        recorded_at: i64,
    ) -> Result<Vec<Option<i64>>, LedgerError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| classify(&path, &e);
        let salt = self.salt;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut ids = Vec::with_capacity(records.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO sends (sent_at, sender, provider, recipients, internal, external, messages,
                        fingerprint, signature, subject, origin, import_key, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                     ON CONFLICT (import_key) DO NOTHING",
                )
                .map_err(err)?;
            let mut insert_hash = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO send_recipients (send_id, hash) VALUES (?1, ?2)",
                )
                .map_err(err)?;
            for r in records {
                let n = insert
                    .execute(params![
                        r.at,
                        r.sender,
                        r.provider,
                        to_i64(r.recipients),
                        to_i64(r.internal),
                        to_i64(r.external),
                        to_i64(r.messages.max(1)),
                        r.fingerprint.as_ref().map(|f| f.0.clone()),
                        r.signature.as_ref().map(Signature::to_bytes),
                        r.subject,
                        r.origin.as_str(),
                        r.import_key,
                        recorded_at,
                    ])
                    .map_err(err)?;
                if n == 0 {
                    ids.push(None);
                    continue;
                }
                let id = tx.last_insert_rowid();
                for a in &r.addresses {
                    insert_hash
                        .execute(params![id, hash_recipient(&salt, a).as_slice()])
                        .map_err(err)?;
                }
                ids.push(Some(id));
            }
        }
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    /// The sends with `now - DAY < sent_at <= now`, oldest first, of one sender or of all.
    pub fn window(&mut self, now: i64, sender: Option<&str>) -> Result<Vec<PastSend>, LedgerError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| classify(&path, &e);
        // One read transaction: a consistent snapshot even while another process records.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(err)?;
        let mut sends = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id, sent_at, sender, provider, recipients, internal, external, messages,
                            fingerprint, signature, subject
                     FROM sends
                     WHERE sent_at > ?1 AND sent_at <= ?2 AND (?3 IS NULL OR sender = ?3)
                     ORDER BY sent_at, id",
                )
                .map_err(err)?;
            let rows = stmt
                .query_map(params![now - DAY, now, sender], |r| {
                    let at: i64 = r.get(1)?;
                    let signature: Option<Vec<u8>> = r.get(9)?;
                    Ok(PastSend {
                        id: r.get(0)?,
                        at,
                        until: at + DAY,
                        sender: r.get(2)?,
                        provider: r.get(3)?,
                        recipients: to_u64(r.get(4)?),
                        internal: to_u64(r.get(5)?),
                        external: to_u64(r.get(6)?),
                        messages: to_u64(r.get(7)?),
                        fingerprint: r.get::<_, Option<String>>(8)?.map(Fingerprint),
                        signature: signature.as_deref().and_then(Signature::from_bytes),
                        subject: r.get(10)?,
                        recipient_hashes: Vec::new(),
                    })
                })
                .map_err(err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(err)?
        };
        {
            let mut stmt = tx
                .prepare_cached("SELECT hash FROM send_recipients WHERE send_id = ?1 ORDER BY hash")
                .map_err(err)?;
            for s in &mut sends {
                let hashes = stmt
                    .query_map([s.id], |r| r.get::<_, Vec<u8>>(0))
                    .map_err(err)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(err)?;
                s.recipient_hashes = hashes
                    .into_iter()
                    .filter_map(|h| h.try_into().ok())
                    .collect();
            }
        }
        tx.commit().map_err(err)?;
        Ok(sends)
    }

    /// The history a check of a send from `sender` (or, with `None`, from a draft without a
    /// From: every sender, narrowed to the provider later) at `now` reads.
    pub fn history(&mut self, now: i64, sender: Option<&str>) -> Result<History, LedgerError> {
        let sender = sender.map(|s| s.trim().to_lowercase());
        let sends = self.window(now, sender.as_deref())?;
        Ok(History {
            ledger: self.path.display().to_string(),
            now,
            scope: sender.map_or(Scope::Provider, Scope::Sender),
            sends,
            salt: self.salt,
        })
    }

    /// How many sends the ledger holds in all.
    pub fn send_count(&self) -> Result<u64, LedgerError> {
        self.conn
            .query_row("SELECT count(*) FROM sends", [], |r| r.get::<_, i64>(0))
            .map(to_u64)
            .map_err(|e| self.err(e))
    }

    /// The ids of every send, ascending.
    pub fn send_ids(&self) -> Result<Vec<i64>, LedgerError> {
        self.conn
            .prepare("SELECT id FROM sends ORDER BY id")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))
    }

    /// SQLite's own full consistency check: `Ok(())` or what it found.
    pub fn integrity_check(&self) -> Result<(), LedgerError> {
        let lines: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))?;
        if lines == ["ok"] {
            Ok(())
        } else {
            Err(LedgerError {
                path: self.path.display().to_string(),
                kind: LedgerErrorKind::Corrupt,
                detail: lines.join("; "),
            })
        }
    }

    /// The schema version of the file (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The recipient salt, for hashing a send's recipients the way the ledger does.
    pub fn salt(&self) -> [u8; 32] {
        self.salt
    }
}

/// `Ok(())` for an empty database (a new ledger); otherwise the tables someone else put there
/// (`Err(Ok(tables))`) or the error reading them (`Err(Err(e))`).
fn foreign_tables(conn: &Connection) -> Result<(), Result<Vec<String>, rusqlite::Error>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(Err)?;
    if tables.is_empty() {
        Ok(())
    } else {
        Err(Ok(tables))
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Seeding from a Sent folder

/// A message an import left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub location: batch::Location,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub messages: usize,
    pub recorded: usize,
    /// Already in the ledger from an earlier import (same Message-ID or content).
    pub already: usize,
    pub skipped: Vec<Skipped>,
}

/// Messages per transaction during an import. Each message is all-or-nothing; a killed import
/// loses at most the open chunk, and running it again records only what is missing (import
/// keys make it idempotent).
const IMPORT_CHUNK: usize = 200;

/// Records each message as a send dated from its Date header. Messages without a Date that
/// parses, or that cannot be read as messages, are skipped and reported with where they are.
pub fn import(
    ledger: &mut Ledger,
    messages: &[RawMessage],
    options: &Options,
    recorded_at: i64,
) -> Result<ImportReport, LedgerError> {
    let mut report = ImportReport {
        messages: messages.len(),
        ..ImportReport::default()
    };
    let similarity = crate::rules::get("identical-body")
        .map_or(0.7, |r| r.param_f64("near-duplicate-similarity"));
    let mut pending: Vec<SendRecord> = Vec::new();
    let mut flush =
        |pending: &mut Vec<SendRecord>, report: &mut ImportReport| -> Result<(), LedgerError> {
            for id in ledger.record(pending, recorded_at)? {
                match id {
                    Some(_) => report.recorded += 1,
                    None => report.already += 1,
                }
            }
            pending.clear();
            Ok(())
        };
    for m in messages {
        let skip = |reason: String| Skipped {
            location: m.location.clone(),
            reason,
        };
        let at = match batch::message_date(&m.bytes) {
            Ok(Some(at)) => at,
            Ok(None) => {
                report.skipped.push(skip("no Date header".into()));
                continue;
            }
            Err(raw) => {
                report
                    .skipped
                    .push(skip(format!("the Date header `{raw}` does not parse")));
                continue;
            }
        };
        let input = Input {
            name: m.location.to_string(),
            bytes: m.bytes.clone(),
        };
        let send = match batch::guard(|| check::load(input, Vec::new(), options)) {
            Ok(send) => send,
            Err(e) => {
                report.skipped.push(skip(e.message));
                continue;
            }
        };
        if send.draft.format != crate::draft::DraftFormat::Message {
            report
                .skipped
                .push(skip("not a message: no header fields".into()));
            continue;
        }
        let key = import_key(&m.bytes);
        for mut r in SendRecord::from_send(&send, at, Origin::Import, similarity) {
            r.import_key = Some(key.clone());
            pending.push(r);
        }
        if pending.len() >= IMPORT_CHUNK {
            flush(&mut pending, &mut report)?;
        }
    }
    flush(&mut pending, &mut report)?;
    Ok(report)
}

/// The Message-ID when there is one, else a hash of the whole message.
fn import_key(bytes: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse_headers(bytes)
        .and_then(|m| m.message_id().map(|id| format!("mid:{}", id.trim())))
        .unwrap_or_else(|| format!("b3:{}", blake3::hash(bytes).to_hex()))
}

// ---------------------------------------------------------------------------------------------
// The `history` view

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
    pub limits: Vec<LimitUse>,
    pub bodies: Vec<BodyUse>,
}

/// Groups the window's sends by sender and provider, with headroom under each rolling limit of
/// the provider's profile (`limits` overrides figures, as `bulklint.toml [limits]` does) and the
/// bodies sent, near-duplicates (at `similarity`) together.
pub fn summarize(
    sends: &[PastSend],
    now: i64,
    limits: &std::collections::BTreeMap<String, u64>,
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
            let mut profile = crate::provider::profile(&provider).cloned();
            if let Some(p) = profile.as_mut() {
                for (k, v) in limits {
                    p.override_limit(k, *v, "bulklint.toml [limits]");
                }
            }
            let unique = |members: &[&PastSend]| -> u64 {
                members
                    .iter()
                    .flat_map(|s| s.recipient_hashes.iter())
                    .collect::<HashSet<_>>()
                    .len() as u64
            };
            let mut limit_uses = Vec::new();
            if let Some(p) = &profile {
                for (key, window, external) in [
                    ("per-day", DAY, false),
                    ("external-per-day", DAY, true),
                    ("external-per-hour", HOUR, true),
                ] {
                    let Some(limit) = p.limit(key) else { continue };
                    let entries: Vec<(i64, u64)> = sends
                        .iter()
                        .map(|s| (s.at, if external { s.external } else { s.recipients }))
                        .collect();
                    let w = window_count(&entries, now, window, 0, limit.value);
                    limit_uses.push(LimitUse {
                        key: key.to_string(),
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
                .map(|b| BodyUse {
                    fingerprint: b[0].fingerprint.as_ref().map(|f| f.0.clone()),
                    subject: b.iter().rev().find_map(|s| s.subject.clone()),
                    sends: b.len(),
                    messages: b.iter().map(|s| s.messages).sum(),
                    recipients: b.iter().map(|s| s.recipients).sum(),
                    unique_recipients: unique(b),
                    first: b.iter().map(|s| s.at).min().unwrap_or(now),
                    last: b.iter().map(|s| s.at).max().unwrap_or(now),
                })
                .collect();
            body_uses.sort_by(|a, b| b.recipients.cmp(&a.recipients).then(a.first.cmp(&b.first)));
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
                unique_recipients: unique(&sends),
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
            "  {} send{}{messages}: {} recipients ({} external, {} internal; {} different people)",
            s.sends,
            if s.sends == 1 { "" } else { "s" },
            group(s.recipients),
            group(s.external),
            group(s.internal),
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
                "    \u{201c}{subject}\u{201d} ({print}): {} recipients ({} different) in {} send{}, {when}",
                group(b.recipients),
                group(b.unique_recipients),
                b.sends,
                if b.sends == 1 { "" } else { "s" }
            );
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn times_parse_and_format() {
        assert_eq!(parse_time("2025-03-05T09:00:00Z"), Ok(1_741_165_200));
        assert_eq!(parse_time("2025-03-05T10:00:00+01:00"), Ok(1_741_165_200));
        assert_eq!(parse_time("1741165200"), Ok(1_741_165_200));
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2025-03-05").is_err());
        assert_eq!(format_utc(1_741_165_200), "2025-03-05 09:00 UTC");
        assert_eq!(
            format_utc_near(1_741_165_200, 1_741_165_200 + 3 * HOUR),
            "09:00 UTC"
        );
        assert_eq!(group(8_700), "8,700");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(group(999), "999");
    }

    #[test]
    fn recipient_hashes_depend_on_the_salt_and_ignore_case() {
        let a = hash_recipient(&[1; 32], "Ann@Example.com");
        assert_eq!(a, hash_recipient(&[1; 32], "ann@example.com"));
        assert_ne!(a, hash_recipient(&[2; 32], "ann@example.com"));
    }
}
