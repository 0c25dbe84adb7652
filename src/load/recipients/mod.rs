//! The recipient set: loaders for lists (CSV, vCard, plain text) and the deduplicated,
//! validated set that checks read.

pub mod csv;
mod set;
pub mod text;
pub mod vcard;

pub use set::{is_internal, Duplicate, Invalid, ListSet, ReadLists, Recipient, RecipientSet};

use std::ops::Range;

use crate::load::draft::LoadProblem;
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

/// One address-bearing entry read from a list, before validation: where it was read, as byte
/// offsets into the list's text, not a copy of the address. A million-row list is held once, as
/// its text, plus 16 bytes a row here. The address is the text at the span; the rare entry whose
/// address differs from the bytes as written (a folded vCard line, a CSV cell with doubled
/// quotes, an address read from a draft's header) keeps its own copy, with any consent record,
/// in its list's [`Extra`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEntry {
    // u32 is enough: a file is at most 1 GiB (`input_limits::MAX_FILE_BYTES`), at most 2 GiB
    // once decoded to UTF-8, and [`parse`] refuses a text past `u32::MAX` bytes, so offsets,
    // lengths, lines and entries of one list all fit.
    start: u32,
    len: u32,
    line: u32,
    /// Index in the list's extras, or [`NO_EXTRA`].
    extra: u32,
}

const NO_EXTRA: u32 = u32::MAX;

/// What an entry carries besides its place, for the few that carry anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Extra {
    /// The address when it is not the text at the entry's span.
    address: Option<Box<str>>,
    consent: Option<Box<Consent>>,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl RawEntry {
    /// 1-based line (for CSV: the line the record starts on; 0 for a draft's header).
    pub fn line(&self) -> usize {
        self.line as usize
    }

    /// The address as written in the source (or the header field for draft addresses).
    pub fn span(&self) -> Range<usize> {
        let start = self.start as usize;
        start..start + self.len as usize
    }
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
    /// Own addresses and consent records of the entries that have them (see [`RawEntry`]).
    extras: Vec<Extra>,
    /// Rows that could not be read at all (unbalanced quotes, …): reported, never dropped silently.
    pub problems: Vec<LoadProblem>,
}

