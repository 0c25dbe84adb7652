//! Message kind from evidence: commercial, transactional, not commercial, or unknown. No single
//! keyword decides; each kind's signals are gathered, then weighed in a fixed order, and the
//! verdict names the evidence.
//!
//! - Not commercial on protocol evidence: a bounce or delivery report, an automatic reply, a
//!   reply or forward (In-Reply-To, References, "Re:"), a post to a discussion list (List-Id
//!   with the headers list software adds), an automated notice (cron, version control, CI).
//! - Transactional on the wording of receipts, orders, resets and confirmations, unless the
//!   message sells more than it informs.
//! - Commercial on what CASL means by it: offers and prices, shop and order links, promotions,
//!   and the marks of a bulk send (an unsubscribe footer, a bulk-mail service's headers).
//! - Unknown when none of these speak: the compliance rules then say less, and suggest `--kind`.

use std::sync::OnceLock;

use crate::analysis::merge_tags;
use crate::data::phrases;
use crate::load::draft::{Draft, DraftFormat};
use crate::model::kind::{Kind, KindChoice};

/// How much of the body counts as its opening, in characters.
const OPENING_CHARS: usize = 300;

/// Promotional evidence from which a message sells more than a receipt's upsell block does.
const SELLS: usize = 4;

/// What the message shows, gathered once.
#[derive(Debug, Default)]
struct Signals {
    /// Not-commercial evidence, strongest first, in words.
    automatic: Option<String>,
    reply: Option<String>,
    discussion: Option<String>,
    automated: Option<String>,
    /// Transactional wording: (phrase, where).
    transactional: Option<String>,
    /// Only an opening word ("welcome", "your order") says so, no receipt or reset wording.
    transactional_weak: bool,
    /// Promotional phrases found, distinct.
    promotional: Vec<&'static str>,
    /// A discount on the next purchase or a cart reminder: a follow-up's marketing, or a
    /// receipt's upsell block.
    upsell: Option<&'static str>,
    /// A price ("$18", "12,50 €").
    price: Option<String>,
    /// The body offers to unsubscribe (a bulk send's footer).
    unsubscribe: Option<&'static str>,
    /// Sent through a bulk-mail service, or a template for one (its merge tags).
    bulk: Option<String>,
    /// A web-version link, "forward to a friend", "newsletter": the furniture of a bulk send.
    marker: Option<&'static str>,
    /// Follow links to social networks.
    social: bool,
    /// A link into a shop, a product or an order page.
    shop_link: Option<String>,
    /// A shop platform's template field (`{shop_name}`, `{{var product_url}}`): the template of
    /// a shop's mail, which, when it is no receipt or notice, is its marketing.
    shop_field: Option<String>,
    /// A charity's or a cause's appeal ("donate").
    nonprofit: Option<&'static str>,
    /// The advertisement mark a law asks of ads ("ADV:", 未承諾広告, (광고)) in the subject.
    ad_mark: Option<&'static str>,
}

impl Signals {
    /// Promotional weight: distinct phrases, a price, the marks of a bulk send.
    fn commercial_weight(&self) -> usize {
        self.promotional.len().min(SELLS)
            + usize::from(self.upsell.is_some())
            + usize::from(self.price.is_some())
            + 2 * usize::from(self.unsubscribe.is_some())
            + 2 * usize::from(self.bulk.is_some())
            + 2 * usize::from(self.marker.is_some())
            + usize::from(self.social)
            + usize::from(self.shop_link.is_some())
            + 2 * usize::from(self.shop_field.is_some())
    }

    fn commercial_evidence(&self) -> String {
        let mut parts = Vec::new();
        if !self.promotional.is_empty() {
            let quoted: Vec<String> = self
                .promotional
                .iter()
                .take(3)
                .map(|p| format!("\"{p}\""))
                .collect();
            parts.push(format!("offer wording ({})", quoted.join(", ")));
        }
        if let Some(u) = self.upsell {
            parts.push(format!("an offer on the next purchase (\"{u}\")"));
        }
        if let Some(p) = &self.price {
            parts.push(format!("a price ({p})"));
        }
        if let Some(u) = self.unsubscribe {
            parts.push(format!("an unsubscribe footer (\"{u}\")"));
        }
        if let Some(b) = &self.bulk {
            parts.push(b.clone());
        }
        if let Some(m) = self.marker {
            parts.push(format!("bulk-mail wording (\"{m}\")"));
        }
        if self.social {
            parts.push("links to follow the sender on social networks".into());
        }
        if let Some(l) = &self.shop_link {
            parts.push(format!("a link to buy ({l})"));
        }
        if let Some(f) = &self.shop_field {
            parts.push(format!("a shop's template field (`{f}`)"));
        }
        parts.join(", ")
    }
}

