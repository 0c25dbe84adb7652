//! `unused-suppression`: an inline suppression that names an unknown rule. (Suppressions that
//! silence nothing are reported under the same rule by the engine, after every check ran.)

use crate::finding::Finding;
use crate::rules::{self, Rule};
use crate::send::Send;
use crate::suppress;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    for d in &send.suppressions {
        for id in d.rules.iter().filter(|id| rules::get(id).is_none()) {
            out.push(
                rule.finding(format!(
                    "suppression names `{id}`, which is not a bulklint rule"
                ))
                .with_label(Some(suppress::label(d, "unknown rule")))
                .help(format!("Known rules: {}.", rules::ids().join(", "))),
            );
        }
    }
}
