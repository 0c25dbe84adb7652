//! The SQLite file: opening, migrating, reading the window, recording.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, TransactionBehavior};

use super::backend::{
    attach_hashes, columns, read_window, read_window_hashing, to_i64, to_u64, Row, Tx, COUNT_SENDS,
    INSERT_HASH, INSERT_SEND, SELECT_IDS, SELECT_META, SELECT_ROWS, SELECT_ROW_HASHES,
    SELECT_WINDOW, SELECT_WINDOW_HASHES,
};
use super::error::{classify, switch_to_wal, LedgerError, LedgerErrorKind};
use super::files::{publish_new, sibling};
use super::key::LedgerKey;
use super::record::SendRecord;
use crate::mailing::history::{
    hash_recipient, History, PastSend, RecipientHash, Scope, Tenant, TenantView,
};
use crate::mailing::minhash::Signature;

/// The schema this build writes; `PRAGMA user_version` holds the file's.
pub const SCHEMA_VERSION: i64 = 2;

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
    // 1 → 2: recipient hashes keyed with a secret kept outside the file. The salted hashes of
    // version 1 could be tested against candidate addresses by anyone who could read the file
    // (the salt sat beside them); they cannot be re-keyed without the addresses, so they go, with
    // the salt. Counts, times and bodies stay. The key's check value is written by `migrate`.
    "DELETE FROM send_recipients;
    DELETE FROM meta WHERE key = 'recipient-salt';",
];

/// The version whose recipient hashes are salted by a salt inside the file.
const SALTED_VERSION: i64 = 1;

/// The default ledger file: `ledger.sqlite3` in the user's data directory
/// (`~/.local/share/bulklint` on Linux, `~/Library/Application Support/bulklint` on macOS,
/// `%APPDATA%\bulklint\data` on Windows).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "bulklint").map(|d| d.data_dir().join("ledger.sqlite3"))
}

/// An open ledger.
pub struct Ledger {
    conn: Conn,
    /// The file, or for a server its URL without the password: what messages name.
    path: PathBuf,
    /// The key of recipient hashes: the outside key, or a version 1 file's own salt (read-only).
    key: [u8; 32],
    /// The organisation whose senders share limits, when the configuration names one.
    tenant: Option<Tenant>,
    /// What opening did or found that the user should hear about (an upgrade, an old format).
    notes: Vec<String>,
}

/// The connection of one backend.
enum Conn {
    Sqlite(Connection),
    Postgres(Box<postgres::Client>),
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// What the ledger says when a guarded record is refused.
pub type Refusal = String;

impl Ledger {
    /// Opens the ledger at `path` to record in it, creating it when missing (`0600`, missing
    /// directories `0700`), and brings its schema up to date. An existing file that is empty,
    /// damaged, someone else's, keyed with another key or not writable is an error: a ledger is
    /// never silently re-created.
    pub fn open(path: &Path, key: &LedgerKey) -> Result<Ledger, LedgerError> {
        Ledger::open_with_timeout(path, key, BUSY_TIMEOUT)
    }

    /// [`Ledger::open`] with another wait for a busy file (tests use a short one).
    pub fn open_with_timeout(
        path: &Path,
        key: &LedgerKey,
        busy_timeout: Duration,
    ) -> Result<Ledger, LedgerError> {
        match existing_size(path)? {
            // Made here or by another process meanwhile: either way a whole ledger is there.
            None => drop(publish_new(
                path,
                |temp| Ledger::writable(temp, key, busy_timeout).map(drop),
                |e| io_error(path, &format!("cannot create it: {e}")),
            )?),
            Some(0) => return Err(empty(path, "0 bytes")),
            Some(_) => {}
        }
        Ledger::writable(path, key, busy_timeout)
    }

