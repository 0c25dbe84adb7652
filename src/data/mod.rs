//! Embedded tables shared by several layers: phrases (`rules/phrases.toml`) and the export
//! services (`rules/export/services.toml`).

pub mod phrases;
pub mod services;