/// The kind of `draft`. `explicit` is the user's word (flag or config); `via_service` says
/// the draft names a bulk-mail service (its headers or merge tags chose the provider).
pub fn classify(explicit: Option<Kind>, draft: &Draft, via_service: Option<&str>) -> KindChoice {
    if let Some(kind) = explicit {
        return KindChoice {
            kind,
            reason: "set with --kind or in bulklint.toml".into(),
        };
    }
    let s = gather(draft, via_service);
    let weight = s.commercial_weight();
    let choice = |kind: Kind, reason: String| KindChoice { kind, reason };
    if let Some(why) = &s.automatic {
        return choice(Kind::NotCommercial, why.clone());
    }
    if let Some(why) = &s.reply {
        if weight < SELLS {
            return choice(Kind::NotCommercial, why.clone());
        }
    }
    if let Some(why) = &s.discussion {
        if s.promotional.len() < 3 {
            return choice(Kind::NotCommercial, why.clone());
        }
    }
    if let Some(mark) = s.ad_mark {
        let evidence = s.commercial_evidence();
        let why =
            format!("the subject carries \"{mark}\", the mark the law asks of an advertisement");
        return choice(
            Kind::Commercial,
            if evidence.is_empty() {
                why
            } else {
                format!("{why}; {evidence}")
            },
        );
    }
    if let Some(why) = &s.transactional {
        // "Welcome", "your order" in an opening weigh less than "reset your password": two
        // offers outweigh them, and so does one offer in a newsletter's furniture (an
        // unsubscribe footer, a web version): the first mail of a marketing series.
        let outweighed = if s.transactional_weak {
            let bulk_marks = s.unsubscribe.is_some() || s.marker.is_some() || s.bulk.is_some();
            let offers = s.promotional.len() + usize::from(s.upsell.is_some());
            offers >= 2 || (offers >= 1 && bulk_marks)
        } else {
            s.promotional.len() >= SELLS
        };
        if !outweighed {
            let against = s.commercial_evidence();
            let why = if against.is_empty() {
                why.clone()
            } else {
                format!("{why}, which outweighs {against}")
            };
            return choice(Kind::Transactional, why);
        }
    }
    if let Some(word) = s.nonprofit {
        if s.promotional.len() < 2 && s.shop_link.is_none() {
            return choice(
                Kind::NotCommercial,
                format!("an appeal of a charity or a cause (\"{word}\"), with little to sell"),
            );
        }
    }
    if let Some(why) = &s.automated {
        if s.promotional.len() < 2 {
            return choice(Kind::NotCommercial, why.clone());
        }
    }
    // A sent message that only shows the marks of a bulk send (an unsubscribe footer, a
    // service's headers) may be a club's, a charity's or a writer's newsletter: CASL asks for
    // commercial content. A bare template, checked in a newsletter repository, is taken on
    // those marks alone.
    let sells = !s.promotional.is_empty()
        || s.upsell.is_some()
        || s.price.is_some()
        || s.shop_link.is_some()
        || s.shop_field.is_some();
    if weight >= 2 && (sells || draft.format != DraftFormat::Message) {
        return choice(Kind::Commercial, s.commercial_evidence());
    }
    if weight >= 2 {
        return choice(
            Kind::Unknown,
            format!(
                "it is a bulk send ({}) but shows nothing for sale",
                s.commercial_evidence()
            ),
        );
    }
    choice(
        Kind::Unknown,
        "nothing in it shows whether it is commercial (no offer or price, no unsubscribe footer, no reply or list headers)".into(),
    )
}

/// The phrases of the lists a body (or a subject) is read for, found in one pass over it.
struct BodyLists {
    discussion: Vec<&'static str>,
    transactional: Vec<&'static str>,
    thanks: Vec<&'static str>,
    promotional: Vec<&'static str>,
    upsell: Vec<&'static str>,
    nonprofit: Vec<&'static str>,
    markers: Vec<&'static str>,
}

impl BodyLists {
    /// Searches `normalized` (a [`phrases::normalize`]d body) for every list.
    fn find(normalized: &str) -> Self {
        static SEARCH: OnceLock<phrases::ListSearch> = OnceLock::new();
        let search = SEARCH.get_or_init(|| {
            let p = phrases::get();
            phrases::ListSearch::new(vec![
                &p.discussion_list_wording,
                &p.transactional,
                &p.transactional_thanks,
                &p.promotional,
                &p.upsell_wording,
                &p.nonprofit_wording,
                &p.bulk_markers,
            ])
        });
        let mut found = search.find_all_normalized(normalized).into_iter();
        let mut next = || found.next().unwrap_or_default();
        BodyLists {
            discussion: next(),
            transactional: next(),
            thanks: next(),
            promotional: next(),
            upsell: next(),
            nonprofit: next(),
            markers: next(),
        }
    }
}

