//! The rule registry: each rule's metadata and parameters come from `rules/<id>.toml`
//! (embedded at build time, parameters read into typed structs when the catalogue loads), paired
//! here with the check that implements it.

pub mod checks;
pub mod engine;
pub mod plain;
pub mod subject;
pub mod verdict;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::data::embedded;
use crate::model::finding::{Finding, Severity};
use crate::model::rule::{Category, RuleId};
pub use subject::Subject;

/// A check: a pure function of the send and the rules' parameters that pushes findings.
pub type CheckFn = fn(&Subject, &Rule, &Params, &mut Vec<Finding>);

/// The docs sections every rule carries.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Docs {
    pub what: String,
    pub why: String,
    pub example: String,
    pub fix: String,
}

/// A law and section a rule enforces, for docs and SARIF help.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Citation {
    pub law: String,
    pub section: String,
    pub url: String,
}

/// A rule file as written; `params` is read separately into the rule's typed parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RuleFile {
    id: String,
    category: Category,
    severity: Severity,
    summary: String,
    plain: String,
    plain_fix: String,
    #[serde(default)]
    laws: Vec<Citation>,
    docs: Docs,
    #[serde(default)]
    params: toml::Table,
}

/// A registered rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: RuleId,
    pub category: Category,
    /// Default severity, before config and flag overrides.
    pub severity: Severity,
    pub summary: String,
    /// What a finding means to the person pressing Send, without jargon: a clause of the plain
    /// summary ("no way to unsubscribe").
    pub plain: String,
    /// What to do about it, in the same words ("add an unsubscribe link to the footer").
    pub plain_fix: String,
    pub laws: Vec<Citation>,
    pub docs: Docs,
    /// The parameters as written in the rule file, for `explain`.
    pub params: toml::Table,
    pub check: CheckFn,
}

impl Rule {
    pub fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self.id, self.severity, message)
    }
}

/// A rule without parameters: its file must have no `[params]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// A rule that lists bad entries one by one up to a cap, then counts the rest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ListedParams {
    pub max_listed: u64,
}

/// Reads one rule's `[params]` into its typed struct. The files are embedded, so a missing or
/// misspelt key is a build defect: the catalogue refuses to load (and every test fails).
fn read_params<T: DeserializeOwned>(id: RuleId, table: &toml::Table) -> T {
    T::deserialize(toml::Value::Table(table.clone()))
        .unwrap_or_else(|e| panic!("rules/{id}.toml: [params]: {e}"))
}

/// The one list of rules: id, data file, parameter type, check. The `match`es it generates are
/// exhaustive over [`RuleId`], so a rule named there but not registered here does not compile.
macro_rules! registry {
    ($($variant:ident => $file:literal, $field:ident: $params:ty, $check:path;)*) => {
        /// Every rule's parameters, typed.
        #[derive(Debug, Clone)]
        pub struct Params {
            $(pub $field: $params,)*
        }

        fn file(id: RuleId) -> &'static str {
            match id {
                $(RuleId::$variant => embedded::embedded!($file),)*
            }
        }

        fn check_fn(id: RuleId) -> CheckFn {
            match id {
                $(RuleId::$variant => $check,)*
            }
        }

        /// The parameters with `overrides` (bulklint.toml's `[params.<rule>]`) laid over each
        /// rule's own: a rule whose parameters cannot be set, a key the rule does not have, or
        /// a value of the wrong type is an error.
        /// Refuses parameters a rule does not have, or values of the wrong shape, without
        /// building the parameters (nothing to build when there are no overrides).
        pub fn check_params(overrides: &BTreeMap<RuleId, toml::Table>) -> Result<(), String> {
            if overrides.is_empty() {
                return Ok(());
            }
            params_with(overrides).map(drop)
        }

        pub fn params_with(overrides: &BTreeMap<RuleId, toml::Table>) -> Result<Params, String> {
            let mut params = params().clone();
            for (&id, table) in overrides {
                if !CONFIGURABLE.contains(&id) {
                    return Err(format!(
                        "the parameters of `{id}` cannot be set here: they are compiled into its patterns once per process"
                    ));
                }
                let mut merged = rule(id).params.clone();
                for (key, value) in table {
                    if !merged.contains_key(key) {
                        let known: Vec<&str> = merged.keys().map(String::as_str).collect();
                        return Err(format!(
                            "`{id}` has no parameter `{key}`; its parameters: {}",
                            known.join(", ")
                        ));
                    }
                    merged.insert(key.clone(), value.clone());
                }
                let value = toml::Value::Table(merged);
                match id {
                    $(RuleId::$variant => {
                        params.$field = <$params>::deserialize(value)
                            .map_err(|e| format!("`{id}`: {}", e.message()))?;
                    })*
                }
            }
            Ok(params)
        }

        fn read_all_params(files: &[(RuleId, RuleFile)]) -> Params {
            let table = |id: RuleId| {
                files
                    .iter()
                    .find(|(r, _)| *r == id)
                    .map(|(_, f)| &f.params)
                    .unwrap_or_else(|| panic!("rule {id} is not in the catalogue"))
            };
            Params {
                $($field: read_params(RuleId::$variant, table(RuleId::$variant)),)*
            }
        }
    };
}