    /// Opens an existing file (never creating one) for writing and brings it up to date; an
    /// empty file gets the schema (only a new ledger's private file is passed in empty).
    fn writable(
        path: &Path,
        key: &LedgerKey,
        busy_timeout: Duration,
    ) -> Result<Ledger, LedgerError> {
        let err = |e: rusqlite::Error| classify(path, &e);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(err)?;
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(err)? {
            return Err(LedgerError {
                path: path.display().to_string(),
                kind: LedgerErrorKind::ReadOnly,
                detail: "the file cannot be written, and recording a send writes it".into(),
            });
        }
        conn.busy_timeout(busy_timeout).map_err(err)?;
        // Someone else's database is refused before anything is written to it (the journal
        // mode below is stored in the file). Version and tables are read in one snapshot:
        // another bulklint creating the schema in between is not someone else's database.
        let snapshot = conn.transaction().map_err(err)?;
        let version = user_version(&snapshot).map_err(err)?;
        if version == 0 {
            refuse_foreign(&snapshot, path)?;
        }
        snapshot.finish().map_err(err)?;
        // WAL: readers never block the writer and a killed writer leaves the last committed
        // state. FULL: a committed send survives power loss too, not only a crash. Secure
        // delete: removed hashes are overwritten, not left in free pages.
        switch_to_wal(&conn, busy_timeout).map_err(err)?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
        )
        .map_err(err)?;
        let mut notes = Vec::new();
        migrate(&mut conn, path, key, &mut notes)?;
        let mut ledger = Ledger::new(Conn::Sqlite(conn), path.to_path_buf(), *key.bytes());
        ledger.notes = notes;
        ledger.verify_key(Some(key))?;
        Ok(ledger)
    }

    /// Opens the ledger at `path` to read it, without writing anything (`Ok(None)` when there is
    /// no file: nothing was recorded yet). `key` is the outside key; a version 1 file is read
    /// with its own salt and a note says it is upgraded at the next record. A WAL file on a
    /// read-only filesystem is opened immutable: nobody can be writing it.
    pub fn open_read(path: &Path, key: Option<&LedgerKey>) -> Result<Option<Ledger>, LedgerError> {
        match existing_size(path)? {
            None => return Ok(None),
            Some(0) => return Err(empty(path, "0 bytes")),
            Some(_) => {}
        }
        let conn = match Ledger::read_only(path, false) {
            Err(e) if e.kind != LedgerErrorKind::Corrupt && on_read_only_filesystem(path) => {
                // Immutable reads skip the `-wal`: sends committed there and not yet copied into
                // the file would be missed, so such a ledger is refused instead.
                if existing_size(&sibling(path, "-wal"))?.unwrap_or(0) > 0 {
                    return Err(LedgerError {
                        detail: format!("{}; and its -wal file holds sends not yet merged into it, which needs a writable filesystem", e.detail),
                        ..e
                    });
                }
                Ledger::read_only(path, true)?
            }
            other => other?,
        };
        let err = |e: rusqlite::Error| classify(path, &e);
        let version = user_version(&conn).map_err(err)?;
        if version == 0 {
            refuse_foreign(&conn, path)?;
            return Err(empty(path, "an SQLite file without the ledger's tables"));
        }
        if version > SCHEMA_VERSION {
            return Err(too_new(path, version));
        }
        let salt = if version == SALTED_VERSION {
            Some(read_salt(&conn, path)?)
        } else {
            None
        };
        let mut ledger = Ledger::new(
            Conn::Sqlite(conn),
            path.to_path_buf(),
            key.map_or([0; 32], |k| *k.bytes()),
        );
        if let Some(salt) = salt {
            ledger.key = salt;
            ledger.notes.push(format!(
                "{}: this ledger keeps the salt of its recipient hashes in the file itself, so whoever can read the file can test addresses against them; the next send recorded upgrades it to a key kept outside the file (the salted hashes are removed then; counts, times and bodies stay)",
                path.display()
            ));
        } else {
            ledger.verify_key(key)?;
        }
        Ok(Some(ledger))
    }