fn gather(draft: &Draft, via_service: Option<&str>) -> Signals {
    let p = phrases::get();
    let mut s = Signals::default();
    let header = |name: &str| draft.header_value(name).map(str::trim);
    let subject = header("Subject").unwrap_or_default();
    let lower_subject = phrases::normalize(subject);
    let body = draft.visible_text();
    // Templates often hold translation keys instead of words (`order_summary`,
    // `emailAddressAlreadyRegistered`): read those as the words they stand for.
    let split_body = split_identifiers(body);
    let lower_body = phrases::normalize(&split_body);
    let in_body = BodyLists::find(&lower_body);
    let message = draft.format == DraftFormat::Message;

    // Bounces, delivery reports and automatic replies.
    let content_type = header("Content-Type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let from = draft
        .from_address()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let from_local = from.split('@').next().unwrap_or_default();
    let auto_submitted = header("Auto-Submitted")
        .unwrap_or("no")
        .to_ascii_lowercase();
    s.automatic = if content_type.contains("multipart/report") {
        Some("a delivery or read report (multipart/report)".to_string())
    } else if p.automatic_senders.iter().any(|a| a == from_local) {
        Some(format!("sent by {from}, which only sends reports"))
    } else if auto_submitted.starts_with("auto-replied") {
        Some("an automatic reply (Auto-Submitted: auto-replied)".to_string())
    } else if ["X-Autoreply", "X-Autorespond"]
        .iter()
        .any(|h| header(h).is_some())
    {
        Some("an automatic reply (its headers say so)".to_string())
    } else {
        phrases::find_all(&p.automatic_subjects, subject)
            .first()
            .map(|w| format!("the subject says \"{w}\": a bounce or an automatic reply"))
    };

    // Replies and forwards.
    s.reply = if let Some(h) = ["In-Reply-To", "References"]
        .into_iter()
        .find(|h| header(h).is_some_and(|v| !v.is_empty()))
    {
        Some(format!("a reply or forward (it has a {h} header)"))
    } else {
        reply_prefix(&lower_subject, &p.reply_prefixes)
            .map(|pre| format!("a reply or forward (the subject starts with \"{pre}:\")"))
            .or_else(|| {
                quoting_line(draft, &p.reply_attributions)
                    .map(|line| format!("a reply or forward (it quotes: \"{line}\")"))
            })
    };

    // Discussion lists and automated notices, from the headers their software adds.
    let names: Vec<String> = draft
        .headers
        .iter()
        .map(|h| h.name.to_ascii_lowercase())
        .collect();
    let has = |list: &[String]| {
        list.iter()
            .find(|wanted| names.iter().any(|n| n.starts_with(wanted.as_str())))
            .cloned()
    };
    if header("List-Id").is_some() || header("List-Post").is_some() {
        if let Some(h) = has(&p.discussion_list_headers) {
            s.discussion = Some(format!(
                "a mailing-list post (List-Id with the {h} header of list software)"
            ));
        }
    }
    if s.discussion.is_none() {
        let text = draft.text.as_ref().map_or(body, |t| t.content.as_str());
        let found = if std::ptr::eq(text, body) {
            in_body.discussion.clone()
        } else {
            phrases::find_all(&p.discussion_list_wording, text)
        };
        if let Some(w) = found.first() {
            s.discussion = Some(format!(
                "a mailing list's post or notice (its text says \"{w}\")"
            ));
        }
    }
    if let Some(h) = has(&p.automated_headers) {
        s.automated = Some(format!("an automated notice (it has the {h} header)"));
    } else if lower_subject.starts_with("cron <") {
        s.automated = Some("an automated notice (cron output)".into());
    }

    // Transactional wording: strong phrases anywhere, weaker ones in the subject or opening.
    let opening: String = body.chars().take(OPENING_CHARS).collect();
    let in_subject = BodyLists::find(&lower_subject);
    let strong_in_subject = in_subject.transactional.first().copied();
    let strong_in_body = in_body.transactional.first().copied();
    s.transactional_weak = strong_in_subject.is_none() && strong_in_body.is_none();
    let thanks = in_subject
        .thanks
        .first()
        .copied()
        .or_else(|| in_body.thanks.first().copied());
    // The verdict names the strongest evidence: receipt or reset wording, then thanks for an
    // order or a sign-up, then an opening.
    s.transactional = strong_in_subject
        .map(|w| format!("the subject says \"{w}\""))
        .or_else(|| strong_in_body.map(|w| format!("the message says \"{w}\"")))
        .or_else(|| thanks.map(|w| format!("the message says \"{w}\"")))
        .or_else(|| {
            phrases::find_transactional_opening(subject)
                .map(|w| format!("the subject says \"{w}\""))
        })
        .or_else(|| {
            phrases::find_transactional_opening(&opening)
                .map(|w| format!("the message opens with \"{w}\""))
        });

    // Commercial evidence, from the HTML and the text part both: an old mailing's offer may
    // stand only in the text part, the HTML being an image and its alt text.
    let text_part = draft
        .html
        .as_ref()
        .and(draft.text.as_ref())
        .map(|t| t.content.as_str());
    let lower_text = text_part.map(|t| phrases::normalize(&split_identifiers(t)));
    let in_text = lower_text.as_deref().map(BodyLists::find);
    s.ad_mark = phrases::find_all(&p.advertisement_marks, subject)
        .first()
        .copied();
    let mut promotional = in_subject.promotional;
    for found in std::iter::once(&in_body).chain(in_text.as_ref()) {
        for &w in &found.promotional {
            if !promotional.contains(&w) {
                promotional.push(w);
            }
        }
    }
    s.promotional = promotional;
    // The first phrase of a list in the body, else in the text part.
    let first_in_either = |list: fn(&BodyLists) -> &[&'static str]| {
        std::iter::once(&in_body)
            .chain(in_text.as_ref())
            .find_map(|found| list(found).first().copied())
    };
    s.upsell = first_in_either(|f| &f.upsell);
    s.price = find_price(subject)
        .or_else(|| find_price(body))
        .or_else(|| text_part.and_then(find_price));
    // The body normalised for the lists is the body's own normal form when it has no
    // identifiers to split.
    let unsubscribe_in_body = match split_body {
        std::borrow::Cow::Borrowed(_) => phrases::find_unsubscribe_normalized(&lower_body),
        std::borrow::Cow::Owned(_) => phrases::find_unsubscribe(body),
    };
    s.unsubscribe = unsubscribe_in_body.or_else(|| {
        draft
            .text
            .as_ref()
            .and_then(|t| phrases::find_unsubscribe(&t.content))
    });
    // A link to a service's unsubscribe tag: a way out, and a sign of bulk mail.
    let unsubscribe_tag_link = draft.html.as_ref().is_some_and(|h| {
        h.links.iter().any(|l| {
            l.href.as_deref().is_some_and(|href| {
                merge_tags::find_unsubscribe_tag(&merge_tags::percent_decode(href)).is_some()
            })
        })
    });
    if s.unsubscribe.is_none() && unsubscribe_tag_link {
        s.unsubscribe = Some("an unsubscribe merge tag");
    }
    s.nonprofit = in_body.nonprofit.first().copied();
    s.marker = first_in_either(|f| &f.markers);
    s.social = draft.html.as_ref().is_some_and(|h| {
        h.links.iter().any(|l| {
            l.href.as_deref().is_some_and(|href| {
                let host = href
                    .split_once("://")
                    .map_or("", |(_, rest)| rest)
                    .split(['/', '?', '#'])
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let host = host.trim_start_matches("www.");
                p.social_hosts.iter().any(|s| host == s)
            })
        })
    });
    s.shop_link = draft.html.as_ref().and_then(|h| {
        h.links.iter().find_map(|l| {
            let href = l.href.as_deref()?;
            let lower = href.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"))?;
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            // A shop's own host (`shop.example.com`, `store.example.com`) says it too: the
            // labels left of the registered name.
            let host = host.split(':').next().unwrap_or(host);
            let labels: Vec<&str> = host.split('.').collect();
            let sub = &labels[..labels.len().saturating_sub(2)];
            let mut words = sub
                .iter()
                .copied()
                .chain(path.split(['/', '?', '&', '=', '-', '_', '.', '#']));
            words
                .any(|seg| p.shop_link_words.iter().any(|w| seg == w))
                .then(|| href.to_string())
        })
    });
    s.shop_field = template_field(body, &p.shop_field_words);
    // A template's own engine ({{ }}, {% %}) says nothing about bulk; a service's unsubscribe
    // or address tag does.
    let service_tag = unsubscribe_tag_link
        || draft
            .html
            .as_ref()
            .is_some_and(|h| merge_tags::has_service_tag(&h.visible_text))
        || draft
            .text
            .as_ref()
            .is_some_and(|t| merge_tags::has_service_tag(&t.content));
    s.bulk = match via_service {
        Some(service) if message => Some(format!("sent through {service}")),
        Some(service) if service_tag => Some(format!("a template for {service} (its merge tags)")),
        _ if header("List-Unsubscribe").is_some() && s.reply.is_none() => {
            Some("a List-Unsubscribe header".into())
        }
        _ => None,
    };
    // A newsletter engine's campaign layout names the campaign or its feed
    // (`{{ campaign.subject }}`, `{{ .Campaign.Subject }}`, `{% for a in var:rss %}`): what it
    // wraps is a campaign, whatever the slot will hold.
    if s.bulk.is_none() && !message {
        s.bulk = template_field(body, &p.campaign_field_words)
            .map(|f| format!("a newsletter engine's campaign field (`{f}`)"));
    }
    s
}

/// The first template field (`{shop_name}`, `{{var product_url}}`, `{{ store.name }}`, or a
/// name in a tag's expression: `{% if campaign.subject %}`, `{% for a in var:rss %}`) whose
/// name has one of `words` as a part.
fn template_field(text: &str, words: &[String]) -> Option<String> {
    let has_word = |name: &str| {
        let parts = split_identifiers(name).to_ascii_lowercase();
        parts
            .split(['_', '.', ':', ' '])
            .any(|part| words.iter().any(|w| w == part))
    };
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':');
    text.match_indices('{').find_map(|(at, _)| {
        let inner = &text[at + 1..];
        // A tag (`{% … %}`): every name in its expression, up to the closer.
        if let Some(tag) = inner.strip_prefix('%') {
            let end = tag.find("%}").filter(|&e| e <= 200)?;
            // Names outside quotes: a quoted template path or route name
            // (`'@ShopBundle:Email:layout.html.twig'`) names a file, not a field.
            return tag[..end]
                .split(['\'', '"'])
                .step_by(2)
                .flat_map(|unquoted| unquoted.split(|c: char| !is_name(c)))
                .find(|name| name.starts_with(|c: char| c.is_ascii_alphabetic()) && has_word(name))
                .map(str::to_string);
        }
        // An output field (`{name}`, `{{ name }}`, `{{var name}}`, `{$name}`): the name alone,
        // closed by a brace, a filter or a call.
        let rest = inner.trim_start_matches(['{', '$', ' ']);
        let rest = rest.strip_prefix("var ").unwrap_or(rest).trim_start();
        let name: &str = &rest[..rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.')))
            .unwrap_or(rest.len())];
        let closes = rest[name.len()..].trim_start().starts_with(['}', '|', '(']);
        (closes && has_word(name)).then(|| name.to_string())
    })
}

