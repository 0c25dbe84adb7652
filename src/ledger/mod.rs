//! The send ledger: an embedded SQLite file (or a table set on a PostgreSQL server shared by an
//! organisation's senders and CI runners) of earlier sends (time, sender, provider, recipient
//! counts, recipient hashes keyed by a secret kept outside the file, body fingerprints), and the
//! plain [`History`] of the last 24 hours that the volume and body checks read.
//!
//! Fails closed: a missing ledger is created, but an existing one that is empty, damaged,
//! someone else's, keyed with another key, unreadable or unwritable where writing is needed is an
//! error naming the file: a send is never judged against a history that silently went missing.
//!
//! Durability: the file runs in WAL mode with `synchronous = FULL`; each record is one
//! `BEGIN IMMEDIATE` transaction, so two processes recording at once queue behind each other
//! (with a busy timeout) instead of failing, and a process killed mid-write leaves either the
//! whole send or nothing. The library never reads the clock: every time is passed in.

mod backend;
mod error;
mod files;
mod import;
mod key;
mod postgres;
mod record;
mod store;
mod summary;

pub use error::{LedgerError, LedgerErrorKind};
pub use import::{import, ImportReport, Skipped};
pub use key::{default_key_path, LedgerKey, KEY_ENV};
pub use postgres::{is_url, redact};
pub use record::{Origin, SendRecord};
pub use store::{default_path, Ledger, Refusal, SCHEMA_VERSION};
pub use summary::{
    render_history, render_tenant, same_body, summarize, summarize_tenant, BodyUse, LimitUse,
    SenderUse, TenantSender, TenantUse,
};
