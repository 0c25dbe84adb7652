//! Runs every rule over a mailing and applies the user's levels, in this one place.

use std::collections::BTreeMap;

use crate::mailing::assemble::{self, Options};
use crate::mailing::{suppress, Mailing};
use crate::model::error::InputError;
use crate::model::finding::{Finding, Severity};
use crate::model::input::Input;
use crate::model::rule::{Level, RuleId};
use crate::rules::verdict::{self, Verdict};
use crate::rules::{self};

/// The result of a check: the send as understood, what was found, and the verdict.
#[derive(Debug)]
pub struct Outcome {
    pub send: Mailing,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

/// Runs every rule, then applies level overrides in this one place.
pub fn run(send: &Mailing, levels: &BTreeMap<RuleId, Level>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in rules::all() {
        if levels.get(&rule.id) == Some(&Level::Off) {
            continue;
        }
        (rule.check)(send, rule, &mut findings);
    }
    let unused = suppress::apply(&mut findings, &send.suppressions, &send.sources);
    if levels.get(&RuleId::UnusedSuppression) != Some(&Level::Off) {
        let rule = rules::rule(RuleId::UnusedSuppression);
        for d in unused {
            findings.push(
                rule.finding("this suppression silences nothing")
                    .with_label(Some(suppress::label(&d, "no finding here to suppress")))
                    .help("Remove it: the problem it was written for is gone, or it names the wrong rule or line."),
            );
        }
    }
    for f in &mut findings {
        if let Some(level) = levels.get(&f.rule) {
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
    let send = assemble::load(draft_input, lists, options)?;
    let findings = run(&send, &options.levels);
    let verdict = verdict::judge(&send, &findings);
    Ok(Outcome {
        send,
        findings,
        verdict,
    })
}