/// `order_summary` → `order summary`, `alreadySubscribed` → `already Subscribed`: identifiers
/// of translation keys read as words. Text without them comes back as it is.
fn split_identifiers(text: &str) -> std::borrow::Cow<'_, str> {
    let has_key = text.as_bytes().windows(2).any(|w| {
        (w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
            || (w[0].is_ascii_alphabetic() && w[1] == b'_')
    });
    if !has_key {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        match (prev, c) {
            (Some(p), '_') if p.is_ascii_alphanumeric() => out.push(' '),
            (Some(p), c) if p.is_ascii_lowercase() && c.is_ascii_uppercase() => {
                out.push(' ');
                out.push(c);
            }
            _ => out.push(c),
        }
        prev = Some(c);
    }
    std::borrow::Cow::Owned(out)
}

/// The line above quoted or forwarded text ("On Tue, Ann wrote:", "-----Original Message-----"),
/// when the body has one.
fn quoting_line(draft: &Draft, attributions: &[String]) -> Option<String> {
    let body = draft
        .text
        .as_ref()
        .map_or_else(|| draft.visible_text(), |t| t.content.as_str());
    let lines: Vec<&str> = body.lines().map(str::trim).collect();
    lines.iter().enumerate().find_map(|(i, line)| {
        if line.len() > 200 {
            return None;
        }
        let lower = phrases::normalize(line);
        let framed = lower.ends_with(':') || lower.starts_with("--") || lower.ends_with("--");
        // In any language: a line ending in a colon, then quoted lines ("> …").
        let quotes_follow = lower.ends_with(':')
            && lines[i + 1..]
                .iter()
                .find(|l| !l.is_empty())
                .is_some_and(|l| l.starts_with('>'));
        (framed && (quotes_follow || attributions.iter().any(|a| lower.contains(a.as_str()))))
            .then(|| line.chars().take(80).collect())
    })
}