    /// A read-only connection that has read the file's header (so an unusable file fails here).
    fn read_only(path: &Path, immutable: bool) -> Result<Connection, LedgerError> {
        let err = |e: rusqlite::Error| classify(path, &e);
        let mut flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = if immutable {
            flags |= OpenFlags::SQLITE_OPEN_URI;
            Connection::open_with_flags(format!("file:{}?immutable=1", uri_path(path)), flags)
        } else {
            Connection::open_with_flags(path, flags)
        }
        .map_err(err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        match user_version(&conn) {
            Ok(_) => Ok(conn),
            // A WAL file needs its `-shm` beside it, created on first read.
            Err(e) if matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)) => {
                Err(LedgerError {
                    path: path.display().to_string(),
                    kind: LedgerErrorKind::ReadOnly,
                    detail: format!("{e}: a WAL-mode SQLite file is read through a `-shm` file beside it, which cannot be created in that directory"),
                })
            }
            Err(e) => Err(err(e)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What opening did or found that the user should hear about, emptied.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    fn err(&self, e: rusqlite::Error) -> LedgerError {
        classify(&self.path, &e)
    }

    fn new(conn: Conn, path: PathBuf, key: [u8; 32]) -> Ledger {
        Ledger {
            conn,
            path,
            key,
            tenant: None,
            notes: Vec::new(),
        }
    }

    /// Opens the PostgreSQL ledger at `url` to record in it, creating its tables in the
    /// connection's schema when there are none, and bringing them up to date.
    pub fn open_server(url: &str, key: &LedgerKey) -> Result<Ledger, LedgerError> {
        let (client, name) = super::postgres::open(url, key)?;
        let mut ledger = Ledger::new(
            Conn::Postgres(Box::new(client)),
            PathBuf::from(name),
            *key.bytes(),
        );
        ledger.verify_key(Some(key))?;
        Ok(ledger)
    }

    /// Opens the PostgreSQL ledger at `url` to read it, creating nothing (`Ok(None)` when its
    /// tables are not there yet: nothing was recorded).
    pub fn open_server_read(
        url: &str,
        key: Option<&LedgerKey>,
    ) -> Result<Option<Ledger>, LedgerError> {
        let Some((client, name)) = super::postgres::open_read(url)? else {
            return Ok(None);
        };
        let mut ledger = Ledger::new(
            Conn::Postgres(Box::new(client)),
            PathBuf::from(name),
            key.map_or([0; 32], |k| *k.bytes()),
        );
        ledger.verify_key(key)?;
        Ok(Some(ledger))
    }

    /// Counts the senders of `tenant` together: every history read names its window's sends
    /// from the tenant's domains, and records queue behind the tenant's lock.
    pub fn set_tenant(&mut self, tenant: Option<Tenant>) {
        self.tenant = tenant;
    }

    /// A transaction: a write one (`lock`: whose writers it queues behind) or a read one.
    fn begin(&mut self, lock: Option<&str>) -> Result<Box<dyn Tx + '_>, LedgerError> {
        let name = self.path.display().to_string();
        match &mut self.conn {
            Conn::Sqlite(conn) => {
                // SQLite has one writer at a time whatever the tenant: the whole file is locked.
                let behavior = if lock.is_some() {
                    TransactionBehavior::Immediate
                } else {
                    TransactionBehavior::Deferred
                };
                let tx = conn
                    .transaction_with_behavior(behavior)
                    .map_err(|e| classify(Path::new(&name), &e))?;
                Ok(Box::new(SqliteTx { tx, name }))
            }
            Conn::Postgres(client) => super::postgres::begin(client, name, lock),
        }
    }

    /// Refuses a key the ledger's hashes were not made with (or none, when they need one).
    fn verify_key(&mut self, key: Option<&LedgerKey>) -> Result<(), LedgerError> {
        let stored = {
            let mut tx = self.begin(None)?;
            let stored = tx.meta("key-check")?;
            tx.commit()?;
            stored
        };
        let wrong = |detail: &str| LedgerError {
            path: self.path.display().to_string(),
            kind: LedgerErrorKind::WrongKey,
            detail: detail.into(),
        };
        match (stored, key) {
            (Some(stored), Some(key)) if stored == key.check_value() => Ok(()),
            (Some(_), Some(_)) => Err(wrong("the key given is not the ledger's")),
            (Some(_), None) => Err(wrong(
                "no key was found: BULKLINT_LEDGER_KEY is unset and there is no key file",
            )),
            (None, _) => Err(LedgerError {
                path: self.path.display().to_string(),
                kind: LedgerErrorKind::Corrupt,
                detail: "the record of its key is missing".into(),
            }),
        }
    }

    /// Writes sends in one transaction: all of them or none. Returns each one's row id, or
    /// `None` for an import already in the ledger.
    pub fn record(
        &mut self,
        records: &[SendRecord],
        recorded_at: i64,
    ) -> Result<Vec<Option<i64>>, LedgerError> {
        let sender = records.first().and_then(|r| r.sender.clone());
        self.record_unless(records, recorded_at, sender.as_deref(), |_| Ok(None))
            .map(|written| written.unwrap_or_default())
    }

    /// Writes sends as [`Ledger::record`] does, after `judge` has looked at the history of
    /// `sender` (see [`Ledger::history`]) at `now` as it stands under the write lock: no other
    /// process can record between the judgement and the write. `Ok(Err(refusal))`, with nothing
    /// written, when `judge` refuses.
    pub fn record_if(
        &mut self,
        records: &[SendRecord],
        recorded_at: i64,
        now: i64,
        sender: Option<&str>,
        judge: impl FnOnce(History) -> Option<Refusal>,
    ) -> Result<Result<Vec<Option<i64>>, Refusal>, LedgerError> {
        let path = self.path.display().to_string();
        let key = self.key;
        let tenant = self.tenant.clone();
        let refused = std::cell::RefCell::new(None);
        let written = self.record_unless(records, recorded_at, sender, |tx| {
            let history = history_of(tx, &path, key, tenant.as_ref(), now, sender)?;
            let refusal = judge(history);
            let stop = refusal.is_some();
            *refused.borrow_mut() = refusal;
            Ok(stop.then_some(()))
        })?;
        Ok(written.ok_or_else(|| refused.into_inner().unwrap_or_default()))
    }

    /// The one write path: in a write transaction queued behind the other writers of the
    /// sender's tenant, asks `stop` first (`Some` rolls back and returns `None`), then inserts
    /// every record and commits.
    fn record_unless(
        &mut self,
        records: &[SendRecord],
        recorded_at: i64,
        sender: Option<&str>,
        stop: impl FnOnce(&mut dyn Tx) -> Result<Option<()>, LedgerError>,
    ) -> Result<Option<Vec<Option<i64>>>, LedgerError> {
        let key = self.key;
        let lock = lock_scope(self.tenant.as_ref(), sender);
        let mut tx = self.begin(Some(&lock))?;
        if stop(tx.as_mut())?.is_some() {
            return Ok(None);
        }
        let mut ids = Vec::with_capacity(records.len());
        for r in records {
            let row = Row {
                id: 0,
                sent_at: r.at,
                sender: r.sender.clone(),
                provider: r.provider.clone(),
                recipients: to_i64(r.recipients),
                internal: to_i64(r.internal),
                external: to_i64(r.external),
                messages: to_i64(r.messages.max(1)),
                fingerprint: r.fingerprint.as_ref().map(|f| f.0.clone()),
                signature: r.signature.as_ref().map(Signature::to_bytes),
                subject: r.subject.clone(),
                origin: r.origin.as_str().to_string(),
                import_key: r.import_key.clone(),
                recorded_at,
                hashes: r
                    .addresses
                    .iter()
                    .map(|a| hash_recipient(&key, a))
                    .collect(),
            };
            ids.push(insert_row(tx.as_mut(), &row)?);
        }
        tx.commit()?;
        Ok(Some(ids))
    }

    /// Copies every send of this ledger into `to` (made with the same key), `chunk` sends per
    /// transaction. A send keeps its import key, or gets one naming this ledger's send, so a
    /// second copy adds nothing. Returns (copied, already there).
    pub fn copy_to(&mut self, to: &mut Ledger, chunk: usize) -> Result<(u64, u64), LedgerError> {
        if to.key != self.key {
            return Err(LedgerError {
                path: to.path.display().to_string(),
                kind: LedgerErrorKind::WrongKey,
                detail: "it is keyed with another key than the ledger copied into it, so the recipient hashes could not be compared".into(),
            });
        }
        let (mut copied, mut already) = (0, 0);
        let mut after = 0;
        loop {
            let rows = {
                let mut tx = self.begin(None)?;
                let rows = tx.rows_after(after, to_i64(chunk as u64))?;
                let upto = rows.last().map_or(after, |r| r.id);
                let hashes = tx.row_hashes(after, upto)?;
                tx.commit()?;
                attach_hashes(rows, hashes)
            };
            let Some(last) = rows.last() else {
                return Ok((copied, already));
            };
            after = last.id;
            let mut tx = to.begin(Some(""))?;
            for mut row in rows {
                if row.import_key.is_none() {
                    row.import_key = Some(stable_id(&row));
                }
                match insert_row(tx.as_mut(), &row)? {
                    Some(_) => copied += 1,
                    None => already += 1,
                }
            }
            tx.commit()?;
        }
    }

    /// The sends with `now - DAY < sent_at <= now`, oldest first, of one sender or of all.
    pub fn window(&mut self, now: i64, sender: Option<&str>) -> Result<Vec<PastSend>, LedgerError> {
        // One read transaction: a consistent snapshot even while another process records.
        let mut tx = self.begin(None)?;
        let sends = read_window(tx.as_mut(), now, sender)?;
        tx.commit()?;
        Ok(sends)
    }

    /// The sends of the tenant's senders in the window (every send when no tenant is set),
    /// without their recipient hashes.
    pub fn tenant_window(&mut self, now: i64) -> Result<Vec<PastSend>, LedgerError> {
        let tenant = self.tenant.clone();
        let mut tx = self.begin(None)?;
        // No sender's hashes: the empty address matches no send.
        let sends = read_window_hashing(tx.as_mut(), now, None, Some(""))?;
        tx.commit()?;
        Ok(match tenant {
            Some(t) => sends.into_iter().filter(|s| t.counts(s)).collect(),
            None => sends,
        })
    }

    /// The history a check of a send from `sender` (or, with `None`, from a draft without a
    /// From: every sender, narrowed to the provider later) at `now` reads.
    pub fn history(&mut self, now: i64, sender: Option<&str>) -> Result<History, LedgerError> {
        let path = self.path.display().to_string();
        let key = self.key;
        let tenant = self.tenant.clone();
        let mut tx = self.begin(None)?;
        let history = history_of(tx.as_mut(), &path, key, tenant.as_ref(), now, sender)?;
        tx.commit()?;
        Ok(history)
    }

    /// How many sends the ledger holds in all.
    pub fn send_count(&mut self) -> Result<u64, LedgerError> {
        let mut tx = self.begin(None)?;
        let n = tx.count()?;
        tx.commit()?;
        Ok(to_u64(n))
    }

    /// The ids of every send, ascending.
    pub fn send_ids(&mut self) -> Result<Vec<i64>, LedgerError> {
        let mut tx = self.begin(None)?;
        let ids = tx.ids()?;
        tx.commit()?;
        Ok(ids)
    }

    /// SQLite's own full consistency check: `Ok(())` or what it found. A server checks its
    /// own pages: nothing to do for PostgreSQL.
    pub fn integrity_check(&self) -> Result<(), LedgerError> {
        let Conn::Sqlite(conn) = &self.conn else {
            return Ok(());
        };
        let lines: Vec<String> = conn
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

    /// The ledger's schema version (SQLite: `PRAGMA user_version`).
    pub fn schema_version(&mut self) -> Result<i64, LedgerError> {
        match &mut self.conn {
            Conn::Sqlite(conn) => user_version(conn).map_err(|e| classify(&self.path, &e)),
            Conn::Postgres(client) => {
                super::postgres::schema_version(client, &self.path.display().to_string())
            }
        }
    }

    /// The key recipient hashes are made with, for hashing a send's recipients the way the
    /// ledger does.
    pub fn recipient_key(&self) -> [u8; 32] {
        self.key
    }
}

/// Inserts a row and its hashes; `None` when its import key is already there.
fn insert_row(tx: &mut dyn Tx, row: &Row) -> Result<Option<i64>, LedgerError> {
    let id = tx.insert(row)?;
    if let Some(id) = id {
        tx.insert_hashes(id, &row.hashes)?;
    }
    Ok(id)
}

/// What names a copied send in the ledger it is copied into: a hash of its id, times, sender and
/// counts in the ledger it was recorded in. Not its path: a moved file copied again adds
/// nothing either.
fn stable_id(row: &Row) -> String {
    let text = format!(
        "{}\n{}\n{}\n{:?}\n{}\n{}\n{}\n{:?}",
        row.id,
        row.sent_at,
        row.recorded_at,
        row.sender,
        row.provider,
        row.recipients,
        row.external,
        row.fingerprint
    );
    format!("copy:{}", &blake3::hash(text.as_bytes()).to_hex()[..32])
}

/// Whose writers a record queues behind: the tenant's, else the sender's domain's (PostgreSQL
/// takes an advisory lock by this name; SQLite locks the whole file anyway).
fn lock_scope(tenant: Option<&Tenant>, sender: Option<&str>) -> String {
    match tenant {
        Some(t) => format!("tenant:{}", t.name()),
        None => format!(
            "domain:{}",
            sender
                .and_then(crate::model::address::domain)
                .unwrap_or_default()
                .to_lowercase()
        ),
    }
}

/// The history of `sender` at `now`, read on `tx` (inside the caller's transaction).
fn history_of(
    tx: &mut dyn Tx,
    path: &str,
    key: [u8; 32],
    tenant: Option<&Tenant>,
    now: i64,
    sender: Option<&str>,
) -> Result<History, LedgerError> {
    let sender = sender.map(|s| s.trim().to_lowercase());
    let (sends, tenant) = match tenant {
        // One read for both: the tenant's window holds the sender's.
        Some(t) => {
            let all: Vec<PastSend> = read_window_hashing(tx, now, None, sender.as_deref())?
                .into_iter()
                .filter(|s| t.counts(s) || sender.is_some() && s.sender == sender)
                .collect();
            let own = all
                .iter()
                .filter(|s| sender.is_none() || s.sender == sender)
                .cloned()
                .collect();
            let tenant_sends = all.into_iter().filter(|s| t.counts(s)).collect();
            (
                own,
                Some(TenantView {
                    tenant: t.clone(),
                    sends: tenant_sends,
                }),
            )
        }
        None => (read_window(tx, now, sender.as_deref())?, None),
    };
    Ok(History {
        ledger: path.to_string(),
        now,
        scope: sender.map_or(Scope::Provider, Scope::Sender),
        sends,
        key,
        tenant,
    })
}

columns!(rusqlite::Row<'_>, rusqlite::Error, get);

/// A write or read transaction on the SQLite file.
struct SqliteTx<'a> {
    tx: rusqlite::Transaction<'a>,
    name: String,
}

impl SqliteTx<'_> {
    fn err(&self, e: rusqlite::Error) -> LedgerError {
        classify(Path::new(&self.name), &e)
    }

    fn pairs(
        &self,
        sql: &str,
        a: i64,
        b: i64,
        c: Option<&str>,
        three: bool,
    ) -> Result<Vec<(i64, Vec<u8>)>, LedgerError> {
        let mut stmt = self.tx.prepare_cached(sql).map_err(|e| self.err(e))?;
        let map = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
        let rows = if three {
            stmt.query_map(params![a, b, c], map)
        } else {
            stmt.query_map(params![a, b], map)
        };
        rows.and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    fn rows(
        &self,
        sql: &str,
        p: &[&dyn rusqlite::ToSql],
        full: bool,
    ) -> Result<Vec<Row>, LedgerError> {
        let mut stmt = self.tx.prepare_cached(sql).map_err(|e| self.err(e))?;
        stmt.query_map(p, |r| Row::read(r, full))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }
}

impl Tx for SqliteTx<'_> {
    fn window_rows(
        &mut self,
        since: i64,
        until: i64,
        sender: Option<&str>,
    ) -> Result<Vec<Row>, LedgerError> {
        self.rows(SELECT_WINDOW, params![since, until, sender], false)
    }

    fn window_hashes(
        &mut self,
        since: i64,
        until: i64,
        sender: Option<&str>,
    ) -> Result<Vec<(i64, Vec<u8>)>, LedgerError> {
        self.pairs(SELECT_WINDOW_HASHES, since, until, sender, true)
    }

    fn rows_after(&mut self, after: i64, limit: i64) -> Result<Vec<Row>, LedgerError> {
        self.rows(SELECT_ROWS, params![after, limit], true)
    }

    fn row_hashes(&mut self, after: i64, upto: i64) -> Result<Vec<(i64, Vec<u8>)>, LedgerError> {
        self.pairs(SELECT_ROW_HASHES, after, upto, None, false)
    }

    fn insert(&mut self, row: &Row) -> Result<Option<i64>, LedgerError> {
        let mut stmt = self
            .tx
            .prepare_cached(INSERT_SEND)
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params![
                row.sent_at,
                row.sender,
                row.provider,
                row.recipients,
                row.internal,
                row.external,
                row.messages,
                row.fingerprint,
                row.signature,
                row.subject,
                row.origin,
                row.import_key,
                row.recorded_at,
            ])
            .map_err(|e| self.err(e))?;
        let id = match rows.next().map_err(|e| self.err(e))? {
            Some(r) => Some(r.get(0).map_err(|e| self.err(e))?),
            None => None,
        };
        Ok(id)
    }

