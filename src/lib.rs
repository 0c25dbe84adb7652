//! bulklint: a pre-send linter for bulk mail. It loads a draft and its recipients, judges the
//! send against the provider's limits and the anti-spam laws, and returns findings.
//!
//! The library computes and never prints; the `bulklint` binary renders and sets exit codes.

pub mod address;
pub mod batch;
pub mod charset;
pub mod check;
pub mod checks;
pub mod cli;
pub mod config;
pub mod consent;
pub mod date;
pub mod draft;
pub mod error;
pub mod export;
pub mod finding;
pub mod fingerprint;
pub mod fix;
pub mod identification;
pub mod inputs;
pub mod kind;
pub mod law;
pub mod ledger;
pub mod limits;
pub mod merge_tags;
pub mod minhash;
pub mod panic_guard;
pub mod phrases;
pub mod provider;
pub mod recipients;
pub mod report;
pub mod rules;
pub mod send;
pub mod source;
pub mod suppress;
pub mod unsubscribe;
pub mod verdict;

pub use check::{check, Input, Level, Options, Outcome};
pub use error::InputError;
pub use finding::{Finding, Label, Severity};
pub use kind::Kind;
pub use send::Send;
