//! The recipient set: loaders for lists (CSV, vCard, plain text) and the deduplicated,
//! validated set that checks read.

pub mod csv;
pub mod text;
pub mod vcard;

use std::ops::Range;

use crate::load::draft::{Draft, LoadProblem};
use crate::model::address;
use crate::model::error::InputError;
use crate::model::source::{SourceId, Sources};

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
    let text = crate::load::charset::decode_lossless(bytes);
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

/// A valid, unique recipient. The same shape as a [`RawEntry`], so a list's entries become the
/// set's recipients in the memory they already use.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub address: String,
    pub origin: Origin,
    pub consent: Option<Box<Consent>>,
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
    /// `address_of` gives the (trimmed) address of any index recorded so far.
    fn first_or_insert<'a>(
        &mut self,
        address_of: impl Fn(usize) -> &'a str,
        address: &str,
        index: usize,
    ) -> Option<usize> {
        let state = &self.state;
        let entry = self.table.entry(
            key_hash(state, address),
            |&i| address::same_key(address_of(i), address),
            |&i| key_hash(state, address_of(i)),
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

/// What became of one list entry.
enum Verdict {
    Unique,
    /// Repeats the recipient at this index of [`RecipientSet::unique`].
    Duplicate(usize),
    Invalid(String),
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
        // The draft's own header addresses are judged like a list's entries, ahead of them.
        if let Some(draft) = draft {
            let headers = draft
                .recipients
                .iter()
                .map(|a| RawEntry {
                    address: a.address.clone(),
                    origin: Origin {
                        source: draft.source,
                        line: 0,
                        span: a.span.clone(),
                    },
                    consent: None,
                })
                .collect();
            set.add_entries(&mut seen, headers);
        }
        for list in &mut lists {
            set.add_entries(&mut seen, std::mem::take(&mut list.entries));
        }
        set.lists = lists;
        set
    }

    /// Judges every entry first, then moves the unique ones into `unique` in place: a list of a
    /// million rows is never held twice.
    fn add_entries(&mut self, seen: &mut Seen, entries: Vec<RawEntry>) {
        let base = self.unique.len();
        // The entry behind each unique index from `base` on, until they move.
        let mut kept: Vec<usize> = Vec::new();
        let mut verdicts = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let address = entry.address.trim();
            if let Err(reason) = address::validate(address) {
                verdicts.push(Verdict::Invalid(reason));
                continue;
            }
            let (unique, entries, kept_so_far) = (&self.unique, &entries, &kept);
            let address_of = |u: usize| match u.checked_sub(base) {
                Some(k) => entries[kept_so_far[k]].address.trim(),
                None => unique[u].address.as_str(),
            };
            match seen.first_or_insert(address_of, address, base + kept.len()) {
                Some(first) => verdicts.push(Verdict::Duplicate(first)),
                None => {
                    verdicts.push(Verdict::Unique);
                    kept.push(i);
                }
            }
        }
        drop(kept);
        let mut repeats = Vec::new();
        let trimmed = |address: String| {
            if address.trim().len() == address.len() {
                address
            } else {
                address.trim().to_string()
            }
        };
        let invalid = &mut self.invalid;
        // Same size and alignment: `collect` reuses the entries' allocation.
        let mut added: Vec<Recipient> = entries
            .into_iter()
            .zip(verdicts)
            .filter_map(|(e, verdict)| match verdict {
                Verdict::Unique => Some(Recipient {
                    address: trimmed(e.address),
                    origin: e.origin,
                    consent: e.consent,
                }),
                Verdict::Duplicate(first) => {
                    repeats.push((trimmed(e.address), e.origin, first));
                    None
                }
                Verdict::Invalid(reason) => {
                    invalid.push(Invalid {
                        address: trimmed(e.address),
                        reason,
                        origin: e.origin,
                    });
                    None
                }
            })
            .collect();
        if self.unique.len() < added.len() {
            added.splice(0..0, std::mem::take(&mut self.unique));
            self.unique = added;
        } else {
            self.unique.append(&mut added);
        }
        for (address, origin, first) in repeats {
            self.duplicates.push(Duplicate {
                address,
                origin,
                first: self.unique[first].origin.clone(),
            });
        }
    }

    /// The list a recipient was read from, or `None` for the draft's own headers.
    pub fn list_of(&self, recipient: &Recipient) -> Option<&RecipientList> {
        self.lists
            .iter()
            .find(|l| l.source == recipient.origin.source)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn list(sources: &mut Sources, name: &str, text: &str) -> RecipientList {
        load(sources, name, text.as_bytes().to_vec(), None).unwrap()
    }

    #[test]
    fn lists_are_deduplicated_across_files_in_order() {
        let mut sources = Sources::default();
        let a = list(
            &mut sources,
            "a.csv",
            "email\nann@example.com\n bob@Example.COM \nnot-an-address\nann@EXAMPLE.com\n",
        );
        let b = list(&mut sources, "b.txt", "carl@example.com\nbob@example.com\n");
        let set = RecipientSet::build(None, vec![a, b]);

        let unique: Vec<_> = set.unique.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            unique,
            ["ann@example.com", "bob@Example.COM", "carl@example.com"]
        );
        let lists: Vec<_> = set
            .unique
            .iter()
            .map(|r| sources.get(set.list_of(r).unwrap().source).name.clone())
            .collect();
        assert_eq!(lists, ["a.csv", "a.csv", "b.txt"]);

        let repeats: Vec<_> = set
            .duplicates
            .iter()
            .map(|d| (d.address.as_str(), d.origin.line, d.first.line))
            .collect();
        assert_eq!(
            repeats,
            [("ann@EXAMPLE.com", 5, 2), ("bob@example.com", 2, 3)]
        );
        assert_eq!(set.invalid.len(), 1);
        assert_eq!(set.invalid[0].address, "not-an-address");
        assert_eq!(set.invalid[0].origin.line, 4);
        assert!(set.lists.iter().all(|l| l.entries.is_empty()));
    }

    #[test]
    fn internal_domains_match_whole_labels_in_any_case() {
        let org = vec!["example.com".to_string()];
        assert!(is_internal("example.com", &org));
        assert!(is_internal("Mail.EXAMPLE.com", &org));
        assert!(!is_internal("badexample.com", &org));
        assert!(!is_internal("example.com.evil", &org));
        assert!(!is_internal("com", &org));
    }
}
