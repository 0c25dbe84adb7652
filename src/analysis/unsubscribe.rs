//! Finds the draft's unsubscribe mechanisms, working or dead; shared by the unsubscribe
//! checks and the bulk-send verdict so they never disagree.

use crate::analysis::merge_tags;
use crate::data::phrases;
use crate::load::draft::Draft;
use crate::load::draft::Link;
use crate::model::finding::Label;
use crate::model::source::Sources;

/// A working way to unsubscribe, described for messages.
#[derive(Debug, Clone)]
pub struct Mechanism {
    pub description: String,
    pub label: Option<Label>,
}

/// An unsubscribe link that goes nowhere.
#[derive(Debug, Clone)]
pub struct Placeholder {
    pub link: Link,
    pub label: Label,
    pub why: String,
}

#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub working: Vec<Mechanism>,
    pub placeholders: Vec<Placeholder>,
}

impl Analysis {
    pub fn has_working(&self) -> bool {
        !self.working.is_empty()
    }
}

/// How far (in bytes of source) a "click here" link may stand from the word "unsubscribe" in
/// the surrounding text and still be the unsubscribe link: about one footer sentence.
const NEARBY_LINK_BYTES: usize = 300;

/// `placeholder` is the `unsubscribe-placeholder` rule, whose data file says what a dead
/// link looks like.
pub fn analyze(draft: &Draft, sources: &Sources, placeholder: &Placeholders) -> Analysis {
    let mut analysis = Analysis::default();

    if let Some(h) = draft.header("List-Unsubscribe") {
        if h.value.contains("https:") || h.value.contains("http:") || h.value.contains("mailto:") {
            analysis.working.push(Mechanism {
                description: "a List-Unsubscribe header".into(),
                label: draft.header_label("List-Unsubscribe", "unsubscribe header"),
            });
        }
    }

    if let Some(html) = &draft.html {
        for link in &html.links {
            let href = link.href.as_deref().unwrap_or("");
            let decoded = merge_tags::percent_decode(href);
            let says_unsubscribe = phrases::find_unsubscribe(&link.text).is_some()
                || phrases::find_unsubscribe(&decoded).is_some()
                || merge_tags::find_unsubscribe_tag(&decoded).is_some();
            if !says_unsubscribe {
                continue;
            }
            classify_link(&mut analysis, html.source, link, placeholder);
        }
        // "To unsubscribe, click here": the words stand in text beside a link.
        for run in &html.texts {
            if phrases::find_unsubscribe(&run.text).is_none() {
                continue;
            }
            let near = html.links.iter().filter(|l| {
                l.span.start + NEARBY_LINK_BYTES >= run.span.start
                    && l.span.start <= run.span.end + NEARBY_LINK_BYTES
            });
            let nearest = near.min_by_key(|l| l.span.start.abs_diff(run.span.end));
            if let Some(link) = nearest {
                if !analysis.placeholders.iter().any(|p| p.link == *link)
                    && !analysis
                        .working
                        .iter()
                        .any(|m| m.label.as_ref().is_some_and(|l| l.span == link.span))
                {
                    classify_link(&mut analysis, html.source, link, placeholder);
                }
            }
        }
    }

    // ESP merge tags anywhere in the draft's sources (raw HTML, text part, headers).
    for id in draft.body_sources() {
        let text = &sources.get(id).text;
        let decoded;
        let haystack = if text.contains("%7B")
            || text.contains("%7b")
            || text.contains("%7C")
            || text.contains("%7c")
        {
            decoded = merge_tags::percent_decode(text);
            &decoded
        } else {
            text
        };
        if let Some((tag, esp)) = merge_tags::find_unsubscribe_tag(haystack) {
            let name = esp.map_or("an ESP".to_string(), |e| e.name.clone());
            let span = if std::ptr::eq(haystack, text) {
                tag.span.clone()
            } else {
                0..0
            };
            analysis.working.push(Mechanism {
                description: format!("{name}'s unsubscribe merge tag"),
                label: Some(Label {
                    source: id,
                    span,
                    text: "unsubscribe merge tag".into(),
                }),
            });
            break;
        }
    }

    if let Some(part) = &draft.text {
        for line in part.content.lines() {
            let has_target =
                line.contains("http://") || line.contains("https://") || line.contains("mailto:");
            if has_target && phrases::find_unsubscribe(line).is_some() {
                analysis.working.push(Mechanism {
                    description: "an unsubscribe address in the text part".into(),
                    label: None,
                });
                break;
            }
        }
    }
    analysis
}

fn classify_link(
    analysis: &mut Analysis,
    source: crate::model::source::SourceId,
    link: &Link,
    placeholders: &Placeholders,
) {
    let label = |text: &str| Label {
        source,
        span: link.span.clone(),
        text: text.to_string(),
    };
    match placeholder_reason(link.href.as_deref(), placeholders) {
        Some(why) => analysis.placeholders.push(Placeholder {
            link: link.clone(),
            label: label(&format!("this unsubscribe link {why}")),
            why,
        }),
        None => analysis.working.push(Mechanism {
            description: "an unsubscribe link".into(),
            label: Some(label("unsubscribe link")),
        }),
    }
}

/// What counts as an unsubscribe link that goes nowhere (`rules/unsubscribe-placeholder.toml`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Placeholders {
    /// Whole hrefs that are placeholders (`http://`, `https://example.com/unsubscribe`, ...).
    pub placeholder_hrefs: Vec<String>,
    /// Hosts that are placeholders (`example.com`, `yourdomain.com`, ...).
    pub placeholder_domains: Vec<String>,
}

/// Why an href goes nowhere, or `None` when it looks like a real destination.
pub fn placeholder_reason(href: Option<&str>, placeholders: &Placeholders) -> Option<String> {
    let Some(href) = href else {
        return Some("has no href".into());
    };
    let h = href.trim().to_ascii_lowercase();
    if h.is_empty() {
        return Some("has an empty href".into());
    }
    if h.starts_with('#') {
        return Some(format!("points at `{href}`, a spot on the same page"));
    }
    if h.starts_with("javascript:") || h == "about:blank" {
        return Some(format!("runs `{href}` instead of opening a page"));
    }
    if placeholders
        .placeholder_hrefs
        .iter()
        .any(|p| p.to_ascii_lowercase() == h)
    {
        return Some(format!("points at the placeholder `{href}`"));
    }
    let host = h
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(&h)
        .split(['/', '?', '#', ':'])
        .next()
        .unwrap_or("")
        .trim_start_matches("www.");
    if placeholders
        .placeholder_domains
        .iter()
        .any(|d| d.eq_ignore_ascii_case(host))
    {
        return Some(format!("points at the placeholder domain `{host}`"));
    }
    None
}
