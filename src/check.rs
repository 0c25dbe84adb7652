//! Loads a send from its inputs and runs every rule over it.

use std::collections::BTreeMap;

use crate::date::Date;
use crate::draft;
use crate::error::InputError;
use crate::finding::{Finding, Severity};
use crate::kind::{self, Kind};
use crate::provider;
use crate::recipients::{self, RecipientSet};
use crate::rules;
use crate::send::Send;
use crate::source::Sources;
use crate::verdict::{self, Verdict};

/// One input file (or stdin), already read.
#[derive(Debug, Clone)]
pub struct Input {
    /// The name diagnostics use: the path as given, or `<stdin>`.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A rule's level after overrides: a severity, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

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
    pub levels: BTreeMap<String, Level>,
    /// "Today" for consent windows; the library never reads the clock.
    pub as_of: Option<Date>,
    /// The laws the send is judged under; empty means the default (CASL and CAN-SPAM).
    pub laws: Vec<crate::law::Law>,
    /// Provider figures the organisation overrides (`per-message`, `external-per-hour`, …).
    pub limits: BTreeMap<String, u64>,
    /// Earlier sends from the send ledger (the binary reads the ledger; the library never does
    /// I/O for it during a check).
    pub history: crate::ledger::HistoryState,
    /// Already-merged messages judged as one send; the draft is one of them.
    pub batch: Option<std::sync::Arc<crate::batch::Batch>>,
}

/// The result of a check: the send as understood, what was found, and the verdict.
#[derive(Debug)]
pub struct Outcome {
    pub send: Send,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

/// Loads the draft and recipient lists into a [`Send`].
pub fn load(draft_input: Input, lists: Vec<Input>, options: &Options) -> Result<Send, InputError> {
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
    for id in options.levels.keys() {
        if rules::get(id).is_none() {
            return Err(InputError::new(
                "rule levels",
                format!("unknown rule `{id}`; known: {}", rules::ids().join(", ")),
            ));
        }
    }
    let mut sources = Sources::default();
    let draft = draft::load(&mut sources, &draft_input.name, draft_input.bytes)?;
    let mut loaded = Vec::with_capacity(lists.len());
    for list in lists {
        loaded.push(recipients::load(
            &mut sources,
            &list.name,
            list.bytes,
            options.column.as_deref(),
        )?);
    }
    let recipients = RecipientSet::build(Some(&draft), loaded);
    let mut provider = provider::choose(explicit, &draft, &sources);
    for (key, value) in &options.limits {
        provider
            .profile
            .override_limit(key, *value, "bulklint.toml [limits]");
    }
    let kind = kind::classify(options.kind, &draft);
    let org_domains = if options.org_domains.is_empty() {
        draft
            .from_address()
            .and_then(|a| crate::address::domain(&a))
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
        .flat_map(|id| crate::suppress::parse(&sources, id))
        .collect();
    Ok(Send {
        suppressions,
        sources,
        draft,
        recipients,
        provider,
        org_domains,
        kind,
        as_of: options.as_of,
        laws: crate::law::effective(&options.laws),
        history: options.history.clone(),
        batch: options.batch.clone(),
    })
}

/// Runs every rule, then applies level overrides in this one place.
pub fn run(send: &Send, levels: &BTreeMap<String, Level>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in rules::all() {
        if levels.get(rule.id) == Some(&Level::Off) {
            continue;
        }
        (rule.check)(send, rule, &mut findings);
    }
    let unused = crate::suppress::apply(&mut findings, &send.suppressions, &send.sources);
    if let Some(rule) = rules::get("unused-suppression")
        .filter(|_| levels.get("unused-suppression") != Some(&Level::Off))
    {
        for d in unused {
            findings.push(
                rule.finding("this suppression silences nothing")
                    .with_label(Some(crate::suppress::label(&d, "no finding here to suppress")))
                    .help("Remove it: the problem it was written for is gone, or it names the wrong rule or line."),
            );
        }
    }
    for f in &mut findings {
        if let Some(level) = levels.get(f.rule) {
            f.severity = match level {
                Level::Info => Severity::Info,
                Level::Warning => Severity::Warning,
                Level::Error | Level::Off => Severity::Error,
            };
        }
    }
    findings
}

/// Loads, checks and judges a send.
pub fn check(
    draft_input: Input,
    lists: Vec<Input>,
    options: &Options,
) -> Result<Outcome, InputError> {
    let send = load(draft_input, lists, options)?;
    let findings = run(&send, &options.levels);
    let verdict = verdict::judge(&send, &findings);
    Ok(Outcome {
        send,
        findings,
        verdict,
    })
}
