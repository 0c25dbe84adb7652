//! bulklint: a pre-send linter for bulk mail. It loads a draft and its recipients, judges the
//! send against the provider's limits and the anti-spam laws, and returns findings.
//!
//! The library computes and never prints; the `bulklint` binary renders and sets exit codes.
//! Its top-level modules are layers, each using only those below it: model, data, load,
//! analysis, mailing, rules, report, ledger, export, fix, config, app (ARCHITECTURE.md;
//! `tests/layers.rs` keeps it so).
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
pub mod app;
pub mod config;
pub mod data;
pub mod export;
pub mod fix;
pub mod ledger;
pub mod load;
pub mod mailing;
pub mod model;
pub mod report;
pub mod rules;

pub use mailing::assemble::Options;
pub use mailing::Mailing;
pub use model::error::InputError;
pub use model::finding::{Finding, Label, Severity};
pub use model::input::Input;
pub use model::kind::Kind;
pub use model::rule::{Level, RuleId};
pub use rules::engine::{check, Outcome};
