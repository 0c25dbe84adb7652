//! Sender identification (CASL regulations s. 2, CAN-SPAM postal address): finds the sender's
//! name, mailing address and contact details in a message.
//!
//! Every word list and code table the detectors use comes from the `[params]` of
//! `rules/sender-identification.toml` ([`Params`]); the patterns written from them
//! (`identification/patterns.rs`) are compiled into DFAs at build time (build.rs), and the
//! detectors are made once, by the rule (`rules::checks::sender_identification::detectors`).
//!
//! Compiling them at run time was most of what a one-template check cost (the pre-commit
//! case). The patterns were written to stay cheap to build, and that keeps their DFAs small
//! enough to ship (10 MB of sparse DFAs, the largest the European street's): letters are the
//! Latin script's (the addresses and names of the laws checked, Canada, the US, the UK and
//! Australia, are written in it) rather than all of Unicode's. See BENCHMARKS.md.

mod patterns;

use std::ops::Range;
use std::sync::OnceLock;

use regex_automata::dfa;
use regex_automata::nfa::thompson::pikevm::PikeVM;
use regex_automata::{Anchored, Input};

pub use patterns::Params;
use patterns::Which;

/// The patterns' DFAs, compiled and serialised by build.rs.
mod compiled {
    /// A pattern's forward and reverse DFA as build.rs embedded them: dense for the small
    /// patterns, sparse for those with long word lists.
    #[derive(Clone, Copy)]
    pub enum Compiled {
        Dense(&'static [u8], &'static [u8]),
        Sparse(&'static [u8], &'static [u8]),
    }

    /// Bytes at a 4-byte boundary: a dense DFA is read in place as `u32`s.
    #[repr(C)]
    struct Aligned<B: ?Sized> {
        _align: [u32; 0],
        bytes: B,
    }

    include!(concat!(env!("OUT_DIR"), "/identification_dfas.rs"));
}

/// A pattern's DFAs, loaded.
#[derive(Debug)]
enum Engine {
    Dense(dfa::regex::Regex<data::dfa::DenseDfa>),
    Sparse(dfa::regex::Regex<data::dfa::Dfa>),
}

use crate::analysis::merge_tags::{self, BodyTags};
use crate::analysis::unsubscribe::{self, Placeholders};
use crate::analysis::url;
use crate::data;
use crate::load::draft::Draft;
use crate::model::source::Sources;

/// What kind of mailing address was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    CanadianPostalCode,
    UsZip,
    UkPostcode,
    PoBox,
    Street,
    /// A street line with a postcode and town, in the European way, or with a country.
    International,
    /// Text the footer itself calls the mailing address ("Our mailing address is: …").
    Labelled,
}

impl AddressKind {
    pub fn describe(self) -> &'static str {
        match self {
            AddressKind::CanadianPostalCode => "a Canadian postal code",
            AddressKind::UsZip => "a US state and ZIP code",
            AddressKind::UkPostcode => "a UK postcode",
            AddressKind::PoBox => "a post office box",
            AddressKind::Street => "a street address",
            AddressKind::International => "a street address with postcode and town",
            AddressKind::Labelled => "an address the footer calls its mailing address",
        }
    }
}

/// What kind of contact detail was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    Phone,
    Email,
    Web,
}

impl ContactKind {
    pub fn describe(self) -> &'static str {
        match self {
            ContactKind::Phone => "a telephone number",
            ContactKind::Email => "an email address",
            ContactKind::Web => "a web address",
        }
    }
}

/// One thing recognised in a text: its kind and its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<K> {
    pub kind: K,
    pub range: Range<usize>,
}

/// The compiled detectors.
#[derive(Debug)]
pub struct Detectors {
    ca_postal: Pattern,
    ca_postal_bare: Pattern,
    us_zip: Pattern,
    uk_postcode: Pattern,
    po_box: Pattern,
    street_en: Pattern,
    street_fr: Pattern,
    org_suffix: Pattern,
    org_suffix_word: Pattern,
    copyright: Pattern,
    copyright_not_names: Vec<String>,
    name_connectors: Vec<String>,
    not_names: Vec<String>,
    name_tag_keys: Vec<String>,
    name_only_tag_keys: Vec<String>,
    phone_nanp: Pattern,
    phone_intl: Pattern,
    phone_cued: Pattern,
    phone_cues: Vec<String>,
    email_cues: Vec<String>,
    web_cues: Vec<String>,
    email: Pattern,
    web: Pattern,
    contact_link_words: Vec<String>,
    placeholder_texts: Vec<String>,
    no_reply_local_parts: Vec<String>,
    tracking_domains: Vec<String>,
    intl_street: Pattern,
    intl_postcode_country: Pattern,
    irish: Pattern,
    australian: Pattern,
    japanese: Pattern,
    labelled: Pattern,
    placeholders: Placeholders,
}

/// A detector pattern; matches are byte ranges of the searched text.
///
/// Its DFAs are compiled at build time and loaded on its first search: a message needs only
/// some of the patterns (a transactional one none). The few patterns whose capture group is
/// read also compile a PikeVM, on their first match, and run it over the matched span alone.
#[derive(Debug)]
struct Pattern {
    which: Which,
    regex: OnceLock<Engine>,
    /// The pattern's text, for its capture group (`None` for a pattern whose group is not read).
    source: Option<String>,
    groups: OnceLock<PikeVM>,
}

impl Pattern {
    fn new(which: Which, texts: &[String]) -> Pattern {
        Pattern {
            which,
            regex: OnceLock::new(),
            source: which.has_group().then(|| texts[which as usize].clone()),
            groups: OnceLock::new(),
        }
    }

    fn regex(&self) -> &Engine {
        self.regex.get_or_init(|| {
            let what = format!("sender-identification: the {} pattern", self.which.what());
            let builder = dfa::regex::Regex::builder();
            match compiled::DFAS[self.which as usize] {
                compiled::Compiled::Dense(forward, reverse) => {
                    Engine::Dense(builder.build_from_dfas(
                        data::dfa::load_dense(forward, &what),
                        data::dfa::load_dense(reverse, &what),
                    ))
                }
                compiled::Compiled::Sparse(forward, reverse) => {
                    Engine::Sparse(builder.build_from_dfas(
                        data::dfa::load(forward, &what),
                        data::dfa::load(reverse, &what),
                    ))
                }
            }
        })
    }

