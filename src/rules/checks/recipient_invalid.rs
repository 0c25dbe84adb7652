//! `recipient-invalid`: addresses that do not parse, and addresses at a misspelt big
//! provider (`gmial.com`), which parse but bounce or reach a stranger.

use std::collections::{HashMap, HashSet};

use crate::load::recipients::Recipient;
use crate::model::finding::{Finding, Label, Severity};
use crate::rules::Subject;
use crate::rules::{ListedParams, Rule};

/// `rules/recipient-invalid.toml`'s `[params]`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    pub max_listed: u64,
    /// Mail providers' domains: a recipient domain one typing slip away from one of them, and
    /// not one of them itself, is taken for a misspelling.
    pub provider_domains: Vec<String>,
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let params = &params.recipient_invalid;
    let listed = ListedParams {
        max_listed: params.max_listed,
    };
    let invalid: Vec<_> = send.recipients.invalid().collect();
    super::per_entry(
        rule,
        &listed,
        &invalid,
        |e| &e.origin,
        "invalid addresses",
        |e| {
            rule.finding(format!("`{}` is not a valid address: {}", e.address, e.reason))
            .with_label(Some(Label {
                source: e.origin.source,
                span: e.origin.span.clone(),
                text: e.reason.to_string(),
            }))
            .help("Correct or remove it: mail to it bounces, and bounces count against the sender's reputation.")
        },
        out,
    );

    // Each distinct domain is judged once (a million-row list has a few thousand, listed once
    // per run), and the recipients are looked at only when one of them is a slip.
    let known: HashSet<&str> = params.provider_domains.iter().map(String::as_str).collect();
    let fixes: HashMap<String, &str, foldhash::fast::FixedState> = send
        .recipients
        .domains()
        .filter(|d| !known.contains(d.as_ref()))
        .filter_map(|d| {
            let fix = params
                .provider_domains
                .iter()
                .find(|p| one_slip_apart(&d, p))?;
            Some((d.into_owned(), fix.as_str()))
        })
        .collect();
    let mut slips: Vec<(Recipient, &str)> = Vec::new();
    if !fixes.is_empty() {
        // Lower-cased into one buffer: an allocation per recipient was most of this loop.
        let mut domain = String::new();
        for r in send.recipients.unique() {
            domain.clear();
            domain.push_str(r.domain());
            domain.make_ascii_lowercase();
            if let Some(&fix) = fixes.get(domain.as_str()) {
                slips.push((r, fix));
            }
        }
    }
    super::per_entry(
        rule,
        &listed,
        &slips,
        |(r, _)| &r.origin,
        "addresses at a misspelt provider",
        |(r, fix)| {
            let (local, domain) = r.address.rsplit_once('@').unwrap_or((r.address, ""));
            let mut f = rule
                .finding(format!(
                    "`{}`: `{domain}` looks like a misspelling of `{fix}`",
                    r.address
                ))
                .with_label(Some(Label {
                    source: r.origin.source,
                    span: r.origin.span.clone(),
                    text: format!("did you mean {local}@{fix}?"),
                }))
                .help(format!(
                    "Mail to `{domain}` bounces or reaches a stranger. If the person gave `{local}@{fix}`, correct it in the list; if `{domain}` is really theirs, ignore this warning."
                ));
            f.severity = Severity::Warning;
            f
        },
        out,
    );
}

/// Whether `a` becomes `b` by one typing slip: a letter changed, added or dropped, or two
/// neighbours swapped (`gmial` for `gmail`).
fn one_slip_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let start = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let end = a[start..]
        .iter()
        .rev()
        .zip(b[start..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ra, rb) = (&a[start..a.len() - end], &b[start..b.len() - end]);
    match (ra.len(), rb.len()) {
        (1, 1) | (0, 1) | (1, 0) => true,
        (2, 2) => ra[0] == rb[1] && ra[1] == rb[0],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::one_slip_apart;

    #[test]
    fn slips_are_one_change_addition_omission_or_swap() {
        for typo in [
            "gmial.com",
            "gmail.con",
            "gmai.com",
            "gmaill.com",
            "gnail.com",
        ] {
            assert!(one_slip_apart(typo, "gmail.com"), "{typo}");
        }
        assert!(one_slip_apart("hotmial.com", "hotmail.com"));
        assert!(one_slip_apart("yaho.com", "yahoo.com"));
        assert!(!one_slip_apart("gmail.com", "gmail.com"));
        assert!(!one_slip_apart("gmx.com", "gmail.com"));
        assert!(!one_slip_apart("bakery.ca", "gmail.com"));
    }
}
