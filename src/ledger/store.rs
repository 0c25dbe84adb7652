//! The SQLite file: opening, migrating, reading the window, recording.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, TransactionBehavior};

use super::error::{classify, switch_to_wal, LedgerError, LedgerErrorKind};
use super::record::SendRecord;
use crate::mailing::fingerprint::Fingerprint;
use crate::mailing::history::{hash_recipient, History, PastSend, Scope};
use crate::mailing::minhash::Signature;
use crate::model::format::DAY;

/// The schema this build writes; `PRAGMA user_version` holds the file's.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a writer waits for another to finish before the ledger counts as locked. A record
/// takes milliseconds; minutes of waiting mean something is stuck.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

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
