//! The send ledger: an embedded SQLite file of earlier sends (time, sender, provider, recipient
//! counts, hashed recipients, body fingerprints), and the plain [`History`] of the last 24 hours
//! that the volume and body checks read.
//!
//! Durability: the file runs in WAL mode with `synchronous = FULL`; each record is one
//! `BEGIN IMMEDIATE` transaction, so two processes recording at once queue behind each other
//! (with a busy timeout) instead of failing, and a process killed mid-write leaves either the
//! whole send or nothing. The library never reads the clock: every time is passed in.

mod error;
mod import;
mod record;
mod store;
mod summary;

pub use error::{LedgerError, LedgerErrorKind};
pub use import::{import, ImportReport, Skipped};
pub use record::{Origin, SendRecord};
pub use store::{default_path, Ledger, SCHEMA_VERSION};
pub use summary::{render_history, same_body, summarize, BodyUse, LimitUse, SenderUse};