impl RecipientList {
    pub fn new(source: SourceId) -> Self {
        RecipientList {
            source,
            column: None,
            has_consent_columns: false,
            entries: Vec::new(),
            extras: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Adds the entry `address`, read at `span` of the list's `text` on `line`. The address is
    /// kept as the span alone when it is that text, as it nearly always is.
    pub fn push(
        &mut self,
        text: &str,
        address: &str,
        line: usize,
        span: Range<usize>,
        consent: Option<Box<Consent>>,
    ) {
        let own = text.get(span.clone()) != Some(address);
        self.push_entry(own.then(|| address.into()), line, span, consent);
    }

    /// Adds an entry whose address is not the text at `span` (a draft's header address, whose
    /// span is the whole header field).
    pub fn push_own(&mut self, address: &str, line: usize, span: Range<usize>) {
        self.push_entry(Some(address.into()), line, span, None);
    }

    fn push_entry(
        &mut self,
        address: Option<Box<str>>,
        line: usize,
        span: Range<usize>,
        consent: Option<Box<Consent>>,
    ) {
        let extra = if address.is_some() || consent.is_some() {
            self.extras.push(Extra { address, consent });
            to_u32(self.extras.len() - 1)
        } else {
            NO_EXTRA
        };
        self.entries.push(RawEntry {
            start: to_u32(span.start),
            len: to_u32(span.len()),
            line: to_u32(line),
            extra,
        });
    }

    fn extra(&self, entry: &RawEntry) -> Option<&Extra> {
        self.extras.get(entry.extra as usize)
    }

    /// The address an entry keeps itself, when it is not the text at its span.
    fn own_address(&self, entry: &RawEntry) -> Option<&str> {
        self.extra(entry).and_then(|x| x.address.as_deref())
    }

    /// The address of an entry of this list, whose text is `text`, as read (not trimmed).
    pub fn address<'a>(&'a self, text: &'a str, entry: &RawEntry) -> &'a str {
        self.own_address(entry)
            .unwrap_or_else(|| text.get(entry.span()).unwrap_or(""))
    }

    /// The consent record an entry's row carries, when the list has consent columns.
    pub fn consent(&self, entry: &RawEntry) -> Option<&Consent> {
        self.extra(entry).and_then(|x| x.consent.as_deref())
    }

    /// Where an entry was read.
    pub fn origin(&self, entry: &RawEntry) -> Origin {
        Origin {
            source: self.source,
            line: entry.line(),
            span: entry.span(),
        }
    }
}

/// Reads a recipient list, choosing the loader from the name and content.
pub fn load(
    sources: &mut Sources,
    name: &str,
    bytes: Vec<u8>,
    column: Option<&str>,
) -> Result<RecipientList, InputError> {
    let source = add_text(sources, name, bytes);
    parse(sources, source, column)
}

/// Decodes a list file into a source of `sources`, once: the lists parsed from it (by
/// [`parse`], for each address column asked for) point into this text.
pub fn add_text(sources: &mut Sources, name: &str, bytes: Vec<u8>) -> SourceId {
    sources.add(name, crate::load::charset::decode_text_file(bytes))
}

/// Parses the list in `source`, choosing the loader from its name and content.
pub fn parse(
    sources: &Sources,
    source: SourceId,
    column: Option<&str>,
) -> Result<RecipientList, InputError> {
    let file = sources.get(source);
    let (name, text) = (file.name.as_str(), &file.text);
    if u32::try_from(text.len()).is_err() {
        // Unreachable under the 1 GiB read limit; entries hold 32-bit offsets (see RawEntry).
        return Err(InputError::new(
            name,
            "the list is over 4 GiB once decoded; split it into smaller files",
        ));
    }
    let lower = name.to_ascii_lowercase();
    let mut list = if lower.ends_with(".vcf")
        || lower.ends_with(".vcard")
        || text
            .trim_start()
            .as_bytes()
            .get(..11)
            .is_some_and(|start| start.eq_ignore_ascii_case(b"BEGIN:VCARD"))
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
    }?;
    // A list that gave nobody is named as such, not checked as a send to no one.
    if list.entries.is_empty() && list.problems.is_empty() {
        list.problems.push(LoadProblem {
            warning: false,
            message: if text.trim().is_empty() {
                "the list is empty: no recipients were read from it".to_string()
            } else {
                "the list holds no recipients: no row has an address".to_string()
            },
            label: None,
        });
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

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
        let sources = Arc::new(sources);
        let set = RecipientSet::build(sources.clone(), None, vec![a, b]);

        let unique: Vec<_> = set.unique().map(|r| r.address).collect();
        assert_eq!(
            unique,
            ["ann@example.com", "bob@Example.COM", "carl@example.com"]
        );
        let lists: Vec<_> = set
            .unique()
            .map(|r| sources.get(set.list_of(&r).unwrap().source).name.clone())
            .collect();
        assert_eq!(lists, ["a.csv", "a.csv", "b.txt"]);

        let repeats: Vec<_> = set
            .duplicates()
            .map(|d| (d.address.to_string(), d.origin.line, d.first.line))
            .collect();
        assert_eq!(
            repeats,
            [
                ("ann@EXAMPLE.com".to_string(), 5, 2),
                ("bob@example.com".to_string(), 2, 3)
            ]
        );
        let invalid: Vec<_> = set.invalid().collect();
        assert_eq!(invalid.len(), 1);
        assert_eq!(invalid[0].address, "not-an-address");
        assert_eq!(invalid[0].origin.line, 4);
        assert!(set.lists().iter().all(|l| l.entries.is_empty()));
    }

    /// A draft's own To/Cc/Bcc are read ahead of the lists, which are judged once for every
    /// draft: a list row with a header's address is a duplicate of the header, in its place.
    #[test]
    fn header_addresses_come_first_over_shared_lists() {
        let lists = ReadLists::read(vec![
            crate::model::input::Input {
                name: "a.csv".into(),
                bytes: b"email\nann@example.com\nann@example.com\nbob@example.com\ncarl@example.com\nbob@EXAMPLE.com\nbad@\n".to_vec(),
            },
            crate::model::input::Input {
                name: "b.txt".into(),
                bytes: b"dora@example.com\ncarl@example.com\n".to_vec(),
            },
        ]);
        let shared = lists.parsed(None).unwrap();
        let mut sources = Sources::with_shared(lists.sources().clone());
        let draft = crate::load::draft::load_with(
            &mut sources,
            "d.eml",
            b"From: me@example.org\nTo: bob@Example.com, carl@example.com, x@\nCc: bob@example.com\nSubject: s\n\nHi\n".to_vec(),
            &crate::load::input_limits::InputLimits::default(),
        )
        .unwrap();
        let set = RecipientSet::with_lists(Some(&draft), shared.clone());
        let place = |o: &Origin| (sources.get(o.source).name.clone(), o.line);
        let unique: Vec<_> = set.unique().map(|r| r.address).collect();
        assert_eq!(
            unique,
            [
                "bob@Example.com",
                "carl@example.com",
                "ann@example.com",
                "dora@example.com"
            ]
        );
        assert_eq!(set.len(), 4);
        let repeats: Vec<_> = set
            .duplicates()
            .map(|d| (d.address.to_string(), place(&d.origin), place(&d.first)))
            .collect();
        let at = |name: &str, line| (name.to_string(), line);
        assert_eq!(
            repeats,
            [
                (
                    "bob@example.com".to_string(),
                    at("d.eml", 0),
                    at("d.eml", 0)
                ),
                (
                    "ann@example.com".to_string(),
                    at("a.csv", 3),
                    at("a.csv", 2)
                ),
                (
                    "bob@example.com".to_string(),
                    at("a.csv", 4),
                    at("d.eml", 0)
                ),
                (
                    "carl@example.com".to_string(),
                    at("a.csv", 5),
                    at("d.eml", 0)
                ),
                (
                    "bob@EXAMPLE.com".to_string(),
                    at("a.csv", 6),
                    at("d.eml", 0)
                ),
                (
                    "carl@example.com".to_string(),
                    at("b.txt", 2),
                    at("d.eml", 0)
                ),
            ]
        );
        let invalid: Vec<_> = set.invalid().map(|i| i.address).collect();
        assert_eq!(invalid, ["x@", "bad@"]);
        let domains: Vec<_> = set.domains().collect();
        assert_eq!(domains, ["example.com", "example.com"]);
        assert_eq!(set.external_count(&["example.org".to_string()]), 4);
        assert_eq!(set.external_count(&["example.com".to_string()]), 0);
        // The lists themselves are untouched for the next draft.
        let bare = RecipientSet::with_lists(None, shared);
        assert_eq!(bare.len(), 4);
        assert_eq!(bare.duplicates().count(), 3);
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
