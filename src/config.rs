//! `bulklint.toml`: discovery (walking up from the draft), strict parsing, and validation with
//! errors that name the file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::load::input_limits::InputLimits;
use crate::mailing::assemble::Options;
use crate::mailing::history::Tenant;
use crate::mailing::provider::{self, LimitKey};
use crate::model::date::Date;
use crate::model::error::InputError;
use crate::model::kind::Kind;
use crate::model::rule::{Level, RuleId};

/// File names looked for in each directory, in order.
pub const FILE_NAMES: &[&str] = &["bulklint.toml", ".bulklint.toml"];

/// Provider figures an organisation may override (its outbound spam policy).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitOverrides {
    pub per_message: Option<u64>,
    pub per_day: Option<u64>,
    pub external_per_hour: Option<u64>,
    pub external_per_day: Option<u64>,
    pub smtp_messages_per_minute: Option<u64>,
}

impl LimitOverrides {
    /// The overrides as (limit, value) pairs.
    pub fn entries(&self) -> Vec<(LimitKey, u64)> {
        [
            (LimitKey::PerMessage, self.per_message),
            (LimitKey::PerDay, self.per_day),
            (LimitKey::ExternalPerHour, self.external_per_hour),
            (LimitKey::ExternalPerDay, self.external_per_day),
            (
                LimitKey::SmtpMessagesPerMinute,
                self.smtp_messages_per_minute,
            ),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }
}

/// `[ledger]`: where the send ledger is, when not the default file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerSettings {
    /// A file, or a `postgres://` URL of a ledger shared by several senders and machines.
    pub url: Option<String>,
}

/// `[tenant]`: the organisation whose mailboxes share one budget (Microsoft 365 counts the
/// external recipients of every mailbox of a tenant together).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSettings {
    pub provider: Spanned<String>,
    /// Purchased email licences.
    pub licences: Spanned<u64>,
    /// The tenant's mail domains: sends from these count against its budget.
    pub domains: Spanned<Vec<String>>,
}

/// Settings for drafts whose path matches `paths` (globs relative to the config file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Override {
    pub paths: Vec<String>,
    /// `paths` compiled once when the file is read.
    #[serde(skip)]
    pub matcher: globset::GlobSet,
    pub kind: Option<Kind>,
    pub provider: Option<Spanned<String>>,
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Level>,
}

/// `[clients]`: the email clients `client-support` judges templates in, as caniemail names
/// them (`gmail`, `outlook-windows`); the same as `[params.client-support] targets`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSettings {
    pub targets: Spanned<Vec<String>>,
}

