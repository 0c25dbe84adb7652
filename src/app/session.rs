//! The send ledger as one run uses it: opened once (read-only unless the run records), shared by
//! the drafts checked in parallel, each sender's history read once. A ledger that exists but
//! cannot be used stops the run with an input error: no draft is judged without its history.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::app::options::ConfigSource;
use crate::ledger::{self, Ledger, LedgerKey, Refusal, SendRecord, KEY_ENV};
use crate::mailing::history::{History, HistoryState, Tenant};
use crate::model::error::InputError;

/// What the configuration in the working directory says about the ledger: a shared one's URL
/// (`[ledger] url`) and the tenant whose senders share limits (`[tenant]`).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub url: Option<PathBuf>,
    pub tenant: Option<Tenant>,
}

impl Settings {
    /// The settings of the configuration that applies to the working directory.
    pub fn read(config: &ConfigSource) -> Result<Settings, InputError> {
        Ok(config
            .at(Path::new("."))?
            .map(|c| Settings {
                url: c.ledger.url.as_ref().map(PathBuf::from),
                tenant: c.tenant(),
            })
            .unwrap_or_default())
    }
}

/// What a run says about the ledger besides its findings; the binary prints these.
pub type Warnings = Vec<String>;

pub struct LedgerSession {
    ledger: Option<Mutex<Ledger>>,
    /// Histories already read, by sender: a tree of templates without From reads it once.
    cache: Mutex<HashMap<Option<String>, HistoryState>>,
    warnings: Mutex<Warnings>,
}

impl LedgerSession {
    /// Opens the ledger a check reads: the given or default file, read-only, when it exists;
    /// created when the run records (`write`). An existing ledger that cannot be used is an error.
    pub fn open(
        flag: Option<&Path>,
        settings: &Settings,
        disabled: bool,
        write: bool,
    ) -> Result<LedgerSession, InputError> {
        let mut session = LedgerSession {
            ledger: None,
            cache: Mutex::default(),
            warnings: Mutex::default(),
        };
        if disabled {
            return Ok(session);
        }
        let path = match ledger_path(flag, settings) {
            Ok(path) => path,
            // Without a home there is no default ledger, so nothing to read.
            Err(_) if !write => return Ok(session),
            Err(e) => return Err(e),
        };
        let ledger = if write {
            Some(open_to_record(&path, settings)?)
        } else {
            open_to_read(&path, settings)?
        };
        if let Some(mut ledger) = ledger {
            session
                .warnings
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(ledger.take_notes());
            session.ledger = Some(Mutex::new(ledger));
        }
        Ok(session)
    }

    /// The warnings gathered so far, emptied.
    pub fn take_warnings(&self) -> Warnings {
        std::mem::take(&mut self.warnings.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The last 24 hours before `now` for `sender` (all of the provider's sends without one);
    /// an error when the ledger cannot be read.
    pub fn history(&self, sender: Option<&str>, now: i64) -> Result<HistoryState, InputError> {
        let Some(ledger) = &self.ledger else {
            return Ok(HistoryState::NotUsed);
        };
        let key = sender.map(str::to_lowercase);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = cache.get(&key) {
            return Ok(known.clone());
        }
        let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
        let state = HistoryState::Known(ledger.history(now, sender)?);
        cache.insert(key, state.clone());
        Ok(state)
    }

    /// The ledger records are written to: an error when none is open.
    pub fn ready(&self) -> Result<&Mutex<Ledger>, InputError> {
        self.ledger
            .as_ref()
            .ok_or_else(|| InputError::new("ledger", "not recorded: no ledger is open"))
    }

    /// Writes records; the ledger's file for the message that says so.
    pub fn record(&self, records: &[SendRecord], now: i64) -> Result<PathBuf, InputError> {
        let mut l = self.ready()?.lock().unwrap_or_else(PoisonError::into_inner);
        l.record(records, now)?;
        Ok(l.path().to_path_buf())
    }

    /// Writes records unless `judge`, given the history of `sender` at `now` as it stands under
    /// the ledger's write lock, refuses (see [`Ledger::record_if`]).
    pub fn record_if(
        &self,
        records: &[SendRecord],
        now: i64,
        sender: Option<&str>,
        judge: impl FnOnce(History) -> Option<Refusal>,
    ) -> Result<Result<PathBuf, Refusal>, InputError> {
        let mut l = self.ready()?.lock().unwrap_or_else(PoisonError::into_inner);
        let written = l.record_if(records, now, now, sender, judge)?;
        Ok(written.map(|_| l.path().to_path_buf()))
    }
}

/// The ledger: `--ledger` or `BULKLINT_LEDGER`, else `[ledger] url`, else the default file under
/// the data directory. A `postgres://` URL names a server.
pub fn ledger_path(flag: Option<&Path>, settings: &Settings) -> Result<PathBuf, InputError> {
    flag.map(Path::to_path_buf)
        .or_else(|| settings.url.clone())
        .or_else(ledger::default_path)
        .ok_or_else(|| {
            InputError::new(
                "ledger",
                "no data directory (no home directory?); pass --ledger PATH or set BULKLINT_LEDGER",
            )
        })
}

/// The server URL `path` holds, if it names one.
fn server_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|p| ledger::is_url(p))
}

/// Opens the ledger at `path` (a file or a server URL) to record in it, with its key and the
/// tenant of `settings`: created when missing, with a new key file when there is none.
pub fn open_to_record(path: &Path, settings: &Settings) -> Result<Ledger, InputError> {
    let key = ledger_key(true)?.ok_or_else(|| {
        InputError::new(
            "ledger",
            format!("no configuration directory for the ledger's key file (no home directory?); set {KEY_ENV} to a long random secret"),
        )
    })?;
    let mut ledger = match server_url(path) {
        Some(url) => Ledger::open_server(url, &key)?,
        None => Ledger::open(path, &key)?,
    };
    ledger.set_tenant(settings.tenant.clone());
    Ok(ledger)
}

/// Opens the ledger at `path` read-only, with its key and the tenant of `settings`; `None` when
/// there is no ledger yet.
pub fn open_to_read(path: &Path, settings: &Settings) -> Result<Option<Ledger>, InputError> {
    let ledger = match server_url(path) {
        Some(url) => Ledger::open_server_read(url, ledger_key(false)?.as_ref())?,
        // No ledger, no key to look for.
        None if matches!(std::fs::metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound) => {
            None
        }
        None => Ledger::open_read(path, ledger_key(false)?.as_ref())?,
    };
    Ok(ledger.map(|mut l| {
        l.set_tenant(settings.tenant.clone());
        l
    }))
}

/// Where the key of recipient hashes comes from: `BULKLINT_LEDGER_KEY` (a secret shared by the
/// users of one ledger) or the key file in the configuration directory, created when a run
/// records and there is none. `None` when there is neither and nothing is written.
fn ledger_key(write: bool) -> Result<Option<LedgerKey>, InputError> {
    if let Some(secret) = std::env::var_os(KEY_ENV) {
        let secret = secret
            .into_string()
            .map_err(|_| InputError::new(KEY_ENV, "the secret is not valid UTF-8"))?;
        return LedgerKey::from_secret(&secret)
            .map(Some)
            .map_err(|e| InputError::new(KEY_ENV, e));
    }
    let Some(path) = ledger::default_key_path() else {
        return Ok(None);
    };
    Ok(if write {
        Some(LedgerKey::load_or_create(&path)?)
    } else {
        LedgerKey::load(&path)?
    })
}