    fn find(&self, text: &str) -> Option<Range<usize>> {
        match self.regex() {
            Engine::Dense(r) => r.find(text),
            Engine::Sparse(r) => r.find(text),
        }
        .map(|m| m.range())
    }

    fn find_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Range<usize>> + 't {
        // One of the two is there: each engine's iterator, chained, without a box.
        let (dense, sparse) = match self.regex() {
            Engine::Dense(r) => (Some(r.find_iter(text)), None),
            Engine::Sparse(r) => (None, Some(r.find_iter(text))),
        };
        dense
            .into_iter()
            .flatten()
            .chain(sparse.into_iter().flatten())
            .map(|m| m.range())
    }

    /// The range of the first capture group of each match that has one. The DFAs find the
    /// match; the PikeVM, anchored at its start and bounded by its end, finds the same match
    /// (the leftmost-first one from there) with its groups.
    fn group_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Range<usize>> + 't {
        let mut cache = None;
        self.find_iter(text).filter_map(move |span| {
            let vm = self.groups.get_or_init(|| {
                let source = self.source.as_deref().unwrap_or_else(|| {
                    panic!("the {} pattern's group is not read", self.which.what())
                });
                PikeVM::new(source).unwrap_or_else(|e| {
                    panic!(
                        "sender-identification: the {} pattern does not compile: {e}",
                        self.which.what()
                    )
                })
            });
            let cache = cache.get_or_insert_with(|| vm.create_cache());
            let mut caps = vm.create_captures();
            let input = Input::new(text).span(span).anchored(Anchored::Yes);
            vm.search(cache, &input, &mut caps);
            caps.get_group(1).map(|s| s.range())
        })
    }

    fn is_match(&self, text: &str) -> bool {
        match self.regex() {
            Engine::Dense(r) => r.is_match(text),
            Engine::Sparse(r) => r.is_match(text),
        }
    }
}

/// The comparable key of each merge tag as written in the params (`*|LIST:COMPANY|*` → `list:company`).
fn tag_keys(key: &str, tags: &[String]) -> Vec<String> {
    tags.iter()
        .map(|t| {
            merge_tags::find(t)
                .into_iter()
                .next()
                .unwrap_or_else(|| {
                    panic!(
                        "rules/sender-identification.toml: params.{key}: `{t}` is not a merge tag"
                    )
                })
                .key
        })
        .collect()
}

fn lower(words: Vec<String>) -> Vec<String> {
    words.into_iter().map(|w| w.to_lowercase()).collect()
}

impl Detectors {
    pub fn build(params: &Params, placeholders: &Placeholders) -> Detectors {
        let p = params;
        let texts = patterns::texts(p);
        let compile = |which: Which| Pattern::new(which, &texts);
        Detectors {
            labelled: compile(Which::Labelled),
            intl_street: compile(Which::IntlStreet),
            intl_postcode_country: compile(Which::IntlPostcodeCountry),
            irish: compile(Which::Irish),
            australian: compile(Which::Australian),
            japanese: compile(Which::Japanese),
            ca_postal: compile(Which::CaPostal),
            ca_postal_bare: compile(Which::CaPostalBare),
            us_zip: compile(Which::UsZip),
            uk_postcode: compile(Which::UkPostcode),
            po_box: compile(Which::PoBox),
            street_en: compile(Which::StreetEn),
            street_fr: compile(Which::StreetFr),
            org_suffix: compile(Which::OrgSuffix),
            org_suffix_word: compile(Which::OrgSuffixWord),
            copyright: compile(Which::Copyright),
            copyright_not_names: lower(p.copyright_not_names.clone()),
            name_connectors: lower(p.name_connectors.clone()),
            not_names: lower(p.not_names.clone()),
            name_tag_keys: tag_keys("name-tags", &p.name_tags),
            name_only_tag_keys: tag_keys("name-only-tags", &p.name_only_tags),
            phone_nanp: compile(Which::PhoneNanp),
            phone_intl: compile(Which::PhoneIntl),
            phone_cued: compile(Which::PhoneCued),
            phone_cues: lower(p.phone_cues.clone()),
            email_cues: lower(p.email_cues.clone()),
            web_cues: lower(p.web_cues.clone()),
            email: compile(Which::Email),
            web: compile(Which::Web),
            contact_link_words: lower(p.contact_link_words.clone()),
            placeholder_texts: lower(p.placeholder_texts.clone()),
            no_reply_local_parts: lower(p.no_reply_local_parts.clone()),
            tracking_domains: lower(p.tracking_domains.clone()),
            placeholders: placeholders.clone(),
        }
    }

    /// Every pattern, in the order of [`Which::ALL`].
    #[cfg(test)]
    fn patterns(&self) -> [&Pattern; 21] {
        [
            &self.labelled,
            &self.intl_street,
            &self.intl_postcode_country,
            &self.irish,
            &self.australian,
            &self.japanese,
            &self.ca_postal,
            &self.ca_postal_bare,
            &self.us_zip,
            &self.uk_postcode,
            &self.po_box,
            &self.street_en,
            &self.street_fr,
            &self.org_suffix,
            &self.org_suffix_word,
            &self.copyright,
            &self.phone_nanp,
            &self.phone_intl,
            &self.phone_cued,
            &self.email,
            &self.web,
        ]
    }

    /// Whether an address is one nobody reads (`noreply@…`).
    pub fn is_no_reply(&self, address: &str) -> bool {
        let local = address
            .rsplit_once('@')
            .map_or(address, |(l, _)| l)
            .to_ascii_lowercase();
        self.no_reply_local_parts.iter().any(|n| {
            local == *n
                || local.starts_with(&format!("{n}-"))
                || local.starts_with(&format!("{n}+"))
                || local.starts_with(&format!("{n}."))
        })
    }

