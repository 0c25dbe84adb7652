//! Finds a message's unsubscribe mechanisms, working or dead, as one model over the whole
//! message (headers, the HTML part's links and text, the text part); shared by the unsubscribe
//! checks, the kind judgement's neighbours and the bulk-send verdict so they never disagree.
//!
//! What counts, as CASL counts it (a mechanism by the same electronic means): a link whose
//! words or URL say unsubscribe; a "click here" link in the same block as those words; a URL
//! on the lines after an instruction ("To unsubscribe, click here:" ⏎ URL); an ESP's
//! unsubscribe merge tag or any template field named for unsubscribing; a mailto link; an
//! instruction to email an address or to reply; a mailing list's footer; List-Unsubscribe.
//! Email and reply mechanisms work but are not one click: [`Analysis::one_click`] says so.

use crate::analysis::merge_tags::{self, BodyTags};
use crate::data::phrases;
use crate::load::draft::Draft;
use crate::load::draft::Link;
use crate::model::finding::Label;
use crate::model::source::Sources;

/// How a mechanism works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Means {
    /// A link or URL: one click (or one page).
    Link,
    /// A merge tag the sending service fills with its own unsubscribe link.
    Tag,
    /// The List-Unsubscribe header.
    Header,
    /// An email to an address (a mailto link or an instruction).
    Email,
    /// A reply with a word such as REMOVE.
    Reply,
}

/// A working way to unsubscribe, described for messages.
#[derive(Debug, Clone)]
pub struct Mechanism {
    pub description: String,
    pub label: Option<Label>,
    pub means: Means,
}

/// An unsubscribe link that goes nowhere (or nowhere useful).
#[derive(Debug, Clone)]
pub struct Placeholder {
    pub link: Link,
    pub label: Label,
    pub why: String,
    /// A link that goes somewhere, just not to an unsubscribe page (the home page, a social
    /// network): a warning, not a dead link.
    pub doubtful: bool,
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

    /// Whether a mechanism works in one step (a link, a tag, the header) rather than by an
    /// email the reader has to write.
    pub fn one_click(&self) -> bool {
        self.working
            .iter()
            .any(|m| matches!(m.means, Means::Link | Means::Tag | Means::Header))
    }

    fn add(&mut self, means: Means, description: impl Into<String>, label: Option<Label>) {
        self.working.push(Mechanism {
            description: description.into(),
            label,
            means,
        });
    }
}

/// How far (in bytes of source) a "click here" link may stand from the words about
/// unsubscribing and still be the unsubscribe link: about one footer sentence.
const NEARBY_LINK_BYTES: usize = 300;

/// How many lines after an instruction ("To unsubscribe, click here:") its URL may stand.
const INSTRUCTION_LOOKAHEAD_LINES: usize = 3;