registry! {
    RecipientLimit => "recipient-limit", recipient_limit: checks::recipient_limit::Params, checks::recipient_limit::check;
    BulkFromMailbox => "bulk-from-mailbox", bulk_from_mailbox: NoParams, checks::bulk_from_mailbox::check;
    IdenticalBody => "identical-body", identical_body: checks::identical_body::Params, checks::identical_body::check;
    VisibleRecipients => "visible-recipients", visible_recipients: checks::visible_recipients::Params, checks::visible_recipients::check;
    UnsubscribeMissing => "unsubscribe-missing", unsubscribe_missing: NoParams, checks::unsubscribe_missing::check;
    UnsubscribePlaceholder => "unsubscribe-placeholder", unsubscribe_placeholder: crate::analysis::unsubscribe::Placeholders, checks::unsubscribe_placeholder::check;
    RecipientInvalid => "recipient-invalid", recipient_invalid: checks::recipient_invalid::Params, checks::recipient_invalid::check;
    RecipientDuplicate => "recipient-duplicate", recipient_duplicate: ListedParams, checks::recipient_duplicate::check;
    SenderIdentification => "sender-identification", sender_identification: crate::analysis::identification::Params, checks::sender_identification::check;
    ListUnsubscribeHeader => "list-unsubscribe-header", list_unsubscribe_header: checks::list_unsubscribe_header::Params, checks::list_unsubscribe_header::check;
    UnrenderedMergeTag => "unrendered-merge-tag", unrendered_merge_tag: NoParams, checks::unrendered_merge_tag::check;
    MergeTagSyntax => "merge-tag-syntax", merge_tag_syntax: NoParams, checks::merge_tag_syntax::check;
    ConsentMissing => "consent-missing", consent_missing: NoParams, checks::consent_missing::check;
    ConsentExpired => "consent-expired", consent_expired: crate::mailing::consent::Windows, checks::consent_expired::check;
    InputProblem => "input-problem", input_problem: NoParams, checks::input_problem::check;
    UnusedSuppression => "unused-suppression", unused_suppression: NoParams, checks::unused_suppression::check;
    // Template checks: rendering.
    GmailClipping => "gmail-clipping", gmail_clipping: checks::gmail_clipping::Params, checks::gmail_clipping::check;
    ClientSupport => "client-support", client_support: checks::client_support::Params, checks::client_support::check;
    DarkMode => "dark-mode", dark_mode: checks::dark_mode::Params, checks::dark_mode::check;
    // Template checks: accessibility.
    HtmlLang => "html-lang", html_lang: NoParams, checks::html_lang::check;
    LayoutTableRole => "layout-table-role", layout_table_role: NoParams, checks::layout_table_role::check;
    ImageAlt => "image-alt", image_alt: NoParams, checks::image_alt::check;
    LinkText => "link-text", link_text: checks::link_text::Params, checks::link_text::check;
    ColorContrast => "color-contrast", color_contrast: checks::color_contrast::Params, checks::color_contrast::check;
    // Template checks: images, links and parts.
    ImageSrc => "image-src", image_src: NoParams, checks::image_src::check;
    ImageOnly => "image-only", image_only: checks::image_only::Params, checks::image_only::check;
    LinkTarget => "link-target", link_target: checks::link_target::Params, checks::link_target::check;
    TextPart => "text-part", text_part: checks::text_part::Params, checks::text_part::check;
    Preheader => "preheader", preheader: checks::preheader::Params, checks::preheader::check;
}

struct Catalogue {
    rules: Vec<Rule>,
    params: Params,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let files: Vec<(RuleId, RuleFile)> = RuleId::ALL
            .iter()
            .map(|&id| {
                let file: RuleFile = embedded::read(id.as_str(), file(id));
                assert_eq!(
                    file.id,
                    id.as_str(),
                    "rules/{id}.toml names itself `{}`",
                    file.id
                );
                (id, file)
            })
            .collect();
        let params = read_all_params(&files);
        let rules = files
            .into_iter()
            .map(|(id, file)| Rule {
                id,
                category: file.category,
                severity: file.severity,
                summary: file.summary,
                plain: file.plain,
                plain_fix: file.plain_fix,
                laws: file.laws,
                docs: file.docs,
                params: file.params,
                check: check_fn(id),
            })
            .collect();
        Catalogue { rules, params }
    })
}

/// All rules, in catalogue order.
pub fn all() -> &'static [Rule] {
    &catalogue().rules
}

/// One rule: every id is registered, so this cannot fail.
pub fn rule(id: RuleId) -> &'static Rule {
    &all()[RuleId::ALL
        .iter()
        .position(|r| *r == id)
        .unwrap_or_default()]
}

/// Every rule's typed parameters, as its file sets them.
pub fn params() -> &'static Params {
    &catalogue().params
}

/// Rules whose parameters bulklint.toml may set (`[params.<rule>]`). Sender identification's
/// lists are compiled into patterns once per process, and unsubscribe-placeholder's are copied
/// into them, so those two keep their files' values.
pub const CONFIGURABLE: &[RuleId] = &[
    RuleId::RecipientLimit,
    RuleId::IdenticalBody,
    RuleId::VisibleRecipients,
    RuleId::RecipientInvalid,
    RuleId::RecipientDuplicate,
    RuleId::ListUnsubscribeHeader,
    RuleId::ConsentExpired,
    RuleId::GmailClipping,
    RuleId::ClientSupport,
    RuleId::DarkMode,
    // Template checks: accessibility.
    RuleId::LinkText,
    RuleId::ColorContrast,
    // Template checks: images, links and parts.
    RuleId::ImageOnly,
    RuleId::LinkTarget,
    RuleId::TextPart,
    RuleId::Preheader,
];