    /// Template text left where the sender's details should be: in what was found, or
    /// anywhere in the footer's visible text.
    fn unfilled(&self, found: &Identification, draft: &Draft) -> Vec<String> {
        let mut out = Vec::new();
        let body = crate::data::phrases::normalize(draft.visible_text());
        for p in &self.placeholder_texts {
            // What was found is described ("a street address (\"…\")"): read only the quote.
            let in_found = [&found.name, &found.address, &found.contact]
                .into_iter()
                .flatten()
                .filter_map(|f| f.split_once('"').map(|(_, quoted)| quoted))
                .any(|f| contains_words(&f.to_lowercase(), p));
            let shaped =
                p.contains(|c: char| c.is_ascii_digit() || matches!(c, '[' | '@' | '.' | ','));
            // "123 main st" says nothing "123 main street" has not said.
            let said = out.iter().any(|o: &String| o.contains(p.as_str()));
            if (in_found || (shaped && body.contains(p.as_str()))) && !said {
                out.push(p.clone());
            }
        }
        out
    }

    /// The first mailing address in `text`, if any.
    pub fn find_address(&self, text: &str) -> Option<Hit<AddressKind>> {
        // A labelled address is the footer's own word: it goes first.
        let labelled = self.labelled.group_iter(text).find_map(|r| {
            // The line after the label, or with the next one when the number is there
            // ("Times Internet, Times Centre. ⏎ Sector 16 A Noida, 201301").
            let first_line = text[r.clone()].find('\n').map(|i| r.start..r.start + i);
            let range = first_line
                .filter(|l| text[l.clone()].contains(char::is_numeric))
                .unwrap_or(r);
            let found = &text[range.clone()];
            (found.contains(char::is_numeric)
                && found.chars().filter(|c| c.is_alphabetic()).count() >= 3)
                .then_some(range)
        });
        if let Some(range) = labelled {
            return Some(Hit {
                kind: AddressKind::Labelled,
                range,
            });
        }
        let detectors: [(&Pattern, AddressKind); 12] = [
            (&self.ca_postal, AddressKind::CanadianPostalCode),
            (&self.ca_postal_bare, AddressKind::CanadianPostalCode),
            (&self.us_zip, AddressKind::UsZip),
            (&self.uk_postcode, AddressKind::UkPostcode),
            (&self.po_box, AddressKind::PoBox),
            (&self.street_en, AddressKind::Street),
            (&self.street_fr, AddressKind::Street),
            (&self.intl_street, AddressKind::International),
            (&self.intl_postcode_country, AddressKind::International),
            (&self.irish, AddressKind::International),
            (&self.australian, AddressKind::International),
            (&self.japanese, AddressKind::International),
        ];
        // Every Japanese address holds 〒 or a prefecture's 都, 道, 府 or 県, characters from
        // U+3000 up, whose UTF-8 lead byte is 0xE3 or more: text without such a byte (nearly
        // every template) is not searched for one.
        let cjk = text.bytes().any(|b| b >= 0xE3);
        detectors
            .iter()
            .filter(|(re, _)| cjk || re.which != Which::Japanese)
            .filter_map(|(re, kind)| {
                re.find_iter(text)
                    .map(|m| Hit {
                        kind: *kind,
                        range: trim_guard(text, m),
                    })
                    .find(|h| {
                        h.kind != AddressKind::Street || self.street_stands_alone(text, &h.range)
                    })
            })
            .min_by_key(|h| h.range.start)
    }

    /// A street line counts when it reads as an address, not as a sentence: prose does not go
    /// on after it on its line ("Top 10 Wall Street tips"), or a postcode, ZIP, province or
    /// country follows close by.
    fn street_stands_alone(&self, text: &str, range: &Range<usize>) -> bool {
        // Some patterns stop at the street name's first letter: read on to the word's end.
        let word_end = text[range.end..]
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '\'' | '’')))
            .map_or(text.len(), |i| range.end + i);
        let line_end = text[word_end..]
            .find('\n')
            .map_or(text.len(), |i| word_end + i);
        let rest = text[word_end..line_end].trim_start_matches(['.', ' ']);
        let prose_follows = rest.split_whitespace().next().is_some_and(|w| {
            w.chars().next().is_some_and(char::is_lowercase) && !w.starts_with(['#', '('])
        });
        if !prose_follows {
            return true;
        }
        let window_end = (range.end + 120).min(text.len());
        let window = text.get(range.end..window_end).unwrap_or("");
        [
            &self.ca_postal,
            &self.ca_postal_bare,
            &self.us_zip,
            &self.uk_postcode,
            &self.intl_postcode_country,
            &self.australian,
        ]
        .iter()
        .any(|p| p.find(window).is_some())
    }

    /// The first telephone number in `text`, if any.
    pub fn find_phone(&self, text: &str) -> Option<Range<usize>> {
        let digits =
            |r: &Range<usize>| text[r.clone()].chars().filter(char::is_ascii_digit).count();
        let nanp = self.phone_nanp.group_iter(text);
        let intl = self
            .phone_intl
            .group_iter(text)
            .filter(|r| (8..=15).contains(&digits(r)));
        let cued = self
            .phone_cued
            .group_iter(text)
            .filter(|r| (7..=15).contains(&digits(r)));
        nanp.take(1)
            .chain(intl.take(1))
            .chain(cued.take(1))
            .min_by_key(|r| r.start)
    }

    /// The first telephone number, email address or web address written in `text`.
    pub fn find_contact(&self, text: &str) -> Option<Hit<ContactKind>> {
        [
            self.find_phone(text).map(|r| (ContactKind::Phone, r)),
            self.email.find(text).map(|r| (ContactKind::Email, r)),
            // An unsubscribe URL leads off the list, not to the sender.
            self.web
                .find_iter(text)
                .find(|r| crate::data::phrases::find_unsubscribe(&text[r.clone()]).is_none())
                .map(|r| (ContactKind::Web, r)),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(_, r)| r.start)
        .map(|(kind, range)| Hit { kind, range })
    }

    /// A sender name written in `text`: a company name with a suffix, the rights holder of a
    /// copyright notice, or a name just before the address or contact details at `anchor`.
    pub fn find_name(&self, text: &str, anchor: Option<usize>) -> Option<String> {
        if let Some(r) = self.org_suffix.find(text) {
            return Some(
                text[r]
                    .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '.')
                    .to_string(),
            );
        }
        for holder in self.copyright.group_iter(text) {
            // "Bakery Example. All rights reserved." names "Bakery Example".
            let holder = &text[holder];
            let holder = holder.split(". ").next().unwrap_or("");
            let holder = holder
                .split(is_separator)
                .next()
                .unwrap_or("")
                .trim()
                .trim_end_matches('.');
            let lower = holder.to_lowercase();
            if holder.chars().any(char::is_alphabetic)
                && !self
                    .copyright_not_names
                    .iter()
                    .any(|n| lower.starts_with(n.as_str()))
            {
                return Some(holder.to_string());
            }
        }
        let anchor = anchor?;
        let line_start = text[..anchor].rfind('\n').map_or(0, |i| i + 1);
        let before = text[line_start..anchor].trim_end();
        // "Phone: 613-555-0100": the words before a colon label the number, they do not name anyone.
        let same_line = if before.ends_with(':') {
            String::new()
        } else {
            before
                .trim_end_matches(|c: char| is_separator(c) || c.is_whitespace())
                .rsplit(is_separator)
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        };
        // A name on the line above stands on its own: the whole line, not a piece of it.
        let previous_line = text[..line_start]
            .trim_end()
            .rsplit('\n')
            .next()
            .unwrap_or("")
            .trim();
        let found = [same_line.as_str(), previous_line]
            .into_iter()
            .find(|candidate| self.looks_like_name(candidate))
            .map(str::to_string);
        found
    }

    /// A short run of capitalised words that is not a greeting, a closing or a label.
    pub fn looks_like_name(&self, candidate: &str) -> bool {
        let candidate = candidate.trim_end_matches(['.', ',']);
        let words: Vec<&str> = candidate.split_whitespace().collect();
        if words.is_empty() || words.len() > 8 || candidate.chars().count() > 80 {
            return false;
        }
        if candidate.ends_with(['?', '!', ':']) {
            return false;
        }
        let lower = candidate.to_lowercase();
        if self.not_names.contains(&lower)
            || self.phone_cues.contains(&lower)
            || self.email_cues.contains(&lower)
            || self.web_cues.contains(&lower)
            || self.contact_link_words.contains(&lower)
        {
            return false;
        }
        let mut capitalised = 0;
        for word in &words {
            let Some(first) = word.chars().find(|c| c.is_alphanumeric() || *c == '&') else {
                continue;
            };
            let lower = word.to_lowercase();
            // "d'Aylmer": an elided connector stuck to a capitalised word.
            let elided = self
                .name_connectors
                .iter()
                .any(|c| c.ends_with(['\'', '’']) && lower.starts_with(c.as_str()));
            if first.is_uppercase() {
                capitalised += 1;
            } else if !(first.is_ascii_digit()
                || first == '&'
                || elided
                || self.name_connectors.contains(&lower)
                || self.org_suffix_word.is_match(word))
            {
                return false;
            }
        }
        capitalised > 0
    }

    /// A link whose words lead to the sender's contact details ("Contact us", "Nous joindre").
    pub fn is_contact_link_text(&self, text: &str) -> bool {
        let lower = text.trim().to_lowercase();
        self.contact_link_words
            .iter()
            .any(|w| lower == *w || lower.starts_with(&format!("{w} ")))
    }

    /// Whether a merge tag (by key) renders the sender's name.
    pub fn is_name_tag(&self, key: &str) -> bool {
        self.name_tag_keys.iter().any(|k| k == key)
    }

    /// Whether a tag from an ESP's address list gives no postal address (a name, the From address).
    pub fn is_name_only_tag(&self, key: &str) -> bool {
        self.name_only_tag_keys.iter().any(|k| k == key)
    }
}