pub fn analyze(
    draft: &Draft,
    sources: &Sources,
    body_tags: &BodyTags,
    placeholders: &Placeholders,
) -> Analysis {
    let mut analysis = Analysis::default();

    if let Some(h) = draft.header("List-Unsubscribe") {
        if h.value.contains("https:") || h.value.contains("http:") || h.value.contains("mailto:") {
            analysis.add(
                Means::Header,
                "a List-Unsubscribe header",
                draft.header_label("List-Unsubscribe", "unsubscribe header"),
            );
        }
    }

    if let Some(html) = &draft.html {
        let mut taken: Vec<usize> = Vec::new();
        for (i, link) in html.links.iter().enumerate() {
            let href = link.href.as_deref().unwrap_or("");
            let decoded = merge_tags::percent_decode(href);
            let says_unsubscribe = phrases::find_unsubscribe(&link.text).is_some()
                || phrases::find_unsubscribe_in_url(&decoded).is_some()
                || merge_tags::find_unsubscribe_tag(&decoded).is_some()
                || unsubscribe_field(&decoded).is_some()
                || is_unsubscribe_mailto(&decoded);
            if says_unsubscribe {
                classify_link(&mut analysis, html.source, link, placeholders);
                taken.push(i);
            }
        }
        // "To unsubscribe, click here": the words stand in text beside a link of the same
        // block; "click the link below:" may point at the next block.
        for run in &html.texts {
            if phrases::find_unsubscribe(&run.text).is_none() {
                continue;
            }
            let near = |l: &&Link| {
                l.span.start + NEARBY_LINK_BYTES >= run.span.start
                    && l.span.start <= run.span.end + NEARBY_LINK_BYTES
            };
            // The sentence's own link was already found by its words.
            if taken
                .iter()
                .any(|&t| html.links[t].block == run.block || near(&&html.links[t]))
            {
                continue;
            }
            let mut candidates: Vec<(usize, &Link)> = html
                .links
                .iter()
                .enumerate()
                .filter(|(_, l)| l.href.is_some() && l.block == run.block && near(l))
                .collect();
            if candidates.is_empty() && points_onward(&run.text) {
                let next_block = html
                    .links
                    .iter()
                    .filter(|l| l.href.is_some() && l.span.start > run.span.end && near(l))
                    .map(|l| l.block)
                    .next();
                candidates = html
                    .links
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| Some(l.block) == next_block)
                    .collect();
            }
            let nearest = candidates
                .into_iter()
                .min_by_key(|(_, l)| l.span.start.abs_diff(run.span.end));
            if let Some((i, link)) = nearest {
                if !taken.contains(&i) {
                    classify_link(&mut analysis, html.source, link, placeholders);
                    taken.push(i);
                }
            }
        }
    }

    // ESP merge tags, and template fields named for unsubscribing, anywhere in the draft's
    // sources (raw HTML, text part, headers).
    for (id, tags) in body_tags.iter() {
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
        let same = std::ptr::eq(haystack, text);
        let found = if same {
            merge_tags::unsubscribe_tag(tags).map(|(tag, esp)| (tag.clone(), esp))
        } else {
            merge_tags::find_unsubscribe_tag(haystack)
        };
        if let Some((tag, esp)) = found {
            let name = esp.map_or("an ESP".to_string(), |e| e.name.clone());
            analysis.add(
                Means::Tag,
                format!("{name}'s unsubscribe merge tag"),
                Some(Label {
                    source: id,
                    span: if same { tag.span.clone() } else { 0..0 },
                    text: "unsubscribe merge tag".into(),
                }),
            );
            break;
        }
        if let Some(span) = unsubscribe_field(haystack) {
            analysis.add(
                Means::Tag,
                format!("the template field `{}`", &haystack[span.clone()]),
                Some(Label {
                    source: id,
                    span: if same { span } else { 0..0 },
                    text: "unsubscribe field".into(),
                }),
            );
            break;
        }
    }

    // Plain text: the text part by paragraphs, and the HTML's visible text by lines (each line
    // there is a block: a paragraph, a cell).
    let texts = draft
        .text
        .as_ref()
        .map(|t| (t.content.as_str(), false))
        .into_iter()
        .chain(draft.html.as_ref().map(|h| (h.visible_text.as_str(), true)));
    for (text, blocks) in texts {
        if let Some((means, description)) = text_mechanism(text, blocks) {
            analysis.add(means, description, None);
            break;
        }
    }
    analysis
}

/// Whether an instruction sends the reader on to what follows ("click the link below:").
fn points_onward(text: &str) -> bool {
    text.trim_end().ends_with(':') || says_below(text)
}

