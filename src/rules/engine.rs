//! Runs every rule over a mailing and applies the user's levels, in this one place.

use std::collections::BTreeMap;

use crate::load::recipients::ReadLists;
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
    // The rules' own parameters, or bulklint.toml's over them (checked when the options were
    // made: see [`check_with`]).
    let overridden = (!send.rule_params.is_empty())
        .then(|| rules::params_with(&send.rule_params).ok())
        .flatten();
    let params = overridden.as_ref().unwrap_or_else(|| rules::params());
    let mut findings = Vec::new();
    let subject = rules::Subject::new(send, params);
    for rule in rules::all() {
        if levels.get(&rule.id) == Some(&Level::Off) {
            continue;
        }
        (rule.check)(&subject, rule, params, &mut findings);
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
    cap_per_rule(findings, MAX_LISTED_PER_RULE)
}

/// Findings one rule reports one by one for one send; past this, one more finding counts the
/// rest. A draft with 20,000 dead links or a list of 20,000 broken cards then costs a report of
/// a few hundred findings, not one the size of (or many times) the input.
pub const MAX_LISTED_PER_RULE: usize = 100;

/// Keeps the first `max` findings of each rule, in order, and adds for each rule with more one
/// finding that counts them, as severe as the worst of them and pointing at the first.
fn cap_per_rule(findings: Vec<Finding>, max: usize) -> Vec<Finding> {
    let mut listed: BTreeMap<RuleId, usize> = BTreeMap::new();
    let mut rest: Vec<(Finding, usize)> = Vec::new();
    let mut kept = Vec::with_capacity(findings.len().min(max * 4));
    for f in findings {
        let n = listed.entry(f.rule).or_default();
        *n += 1;
        if *n <= max {
            kept.push(f);
            continue;
        }
        match rest.iter_mut().find(|(first, _)| first.rule == f.rule) {
            Some((first, count)) => {
                *count += 1;
                first.severity = first.severity.max(f.severity);
            }
            None => rest.push((f, 1)),
        }
    }
    for (first, count) in rest {
        kept.push(Finding {
            rule: first.rule,
            severity: first.severity,
            message: format!(
                "{count} more finding{} of this rule, not listed one by one",
                if count == 1 { "" } else { "s" }
            ),
            help: Some(format!(
                "Only the first {max} findings of a rule are listed; fix those and check again."
            )),
            labels: first.labels.into_iter().take(1).collect(),
        });
    }
    kept
}

/// Loads, checks and judges a send.
pub fn check(
    draft_input: Input,
    lists: Vec<Input>,
    options: &Options,
) -> Result<Outcome, InputError> {
    check_with(draft_input, &ReadLists::read(lists), options)
}

/// Loads, checks and judges a send against recipient lists read once for every draft of a run.
pub fn check_with(
    draft_input: Input,
    lists: &ReadLists,
    options: &Options,
) -> Result<Outcome, InputError> {
    // Parameters a caller set that a rule does not have are refused before anything is read.
    rules::check_params(&options.params)
        .map_err(|e| InputError::new("[params]", format!("bad rule parameters: {e}")))?;
    let send = assemble::load_with(draft_input, lists, options)?;
    let findings = run(&send, &options.levels);
    let verdict = verdict::judge(&send, &findings);
    Ok(Outcome {
        send,
        findings,
        verdict,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_past_the_cap_are_counted_in_one() {
        let finding = |rule, severity, i: usize| Finding::new(rule, severity, format!("n{i}"));
        let mut findings: Vec<Finding> = (0..7)
            .map(|i| finding(RuleId::UnsubscribePlaceholder, Severity::Warning, i))
            .collect();
        findings.push(finding(RuleId::InputProblem, Severity::Warning, 0));
        findings[6].severity = Severity::Error;
        let capped = cap_per_rule(findings, 3);
        let messages: Vec<&str> = capped.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "n0",
                "n1",
                "n2",
                "n0",
                "4 more findings of this rule, not listed one by one"
            ]
        );
        assert_eq!(capped[4].rule, RuleId::UnsubscribePlaceholder);
        assert_eq!(capped[4].severity, Severity::Error);
    }
}