/// Whether `phrase` occurs in `text` as whole words: "your address" in "your address, city"
/// but not in "add us to your address book".
fn contains_words(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        let word_end = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        word_end(before) && word_end(after)
    })
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ',' | ';' | ':' | '|' | '·' | '•' | '–' | '—' | '/' | '«' | '»' | '(' | ')'
    )
}

/// Drops the one guard character a pattern matched before the number it looks for.
fn trim_guard(text: &str, range: Range<usize>) -> Range<usize> {
    match text[range.clone()].chars().next() {
        Some(c) if !c.is_alphanumeric() && range.len() > c.len_utf8() => {
            range.start + c.len_utf8()..range.end
        }
        _ => range,
    }
}

/// What was found of the sender's identification, each with how it was found.
#[derive(Debug, Clone, Default)]
pub struct Identification {
    pub name: Option<String>,
    pub address: Option<String>,
    pub contact: Option<String>,
    /// Template text left unfilled where a name, address or contact should be
    /// ("Your Company", "123 Street", "(000) 000-0000").
    pub unfilled: Vec<String>,
}

impl Identification {
    pub fn is_complete(&self) -> bool {
        self.name.is_some() && self.address.is_some() && self.contact.is_some()
    }
}

/// The display name of the From header, if it has one (`Bakery <orders@bakery.example>`).
pub fn from_display_name(draft: &Draft) -> Option<String> {
    let value = draft.header_value("From")?;
    let name = value.split('<').next()?.trim().trim_matches('"').trim();
    (value.contains('<') && !name.is_empty() && !name.contains('@')).then(|| name.to_string())
}