/// Words that send the reader further down: "the address below", "下記アドレス".
fn says_below(text: &str) -> bool {
    let lower = phrases::normalize(text);
    [
        "below",
        "following",
        "ci-dessous",
        "suivant",
        "unten",
        "abajo",
        "siguiente",
        "下記",
        "以下",
        "如下",
        "아래",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// The paragraph after line `end` (its first blank line or the end of the text), for an
/// instruction that says the address is below: "send an empty mail to the address below" ⏎
/// a rule line ⏎⏎ "Contact: list@…". Lines of only rules and punctuation do not count.
fn paragraph_after(lines: &[&str], end: usize) -> String {
    let content = |l: &&str| l.chars().any(char::is_alphanumeric);
    let rest = &lines[end.min(lines.len())..];
    let Some(first) = rest.iter().position(content) else {
        return String::new();
    };
    rest[first..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .take(INSTRUCTION_LOOKAHEAD_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A mailto: link whose subject or body asks to unsubscribe ("mailto:list@…?subject=REMOVE").
fn is_unsubscribe_mailto(href: &str) -> bool {
    let lower = href.trim().to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("mailto:") else {
        return false;
    };
    let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
    phrases::find_unsubscribe_in_url(address).is_some()
        || query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .any(|(_, v)| {
                let v = merge_tags::percent_decode(v);
                phrases::find_unsubscribe(&v).is_some() || is_removal_word(&v)
            })
}

/// The one-word requests lists and old newsletters act on.
fn is_removal_word(text: &str) -> bool {
    let t = text.trim().trim_matches(|c: char| !c.is_alphanumeric());
    [
        "remove",
        "unsubscribe",
        "stop",
        "signoff",
        "leave",
        "désabonner",
        "baja",
        "abmelden",
    ]
    .iter()
    .any(|w| t.eq_ignore_ascii_case(w))
}

/// A template field named for unsubscribing, in any engine's brackets: `{unsubscribe_text}`,
/// `{{ unsubscribe_url }}`, `[[UNSUB_LINK_EN]]`, `%unsubscribelink%`, `#_hash_unsubscribe_#`.
/// The sending software fills it with its own unsubscribe link.
fn unsubscribe_field(text: &str) -> Option<std::ops::Range<usize>> {
    const OPENERS: &[(&str, &str)] = &[
        ("{{", "}}"),
        ("[[", "]]"),
        ("{", "}"),
        ("[", "]"),
        ("%%", "%%"),
        ("%", "%"),
        ("#_", "_#"),
        ("$", "$"),
    ];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Openers are rare among a source's bytes: jump to the next one.
        match bytes[i..]
            .iter()
            .position(|b| matches!(b, b'{' | b'[' | b'%' | b'#' | b'$'))
        {
            Some(n) => i += n,
            None => break,
        }
        let Some((open, close)) = OPENERS
            .iter()
            .find(|(o, _)| text[i..].starts_with(o))
            .copied()
        else {
            i += 1;
            continue;
        };
        let inner_start = i + open.len();
        // A field name is short and has no spaces but those around it.
        let window_end = (inner_start + 60).min(text.len());
        let window = text.get(inner_start..window_end).unwrap_or("");
        if let Some(end) = memchr::memmem::find(window.as_bytes(), close.as_bytes()) {
            let inner = window[..end].trim();
            let field_like = !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | ' '))
                && !inner.trim().contains(' ');
            if field_like && phrases::find_unsubscribe_in_url(inner).is_some() {
                return Some(i..inner_start + end + close.len());
            }
        }
        i += open.len();
    }
    None
}

/// An unsubscribe mechanism written in text: the words and a URL, mailto or address in the same
/// paragraph, or a URL on the lines right after an instruction; an instruction to reply.
fn text_mechanism(text: &str, blocks: bool) -> Option<(Means, String)> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(phrase) = phrases::find_unsubscribe(line) else {
            continue;
        };
        // The paragraph around the line: up to a blank line either side (a block is a line).
        let (start, end) = if blocks {
            (i, i + 1)
        } else {
            (
                lines[..i]
                    .iter()
                    .rposition(|l| l.trim().is_empty())
                    .map_or(0, |p| p + 1),
                lines[i..]
                    .iter()
                    .position(|l| l.trim().is_empty())
                    .map_or(lines.len(), |p| i + p),
            )
        };
        let paragraph = lines[start..end].join(" ");
        if let Some(found) = link_or_address(phrase, &paragraph, "in the text") {
            return Some(found);
        }
        let lower = phrases::normalize(&paragraph);
        if !phrases::find_all_normalized(&phrases::get().reply_instructions, &lower).is_empty() {
            return Some((
                Means::Reply,
                format!("\"{phrase}\" by replying: unsubscribing takes an email"),
            ));
        }
        // "Send an empty mail to the address below." ⏎⏎ "Contact: list@…".
        if says_below(&paragraph) {
            let next = paragraph_after(&lines, end);
            if let Some(found) = link_or_address(phrase, &next, "in the paragraph below") {
                return Some(found);
            }
        }
        // "To unsubscribe, click here:" ⏎ (blank) ⏎ URL.
        if points_onward(line) || lines[start..end].len() == 1 {
            let following = lines[i + 1..]
                .iter()
                .filter(|l| !l.trim().is_empty())
                .take(INSTRUCTION_LOOKAHEAD_LINES);
            let gap = lines[i + 1..]
                .iter()
                .take_while(|l| l.trim().is_empty())
                .count();
            if gap <= 1 {
                for l in following {
                    if has_url(l) {
                        return Some((
                            Means::Link,
                            format!("\"{phrase}\" with a web address on the next lines"),
                        ));
                    }
                    if let Some(address) = email_address(l) {
                        return Some((
                            Means::Email,
                            format!("\"{phrase}\" with the address {address}: unsubscribing takes an email"),
                        ));
                    }
                    if !l.trim_start().starts_with(['<', '[', '(']) {
                        break;
                    }
                }
            }
        }
    }
    None
}

