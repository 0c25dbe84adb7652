//! `link-target`: links that lead somewhere the author did not mean, or that filters distrust:
//! test and local hosts left in, URL shorteners, a shown address that is not the target, broken
//! `mailto:` links, plain `http:`.

use std::ops::Range;

use serde::Deserialize;

use crate::analysis::merge_tags;
use crate::analysis::url::{self, Shape};
use crate::load::draft::{DraftFormat, Link};
use crate::model::finding::{Finding, Severity};
use crate::model::kind::Kind;
use crate::rules::checks::{attribute_place, counted, designed_html, first_of_each, shortened};
use crate::rules::Rule;
use crate::rules::Subject;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    /// Hosts of URL shorteners, matched with their subdomains.
    pub shorteners: Vec<String>,
    /// A first host label that names a test or staging deployment (`staging.shop.com`).
    pub test_host_labels: Vec<String>,
    /// Domains reserved for documentation and template stand-ins for the sender's site,
    /// matched with their subdomains.
    pub placeholder_domains: Vec<String>,
    /// Top-level domains that make link text like `shop.com` read as an address, without a
    /// scheme or `www.`.
    pub shown_tlds: Vec<String>,
    /// In a message, a host that carries at least this share of the web links (and three or
    /// more) is the sending service's click tracker, not a place the text should name.
    pub tracker_share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    TestHost,
    Shortener,
    Mismatch,
    Mailto,
    Http,
}

/// One problem link: its href, what to say about it, and where.
struct Hit {
    href: String,
    detail: String,
    span: Range<usize>,
    link: Range<usize>,
}

/// The host that link text shows, when the text is an address (`www.shop.com`,
/// `https://shop.com/sale`, `shop.com`) rather than words.
fn shown_host<'a>(text: &'a str, params: &Params) -> Option<&'a str> {
    let text = text.trim().trim_end_matches(['.', ',', ';', ')', '>']);
    if text.is_empty() || text.contains(char::is_whitespace) || text.contains('@') {
        return None;
    }
    let lower_starts = |p: &str| {
        text.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    };
    let (rest, explicit) = if lower_starts("https://") {
        (&text[8..], true)
    } else if lower_starts("http://") {
        (&text[7..], true)
    } else {
        (text, lower_starts("www."))
    };
    let host = rest.split(['/', '?', '#', ':']).next()?;
    let labels_ok = host.contains('.')
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let tld = host.rsplit('.').next()?;
    let known_tld = params
        .shown_tlds
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tld));
    (labels_ok && tld.bytes().all(|b| b.is_ascii_alphabetic()) && (explicit || known_tld))
        .then_some(host)
}

/// Whether `host` is a local, test or placeholder host.
fn is_test_host(host: &str, params: &Params) -> bool {
    if url::is_private_host(host)
        || params
            .placeholder_domains
            .iter()
            .any(|d| url::is_within(host, d))
    {
        return true;
    }
    // The first label names a deployment only when it is a subdomain: `dev.to` is a site.
    let first = host.split('.').next().unwrap_or(host);
    first.len() < host.len() - url::site(host).len()
        && params
            .test_host_labels
            .iter()
            .any(|l| l.eq_ignore_ascii_case(first))
}

/// What is wrong with the addresses of a `mailto:` href (`rest` follows the colon), if
/// anything. `mailto:?subject=…&body=…` is a "share by email" link: the reader picks the
/// address, so only a bare `mailto:` has none missing on purpose.
fn mailto_problem(rest: &str) -> Option<String> {
    let (to, query) = rest.split_once('?').unwrap_or((rest, ""));
    // `%40` and `%20` are the escapes found in practice; an address needs no others.
    let to = to.replace("%40", "@").replace("%20", " ");
    if to.trim().is_empty() {
        return query.trim().is_empty().then(|| "no address".into());
    }
    if url::is_placeholder(&to) {
        return None;
    }
    to.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .find_map(|a| {
            crate::model::address::validate(a)
                .err()
                .map(|e| format!("an invalid address `{a}` ({e})"))
        })
}

/// The site that carries most web links of a message, when it carries `share` of them and at
/// least three: a sending service rewrites every link through its click tracker.
fn dominant_site(links: &[Link], share: f64) -> Option<String> {
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut total = 0usize;
    for host in links.iter().filter_map(|l| url::host(l.href.as_deref()?)) {
        *counts
            .entry(url::site(host).to_ascii_lowercase())
            .or_default() += 1;
        total += 1;
    }
    // Ties go to the first site by name, so the result does not depend on the map's order.
    let (site, n) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?;
    (n >= 3 && n as f64 >= share * total as f64).then_some(site)
}

