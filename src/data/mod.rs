//! Embedded tables shared by several layers: phrases (`rules/phrases.toml`), the export
//! services (`rules/export/services.toml`) and email-client support (`vendor/caniemail/`); and
//! how the data files of `rules/` and the DFAs compiled from them are embedded (`embedded`,
//! `dfa`).

pub mod caniemail;
pub mod dfa;
pub mod embedded;
pub mod phrases;
pub mod services;