/// "re", "fwd", … when the subject starts with one of them and a colon (also "Re[2]:").
fn reply_prefix(lower_subject: &str, prefixes: &[String]) -> Option<String> {
    let head = lower_subject.trim_start();
    let colon = head.find([':', '：'])?;
    let word = head[..colon].trim();
    let word = word
        .split_once('[')
        .map_or(word, |(w, _)| w)
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == ']')
        .trim();
    prefixes.iter().find(|p| *p == word).cloned()
}

/// A price: a currency sign next to a number ("$18", "€ 5", "12,50 €"). Reads the text once,
/// without copying it.
fn find_price(text: &str) -> Option<String> {
    find_price_by_sign(text).or_else(|| find_price_by_word(text))
}

/// An amount followed by a currency written as a word, as Russian, Japanese, Chinese and Korean
/// prices are: "6500 рублей", "15万円", "3000元", "9,900원".
fn find_price_by_word(text: &str) -> Option<String> {
    // Longest first: the price names the unit as written.
    const UNITS: [&str; 8] = ["рублей", "рубля", "рубль", "руб", "₽", "円", "元", "원"];
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_digit(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, d)) = chars.peek() {
            if !(is_digit(d) || matches!(d, ',' | '.' | '，')) {
                break;
            }
            end = i + d.len_utf8();
            chars.next();
        }
        // A magnitude between the figure and the unit: 15万円, 3千元.
        let rest = text[end..].trim_start_matches(['万', '千', '億', '亿', '만', '천']);
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        let head = rest.chars().take(6).collect::<String>().to_lowercase();
        if let Some(unit) = UNITS.iter().find(|u| head.starts_with(*u)) {
            let unit_end = text.len() - rest.len() + unit.len();
            return Some(text[start..unit_end].to_string());
        }
    }
    None
}

