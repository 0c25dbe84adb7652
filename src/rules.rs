//! The rule registry: each rule's metadata and parameters come from `rules/<id>.toml`
//! (embedded at build time), paired here with the check that implements it.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::checks;
use crate::finding::{Finding, Severity};
use crate::send::Send;

/// A check: a pure function of the send and its rule's parameters that pushes findings.
pub type CheckFn = fn(&Send, &Rule, &mut Vec<Finding>);

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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RuleFile {
    id: String,
    category: String,
    severity: Severity,
    summary: String,
    #[serde(default)]
    laws: Vec<Citation>,
    docs: Docs,
    #[serde(default)]
    params: toml::Table,
}

/// A registered rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: &'static str,
    pub category: String,
    /// Default severity, before config and flag overrides.
    pub severity: Severity,
    pub summary: String,
    pub laws: Vec<Citation>,
    pub docs: Docs,
    pub params: toml::Table,
    pub check: CheckFn,
}

impl Rule {
    /// An integer parameter from the rule's data file. The files are embedded and every one is
    /// exercised by the test suite, so a missing key is a build defect, not an input problem.
    pub fn param_u64(&self, key: &str) -> u64 {
        self.params
            .get(key)
            .and_then(toml::Value::as_integer)
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or_else(|| {
                panic!(
                    "rules/{}.toml: params.{key} must be a non-negative integer",
                    self.id
                )
            })
    }

    pub fn param_f64(&self, key: &str) -> f64 {
        self.params
            .get(key)
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
            .unwrap_or_else(|| panic!("rules/{}.toml: params.{key} must be a number", self.id))
    }

    pub fn param_strings(&self, key: &str) -> Vec<String> {
        self.params
            .get(key)
            .and_then(toml::Value::as_array)
            .unwrap_or_else(|| {
                panic!(
                    "rules/{}.toml: params.{key} must be an array of strings",
                    self.id
                )
            })
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    pub fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self, message)
    }
}

macro_rules! registry {
    ($($id:literal => $check:path),* $(,)?) => {
        const REGISTRY: &[(&str, &str, CheckFn)] = &[
            $(($id, include_str!(concat!("../rules/", $id, ".toml")), $check)),*
        ];
    };
}

registry! {
    "recipient-limit" => checks::recipient_limit::check,
    "bulk-from-mailbox" => checks::bulk_from_mailbox::check,
    "identical-body" => checks::identical_body::check,
    "visible-recipients" => checks::visible_recipients::check,
    "unsubscribe-missing" => checks::unsubscribe_missing::check,
    "unsubscribe-placeholder" => checks::unsubscribe_placeholder::check,
    "recipient-invalid" => checks::recipient_invalid::check,
    "recipient-duplicate" => checks::recipient_duplicate::check,
    "sender-identification" => checks::sender_identification::check,
    "list-unsubscribe-header" => checks::list_unsubscribe_header::check,
    "unrendered-merge-tag" => checks::unrendered_merge_tag::check,
    "merge-tag-syntax" => checks::merge_tag_syntax::check,
    "consent-missing" => checks::consent_missing::check,
    "consent-expired" => checks::consent_expired::check,
    "input-problem" => checks::input_problem::check,
    "unused-suppression" => checks::unused_suppression::check,
}

/// All rules, in catalogue order.
pub fn all() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        REGISTRY
            .iter()
            .map(|&(id, text, check)| {
                let file: RuleFile = toml::from_str(text)
                    .unwrap_or_else(|e| panic!("rules/{id}.toml does not parse: {e}"));
                assert_eq!(file.id, id, "rules/{id}.toml names itself `{}`", file.id);
                Rule {
                    id,
                    category: file.category,
                    severity: file.severity,
                    summary: file.summary,
                    laws: file.laws,
                    docs: file.docs,
                    params: file.params,
                    check,
                }
            })
            .collect()
    })
}

pub fn get(id: &str) -> Option<&'static Rule> {
    all().iter().find(|r| r.id == id)
}

/// The ids of all rules, for "did you mean" and validation messages.
pub fn ids() -> Vec<&'static str> {
    all().iter().map(|r| r.id).collect()
}