    fn insert_hashes(&mut self, send_id: i64, hashes: &[RecipientHash]) -> Result<(), LedgerError> {
        let mut stmt = self
            .tx
            .prepare_cached(INSERT_HASH)
            .map_err(|e| self.err(e))?;
        for h in hashes {
            stmt.execute(params![send_id, h.as_slice()])
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    fn meta(&mut self, key: &str) -> Result<Option<Vec<u8>>, LedgerError> {
        self.tx
            .query_row(SELECT_META, [key], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(self.err(e)),
            })
    }

    fn count(&mut self) -> Result<i64, LedgerError> {
        self.tx
            .query_row(COUNT_SENDS, [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn ids(&mut self) -> Result<Vec<i64>, LedgerError> {
        self.tx
            .prepare(SELECT_IDS)
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))
    }

    fn commit(self: Box<Self>) -> Result<(), LedgerError> {
        let name = self.name;
        self.tx.commit().map_err(|e| classify(Path::new(&name), &e))
    }
}

fn migrate(
    conn: &mut Connection,
    path: &Path,
    key: &LedgerKey,
    notes: &mut Vec<String>,
) -> Result<(), LedgerError> {
    let err = |e: rusqlite::Error| classify(path, &e);
    if user_version(conn).map_err(err)? == SCHEMA_VERSION {
        return Ok(());
    }
    // Another process may be migrating too: take the write lock, then look again.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    let version = user_version(&tx).map_err(err)?;
    if version > SCHEMA_VERSION {
        return Err(too_new(path, version));
    }
    if version == 0 {
        refuse_foreign(&tx, path)?;
    }
    let rekeyed: i64 = if version == SALTED_VERSION {
        tx.query_row(
            "SELECT count(DISTINCT send_id) FROM send_recipients",
            [],
            |r| r.get(0),
        )
        .map_err(err)?
    } else {
        0
    };
    for (from, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", from as i64 + 1)
            .map_err(err)?;
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('key-check', ?1) ON CONFLICT (key) DO NOTHING",
        [key.check_value()],
    )
    .map_err(err)?;
    tx.commit().map_err(err)?;
    if version == SALTED_VERSION {
        notes.push(format!(
            "{}: upgraded the ledger to recipient hashes keyed outside the file; the salted hashes of {rekeyed} earlier send{} were removed (they could be tested against addresses by whoever read the file). Their counts, times and bodies are kept, so volume and body checks are unchanged; recipient overlaps are counted for sends recorded from now on",
            path.display(),
            if rekeyed == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

/// A version 1 file's salt, the key of its recipient hashes.
fn read_salt(conn: &Connection, path: &Path) -> Result<[u8; 32], LedgerError> {
    let salt: Vec<u8> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'recipient-salt'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| classify(path, &e))?;
    salt.try_into().map_err(|_| LedgerError {
        path: path.display().to_string(),
        kind: LedgerErrorKind::Corrupt,
        detail: "the recipient salt is not 32 bytes".into(),
    })
}

/// The size of the file at `path`, `None` when there is none.
/// A file that cannot be opened for reading is an error with the system's reason (SQLite's own
/// would only say "unable to open database file").
fn existing_size(path: &Path) -> Result<Option<u64>, LedgerError> {
    match std::fs::File::open(path).and_then(|f| f.metadata()) {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, &format!("cannot read it: {e}"))),
    }
}

/// Whether `path` sits on a filesystem mounted read-only (so nobody can be writing it).
fn on_read_only_filesystem(path: &Path) -> bool {
    matches!(
        std::fs::OpenOptions::new().append(true).open(path),
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem
    )
}

/// `path` as the path of an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    // `C:/…` is written `/C:/…` in a URI.
    let mut out = if cfg!(windows) && path.is_absolute() {
        "/".to_string()
    } else {
        String::new()
    };
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            '\\' if cfg!(windows) => out.push('/'),
            c => out.push(c),
        }
    }
    out
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn refuse_foreign(conn: &Connection, path: &Path) -> Result<(), LedgerError> {
    foreign_tables(conn).map_err(|e| match e {
        Ok(tables) => LedgerError {
            path: path.display().to_string(),
            kind: LedgerErrorKind::Foreign,
            detail: format!("it has the tables {}", tables.join(", ")),
        },
        Err(e) => classify(path, &e),
    })
}

fn empty(path: &Path, detail: &str) -> LedgerError {
    LedgerError {
        path: path.display().to_string(),
        kind: LedgerErrorKind::Empty,
        detail: detail.into(),
    }
}

fn too_new(path: &Path, version: i64) -> LedgerError {
    LedgerError {
        path: path.display().to_string(),
        kind: LedgerErrorKind::TooNew,
        detail: format!("schema version {version}; this bulklint knows up to {SCHEMA_VERSION}"),
    }
}

fn io_error(path: &Path, detail: &str) -> LedgerError {
    LedgerError {
        path: path.display().to_string(),
        kind: LedgerErrorKind::Io,
        detail: detail.into(),
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

// ---------------------------------------------------------------------------------------------