fn find_price_by_sign(text: &str) -> Option<String> {
    let is_amount = |c: char| c.is_ascii_digit() || c == '.' || c == ',';
    for (at, c) in text.char_indices() {
        if !matches!(c, '$' | '€' | '£' | '¥' | '₹' | '￥' | '₽') {
            continue;
        }
        let after = &text[at + c.len_utf8()..];
        let next_digit = after
            .strip_prefix(' ')
            .unwrap_or(after)
            .starts_with(|d: char| d.is_ascii_digit());
        let before = text[..at].trim_end_matches(' ');
        let prev_digit = before.ends_with(|d: char| d.is_ascii_digit());
        if !(next_digit || prev_digit) {
            continue;
        }
        // "$50b", "$100M", "$2 billion": figures of a business story, not a price.
        if next_digit && magnitude_follows(&text[at..]) {
            continue;
        }
        let (start, end) = if next_digit {
            let digits = after.trim_start_matches(' ');
            let len = digits.find(|d: char| !is_amount(d)).unwrap_or(digits.len());
            (at, text.len() - digits.len() + len)
        } else {
            let start = before
                .char_indices()
                .rev()
                .find(|&(_, d)| !is_amount(d))
                .map_or(0, |(p, d)| p + d.len_utf8());
            (start, at + c.len_utf8())
        };
        return Some(text[start..end].trim().to_string());
    }
    None
}