impl ClientSettings {
    fn params(&self) -> toml::Table {
        let names = self
            .targets
            .get_ref()
            .iter()
            .cloned()
            .map(toml::Value::String);
        toml::Table::from_iter([("targets".to_string(), toml::Value::Array(names.collect()))])
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub provider: Option<Spanned<String>>,
    #[serde(default)]
    pub org_domains: Vec<String>,
    pub kind: Option<Kind>,
    pub column: Option<String>,
    /// The laws sends are judged under (`casl`, `can-spam`, `spam-act`, `pecr`).
    #[serde(default)]
    pub laws: Vec<crate::model::law::Law>,
    #[serde(default)]
    pub limits: LimitOverrides,
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Level>,
    /// Rule parameters that replace the rule files' (`[params.visible-recipients]`,
    /// `max-visible = 20`); `bulklint explain RULE` lists each rule's.
    #[serde(default)]
    pub params: BTreeMap<Spanned<String>, toml::Table>,
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// How large and how deep one input may be (`[input]`).
    #[serde(default)]
    pub input: InputLimits,
    /// Extensions that count as drafts when a directory is checked.
    pub draft_extensions: Option<Vec<String>>,
    /// The send ledger (`[ledger]`).
    #[serde(default)]
    pub ledger: LedgerSettings,
    /// The organisation whose mailboxes share limits (`[tenant]`).
    pub tenant: Option<TenantSettings>,
    /// The email clients templates are judged in (`[clients]`).
    pub clients: Option<ClientSettings>,
    /// Where the file was read from; globs in overrides are relative to its directory.
    #[serde(skip)]
    pub path: PathBuf,
}

impl Config {
    /// Parses and validates a config text; errors carry the file and line.
    pub fn parse(path: &Path, text: &str) -> Result<Config, InputError> {
        let name = path.display().to_string();
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let mut config: Config = toml::from_str(text).map_err(|e| {
            // toml gives some syntax errors (`key =` with no value) no message at all.
            let message = match e.message().trim() {
                "" => "not valid TOML here: a value is missing or malformed",
                m => m,
            };
            let err = InputError::new(&name, message.replace('\n', "; "));
            match e.span() {
                Some(span) => err.at_line(line_of(span.start)),
                None => err,
            }
        })?;
        config.path = path.to_path_buf();
        let check_provider = |p: &Spanned<String>| -> Result<(), InputError> {
            if provider::profile(p.get_ref()).is_none() {
                return Err(InputError::new(
                    &name,
                    format!(
                        "unknown provider `{}`; known: {}",
                        p.get_ref(),
                        provider::ids().join(", ")
                    ),
                )
                .at_line(line_of(p.span().start)));
            }
            Ok(())
        };
        let check_rules =
            |rules_table: &BTreeMap<Spanned<String>, Level>| -> Result<(), InputError> {
                for id in rules_table.keys() {
                    if let Err(unknown) = id.get_ref().parse::<RuleId>() {
                        return Err(InputError::new(&name, unknown.to_string())
                            .at_line(line_of(id.span().start)));
                    }
                }
                Ok(())
            };
        if let Some(p) = &config.provider {
            check_provider(p)?;
        }
        if let Err((key, message)) = config.input.validate() {
            let at = text
                .match_indices(key)
                .map(|(i, _)| i)
                .find(|&i| text[..i].ends_with('\n') || i == 0)
                .unwrap_or(0);
            return Err(InputError::new(&name, message).at_line(line_of(at)));
        }
        check_rules(&config.rules)?;
        for (id, table) in &config.params {
            let at = line_of(id.span().start);
            let rule: RuleId =
                id.get_ref()
                    .parse()
                    .map_err(|e: crate::model::rule::UnknownRule| {
                        InputError::new(&name, e.to_string()).at_line(at)
                    })?;
            crate::rules::params_with(&BTreeMap::from([(rule, table.clone())]))
                .map_err(|e| InputError::new(&name, format!("[params.{rule}]: {e}")).at_line(at))?;
        }
        if let Some(c) = &config.clients {
            let table = BTreeMap::from([(RuleId::ClientSupport, c.params())]);
            crate::rules::params_with(&table).map_err(|e| {
                InputError::new(&name, format!("[clients]: {e}"))
                    .at_line(line_of(c.targets.span().start))
            })?;
        }
        if let Some(t) = &config.tenant {
            check_provider(&t.provider)?;
            if *t.licences.get_ref() == 0 {
                return Err(
                    InputError::new(&name, "[tenant] licences must be at least 1")
                        .at_line(line_of(t.licences.span().start)),
                );
            }
            if t.domains.get_ref().iter().all(|d| d.trim().is_empty()) {
                return Err(InputError::new(
                    &name,
                    "[tenant] domains is empty: name the tenant's mail domains, whose senders share its budget",
                )
                .at_line(line_of(t.domains.span().start)));
            }
        }
        for o in &mut config.overrides {
            if let Some(p) = &o.provider {
                check_provider(p)?;
            }
            check_rules(&o.rules)?;
            let mut set = globset::GlobSetBuilder::new();
            for glob in &o.paths {
                set.add(globset::Glob::new(glob).map_err(|e| {
                    InputError::new(&name, format!("bad glob `{glob}` in overrides: {e}"))
                        .at_line(text.find(glob.as_str()).map_or(1, line_of))
                })?);
            }
            o.matcher = set
                .build()
                .map_err(|e| InputError::new(&name, format!("the globs of an override: {e}")))?;
        }
        Ok(config)
    }