pub fn check(send: &Subject, rule: &Rule, params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    let p = &params.link_target;
    let trackers = &params.sender_identification.tracking_domains;
    let text = &send.sources.get(doc.source).text;
    let tracker = (send.draft.format == DraftFormat::Message)
        .then(|| dominant_site(&doc.links, p.tracker_share))
        .flatten();
    let tracked = |host: &str| {
        trackers.iter().any(|t| url::is_within(host, t))
            || tracker
                .as_deref()
                .is_some_and(|t| url::site(host).eq_ignore_ascii_case(t))
    };
    let mut hits: Vec<(Problem, Hit)> = Vec::new();
    for link in &doc.links {
        let Some(href) = link.href.as_deref().map(str::trim) else {
            continue;
        };
        let judged = match url::shape(href) {
            Shape::Scheme(s) if s.eq_ignore_ascii_case("mailto") => {
                mailto_problem(&href[s.len() + 1..]).map(|d| (Problem::Mailto, d))
            }
            Shape::Scheme(s)
                if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") =>
            {
                let Some(host) = url::host(href) else {
                    continue;
                };
                let shown = shown_host(&link.text, p);
                if is_test_host(host, p) {
                    Some((Problem::TestHost, format!("`{host}`")))
                } else if p.shorteners.iter().any(|s| url::is_within(host, s)) {
                    Some((Problem::Shortener, format!("`{host}`")))
                } else if let Some(shown) = shown.filter(|s| {
                    !url::site(s).eq_ignore_ascii_case(url::site(host)) && !tracked(host)
                }) {
                    Some((
                        Problem::Mismatch,
                        format!("shows `{shown}` but opens `{host}`"),
                    ))
                } else if s.eq_ignore_ascii_case("http") && !tracked(host) {
                    Some((Problem::Http, String::new()))
                } else {
                    None
                }
            }
            _ => None,
        };
        let Some((problem, detail)) = judged else {
            continue;
        };
        // A merge tag is filled in at send time; its value is not known here.
        if !merge_tags::find(href).is_empty() || !merge_tags::find(&link.text).is_empty() {
            continue;
        }
        let span = attribute_place(text, &link.span, "href").map_or(link.span.clone(), |p| p.0);
        hits.push((
            problem,
            Hit {
                href: href.to_string(),
                detail,
                span,
                link: link.span.clone(),
            },
        ));
    }
    // unsubscribe-placeholder reports an unsubscribe link to a placeholder domain already.
    if hits.iter().any(|(p, _)| *p == Problem::TestHost)
        && matches!(send.kind.kind, Kind::Commercial | Kind::Unknown)
    {
        let dead = &send.unsubscribe().placeholders;
        hits.retain(|(_, h)| !dead.iter().any(|d| d.link.span == h.link));
    }
    for (problem, first, n) in first_of_each(hits) {
        out.push(finding(rule, doc.source, problem, first, n));
    }
}

fn finding(
    rule: &Rule,
    source: crate::model::source::SourceId,
    problem: Problem,
    first: Hit,
    n: usize,
) -> Finding {
    let href = shortened(&first.href, 80);
    let links = |what: &str| {
        if n == 1 {
            format!("the link `{href}` {what}")
        } else {
            format!(
                "{} {what}; the first is `{href}`",
                counted(n, "link", "links")
            )
        }
    };
    let (message, help, severity) = match problem {
        Problem::TestHost => (
            links(&format!("{} a local, test or placeholder host ({})", if n == 1 { "goes to" } else { "go to" }, first.detail)),
            "Point the links at the live site before sending: readers cannot reach a local or staging host, and a placeholder is not your site.",
            rule.severity,
        ),
        Problem::Shortener => (
            links(&format!("{} through a URL shortener ({})", if n == 1 { "goes" } else { "go" }, first.detail)),
            "Link to the full address on your own domain. Shorteners hide where a link leads, so spam filters distrust them, and a blocklisted shortener sinks every message that uses it.",
            rule.severity,
        ),
        Problem::Mismatch => (
            links(&format!("{} ({})", if n == 1 { "shows one address and opens another" } else { "show one address and open another" }, first.detail)),
            "Make the text show the address the link opens, or use words instead of an address as the text. A shown address that differs from the target is what phishing filters look for.",
            rule.severity,
        ),
        Problem::Mailto => (
            if n == 1 {
                format!("the link `{href}` is a broken mailto link: {}", first.detail)
            } else {
                format!("{n} mailto links are broken; the first is `{href}`: {}", first.detail)
            },
            "Write the address after `mailto:` in full (`mailto:help@shop.com`); a broken mailto link opens an empty or failing message.",
            rule.severity,
        ),
        Problem::Http => (
            links(if n == 1 { "uses plain http:" } else { "use plain http:" }),
            "Use https:// links: browsers warn on plain http pages, and the address travels unencrypted.",
            Severity::Info,
        ),
    };
    let mut f = rule
        .finding(message)
        .label(
            source,
            first.span,
            if n == 1 {
                "this link".to_string()
            } else {
                format!("the first of {n}")
            },
        )
        .help(help);
    f.severity = severity;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        crate::rules::params().link_target.clone()
    }

    #[test]
    fn shown_hosts() {
        let p = params();
        assert_eq!(shown_host("www.shop.com", &p), Some("www.shop.com"));
        assert_eq!(shown_host(" https://Shop.com/sale ", &p), Some("Shop.com"));
        assert_eq!(shown_host("shop.com.", &p), Some("shop.com"));
        assert_eq!(shown_host("report.pdf", &p), None);
        assert_eq!(shown_host("Visit shop.com", &p), None);
        assert_eq!(shown_host("help@shop.com", &p), None);
        assert_eq!(shown_host("Read more", &p), None);
        assert_eq!(shown_host("подробнее", &p), None);
    }

    #[test]
    fn test_hosts() {
        let p = params();
        for h in [
            "localhost",
            "staging.shop.com",
            "dev.shop.co.uk",
            "www.example.com",
            "127.0.0.1",
            "www.YourSiteName.com",
        ] {
            assert!(is_test_host(h, &p), "{h}");
        }
        for h in ["dev.to", "shop.com", "developer.apple.com", "examples.com"] {
            assert!(!is_test_host(h, &p), "{h}");
        }
    }

    #[test]
    fn mailto_addresses() {
        assert_eq!(mailto_problem(""), Some("no address".into()));
        assert_eq!(mailto_problem("?subject=Hi&body=x"), None);
        assert_eq!(mailto_problem("{email}"), None);
        assert_eq!(mailto_problem("help@shop.com?subject=Hi"), None);
        assert_eq!(mailto_problem("help%40shop.com"), None);
        assert_eq!(mailto_problem("a@shop.com,b@shop.com"), None);
        assert!(mailto_problem("help@").is_some());
        assert!(mailto_problem("help at shop.com").is_some());
    }
}