/// Whether the amount starting at a currency sign is followed by a magnitude ("50b", "3.2M",
/// "2 billion").
fn magnitude_follows(from_sign: &str) -> bool {
    let rest = from_sign
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ',')
        .trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    matches!(
        word.as_str(),
        "b" | "bn"
            | "m"
            | "mm"
            | "mn"
            | "k"
            | "t"
            | "tn"
            | "billion"
            | "million"
            | "trillion"
            | "thousand"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::draft;
    use crate::model::source::Sources;

    fn kind_of(text: &str) -> KindChoice {
        let mut sources = Sources::default();
        let d = draft::load(&mut sources, "x.eml", text.as_bytes().to_vec()).unwrap();
        classify(None, &d, None)
    }

    #[test]
    fn replies_bounces_and_lists_are_not_commercial() {
        let reply = kind_of("From: a@example.com\nTo: b@example.org\nSubject: Re: lunch\nIn-Reply-To: <1@example.com>\n\nSure, noon works.\n");
        assert_eq!(reply.kind, Kind::NotCommercial, "{}", reply.reason);
        let bounce = kind_of("From: MAILER-DAEMON@mx.example.com\nTo: b@example.org\nSubject: Undelivered Mail Returned to Sender\n\nThis is the mail system.\n");
        assert_eq!(bounce.kind, Kind::NotCommercial, "{}", bounce.reason);
        let list = kind_of("From: a@example.com\nTo: dev@lists.example.org\nList-Id: <dev.lists.example.org>\nList-Post: <mailto:dev@lists.example.org>\nSubject: build fails on arm\n\nAnyone seen this?\n");
        assert_eq!(list.kind, Kind::NotCommercial, "{}", list.reason);
        // List software's own notices, in the list's language.
        let notice = kind_of("From: lista-request@example.org\nTo: b@example.org\nSubject: recordatorio\n\nSus subscripciones a listas de distribución: puede darse de baja en la web.\n");
        assert_eq!(notice.kind, Kind::NotCommercial, "{}", notice.reason);
    }

    #[test]
    fn thanks_that_sells_the_next_order_is_marketing() {
        // A shop's follow-up: thanks for the last order, a discount on the next one.
        let follow_up = kind_of("From: shop@bakery.example\nTo: b@example.org\nSubject: A gift for you\n\nThank you for your order last month! Here is a discount: 15% off your next order with the coupon below.\n");
        assert_eq!(follow_up.kind, Kind::Commercial, "{}", follow_up.reason);
        // A receipt says thanks too, with its own wording: an upsell does not outweigh that.
        let receipt = kind_of("From: shop@bakery.example\nTo: b@example.org\nSubject: Receipt\n\nThank you for your order. Order number 1042, total due $0. Get 10% off your next order.\n");
        assert_eq!(receipt.kind, Kind::Transactional, "{}", receipt.reason);
    }

    #[test]
    fn an_advertisement_mark_in_the_subject_is_the_senders_word() {
        for subject in [
            "ADV: Low rates",
            "未承諾広告※ 開業しませんか",
            "(광고) 주말 특가",
        ] {
            let k = kind_of(&format!(
                "From: a@b.example\nTo: c@d.example\nSubject: {subject}\n\nHello.\n"
            ));
            assert_eq!(k.kind, Kind::Commercial, "{subject}: {}", k.reason);
            assert!(k.reason.contains("the mark the law asks"), "{}", k.reason);
        }
        // A reply quoting such a subject is the replier's own mail.
        let reply = kind_of("From: a@b.example\nTo: c@d.example\nSubject: Re: ADV: Low rates\nIn-Reply-To: <x@y>\n\nPlease stop.\n");
        assert_eq!(reply.kind, Kind::NotCommercial, "{}", reply.reason);
    }

    #[test]
    fn prices_in_currency_words_and_shop_hosts_count_as_selling() {
        for (body, price) in [
            ("Стоимость коллекции 6500 рублей.", "6500 рублей"),
            ("時価15万円以上", "15万円"),
            ("정가 9,900원", "9,900원"),
        ] {
            assert_eq!(find_price(body).as_deref(), Some(price), "{body}");
        }
        assert_eq!(find_price("version 2 released"), None);
        // A link into the shop's own host is a link to buy.
        let shop = kind_of("From: a@b.example\nTo: c@d.example\nSubject: Weekend\nContent-Type: text/html\n\n<p>Weekend specials</p><a href=\"http://shop.b.example/front/list.php\">Go</a>\n");
        assert_eq!(shop.kind, Kind::Commercial, "{}", shop.reason);
        assert!(shop.reason.contains("shop.b.example"), "{}", shop.reason);
    }

    #[test]
    fn offers_are_commercial_and_receipts_transactional() {
        let offer = kind_of("From: shop@bakery.example\nTo: b@example.org\nSubject: Spring specials\n\nPie $18 (was $22). Order online today, 20% off all week.\n");
        assert_eq!(offer.kind, Kind::Commercial, "{}", offer.reason);
        assert!(offer.reason.contains("$18"), "{}", offer.reason);
        let receipt = kind_of("From: shop@bakery.example\nTo: b@example.org\nSubject: Your receipt\n\nThank you for your order #1042. Total $18.\n");
        assert_eq!(receipt.kind, Kind::Transactional, "{}", receipt.reason);
        let welcome_sale = kind_of("From: shop@bakery.example\nTo: b@example.org\nSubject: Welcome to spring!\n\nShop now: 20% off, free shipping, limited time, new arrivals. $5 coupon inside.\n");
        assert_eq!(
            welcome_sale.kind,
            Kind::Commercial,
            "{}",
            welcome_sale.reason
        );
    }

    #[test]
    fn a_next_purchase_offer_sells_against_an_opening_but_not_against_a_receipt() {
        let receipt = kind_of("From: shop@bakery.example\nTo: b@example.org\nSubject: Thanks\n\nThis email is the receipt for your purchase. No payment is due.\n\nHere is a coupon: 10% off your next purchase. Use this discount now.\n");
        assert_eq!(receipt.kind, Kind::Transactional, "{}", receipt.reason);
        assert!(
            receipt
                .reason
                .starts_with("the message says \"receipt for your purchase\", which outweighs"),
            "{}",
            receipt.reason
        );
        let follow_up = kind_of("From: shop@bakery.example\nTo: b@example.org\nSubject: Thanks\n\nYour order made our day. Come back soon: a 10% discount on your next order.\n");
        assert_eq!(follow_up.kind, Kind::Commercial, "{}", follow_up.reason);
    }

    #[test]
    fn a_charitys_appeal_is_not_commercial() {
        let k = kind_of("From: news@wildlife.example\nTo: b@example.org\nSubject: Our spring update\nList-Unsubscribe: <https://wildlife.example/u>\n\nThe wetlands are back. Donate today to protect them. Unsubscribe: https://wildlife.example/u\n");
        assert_eq!(k.kind, Kind::NotCommercial, "{}", k.reason);
    }

    #[test]
    fn a_shops_template_that_is_no_receipt_is_its_marketing() {
        let words: Vec<String> = ["shop", "product", "voucher"].map(String::from).into();
        assert_eq!(
            template_field("Hola {firstname}, {message} {shop_name}", &words).as_deref(),
            Some("shop_name")
        );
        assert_eq!(
            template_field("{{var product_url}} {{ storeName }}", &words).as_deref(),
            Some("product_url")
        );
        assert_eq!(
            template_field("{{ shopping }} {workshop_date}", &words),
            None
        );
        // Names in a tag's expression count; quoted paths and route names do not.
        assert_eq!(
            template_field("{% blocktrans with t=alert.product.title|safe %}", &words).as_deref(),
            Some("alert.product.title")
        );
        assert_eq!(
            template_field(
                "{% extends '@ShopBundle:Email:layout.html.twig' %}{% set u = path(\"shop_verify\") %}",
                &words
            ),
            None
        );
        let mut sources = Sources::default();
        let news = draft::load(
            &mut sources,
            "newsletter.html",
            b"<p>Nachricht von {shop_name}</p><p>{message}</p>".to_vec(),
        )
        .unwrap();
        assert_eq!(classify(None, &news, None).kind, Kind::Commercial);
        let receipt = draft::load(
            &mut sources,
            "account.html",
            "<p>Detalles de tu cuenta: {email}, contraseña: {passwd}. {shop_name}</p>"
                .as_bytes()
                .to_vec(),
        )
        .unwrap();
        assert_eq!(classify(None, &receipt, None).kind, Kind::Transactional);
    }

    #[test]
    fn a_newsletter_engines_campaign_layout_is_a_bulk_template() {
        let mut sources = Sources::default();
        let layout = |name: &str, body: &str| {
            let mut sources = Sources::default();
            draft::load(&mut sources, name, body.as_bytes().to_vec()).unwrap()
        };
        let wrapper = layout(
            "layout.html",
            "<p>{{ campaign.preview_text }}</p>{% render \"content\" %}<p>{{ signature_html }}</p>",
        );
        let k = classify(None, &wrapper, None);
        assert_eq!(k.kind, Kind::Commercial, "{}", k.reason);
        assert!(k.reason.contains("campaign.preview_text"), "{}", k.reason);
        let feed = layout(
            "rss.html",
            "{% for article in var:rss %}<h2>{{article.title}}</h2>{% endfor %}",
        );
        assert_eq!(classify(None, &feed, None).kind, Kind::Commercial);
        // A sent message's fields are filled in: the words alone say nothing.
        let sent = draft::load(
            &mut sources,
            "sent.eml",
            b"From: a@example.com\nTo: b@example.org\nSubject: notes\n\nThe {{ campaign.name }} notes.\n"
                .to_vec(),
        )
        .unwrap();
        assert_eq!(classify(None, &sent, None).kind, Kind::Unknown);
        // A bare layout that names nothing stays unknown.
        let bare = layout(
            "bare.html",
            "<table><tr><td>{{ main_content }}</td></tr></table>",
        );
        assert_eq!(classify(None, &bare, None).kind, Kind::Unknown);
    }

    #[test]
    fn a_message_that_says_nothing_is_unknown() {
        let k = kind_of("From: a@example.com\nTo: b@example.org\nSubject: notes\n\nHere are the notes from Tuesday.\n");
        assert_eq!(k.kind, Kind::Unknown, "{}", k.reason);
    }

    #[test]
    fn prices_are_found_on_either_side() {
        assert_eq!(find_price("Pie: $18 (was $22)").as_deref(), Some("$18"));
        assert_eq!(find_price("nur 12,50 € heute").as_deref(), Some("12,50 €"));
        assert_eq!(find_price("costs $ 5").as_deref(), Some("$ 5"));
        assert_eq!(find_price("the $PATH variable"), None);
        assert_eq!(find_price("revenue of $50b a quarter, a $100M round"), None);
        assert_eq!(
            reply_prefix("aw: termin", &["aw".to_string()]).as_deref(),
            Some("aw")
        );
        assert_eq!(
            reply_prefix("re[2]: x", &["re".to_string()]).as_deref(),
            Some("re")
        );
    }
}
