//! `merge-tag-syntax`: TODO.

use crate::finding::Finding;
use crate::rules::Rule;
use crate::send::Send;

pub fn check(send: &Send, rule: &Rule, out: &mut Vec<Finding>) {
    let _ = (send, rule, out);
}
