//! A draft's options: its config file's settings, then the command-line flags, merged in this
//! one place for every command.

use std::path::Path;

use crate::config::{self, Config};
use crate::load::input_limits::InputLimits;
use crate::mailing::assemble::Options;
use crate::model::date::Date;
use crate::model::error::InputError;
use crate::model::kind::Kind;
use crate::model::law::Law;
use crate::model::rule::{Level, RuleId};

/// What the flags say about a draft; empty fields leave the config's value.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub provider: Option<String>,
    pub org_domains: Vec<String>,
    pub column: Option<String>,
    pub kind: Option<Kind>,
    pub laws: Vec<Law>,
    /// When not empty, every other rule is off.
    pub select: Vec<RuleId>,
    pub ignore: Vec<RuleId>,
}

impl Flags {
    /// Flags win over the config file.
    pub fn apply(&self, options: &mut Options) {
        if self.provider.is_some() {
            options.provider.clone_from(&self.provider);
        }
        if !self.org_domains.is_empty() {
            options.org_domains.clone_from(&self.org_domains);
        }
        if self.column.is_some() {
            options.column.clone_from(&self.column);
        }
        if self.kind.is_some() {
            options.kind = self.kind;
        }
        if !self.laws.is_empty() {
            options.laws.clone_from(&self.laws);
        }
        if !self.select.is_empty() {
            for &id in RuleId::ALL {
                if !self.select.contains(&id) {
                    options.levels.insert(id, Level::Off);
                }
            }
        }
        for &id in &self.ignore {
            options.levels.insert(id, Level::Off);
        }
    }
}

/// Where configuration comes from for a run: `--config`, the nearest `bulklint.toml` above
/// each draft, or nowhere (`--isolated`).
#[derive(Debug, Clone, Default)]
pub struct ConfigSource {
    isolated: bool,
    explicit: Option<Config>,
}

impl ConfigSource {
    /// Reads `--config` now, so a bad file is reported once, before any draft.
    pub fn new(isolated: bool, explicit: Option<&Path>) -> Result<ConfigSource, InputError> {
        let explicit = match explicit {
            Some(path) if !isolated => Some(Config::load(path)?),
            _ => None,
        };
        Ok(ConfigSource { isolated, explicit })
    }

    /// The config that applies to `path`.
    pub fn at(&self, path: &Path) -> Result<Option<Config>, InputError> {
        if self.isolated {
            return Ok(None);
        }
        if let Some(c) = &self.explicit {
            return Ok(Some(c.clone()));
        }
        let start = if path.as_os_str() == "-" {
            Path::new(".")
        } else {
            path
        };
        config::discover(start)
            .map(|p| Config::load(&p))
            .transpose()
    }

    /// The input limits for `path`: its config's `[input]`, or the defaults.
    pub fn limits_at(&self, path: &Path) -> Result<InputLimits, InputError> {
        Ok(self.at(path)?.map(|c| c.input).unwrap_or_default())
    }

    /// The options for one draft: its config file's settings, then the flags.
    pub fn options_for(
        &self,
        path: &Path,
        flags: &Flags,
        as_of: Option<Date>,
    ) -> Result<Options, InputError> {
        let config = self.at(path)?;
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut options = config
            .map(|c| c.options_for(&canonical))
            .unwrap_or_default();
        flags.apply(&mut options);
        if as_of.is_some() {
            options.as_of = as_of;
        }
        Ok(options)
    }
}
