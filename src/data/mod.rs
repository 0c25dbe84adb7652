//! Embedded tables shared by several layers: phrases (`rules/phrases.toml`), the export
//! services (`rules/export/services.toml`) and email-client support (`vendor/caniemail/`).

pub mod caniemail;
pub mod phrases;
pub mod services;
