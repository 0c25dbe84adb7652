//! Embedded tables shared by several layers: phrases (`rules/phrases.toml`), the export
//! services (`rules/export/services.toml`) and email-client support (`vendor/caniemail/`); and
//! how the data files of `rules/` are embedded (`embedded`).

pub mod caniemail;
pub mod embedded;
pub mod phrases;
pub mod services;