/// The mechanism `text` gives for the instruction `phrase`: a web address (a link) or an email
/// address; `place` says where the text stands, for the description.
fn link_or_address(phrase: &str, text: &str, place: &str) -> Option<(Means, String)> {
    if has_url(text) {
        return Some((
            Means::Link,
            format!("\"{phrase}\" with a web address {place}"),
        ));
    }
    email_address(text).map(|address| {
        (
            Means::Email,
            format!(
                "\"{phrase}\" with the address {address} {place}: unsubscribing takes an email"
            ),
        )
    })
}

/// A web address or mailto in text, or a template field that holds one (`{{ unsubscribe_url }}`,
/// `%(listinfo_url)s`, `{$LINK}`): in a template the address is filled in when it is sent.
fn has_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("http://")
        || lower.contains("https://")
        || lower.contains("mailto:")
        || lower.contains("www.")
        || url_field(&lower)
}

fn url_field(lower: &str) -> bool {
    lower
        .match_indices(['{', '(', '[', '%', '$'])
        .any(|(i, _)| {
            let name: String = lower[i + 1..]
                .chars()
                .skip_while(|c| matches!(c, '{' | '(' | '[' | '%' | '$' | ' '))
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                .collect();
            name.len() > 2
                && (name.contains("url") || name.contains("link") || name.contains("href"))
        })
}

/// The first email address in `text`.
fn email_address(text: &str) -> Option<&str> {
    let at = text.find('@')?;
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')))
        .map_or(0, |(p, c)| p + c.len_utf8());
    let end = text[at + 1..]
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '-')))
        .map_or(text.len(), |p| at + 1 + p);
    let candidate = text[start..end].trim_end_matches('.');
    let domain = candidate.split_once('@').map_or("", |(_, d)| d);
    (start < at && domain.contains('.')).then_some(candidate)
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
    let href = link.href.as_deref();
    if let Some(why) = placeholder_reason(href, placeholders) {
        analysis.placeholders.push(Placeholder {
            link: link.clone(),
            label: label(&format!("this unsubscribe link {why}")),
            why,
            doubtful: false,
        });
        return;
    }
    if let Some(why) = href.and_then(|h| nowhere_useful(h, placeholders)) {
        analysis.placeholders.push(Placeholder {
            link: link.clone(),
            label: label(&format!("this unsubscribe link {why}")),
            why,
            doubtful: true,
        });
        return;
    }
    let mailto = href.is_some_and(|h| h.trim().to_ascii_lowercase().starts_with("mailto:"));
    if mailto {
        analysis.add(
            Means::Email,
            "an unsubscribe mailto: link (not one click)",
            Some(label("unsubscribe mailto link")),
        );
    } else {
        analysis.add(
            Means::Link,
            "an unsubscribe link",
            Some(label("unsubscribe link")),
        );
    }
}

/// Why a link that says unsubscribe cannot unsubscribe anyone although it goes somewhere: it
/// opens a site's home page, or a social network.
fn nowhere_useful(href: &str, placeholders: &Placeholders) -> Option<String> {
    let lower = href.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.trim_start_matches("www.");
    // A query string or a deep path may be an unsubscribe endpoint we cannot read: only a
    // site's front page or a profile page (`twitter.com/acme`) is reported.
    if path.contains('?') || path.trim_end_matches('/').contains('/') {
        return None;
    }
    if phrases::find_unsubscribe_in_url(&lower).is_some() {
        return None;
    }
    if placeholders
        .unrelated_hosts
        .iter()
        .any(|u| host == u.as_str() || host.ends_with(&format!(".{u}")))
    {
        return Some(format!(
            "goes to {host}, which cannot unsubscribe anyone from your list"
        ));
    }
    let path = path.trim_end_matches('/');
    (path.is_empty() || matches!(path, "index.html" | "index.php" | "home"))
        .then(|| format!("goes to the home page of {host}, not to a page that unsubscribes"))
}