    /// The tenant of `[tenant]`, its domains lower-case.
    pub fn tenant(&self) -> Option<Tenant> {
        self.tenant.as_ref().map(|t| Tenant {
            provider: t.provider.get_ref().clone(),
            licences: *t.licences.get_ref(),
            domains: t
                .domains
                .get_ref()
                .iter()
                .map(|d| d.trim().trim_start_matches('@').to_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
        })
    }

    pub fn load(path: &Path) -> Result<Config, InputError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::new(path.display().to_string(), format!("cannot read: {e}"))
        })?;
        Config::parse(path, &text)
    }

    /// The options for one draft: the file's settings, then the overrides whose paths match.
    pub fn options_for(&self, draft: &Path) -> Options {
        let mut options = Options {
            provider: self.provider.as_ref().map(|p| p.get_ref().clone()),
            org_domains: self.org_domains.clone(),
            column: self.column.clone(),
            kind: self.kind,
            levels: self
                .rules
                .iter()
                .filter_map(|(k, v)| Some((k.get_ref().parse().ok()?, *v)))
                .collect(),
            as_of: None::<Date>,
            limits: self.limits.entries().into_iter().collect(),
            laws: self.laws.clone(),
            input: self.input,
            // Ids and keys were checked when the file was read.
            params: self
                .params
                .iter()
                .filter_map(|(k, v)| Some((k.get_ref().parse().ok()?, v.clone())))
                .collect(),
            ..Options::default()
        };
        if let Some(c) = &self.clients {
            options
                .params
                .entry(RuleId::ClientSupport)
                .or_default()
                .extend(c.params());
        }
        let base = self.path.parent().unwrap_or(Path::new(""));
        let relative = draft.strip_prefix(base).unwrap_or(draft);
        for o in &self.overrides {
            if !o.matcher.is_match(relative) {
                continue;
            }
            if let Some(kind) = o.kind {
                options.kind = Some(kind);
            }
            if let Some(p) = &o.provider {
                options.provider = Some(p.get_ref().clone());
            }
            // Ids were checked when the file was read.
            for (id, level) in &o.rules {
                if let Ok(id) = id.get_ref().parse() {
                    options.levels.insert(id, *level);
                }
            }
        }
        options
    }
}

