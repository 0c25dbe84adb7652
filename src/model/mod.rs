//! Plain data every layer speaks: sources and spans, findings, errors, dates, laws, addresses,
//! spreadsheet-safe cells, rule ids, message kinds, number and time formatting. Depends on no
//! other module of the crate.

pub mod address;
pub mod date;
pub mod error;
pub mod finding;
pub mod format;
pub mod input;
pub mod kind;
pub mod law;
pub mod panic_guard;
pub mod rule;
pub mod source;
pub mod spreadsheet;
