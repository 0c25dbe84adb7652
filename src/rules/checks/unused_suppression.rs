//! `unused-suppression`: an inline suppression that names an unknown rule. (Suppressions that
//! silence nothing are reported under the same rule by the engine, after every check ran.)

use crate::mailing::suppress;
use crate::model::finding::Finding;
use crate::model::rule::RuleId;
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, _params: &crate::rules::Params, out: &mut Vec<Finding>) {
    for d in &send.suppressions {
        for id in d.rules.iter().filter(|id| id.parse::<RuleId>().is_err()) {
            out.push(
                rule.finding(format!(
                    "suppression names `{id}`, which is not a bulklint rule"
                ))
                .with_label(Some(suppress::label(d, "unknown rule")))
                .help(format!("Known rules: {}.", RuleId::names().join(", "))),
            );
        }
    }
}
