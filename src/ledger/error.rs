//! Ledger failures, classified so a busy, damaged or foreign file each gets its own way out.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

use super::store::BUSY_TIMEOUT;

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
    /// An existing file of 0 bytes (or an SQLite file without a schema): its history is gone.
    Empty,
    /// The file (or, for a WAL file, its directory) cannot be written where writing is needed.
    ReadOnly,
    /// The recipient hashes were keyed with another secret than the one given, or none was.
    WrongKey,
    /// The key file (named in `path`) cannot be read, created or parsed.
    KeyFile,
    /// The PostgreSQL server cannot be reached, or refuses the connection.
    Unreachable,
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
                "{p}: a database, but not a bulklint send ledger ({}); point --ledger at a new file, or at an empty PostgreSQL database or schema",
                self.detail
            ),
            LedgerErrorKind::Unreachable => write!(
                f,
                "{p}: cannot reach the send ledger's PostgreSQL server ({}). Check that the server runs and that the URL's host, port, user, password and database are right; a send is not judged without its history",
                self.detail
            ),
            LedgerErrorKind::Io => write!(
                f,
                "{p}: cannot use the send ledger: {}. Check the file's owner and permissions (bulklint makes it readable by its owner only), or point --ledger (or BULKLINT_LEDGER) at another file",
                self.detail
            ),
            LedgerErrorKind::Empty => write!(
                f,
                "{p}: the send ledger is empty ({}): its history is gone, and a send cannot be judged without it. Restore the file from a backup; or, to start again, remove it (`rm '{p}'`) and rebuild it from your Sent folder with `bulklint ledger import SENT.mbox`",
                self.detail
            ),
            LedgerErrorKind::ReadOnly => write!(
                f,
                "{p}: the send ledger is read-only here ({}). Make the file and its directory writable, or copy the ledger somewhere writable and point --ledger (or BULKLINT_LEDGER) at the copy",
                self.detail
            ),
            LedgerErrorKind::WrongKey => write!(
                f,
                "{p}: the recipient hashes in this send ledger were made with another key ({}). Give bulklint the key it was made with: for a shared ledger set BULKLINT_LEDGER_KEY to its secret, otherwise restore the key file (ledger.key in bulklint's configuration directory, ~/.config/bulklint on Linux); or start a new ledger with --ledger NEW-FILE",
                self.detail
            ),
            LedgerErrorKind::KeyFile => write!(
                f,
                "{p}: cannot use the send ledger's key file: {}. Restore it from a backup, or set BULKLINT_LEDGER_KEY; a new key cannot read the hashes of an existing ledger",
                self.detail
            ),
        }
    }
}

impl std::error::Error for LedgerError {}

impl From<LedgerError> for crate::model::error::InputError {
    fn from(e: LedgerError) -> Self {
        let path = e.path.clone();
        let text = e.to_string();
        let message = text
            .strip_prefix(&format!("{path}: "))
            .unwrap_or(&text)
            .to_string();
        crate::model::error::InputError::new(path, message)
    }
}

pub(super) fn classify(path: &Path, e: &rusqlite::Error) -> LedgerError {
    let kind = match e.sqlite_error_code() {
        _ if is_busy(e) => LedgerErrorKind::Locked,
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => LedgerErrorKind::Corrupt,
        Some(ErrorCode::ReadOnly) => LedgerErrorKind::ReadOnly,
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
pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Puts the file in WAL mode. Switching needs an exclusive lock, and when two processes open a
/// new ledger at once SQLite reports the loser busy at once instead of calling the busy handler
/// (waiting could deadlock inside the switch). So the switch is retried here until the same
/// timeout a write gets; a file already in WAL mode (every open after the first) skips it.
pub(super) fn switch_to_wal(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
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