/// Looks for the sender's name, mailing address and contact details in the whole draft: its
/// headers, the visible text of its HTML part and its text part, and the ESP merge tags in its
/// raw sources.
/// Finds the sender's name, address and contact in a draft.
pub fn identify(
    d: &Detectors,
    draft: &Draft,
    sources: &Sources,
    body_tags: &BodyTags,
) -> Identification {
    let mut found = Identification::default();

    if let Some(name) = from_display_name(draft) {
        found.name = Some(format!("the From name \"{name}\""));
    }

    // ESP merge tags fill the footer from the account settings when the message is sent.
    for (id, tags) in body_tags.iter() {
        let text = &sources.get(id).text;
        if found.address.is_none() {
            if let Some((_, esp)) =
                merge_tags::address_tags(tags).find(|(tag, _)| !d.is_name_only_tag(&tag.key))
            {
                found.address = Some(format!("{}'s address merge tag", esp.name));
            }
        }
        if found.name.is_none() {
            if let Some(tag) = tags.iter().find(|t| d.is_name_tag(&t.key)) {
                found.name = Some(format!("the merge tag `{}`", &text[tag.span.clone()]));
            }
        }
    }

    let texts = [
        draft.html.as_ref().map(|h| h.visible_text.as_str()),
        draft.text.as_ref().map(|t| t.content.as_str()),
    ];
    for text in texts.into_iter().flatten() {
        let address = d.find_address(text);
        let contact = d.find_contact(text);
        if found.address.is_none() {
            if let Some(hit) = &address {
                found.address = Some(format!(
                    "{} (\"{}\")",
                    hit.kind.describe(),
                    text[hit.range.clone()].trim()
                ));
            }
        }
        if found.contact.is_none() {
            if let Some(hit) = &contact {
                found.contact = Some(format!(
                    "{} (\"{}\")",
                    hit.kind.describe(),
                    text[hit.range.clone()].trim()
                ));
            }
        }
        if found.name.is_none() {
            // The name usually opens the footer line that holds the address (or, failing
            // that, the contact details), or stands on the line above it.
            let anchor = match (&address, &contact) {
                (Some(a), _) => Some(a.range.start),
                (None, Some(c)) => Some(c.range.start),
                (None, None) => None,
            };
            if let Some(name) = d.find_name(text, anchor) {
                found.name = Some(format!("the name \"{name}\""));
            }
        }
    }

    if found.name.is_none() {
        // The sender's name is often only in the logo: its alt text says it ("Acme logo").
        if let Some(html) = &draft.html {
            found.name = html.images.iter().find_map(|img| {
                let alt = img.alt.as_deref()?.trim();
                let name = alt
                    .split_whitespace()
                    .filter(|w| {
                        !matches!(
                            w.to_lowercase().as_str(),
                            "logo" | "logotype" | "logotipo" | "image" | "header"
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                (!name.is_empty() && d.looks_like_name(&name))
                    .then(|| format!("the logo's alt text \"{name}\""))
            });
        }
    }

    if found.contact.is_none() {
        if let Some(html) = &draft.html {
            for link in &html.links {
                let href = link.href.as_deref().unwrap_or("").trim();
                // A merge tag (`mailto:{{support_email}}`) is filled with the address at send time.
                let mailto = href.strip_prefix("mailto:").filter(|a| {
                    a.contains('@') || !merge_tags::find(&merge_tags::percent_decode(a)).is_empty()
                });
                if let Some(address) = mailto {
                    found.contact = Some(format!("a mailto: link ({address})"));
                    break;
                }
                if d.is_contact_link_text(&link.text) && has_real_destination(href, &d.placeholders)
                {
                    found.contact = Some(format!("a \"{}\" link", link.text.trim()));
                    break;
                }
                // A link to a site's home page (the logo, the company name) is its web address;
                // a link into the site ("/order") is an offer, not a way to reach the sender.
                if is_home_page(href) && has_real_destination(href, &d.placeholders) {
                    found.contact = Some(format!("a link to the web site {href}"));
                    break;
                }
            }
        }
    }
    if found.contact.is_none() {
        if let Some(site) = sender_site(draft, d) {
            found.contact = Some(site);
        }
    }
    if found.contact.is_none() {
        for header in ["Reply-To", "From"] {
            if let Some(address) = draft.header_value(header).and_then(|v| {
                crate::model::address::extract_addresses(v)
                    .into_iter()
                    .next()
                    .filter(|a| !d.is_no_reply(a))
            }) {
                found.contact = Some(format!("the {header} address {address}"));
                break;
            }
        }
    }
    found.unfilled = d.unfilled(&found, draft);
    found
}

fn host_of(href: &str) -> Option<String> {
    let lower = href.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#', ':']).next()?;
    host.contains('.').then(|| host.to_string())
}

/// Links to the sender's own site: to the From address's domain, or (a template has no From)
/// several links to one site that is not a bulk-mail service's tracker or a social network.
/// CRTC guidance accepts identification on a web page linked from the message.
fn sender_site(draft: &Draft, d: &Detectors) -> Option<String> {
    let html = draft.html.as_ref()?;
    // The site of every link that goes somewhere, read once for the three ways below.
    let linked: Vec<String> = html
        .links
        .iter()
        .filter_map(|l| l.href.as_deref())
        .filter(|h| has_real_destination(h, &d.placeholders))
        .filter_map(host_of)
        .map(|h| url::site(&h).to_string())
        .collect();
    let trackers: std::collections::HashSet<String> = d
        .tracking_domains
        .iter()
        .map(|t| url::site(t).to_string())
        .collect();
    let (tracked, own): (Vec<String>, Vec<String>) =
        linked.iter().cloned().partition(|s| trackers.contains(s));
    let from_site = draft.from_address().and_then(|a| {
        a.rsplit_once('@')
            .map(|(_, dom)| url::site(&dom.to_ascii_lowercase()).to_string())
    });
    if let Some(site) = from_site.filter(|f| own.contains(f)) {
        return Some(format!("links to the sender's site {site}"));
    }
    most_linked(&own)
        .filter(|(_, n)| *n >= 2)
        .map(|(site, n)| format!("{n} links to the site {site}"))
        .or_else(|| tracked_links(&tracked))
        .or_else(|| dominant_site(&linked))
}

/// Links a sent newsletter's service rewrote for click tracking (`u123.ct.sendgrid.net/ls/…`)
/// lead to the sender's own pages: several of them, all through one service, stand for the
/// sender's site. Follow links to social networks do not.
fn tracked_links(tracked: &[String]) -> Option<String> {
    let social = &crate::data::phrases::get().social_hosts;
    let tracked: Vec<&String> = tracked
        .iter()
        .filter(|s| !social.iter().any(|h| url::site(h) == s.as_str()))
        .collect();
    let first = tracked.first()?;
    (tracked.len() >= TRACKED_LINKS && tracked.iter().all(|s| s == first))
        .then(|| format!("{} links through {first}'s click tracking", tracked.len()))
}

/// How many tracked links stand for the sender's site: a newsletter's content, not one button.
const TRACKED_LINKS: usize = 3;

/// A message whose links nearly all go to one site, many of them, is that site's own mail
/// (a network's digest linking to its pages), even when the site is a social network or a
/// platform that others' mail only links to once or twice.
fn dominant_site(linked: &[String]) -> Option<String> {
    let (site, top) = most_linked(linked)?;
    (top >= DOMINANT_LINKS && top * 4 >= linked.len() * 3)
        .then(|| format!("{top} of its {} links to the site {site}", linked.len()))
}

/// The site linked most often and how often (ties go to the first in alphabetical order).
fn most_linked(sites: &[String]) -> Option<(&str, usize)> {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for s in sites {
        *counts.entry(s.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(s, n)| (n, std::cmp::Reverse(s)))
}

/// How many links to one site (and at least three quarters of them) make it the sender's.
const DOMINANT_LINKS: usize = 10;

/// `https://host` or `https://host/`: no path, query or fragment.
fn is_home_page(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .is_some_and(|rest| {
            let rest = rest.strip_suffix('/').unwrap_or(rest);
            !rest.is_empty() && !rest.contains(['/', '?', '#'])
        })
}

/// An http(s) link with a host that is not a template placeholder.
fn has_real_destination(href: &str, placeholders: &Placeholders) -> bool {
    let lower = href.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#', ':']).next().unwrap_or("");
    if !host.contains('.') {
        return false;
    }
    unsubscribe::placeholder_reason(Some(href), placeholders).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params<T: serde::de::DeserializeOwned>(text: &str) -> T {
        let file: toml::Table = toml::from_str(text).unwrap();
        file["params"].clone().try_into().unwrap()
    }

    /// The detectors from the shipped rule files, read here directly: the rules layer (which
    /// builds them for checks) sits above this one.
    fn detectors() -> &'static Detectors {
        static DETECTORS: std::sync::OnceLock<Detectors> = std::sync::OnceLock::new();
        DETECTORS.get_or_init(|| {
            Detectors::build(
                &params(include_str!("../../rules/sender-identification.toml")),
                &params(include_str!("../../rules/unsubscribe-placeholder.toml")),
            )
        })
    }

    /// The DFAs built ahead of time find what the pattern texts compiled at run time (the meta
    /// regex, as the detectors compiled them before) find: the same matches and the same
    /// groups, over every fixture, accuracy case and (when it is there) the shared corpus, both
    /// as raw text and as each draft's visible text.
    #[test]
    fn build_time_dfas_match_as_the_pattern_texts_do() {
        use regex_automata::meta;
        let mut texts = Vec::new();
        for path in &data::dfa::sample_files() {
            let bytes = std::fs::read(path).unwrap();
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
            let mut sources = crate::model::source::Sources::default();
            let name = path.display().to_string();
            if let Ok(draft) = crate::load::draft::load(&mut sources, &name, bytes) {
                texts.push(draft.visible_text().to_string());
            }
        }
        assert!(texts.len() > 500, "only {} texts", texts.len());
        let d = detectors();
        let sources = patterns::texts(&params(include_str!(
            "../../rules/sender-identification.toml"
        )));
        let mut matches = 0;
        for (p, source) in d.patterns().into_iter().zip(&sources) {
            let reference = meta::Builder::new()
                .configure(meta::Config::new().auto_prefilter(false).dfa(false))
                .build(source)
                .unwrap();
            for text in &texts {
                let expected: Vec<Range<usize>> = if p.which.has_group() {
                    reference
                        .captures_iter(text)
                        .filter_map(|c| c.get_group(1).map(|s| s.range()))
                        .collect()
                } else {
                    reference.find_iter(text).map(|m| m.range()).collect()
                };
                let found: Vec<Range<usize>> = if p.which.has_group() {
                    p.group_iter(text).collect()
                } else {
                    p.find_iter(text).collect()
                };
                assert_eq!(found, expected, "{:?}", p.which);
                assert_eq!(p.is_match(text), reference.is_match(text));
                matches += found.len();
            }
        }
        assert!(matches > 1000, "only {matches} matches");
    }

    /// The check the detectors skip when they load a DFA (`data::dfa::load`).
    #[test]
    fn every_dfa_is_valid() {
        use regex_automata::dfa::{dense, sparse};
        for (which, compiled) in Which::ALL.iter().zip(compiled::DFAS) {
            let checked = match compiled {
                compiled::Compiled::Dense(forward, reverse) => dense::DFA::from_bytes(forward)
                    .and(dense::DFA::from_bytes(reverse))
                    .map(|_| ()),
                compiled::Compiled::Sparse(forward, reverse) => sparse::DFA::from_bytes(forward)
                    .and(sparse::DFA::from_bytes(reverse))
                    .map(|_| ()),
            };
            if let Err(e) = checked {
                panic!("{which:?}: {e}");
            }
        }
    }

    #[test]
    fn every_pattern_loads_in_order() {
        for (p, which) in detectors().patterns().into_iter().zip(Which::ALL) {
            assert_eq!(p.which, which);
            p.regex();
        }
    }

    fn address(text: &str) -> Option<AddressKind> {
        detectors().find_address(text).map(|h| h.kind)
    }

    fn phone(text: &str) -> Option<&str> {
        detectors().find_phone(text).map(|r| &text[r])
    }

    #[test]
    fn european_irish_and_australian_addresses() {
        for text in [
            "REWE Markt GmbH, Domstraße 20, 50668 Köln",
            "Musterstr. 12 · 10115 Berlin",
            "Keizersgracht 62\n1015 CJ Amsterdam",
            "Via Roma 3, 00185 Roma",
            "Acme Ltd, Unit 4, Co. Dublin",
            "12 George St, Sydney NSW 2000",
            "Postfach, 8021 Zürich, Schweiz",
            "Schreib GmbH   Albert-Hahn-Straße 20  Duisburg   47269   Germany",
            "Katjes GmbH Dechant-Sprünken-Straße 53-57 Emmerich am Rhein, NRW 46446",
            "<送信業者> DM-Master 東京都世田谷区駒沢1-2-27 石川　徹",
            "〒150-0002 渋谷",
            "大阪府大阪市北区梅田３丁目",
        ] {
            assert!(address(text).is_some(), "{text}");
        }
        // Prose with a number and a town is not an address.
        assert!(address("We moved 2000 boxes to Berlin last week").is_none());
        assert!(address("Top 10 Wall Street tips").is_none());
        assert!(address("東京都内で2000人が参加").is_none());
    }

    #[test]
    fn canadian_postal_codes() {
        use AddressKind::CanadianPostalCode as Ca;
        assert_eq!(address("Ottawa ON K1A 0B1"), Some(Ca));
        assert_eq!(address("Gatineau (Québec) J8X 1A1"), Some(Ca));
        assert_eq!(address("Vancouver, BC V6B-4Y8"), Some(Ca));
        // Without the space, only after a province.
        assert_eq!(address("Ottawa ON K1A0B1"), Some(Ca));
        assert_eq!(address("Ottawa, Ontario K1A0B1"), Some(Ca));
        assert_eq!(address("Gatineau (Québec) J8X1A1"), Some(Ca));
        assert_eq!(address("Use code K1A0B1 at checkout"), None);
        // D, F, I, O, Q, U, W and Z never start a postal code.
        assert_eq!(address("D1A 0B1"), None);
        assert_eq!(address("W1A 0B1"), None);
        assert_eq!(address("Z9Z 9Z9"), None);
        // D, F, I, O, Q and U are never one of its letters.
        assert_eq!(address("K1O 0B1"), None);
        assert_eq!(address("K1A 0U1"), None);
        // Lower case and longer runs are not postal codes.
        assert_eq!(address("k1a 0b1"), None);
        assert_eq!(address("AK1A 0B12"), None);
    }

    #[test]
    fn us_zip_codes_need_a_state() {
        use AddressKind::UsZip;
        assert_eq!(address("New York, NY 10001"), Some(UsZip));
        assert_eq!(address("San Francisco, CA 94105-1234"), Some(UsZip));
        assert_eq!(address("SpringField, OR, 97477 US"), Some(UsZip));
        assert_eq!(address("Order 10001 shipped"), None);
        assert_eq!(address("Save 20% on 94105 items"), None);
        assert_eq!(address("SALE ENDS IN 48 HOURS"), None);
        assert_eq!(address("or 97477"), None);
        assert_eq!(address("NY 100011"), None);
    }

    #[test]
    fn uk_postcodes() {
        assert_eq!(address("London SW1A 1AA"), Some(AddressKind::UkPostcode));
        assert_eq!(address("Manchester M1 1AE"), Some(AddressKind::UkPostcode));
        assert_eq!(address("Room B2 2CC"), None);
    }

    #[test]
    fn po_boxes_english_and_french() {
        use AddressKind::PoBox;
        assert_eq!(address("PO Box 1234, Halifax"), Some(PoBox));
        assert_eq!(address("P.O. Box 12"), Some(PoBox));
        assert_eq!(address("P. O. BOX 12"), Some(PoBox));
        assert_eq!(address("Post Office Box 99"), Some(PoBox));
        assert_eq!(address("PMB 204, 1 Elm"), Some(PoBox));
        assert_eq!(address("C.P. 1234, succursale Centre-ville"), Some(PoBox));
        assert_eq!(address("CP 88"), Some(PoBox));
        assert_eq!(address("Case postale 6000"), Some(PoBox));
        assert_eq!(address("BP 12, 75001 Paris"), Some(PoBox));
        assert_eq!(address("Boîte postale 7"), Some(PoBox));
        assert_eq!(address("Our box of 12 cookies"), None);
        assert_eq!(address("Keep your post office open"), None);
    }

    #[test]
    fn street_lines_english() {
        use AddressKind::Street;
        assert_eq!(address("12 Main Street"), Some(Street));
        assert_eq!(address("1234 Awesome St"), Some(Street));
        assert_eq!(address("123 Fake Street, SpringField"), Some(Street));
        assert_eq!(address("1600 Elm Ave. Suite 4"), Some(Street));
        assert_eq!(address("500 King St W"), Some(Street));
        assert_eq!(address("77 Massachusetts Avenue"), Some(Street));
        assert_eq!(address("10 West 5th Road"), Some(Street));
        assert_eq!(address("221B Baker Street"), Some(Street));
        assert_eq!(address("1 INFINITE LOOP WAY"), Some(Street));
        // Prose, prices and counts are not street lines.
        assert_eq!(address("10 things you can do to drive sales"), None);
        assert_eq!(address("3 easy ways to save"), None);
        assert_eq!(address("Only $12 Main Course Street food"), None);
        assert_eq!(address("Order #1042 Street Tacos Place"), None);
    }

    #[test]
    fn street_lines_french() {
        use AddressKind::Street;
        assert_eq!(address("12, rue Principale"), Some(Street));
        assert_eq!(address("12 rue Principale"), Some(Street));
        assert_eq!(address("1234, boul. René-Lévesque Ouest"), Some(Street));
        assert_eq!(address("450 boulevard Saint-Laurent"), Some(Street));
        assert_eq!(address("3 chemin du Lac"), Some(Street));
        assert_eq!(address("8 avenue des Pins"), Some(Street));
        assert_eq!(address("22 route de la Montagne"), Some(Street));
        assert_eq!(address("1 place Ville-Marie"), Some(Street));
        assert_eq!(address("155 rang Saint-Joseph"), Some(Street));
        assert_eq!(address("4 chemin d'Aylmer"), Some(Street));
        // A count of seats or roads is not an address.
        assert_eq!(address("il reste 3 places disponibles"), None);
        assert_eq!(address("plus que 1 place à bord"), None);
        assert_eq!(address("12 rues fermées"), None);
    }

    #[test]
    fn addresses_do_not_fire_on_prices_phones_or_orders() {
        for text in [
            "Fresh bread, $4.99, 20% off this week",
            "Call 613-555-0100 today",
            "Order #1042 placed on 2024-05-12, total $1,299.99",
            "Discount Code: 45A9E77DGW8455",
            "Only 2 left in stock, 3 for $10",
            "Version 2.1.0 released",
        ] {
            assert_eq!(address(text), None, "{text}");
        }
    }

    #[test]
    fn telephone_numbers() {
        assert_eq!(phone("Call 613-555-0100 today"), Some("613-555-0100"));
        assert_eq!(phone("(123) 456-7890"), Some("(123) 456-7890"));
        assert_eq!(phone("tél. : 819 555-0100"), Some("819 555-0100"));
        assert_eq!(phone("1-800-555-0199"), Some("1-800-555-0199"));
        assert_eq!(phone("+44 20 7946 0958"), Some("+44 20 7946 0958"));
        assert_eq!(phone("Phone: +1 (655) 606-605"), Some("+1 (655) 606-605"));
        assert_eq!(phone("613.555.0100"), Some("613.555.0100"));
        for text in [
            "Total $1,299.99",
            "Order #613-555-0100",
            "Order 10423001 shipped",
            "Placed 2024-05-12 at 10:30",
            "ISBN 978-0-306-40615-7",
            "Call before 5 pm",
            "12 Main Street, Ottawa ON K1A 0B1",
        ] {
            assert_eq!(phone(text), None, "{text}");
        }
    }

    #[test]
    fn email_and_web_addresses() {
        let d = detectors();
        let kind = |t: &str| d.find_contact(t).map(|h| h.kind);
        assert_eq!(kind("Write to hello@bakery.ca"), Some(ContactKind::Email));
        assert_eq!(kind("Visit www.bakery.example"), Some(ContactKind::Web));
        assert_eq!(
            kind("See https://bakery.example/contact"),
            Some(ContactKind::Web)
        );
        assert_eq!(kind("www.YourSiteName.com"), Some(ContactKind::Web));
        assert_eq!(kind("bakery.ca"), Some(ContactKind::Web));
        assert_eq!(kind("Web : boulangerie.example"), Some(ContactKind::Web));
        assert_eq!(kind("Visit our site today."), None);
        assert_eq!(
            kind("Unsubscribe: https://bakery.example/unsubscribe?u=1"),
            None
        );
        assert_eq!(kind("Fresh bread. Come by soon."), None);
        assert_eq!(kind("Version 2.1 of Node.js"), None);
    }

    #[test]
    fn names() {
        let d = detectors();
        assert_eq!(
            d.find_name("Thanks!\nAwesome Inc\n1234 Awesome St", None)
                .as_deref(),
            Some("Awesome Inc")
        );
        assert_eq!(
            d.find_name("Boulangerie Exemple inc.", None).as_deref(),
            Some("Boulangerie Exemple inc.")
        );
        assert_eq!(
            d.find_name("© 2025 Bakery Example", None).as_deref(),
            Some("Bakery Example")
        );
        assert_eq!(d.find_name("© 2014 All Rights Reserved", None), None);
        let text = "Fresh bread.\nBakery Example · 12 Main Street";
        let at = d.find_address(text).unwrap().range.start;
        assert_eq!(
            d.find_name(text, Some(at)).as_deref(),
            Some("Bakery Example")
        );
        let text = "Fresh bread.\nCompany Name\n123 Fake Street";
        let at = d.find_address(text).unwrap().range.start;
        assert_eq!(d.find_name(text, Some(at)).as_deref(), Some("Company Name"));
        let text = "Questions?\nCall us at 613-555-0100";
        let at = d.find_contact(text).unwrap().range.start;
        assert_eq!(d.find_name(text, Some(at)), None);
        let text = "Sincerely,\n613-555-0100";
        let at = d.find_contact(text).unwrap().range.start;
        assert_eq!(d.find_name(text, Some(at)), None);
        let text = "Email: bob@bob.com";
        let at = d.find_contact(text).unwrap().range.start;
        assert_eq!(d.find_name(text, Some(at)), None);
        let text = "Email\nbob@bob.com";
        let at = d.find_contact(text).unwrap().range.start;
        assert_eq!(d.find_name(text, Some(at)), None);
        assert_eq!(
            d.find_name("© Copyright 2016 Sendwithus. All Rights Reserved.", None)
                .as_deref(),
            Some("Sendwithus")
        );
        assert_eq!(
            d.find_name("©2\u{200c}016 company name. All Rights Reserved.", None)
                .as_deref(),
            Some("company name")
        );
        assert!(d.looks_like_name("Boulangerie de la Place"));
        assert!(!d.looks_like_name("View as a Web Page"));
        assert!(!d.looks_like_name("Our mailing address is:"));
    }

    #[test]
    fn home_page_links() {
        assert!(is_home_page("https://bakery.example"));
        assert!(is_home_page("https://www.bakery.example/"));
        assert!(!is_home_page("https://bakery.example/order"));
        assert!(!is_home_page("https://bakery.example/?utm_source=x"));
        assert!(!is_home_page("http://"));
        let p = &detectors().placeholders;
        assert!(has_real_destination("https://bakery.example/", p));
        assert!(!has_real_destination("http://", p));
        assert!(!has_real_destination("#", p));
        assert!(!has_real_destination("https://example.com/", p));
    }

    #[test]
    fn merge_tag_keys() {
        let d = detectors();
        assert!(d.is_name_tag("list:company"));
        assert!(d.is_name_tag("html:list_address_html"));
        assert!(!d.is_name_only_tag("html:list_address_html"));
        assert!(d.is_name_only_tag("site_settings.company_name"));
    }

    fn identify_html(html: &str) -> Identification {
        let mut sources = crate::model::source::Sources::default();
        let d = crate::load::draft::load(&mut sources, "x.html", html.as_bytes().to_vec()).unwrap();
        identify(detectors(), &d, &sources, &BodyTags::of(&d, &sources))
    }

    #[test]
    fn an_address_the_footer_labels() {
        assert_eq!(
            address(
                "Our mailing address is:\nTimes Internet, Times Centre.\nSector 16 A Noida, 201301"
            ),
            Some(AddressKind::Labelled)
        );
        let text =
            "Our mailing address is: FC6, Sector 16 A, Noida - 201301\nAdd us to your address book";
        let hit = detectors().find_address(text).unwrap();
        assert_eq!(&text[hit.range], "FC6, Sector 16 A, Noida - 201301");
        // A heading with nothing after it, or words without a number, are not addresses.
        assert_eq!(address("Mailing address: see our web site"), None);
        assert_eq!(
            address("販売者\n所在地\u{3000}京都府城陽市寺田８−２\nTEL 0774-55-6699"),
            Some(AddressKind::Labelled)
        );
        assert_eq!(address("Update your address: click here"), None);
        assert_eq!(address("Update your mailing address:"), None);
    }

    #[test]
    fn links_that_stand_for_the_senders_site() {
        let tracked = "<p>Essay</p>".to_string()
            + &"<a href=\"https://u1.ct.sendgrid.net/ls/click?x\">Read</a>".repeat(3);
        assert!(identify_html(&tracked)
            .contact
            .unwrap()
            .contains("click tracking"));
        // Follow buttons to social networks are not the sender's site.
        let social = "<a href=\"https://twitter.com/a\">t</a>".repeat(3);
        assert!(identify_html(&social).contact.is_none());
        // A network's digest: nearly every link goes to its own pages.
        let digest = "<a href=\"https://www.linkedin.com/pulse/1\">Post</a>".repeat(10)
            + "<a href=\"https://other.example/a\">x</a>";
        assert!(identify_html(&digest)
            .contact
            .unwrap()
            .contains("linkedin.com"));
    }
}
