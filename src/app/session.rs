//! The send ledger as one run uses it: opened once, shared by the drafts checked in parallel,
//! each sender's history read once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::ledger::{self, Ledger, SendRecord};
use crate::mailing::history::HistoryState;
use crate::model::error::InputError;

/// What a run says about the ledger besides its findings; the binary prints these.
pub type Warnings = Vec<String>;

pub struct LedgerSession {
    path: Option<PathBuf>,
    ledger: Option<Mutex<Ledger>>,
    /// Why it could not be opened, when it could not: every check says so.
    problem: Option<String>,
    /// Histories already read, by sender: a tree of templates without From reads it once.
    cache: Mutex<HashMap<Option<String>, HistoryState>>,
    warnings: Mutex<Warnings>,
}

impl LedgerSession {
    /// Opens the ledger a check reads: the given or default file when it exists, created when
    /// the run records. A ledger that cannot be read is a warning here and in each check.
    pub fn open(flag: Option<&Path>, disabled: bool, write: bool) -> LedgerSession {
        let mut session = LedgerSession {
            path: None,
            ledger: None,
            problem: None,
            cache: Mutex::default(),
            warnings: Mutex::default(),
        };
        if disabled {
            return session;
        }
        let Some(path) = flag.map(Path::to_path_buf).or_else(ledger::default_path) else {
            if write {
                let problem = "no data directory for the send ledger (no home directory?); pass --ledger PATH or set BULKLINT_LEDGER".to_string();
                session.warn(problem.clone());
                session.problem = Some(problem);
            }
            return session;
        };
        let opened = if write {
            Ledger::open(&path).map(Some)
        } else {
            Ledger::open_existing(&path)
        };
        match opened {
            Ok(ledger) => session.ledger = ledger.map(Mutex::new),
            Err(e) => {
                session.warn(format!("{e}; checking without the last 24 hours"));
                session.problem = Some(e.to_string());
            }
        }
        session.path = Some(path);
        session
    }

    fn warn(&self, text: String) {
        self.warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(text);
    }

    /// The warnings gathered so far, emptied.
    pub fn take_warnings(&self) -> Warnings {
        std::mem::take(&mut self.warnings.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The last 24 hours before `now` for `sender` (all of the provider's sends without one).
    pub fn history(&self, sender: Option<&str>, now: i64) -> HistoryState {
        if let Some(problem) = &self.problem {
            return HistoryState::Unavailable(problem.clone());
        }
        let Some(ledger) = &self.ledger else {
            return HistoryState::NotUsed;
        };
        let key = sender.map(str::to_lowercase);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = cache.get(&key) {
            return known.clone();
        }
        let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
        let state = match ledger.history(now, sender) {
            Ok(h) => HistoryState::Known(h),
            Err(e) => {
                self.warn(format!("{e}; checking without the last 24 hours"));
                HistoryState::Unavailable(e.to_string())
            }
        };
        cache.insert(key, state.clone());
        state
    }

    /// Whether records can be written: an error naming the ledger's problem when not.
    pub fn ready(&self) -> Result<&Mutex<Ledger>, InputError> {
        if let Some(problem) = &self.problem {
            return Err(InputError::new(
                self.path
                    .as_ref()
                    .map_or_else(|| "ledger".to_string(), |p| p.display().to_string()),
                format!(
                    "not recorded: {}",
                    problem
                        .split_once(": ")
                        .map_or(problem.as_str(), |(_, rest)| rest)
                ),
            ));
        }
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
}

/// The ledger file: `--ledger` or `BULKLINT_LEDGER`, else the default under the data directory.
pub fn ledger_path(flag: Option<&Path>) -> Result<PathBuf, InputError> {
    flag.map(Path::to_path_buf)
        .or_else(ledger::default_path)
        .ok_or_else(|| {
            InputError::new(
                "ledger",
                "no data directory (no home directory?); pass --ledger PATH or set BULKLINT_LEDGER",
            )
        })
}
