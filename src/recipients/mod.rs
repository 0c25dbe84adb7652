//! The recipient set: loaders for lists (CSV, vCard, plain text) and the deduplicated,
//! validated set that checks read.

pub mod csv;
pub mod text;
pub mod vcard;

use std::collections::HashMap;
use std::ops::Range;

use crate::address;
use crate::draft::{Draft, LoadProblem};
use crate::error::InputError;
use crate::source::{SourceId, Sources};

/// Where an entry was read: a line of a list file or an address header of the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub source: SourceId,
    /// 1-based line (for CSV: the line the record starts on).
    pub line: usize,
    /// The address as written in the source (or the header field for draft addresses).
    pub span: Range<usize>,
}

/// Consent data carried by a list row, as written; interpreted by the consent checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consent {
    /// `express`, `implied-purchase`, `implied-inquiry`, … or empty when the column is blank.
    pub kind: Option<String>,
    /// The date consent was given, as written.
    pub date: Option<String>,
}

/// One address-bearing entry read from a list, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    pub address: String,
    pub origin: Origin,
    pub consent: Option<Consent>,
}

/// The address column of a CSV, for labels such as "646 unique addresses read from this column".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The header cell in the source.
    pub span: Range<usize>,
    /// How it was chosen: `--column`, or the export shape it matched.
    pub reason: String,
}

/// A recipient list file as read.
#[derive(Debug, Clone)]
pub struct RecipientList {
    pub source: SourceId,
    pub column: Option<Column>,
    /// Whether the list has consent columns (so a blank one means "no consent on record").
    pub has_consent_columns: bool,
    pub entries: Vec<RawEntry>,
    /// Rows that could not be read at all (unbalanced quotes, …): reported, never dropped silently.
    pub problems: Vec<LoadProblem>,
}

/// Reads a recipient list, choosing the loader from the name and content.
pub fn load(
    sources: &mut Sources,
    name: &str,
    bytes: Vec<u8>,
    column: Option<&str>,
) -> Result<RecipientList, InputError> {
    let text = crate::charset::decode_lossless(bytes);
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    let lower = name.to_ascii_lowercase();
    let source = sources.add(name, text);
    let text = &sources.get(source).text;
    if lower.ends_with(".vcf")
        || lower.ends_with(".vcard")
        || text
            .trim_start()
            .to_ascii_uppercase()
            .starts_with("BEGIN:VCARD")
    {
        vcard::parse(source, name, text)
    } else if lower.ends_with(".csv")
        || lower.ends_with(".tsv")
        || column.is_some()
        || csv::looks_like_csv(text)
    {
        csv::parse(source, name, text, column)
    } else {
        text::parse(source, name, text)
    }
}

/// A valid, unique recipient.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub address: String,
    /// Lower-cased domain.
    pub domain: String,
    pub origin: Origin,
    pub consent: Option<Consent>,
    /// Which list it came from (index into [`RecipientSet::lists`]), or `None` for the draft's headers.
    pub list: Option<usize>,
}

/// An address that repeats one read earlier.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub address: String,
    pub origin: Origin,
    pub first: Origin,
}

/// An entry whose address does not parse.
#[derive(Debug, Clone)]
pub struct Invalid {
    pub address: String,
    pub reason: String,
    pub origin: Origin,
}

/// Everyone the send goes to: the lists plus the draft's To/Cc/Bcc, validated and deduplicated.
#[derive(Debug, Clone, Default)]
pub struct RecipientSet {
    pub lists: Vec<RecipientList>,
    pub unique: Vec<Recipient>,
    pub duplicates: Vec<Duplicate>,
    pub invalid: Vec<Invalid>,
}

impl RecipientSet {
    /// Validates and deduplicates; the draft's own header addresses come first.
    pub fn build(draft: Option<&Draft>, lists: Vec<RecipientList>) -> Self {
        let mut set = RecipientSet::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        if let Some(draft) = draft {
            for a in &draft.recipients {
                let origin = Origin {
                    source: draft.source,
                    line: 0,
                    span: a.span.clone(),
                };
                set.push(&mut seen, &a.address, origin, None, None);
            }
        }
        for (index, list) in lists.iter().enumerate() {
            for entry in &list.entries {
                set.push(
                    &mut seen,
                    &entry.address,
                    entry.origin.clone(),
                    entry.consent.clone(),
                    Some(index),
                );
            }
        }
        set.lists = lists;
        set
    }

    fn push(
        &mut self,
        seen: &mut HashMap<String, usize>,
        raw: &str,
        origin: Origin,
        consent: Option<Consent>,
        list: Option<usize>,
    ) {
        let address = raw.trim();
        if let Err(reason) = address::validate(address) {
            self.invalid.push(Invalid {
                address: address.to_string(),
                reason,
                origin,
            });
            return;
        }
        let key = address::dedup_key(address);
        if let Some(&first) = seen.get(&key) {
            self.duplicates.push(Duplicate {
                address: address.to_string(),
                origin,
                first: self.unique[first].origin.clone(),
            });
            return;
        }
        seen.insert(key, self.unique.len());
        self.unique.push(Recipient {
            address: address.to_string(),
            domain: address::domain(address).unwrap_or_default(),
            origin,
            consent,
            list,
        });
    }

    pub fn len(&self) -> usize {
        self.unique.len()
    }

    pub fn is_empty(&self) -> bool {
        self.unique.is_empty()
    }

    /// Recipients whose domain is not one of the organisation's.
    pub fn external_count(&self, org_domains: &[String]) -> usize {
        self.unique
            .iter()
            .filter(|r| !is_internal(&r.domain, org_domains))
            .count()
    }
}

/// A domain is internal when it is an organisation domain or a subdomain of one.
pub fn is_internal(domain: &str, org_domains: &[String]) -> bool {
    org_domains
        .iter()
        .any(|org| domain == org || domain.ends_with(&format!(".{org}")))
}