/// The nearest config file at or above `start` (a file's directory, or a directory).
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = if start.is_dir() {
        start
    } else {
        start.parent()?
    };
    let start = if start.as_os_str().is_empty() {
        Path::new(".")
    } else {
        start
    };
    let absolute = std::fs::canonicalize(start).ok()?;
    absolute
        .ancestors()
        .find_map(|dir| FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, InputError> {
        Config::parse(Path::new("bulklint.toml"), text)
    }

    #[test]
    fn the_ledger_url_and_the_tenant_are_read_and_checked() {
        let c = parse("[ledger]\nurl = \"postgres://db/ledger\"\n\n[tenant]\nprovider = \"microsoft365\"\nlicences = 40\ndomains = [\"Bakery.example\", \"@shop.example\"]\n").unwrap();
        assert_eq!(c.ledger.url.as_deref(), Some("postgres://db/ledger"));
        let t = c.tenant().unwrap();
        assert_eq!(
            (t.licences, t.domains),
            (
                40,
                vec!["bakery.example".to_string(), "shop.example".to_string()]
            )
        );
        let e = parse(
            "[tenant]\nprovider = \"microsoft365\"\nlicences = 0\ndomains = [\"a.example\"]\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        let e = parse("[tenant]\nprovider = \"microsoft365\"\nlicences = 4\ndomains = []\n")
            .unwrap_err();
        assert!(e.message.contains("domains"), "{e}");
        let e = parse("[tenant]\nprovider = \"nope\"\nlicences = 4\ndomains = [\"a.example\"]\n")
            .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn unknown_keys_rules_and_providers_name_the_line() {
        let e = parse("provider = \"microsoft365\"\nfrobnicate = 1\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let e =
            parse("[rules]\nvisible-recipients = \"error\"\nno-such-rule = \"off\"\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("no-such-rule"));
        let e = parse("\nprovider = \"hotmale\"\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse("[rules]\nvisible-recipients = \"loud\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn rule_parameters_are_checked_against_the_rule() {
        let o = parse("[params.visible-recipients]\nmax-visible = 3\n").unwrap();
        let options = o.options_for(Path::new("draft.eml"));
        let params = crate::rules::params_with(&options.params).unwrap();
        assert_eq!(params.visible_recipients.max_visible, 3);
        let e = parse("kind = \"commercial\"\n[params.visible-recipients]\nmax-visibl = 3\n")
            .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("no parameter `max-visibl`"), "{e}");
        let e = parse("[params.visible-recipients]\nmax-visible = \"three\"\n").unwrap_err();
        assert!(e.message.contains("invalid type"), "{e}");
        let e = parse("[params.sender-identification]\ncountries = []\n").unwrap_err();
        assert!(e.message.contains("cannot be set"), "{e}");
        let e = parse("[params.no-such-rule]\nx = 1\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
    }

    #[test]
    fn clients_set_the_targets_of_client_support() {
        let o = parse("[clients]\ntargets = [\"gmail\", \"outlook-windows\"]\n").unwrap();
        let options = o.options_for(Path::new("t.html"));
        let params = crate::rules::params_with(&options.params).unwrap();
        assert_eq!(params.client_support.targets.0.len(), 5);
        let e = parse("kind = \"commercial\"\n[clients]\ntargets = [\"lotus\"]\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(
            e.message.contains("lotus") && e.message.contains("outlook-windows"),
            "{e}"
        );
    }

    #[test]
    fn overrides_apply_by_path() {
        let c = Config::parse(
            Path::new("/repo/bulklint.toml"),
            "kind = \"commercial\"\n[rules]\nidentical-body = \"off\"\n[[overrides]]\npaths = [\"transactional/**\"]\nkind = \"transactional\"\n[overrides.rules]\nvisible-recipients = \"error\"\n",
        )
        .unwrap();
        let o = c.options_for(Path::new("/repo/transactional/receipt.html"));
        assert_eq!(o.kind, Some(Kind::Transactional));
        assert_eq!(o.levels.get("visible-recipients"), Some(&Level::Error));
        assert_eq!(o.levels.get("identical-body"), Some(&Level::Off));
        let o = c.options_for(Path::new("/repo/news/spring.html"));
        assert_eq!(o.kind, Some(Kind::Commercial));
    }

    #[test]
    fn input_limits_parse_and_validate() {
        let c = parse("[input]\nmax-draft-bytes = 1048576\nmax-mime-depth = 20\n").unwrap();
        assert_eq!(c.input.max_draft_bytes, 1_048_576);
        assert_eq!(c.input.max_mime_depth, 20);
        let c = parse("[input]\nmax-mime-depth = 20\n").unwrap();
        assert_eq!(
            c.input.max_draft_bytes,
            crate::load::input_limits::DEFAULT_MAX_DRAFT_BYTES
        );
        assert_eq!(parse("").unwrap().input, InputLimits::default());
        let e = parse("provider = \"gmail\"\n[input]\nmax-mime-depth = 0\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("max-mime-depth"), "{e}");
        let e = parse("[input]\nmax-size = 10\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        // A key with no value: toml says nothing, the error still does.
        let e = parse("[input]\nmax-mime-depth =").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("missing"), "{e}");
    }

    #[test]
    fn limits_override_provider_figures() {
        let c = parse("[limits]\nexternal-per-hour = 400\n").unwrap();
        assert_eq!(c.limits.entries(), vec![(LimitKey::ExternalPerHour, 400)]);
    }
}
