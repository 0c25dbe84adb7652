//! Assembles a [`Mailing`] from its loaded inputs and what the caller knows.

use std::collections::BTreeMap;

use crate::analysis::kind;
use crate::analysis::merge_tags::BodyTags;
use crate::load::draft;
use crate::load::input_limits::InputLimits;
use crate::load::recipients::{ReadLists, RecipientSet};
use crate::mailing::provider::{self, LimitKey};
use crate::mailing::Mailing;
use crate::model::date::Date;
use crate::model::error::InputError;
use crate::model::input::Input;
use crate::model::kind::Kind;
use crate::model::rule::{Level, RuleId};
use crate::model::source::Sources;

/// What the caller knows that the draft does not say.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A provider profile id; detected from the draft when absent.
    pub provider: Option<String>,
    /// The organisation's domains; recipients there are internal. Defaults to the From domain
    /// when it is not a public mail domain.
    pub org_domains: Vec<String>,
    /// The address column of CSV lists, when detection is not wanted.
    pub column: Option<String>,
    /// Commercial or transactional, when the content should not decide.
    pub kind: Option<Kind>,
    /// Per-rule levels that replace the defaults.
    pub levels: BTreeMap<RuleId, Level>,
    /// "Today" for consent windows; the library never reads the clock.
    pub as_of: Option<Date>,
    /// The laws the send is judged under; empty means the default (CASL and CAN-SPAM).
    pub laws: Vec<crate::model::law::Law>,
    /// Provider figures the organisation overrides (`per-message`, `external-per-hour`, …).
    pub limits: BTreeMap<LimitKey, u64>,
    /// Earlier sends from the send ledger (the binary reads the ledger; the library never does
    /// I/O for it during a check).
    pub history: crate::mailing::history::HistoryState,
    /// Already-merged messages judged as one send; the draft is one of them.
    pub batch: Option<std::sync::Arc<crate::mailing::batch::Batch>>,
    /// How large and how deep the draft may be (`[input]` in bulklint.toml).
    pub input: InputLimits,
    /// Rule parameters that replace the rule files' (`[params.<rule>]` in bulklint.toml).
    pub params: BTreeMap<RuleId, toml::Table>,
}

/// Loads the draft and recipient lists into a [`Mailing`].
pub fn load(
    draft_input: Input,
    lists: Vec<Input>,
    options: &Options,
) -> Result<Mailing, InputError> {
    load_with(draft_input, &ReadLists::read(lists), options)
}

/// Loads the draft into a [`Mailing`] with recipient lists read once for every draft of a run.
pub fn load_with(
    draft_input: Input,
    lists: &ReadLists,
    options: &Options,
) -> Result<Mailing, InputError> {
    let explicit = match &options.provider {
        Some(id) => Some(provider::profile(id).ok_or_else(|| {
            InputError::new(
                "--provider",
                format!(
                    "unknown provider `{id}`; known: {}",
                    provider::ids().join(", ")
                ),
            )
        })?),
        None => None,
    };
    let mut sources = Sources::with_shared(lists.sources().clone());
    let draft = draft::load_with(
        &mut sources,
        &draft_input.name,
        draft_input.bytes,
        &options.input,
    )?;
    let recipients =
        RecipientSet::with_lists(Some(&draft), lists.parsed(options.column.as_deref())?);
    let body_tags = BodyTags::of(&draft, &sources);
    let mut provider = provider::choose(explicit, &draft, &body_tags);
    for (key, value) in &options.limits {
        provider
            .profile
            .override_limit(*key, *value, "bulklint.toml [limits]");
    }
    let via_service = (provider.profile.kind == provider::ProviderKind::Esp)
        .then_some(provider.profile.name.as_str());
    let kind = kind::classify(options.kind, &draft, via_service);
    let org_domains = if options.org_domains.is_empty() {
        draft
            .from_address()
            .and_then(|a| crate::model::address::domain(&a))
            .filter(|d| !provider::is_public_mail_domain(d))
            .into_iter()
            .collect()
    } else {
        options
            .org_domains
            .iter()
            .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
            .collect()
    };
    let suppressions = draft
        .body_sources()
        .into_iter()
        .flat_map(|id| crate::mailing::suppress::parse(&sources, id))
        .collect();
    Ok(Mailing {
        suppressions,
        body_tags,
        sources,
        draft,
        recipients,
        provider,
        org_domains,
        kind,
        as_of: options.as_of,
        laws: crate::model::law::effective(&options.laws),
        history: options.history.clone(),
        batch: options.batch.clone(),
        rule_params: options.params.clone(),
    })
}
