//! The bulk-mail services `export` writes for (`rules/export/services.toml`): CSV columns,
//! merge tags, footer wording, next steps.

use std::sync::OnceLock;

use crate::data::embedded;

use serde::Deserialize;

/// One bulk-mail service `export` writes for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Service {
    pub id: String,
    pub name: String,
    /// The entry in `rules/merge-tags.toml` whose tags the footer uses.
    #[serde(default)]
    pub esp: Option<String>,
    /// Where the service documents its import file.
    pub import_doc: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub consent_type: String,
    pub consent_date: String,
    /// Write the consent columns even when no source list records consent.
    #[serde(default)]
    pub always_consent: bool,
    #[serde(default)]
    pub unsubscribe_tag: Option<String>,
    #[serde(default)]
    pub name_tag: Option<String>,
    #[serde(default)]
    pub address_tag: Option<String>,
    pub next_steps: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameColumns {
    pub first: Vec<String>,
    pub last: Vec<String>,
    pub full: Vec<String>,
}

/// The footer's pieces, HTML and text (`rules/export/services.toml` `[footer]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FooterText {
    pub html_start: String,
    pub html_identity: String,
    pub html_contact: String,
    pub html_unsubscribe: String,
    pub html_end: String,
    pub text_start: String,
    pub text_identity: String,
    pub text_contact: String,
    pub text_unsubscribe: String,
    pub text_end: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wrapper {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DataFile {
    pub suggested: String,
    pub names: NameColumns,
    pub footer: FooterText,
    pub html_wrapper: Wrapper,
    /// Appended to NEXT-STEPS.md when the draft's embedded images were written out.
    pub images_note: String,
    pub service: Vec<Service>,
}

/// The whole file, read once.
pub fn data() -> &'static DataFile {
    static DATA: OnceLock<DataFile> = OnceLock::new();
    DATA.get_or_init(|| embedded::read("export/services", embedded::embedded!("export/services")))
}

pub fn services() -> &'static [Service] {
    &data().service
}

pub fn service(id: &str) -> Option<&'static Service> {
    services().iter().find(|s| s.id == id)
}

/// The service ids, for `--to`.
pub fn service_ids() -> Vec<&'static str> {
    services().iter().map(|s| s.id.as_str()).collect()
}
