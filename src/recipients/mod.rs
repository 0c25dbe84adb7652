//! The recipient set: loaders for lists (CSV, vCard, plain text) and the deduplicated,
//! validated set that checks read.

pub mod csv;
pub mod text;
pub mod vcard;

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
    pub consent: Option<Box<Consent>>,
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
    pub origin: Origin,
    pub consent: Option<Box<Consent>>,
    /// Which list it came from (index into [`RecipientSet::lists`]), or `None` for the draft's headers.
    pub list: Option<usize>,
}

impl Recipient {
    /// The domain as written; domains compare case-insensitively.
    pub fn domain(&self) -> &str {
        self.address
            .rsplit_once('@')
            .map_or("", |(_, d)| d.trim_end_matches('>'))
    }
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
    /// The lists as read. Their entries have moved into `unique`, `duplicates` and `invalid`.
    pub lists: Vec<RecipientList>,
    pub unique: Vec<Recipient>,
    pub duplicates: Vec<Duplicate>,
    pub invalid: Vec<Invalid>,
}

/// Indexes into [`RecipientSet::unique`], found by dedup key without storing the key: a
/// million-row list costs one word per recipient here, not a second copy of every address.
struct Seen {
    table: hashbrown::HashTable<usize>,
    state: foldhash::fast::FixedState,
}

/// The hash of an address's dedup key (see [`address::dedup_key`]), built without allocating.
fn key_hash(state: &foldhash::fast::FixedState, address: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let mut h = state.build_hasher();
    h.write(local.as_bytes());
    h.write_u8(b'@');
    for b in domain.bytes() {
        h.write_u8(b.to_ascii_lowercase());
    }
    h.finish()
}

impl Seen {
    /// The index of the recipient `address` repeats, or `None` after recording it as `index`.
    fn first_or_insert(
        &mut self,
        unique: &[Recipient],
        address: &str,
        index: usize,
    ) -> Option<usize> {
        let state = &self.state;
        let entry = self.table.entry(
            key_hash(state, address),
            |&i| address::same_key(&unique[i].address, address),
            |&i| key_hash(state, &unique[i].address),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(first) => Some(*first.get()),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(index);
                None
            }
        }
    }
}

impl RecipientSet {
    /// Validates and deduplicates; the draft's own header addresses come first. The lists'
    /// entries move into the set.
    pub fn build(draft: Option<&Draft>, mut lists: Vec<RecipientList>) -> Self {
        let mut set = RecipientSet::default();
        let total: usize = lists.iter().map(|l| l.entries.len()).sum();
        // Sized once: growing would rehash every stored address, each a cache miss.
        let mut seen = Seen {
            table: hashbrown::HashTable::with_capacity(
                total + draft.map_or(0, |d| d.recipients.len()),
            ),
            state: foldhash::fast::FixedState::default(),
        };
        if let Some(draft) = draft {
            for a in &draft.recipients {
                let origin = Origin {
                    source: draft.source,
                    line: 0,
                    span: a.span.clone(),
                };
                set.push(&mut seen, a.address.clone(), origin, None, None);
            }
        }
        set.unique.reserve(total);
        for (index, list) in lists.iter_mut().enumerate() {
            for entry in std::mem::take(&mut list.entries) {
                set.push(
                    &mut seen,
                    entry.address,
                    entry.origin,
                    entry.consent,
                    Some(index),
                );
            }
        }
        set.unique.shrink_to_fit();
        set.lists = lists;
        set
    }

    fn push(
        &mut self,
        seen: &mut Seen,
        raw: String,
        origin: Origin,
        consent: Option<Box<Consent>>,
        list: Option<usize>,
    ) {
        let address = if raw.trim().len() == raw.len() {
            raw
        } else {
            raw.trim().to_string()
        };
        if let Err(reason) = address::validate(&address) {
            self.invalid.push(Invalid {
                address,
                reason,
                origin,
            });
            return;
        }
        if let Some(first) = seen.first_or_insert(&self.unique, &address, self.unique.len()) {
            self.duplicates.push(Duplicate {
                address,
                origin,
                first: self.unique[first].origin.clone(),
            });
            return;
        }
        self.unique.push(Recipient {
            address,
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
            .filter(|r| !is_internal(r.domain(), org_domains))
            .count()
    }
}

/// A domain is internal when it is an organisation domain or a subdomain of one.
pub fn is_internal(domain: &str, org_domains: &[String]) -> bool {
    let domain = domain.as_bytes();
    org_domains.iter().any(|org| {
        let org = org.as_bytes();
        match domain.len().checked_sub(org.len()) {
            Some(0) => domain.eq_ignore_ascii_case(org),
            Some(dot) => domain[dot - 1] == b'.' && domain[dot..].eq_ignore_ascii_case(org),
            None => false,
        }
    })
}