/// What counts as an unsubscribe link that goes nowhere (`rules/unsubscribe-placeholder.toml`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Placeholders {
    /// Whole hrefs that are placeholders (`http://`, `https://example.com/unsubscribe`, ...).
    pub placeholder_hrefs: Vec<String>,
    /// Hosts that are placeholders (`example.com`, `yourdomain.com`, ...).
    pub placeholder_domains: Vec<String>,
    /// Sites an unsubscribe link can go to without unsubscribing anyone (social networks,
    /// search engines): a doubtful link, reported as a warning.
    pub unrelated_hosts: Vec<String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::draft;

    fn placeholders() -> Placeholders {
        Placeholders {
            placeholder_hrefs: vec!["#".into(), String::new()],
            placeholder_domains: vec!["example.com".into()],
            unrelated_hosts: vec!["twitter.com".into()],
        }
    }

    fn analysis_of(name: &str, text: &str) -> Analysis {
        let mut sources = Sources::default();
        let d = draft::load(&mut sources, name, text.as_bytes().to_vec()).unwrap();
        analyze(&d, &sources, &BodyTags::of(&d, &sources), &placeholders())
    }

    #[test]
    fn a_url_on_the_lines_after_an_instruction_is_the_mechanism() {
        let a = analysis_of(
            "n.txt",
            "Our offers.\n\nTo unsubscribe, click here:\nhttp://news.shop.test/u?id=9\n",
        );
        assert!(a.one_click(), "{:?}", a.working);
        let a = analysis_of(
            "n.txt",
            "Our offers.\n\nTo unsubscribe, click on the link below\n\nhttp://news.shop.test/u\n",
        );
        assert!(a.one_click(), "{:?}", a.working);
    }

    #[test]
    fn an_address_in_the_paragraph_below_an_instruction_is_the_mechanism() {
        let a = analysis_of(
            "n.txt",
            "Offers.\n\nTo stop receiving these mails, send an empty mail to the address below.\n----------\n\nPublisher: Dream Co.\nContact: present@dream.test\n",
        );
        assert_eq!(a.working[0].means, Means::Email, "{:?}", a.working);
        let a = analysis_of(
            "n.txt",
            "Offers.\n\nTo stop receiving these mails, see below.\n\nOur shop is open daily.\n\nContact: present@dream.test\n",
        );
        assert!(!a.has_working(), "{:?}", a.working);
    }

    #[test]
    fn email_and_reply_instructions_work_but_are_not_one_click() {
        let a = analysis_of(
            "n.txt",
            "News.\n\nTo be removed from this list, send an email to list-off@shop.test with REMOVE in the subject.\n",
        );
        assert!(a.has_working() && !a.one_click(), "{:?}", a.working);
        let a = analysis_of("n.txt", "News.\n\nTo unsubscribe, reply with STOP.\n");
        assert_eq!(a.working[0].means, Means::Reply);
        let a = analysis_of(
            "n.html",
            r#"<p>News.</p><p><a href="mailto:list@shop.test?subject=REMOVE">click here</a> to be removed from this list</p>"#,
        );
        assert_eq!(a.working[0].means, Means::Email, "{:?}", a.working);
    }

    #[test]
    fn a_click_here_link_counts_only_in_its_own_block() {
        let html = r#"<table><tr><td>To unsubscribe, write to us.</td><td><a href="https://shop.test/top">Back to top</a></td></tr></table>"#;
        let a = analysis_of("n.html", html);
        assert!(
            !a.has_working() && a.placeholders.is_empty(),
            "{:?}",
            a.working
        );
        let html = r#"<p>To unsubscribe <a href="https://shop.test/u?id=1">click here</a>.</p>"#;
        assert!(analysis_of("n.html", html).one_click());
    }

    #[test]
    fn template_fields_named_for_unsubscribing_count() {
        for text in [
            "<p>{unsubscribe_text}</p>",
            "<p>[[UNSUB_LINK_EN]]</p>",
            "<p>%unsubscribelink%</p>",
        ] {
            let a = analysis_of("t.html", text);
            assert!(
                a.working.iter().any(|m| m.means == Means::Tag),
                "{text}: {:?}",
                a.working
            );
        }
        assert_eq!(unsubscribe_field("{ first_name }"), None);
    }

    #[test]
    fn links_to_a_home_page_or_a_social_site_are_doubtful() {
        let a = analysis_of(
            "t.html",
            r#"<p><a href="https://twitter.com/shop">Unsubscribe</a></p>"#,
        );
        assert!(a.placeholders[0].doubtful, "{:?}", a.placeholders);
        let a = analysis_of(
            "t.html",
            r#"<p><a href="https://shop.test/">Unsubscribe</a></p>"#,
        );
        assert!(a.placeholders[0].doubtful);
        let a = analysis_of(
            "t.html",
            r#"<p><a href="https://www.linkedin.com/e/v2?e=1&t=lun">Unsubscribe</a></p>"#,
        );
        assert!(
            a.one_click(),
            "a query string may be an unsubscribe endpoint"
        );
    }

    #[test]
    fn addresses_after_wide_characters_are_read_on_char_boundaries() {
        assert_eq!(email_address("´Ùx@shop.test"), Some("Ùx@shop.test"));
        assert_eq!(email_address("öiF§Í´Ù@þªF"), None);
    }
}
