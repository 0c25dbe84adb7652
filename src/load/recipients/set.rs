//! The recipient set: every list entry and header address validated and deduplicated.
//!
//! A run checks any number of drafts against the same lists, so the lists are read, validated
//! and deduplicated once ([`ReadLists`], [`ListSet`]) and shared by every draft. What a draft
//! adds, its own To/Cc/Bcc, comes first (a header address is the one a list row repeats, as if
//! the draft's headers had been read ahead of the lists); [`RecipientSet`] lays those few over
//! the shared lists instead of judging a million rows again.
//!
//! Entries stay as the lists read them, byte ranges into the lists' texts ([`RawEntry`]), with
//! a one-byte verdict each; [`Recipient`], [`Duplicate`] and [`Invalid`] are views made as they
//! are iterated, their addresses borrowed from the texts.

use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::{Consent, Origin, RawEntry, RecipientList};
use crate::load::draft::Draft;
use crate::model::address;
use crate::model::error::InputError;
use crate::model::input::Input;
use crate::model::source::{SourceId, Sources};

/// A valid, unique recipient.
#[derive(Debug, Clone)]
pub struct Recipient<'a> {
    /// Trimmed, as written.
    pub address: &'a str,
    pub origin: Origin,
    pub consent: Option<&'a Consent>,
}

impl<'a> Recipient<'a> {
    /// The domain as written; domains compare case-insensitively.
    pub fn domain(&self) -> &'a str {
        domain_of(self.address)
    }
}

fn domain_of(address: &str) -> &str {
    // Bytes, not `rsplit_once('@')`: the char searcher's compare per candidate was a tenth of a
    // million-row list's load.
    let bytes = address.as_bytes();
    match bytes.iter().rposition(|&b| b == b'@') {
        Some(at) => address[at + 1..].trim_end_matches('>'),
        None => "",
    }
}

/// An address that repeats one read earlier.
#[derive(Debug, Clone)]
pub struct Duplicate<'a> {
    pub address: &'a str,
    pub origin: Origin,
    pub first: Origin,
}

/// An entry whose address does not parse.
#[derive(Debug, Clone)]
pub struct Invalid<'a> {
    pub address: &'a str,
    pub reason: &'a str,
    pub origin: Origin,
}

/// Entries of the unique recipients, found by dedup key without storing the key: a million-row
/// list costs 32 bits and a control byte per slot here, not a second copy of every address.
/// Keys are 64-bit hashes; a slot whose hash bits match is confirmed by comparing the
/// addresses, read from the lists' texts. Entry indexes fit in 32 bits ([`ReadLists::parsed`]
/// refuses more entries).
#[derive(Default)]
struct Seen {
    table: hashbrown::HashTable<u32>,
    state: foldhash::fast::FixedState,
}

/// The most entries a set holds: [`Seen`] keeps their indexes in 32 bits.
const MAX_ENTRIES: usize = u32::MAX as usize;

/// The hash of an address's dedup key (see [`address::dedup_key`]), built without allocating:
/// the address is lower-cased into a buffer on the stack and hashed a chunk at a time (a call per
/// byte was a tenth of a million-row list's load).
fn key_hash(state: &foldhash::fast::FixedState, address: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = state.build_hasher();
    let mut buffer = [0u8; 64];
    for chunk in address.as_bytes().chunks(buffer.len()) {
        let lower = &mut buffer[..chunk.len()];
        lower.copy_from_slice(chunk);
        lower.make_ascii_lowercase();
        h.write(lower);
    }
    h.finish()
}

impl Seen {
    /// Sized once: growing would rehash every stored address, each a cache miss.
    fn with_capacity(n: usize) -> Self {
        Seen {
            table: hashbrown::HashTable::with_capacity(n),
            state: foldhash::fast::FixedState::default(),
        }
    }

    /// The entry `address` repeats, or `None` after recording it as entry `index`.
    /// `address_of` gives the (trimmed) address of any entry recorded so far.
    fn first_or_insert<'a>(
        &mut self,
        address_of: impl Fn(usize) -> &'a str,
        address: &str,
        index: usize,
    ) -> Option<usize> {
        let state = &self.state;
        let entry = self.table.entry(
            key_hash(state, address),
            |&i| address::same_key(address_of(i as usize), address),
            |&i| key_hash(state, address_of(i as usize)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(first) => Some(*first.get() as usize),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(u32::try_from(index).unwrap_or(u32::MAX));
                None
            }
        }
    }

    /// The entry with `address`'s dedup key, if one was recorded.
    fn find<'a>(&self, address_of: impl Fn(usize) -> &'a str, address: &str) -> Option<usize> {
        self.table
            .find(key_hash(&self.state, address), |&i| {
                address::same_key(address_of(i as usize), address)
            })
            .map(|&i| i as usize)
    }
}

/// What became of one entry: a byte per row of a million-row list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Verdict {
    Unique,
    Duplicate,
    Invalid,
}

/// Entries judged in reading order.
#[derive(Debug, Clone, Default)]
struct Judged {
    /// The lists judged; their entries have moved into `entries`.
    lists: Vec<RecipientList>,
    /// The index in `entries` of each list's first entry.
    starts: Vec<usize>,
    entries: Vec<RawEntry>,
    verdicts: Vec<Verdict>,
    unique: usize,
    /// Each duplicate's entry and the entry of the unique recipient it repeats, in reading order.
    duplicates: Vec<(usize, usize)>,
    /// Each invalid entry and why, in reading order.
    invalid: Vec<(usize, String)>,
}

/// The list entry `i` was read from, by the lists' first entries.
fn list_of(starts: &[usize], i: usize) -> usize {
    starts.partition_point(|&s| s <= i).saturating_sub(1)
}

/// The trimmed address of entry `i`: its own copy, or its span of its list's text in `texts`.
fn address_in<'a>(
    lists: &'a [RecipientList],
    starts: &[usize],
    entries: &[RawEntry],
    texts: &'a Sources,
    i: usize,
) -> &'a str {
    let e = &entries[i];
    let list = &lists[list_of(starts, i)];
    match list.own_address(e) {
        Some(own) => own,
        None => texts
            .get(list.source)
            .text
            .get(e.span())
            .unwrap_or_default(),
    }
    .trim()
}

impl Judged {
    /// Judges a list's entries in order; they move into the set, and the list is kept.
    fn add_list(&mut self, texts: &Sources, seen: &mut Seen, mut list: RecipientList) {
        let mut entries = std::mem::take(&mut list.entries);
        self.lists.push(list);
        let from = self.entries.len();
        self.starts.push(from);
        if self.entries.is_empty() {
            self.entries = entries;
        } else {
            self.entries.append(&mut entries);
        }
        self.verdicts.reserve(self.entries.len() - from);
        let Judged {
            lists,
            starts,
            entries,
            verdicts,
            unique,
            duplicates,
            invalid,
        } = self;
        let address_of = |j| address_in(lists, starts, entries, texts, j);
        for i in from..entries.len() {
            let address = address_of(i);
            let verdict = if let Err(reason) = address::validate(address) {
                invalid.push((i, reason));
                Verdict::Invalid
            } else if let Some(first) = seen.first_or_insert(address_of, address, i) {
                duplicates.push((i, first));
                Verdict::Duplicate
            } else {
                *unique += 1;
                Verdict::Unique
            };
            verdicts.push(verdict);
        }
    }

    fn address<'a>(&'a self, texts: &'a Sources, i: usize) -> &'a str {
        address_in(&self.lists, &self.starts, &self.entries, texts, i)
    }

    fn origin(&self, i: usize) -> Origin {
        let e = &self.entries[i];
        self.lists[list_of(&self.starts, i)].origin(e)
    }

    fn recipient<'a>(&'a self, texts: &'a Sources, i: usize) -> Recipient<'a> {
        let e = &self.entries[i];
        let list = &self.lists[list_of(&self.starts, i)];
        Recipient {
            address: self.address(texts, i),
            origin: list.origin(e),
            consent: list.consent(e),
        }
    }

    fn duplicate<'a>(&'a self, texts: &'a Sources, i: usize, first: Origin) -> Duplicate<'a> {
        Duplicate {
            address: self.address(texts, i),
            origin: self.origin(i),
            first,
        }
    }

    /// The unique recipients' entries, in reading order.
    fn unique_entries(&self) -> impl Iterator<Item = usize> + Clone + '_ {
        self.verdicts
            .iter()
            .enumerate()
            .filter(|(_, v)| **v == Verdict::Unique)
            .map(|(i, _)| i)
    }

    fn invalid<'a>(&'a self, texts: &'a Sources) -> impl Iterator<Item = Invalid<'a>> {
        self.invalid.iter().map(move |(i, reason)| Invalid {
            address: self.address(texts, *i),
            reason,
            origin: self.origin(*i),
        })
    }
}

/// Recipient lists validated and deduplicated, once for every draft checked against them.
#[derive(Default)]
pub struct ListSet {
    /// The lists' texts, which the entries point into.
    texts: Arc<Sources>,
    judged: Judged,
    seen: Seen,
    /// External counts already made, by organisation domains: the drafts of a run that share a
    /// From domain ask the same question of a million recipients.
    external: Mutex<Vec<(Vec<String>, usize)>>,
    first_entry: OnceLock<Option<Range<usize>>>,
    /// The unique recipients' distinct domains, lower-cased, listed on first use.
    domains: OnceLock<Vec<Box<str>>>,
}

impl std::fmt::Debug for ListSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListSet")
            .field("judged", &self.judged)
            .finish_non_exhaustive()
    }
}

impl ListSet {
    /// Validates and deduplicates the lists' entries, in order; the entries move into the set.
    /// `texts` holds the lists' sources.
    pub fn build(texts: Arc<Sources>, lists: Vec<RecipientList>) -> Self {
        let total = lists.iter().map(|l| l.entries.len()).sum();
        let mut seen = Seen::with_capacity(total);
        let mut judged = Judged::default();
        for list in lists {
            judged.add_list(&texts, &mut seen, list);
        }
        ListSet {
            texts,
            judged,
            seen,
            external: Mutex::default(),
            first_entry: OnceLock::new(),
            domains: OnceLock::new(),
        }
    }

    /// The distinct domains of the unique recipients, lower-cased and sorted; found once.
    fn domains(&self) -> &[Box<str>] {
        self.domains.get_or_init(|| {
            let j = &self.judged;
            let mut seen: hashbrown::HashSet<Box<str>, foldhash::fast::FixedState> =
                hashbrown::HashSet::default();
            // Lower-cased into one buffer: most recipients share a domain already seen.
            let mut lower = String::new();
            for i in j.unique_entries() {
                lower.clear();
                lower.push_str(domain_of(j.address(&self.texts, i)));
                lower.make_ascii_lowercase();
                if !seen.contains(lower.as_str()) {
                    seen.insert(lower.as_str().into());
                }
            }
            let mut domains: Vec<Box<str>> = seen.into_iter().collect();
            domains.sort_unstable();
            domains
        })
    }

    /// The lists as read. Their entries have moved into the set.
    pub fn lists(&self) -> &[RecipientList] {
        &self.judged.lists
    }

    /// The span of the first entry of the first list, found once.
    fn first_list_entry(&self) -> Option<Range<usize>> {
        self.first_entry
            .get_or_init(|| {
                // The first list's entries come first, in reading order but for the cells of
                // one row, which need not be.
                let j = &self.judged;
                let end = j.starts.get(1).copied().unwrap_or(j.entries.len());
                j.entries[..end]
                    .iter()
                    .min_by_key(|e| e.span().start)
                    .map(RawEntry::span)
            })
            .clone()
    }

    /// The entry of the unique recipient with `address`'s dedup key.
    fn find(&self, address: &str) -> Option<usize> {
        self.seen
            .find(|i| self.judged.address(&self.texts, i), address)
    }

    fn external_count(&self, org_domains: &[String]) -> usize {
        let mut counted = self.external.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, n)) = counted.iter().find(|(org, _)| org == org_domains) {
            return *n;
        }
        let j = &self.judged;
        let n = j
            .unique_entries()
            .filter(|&i| !is_internal(domain_of(j.address(&self.texts, i)), org_domains))
            .count();
        counted.push((org_domains.to_vec(), n));
        n
    }
}

/// The recipient list files of a run, read once: their texts (shared by every draft's
/// [`Sources`]) and the lists parsed from them, once for each address column asked for.
pub struct ReadLists {
    sources: Arc<Sources>,
    ids: Vec<SourceId>,
    parsed: Mutex<Vec<(Option<String>, Parsed)>>,
}

/// The lists as read with one address column, or why they could not be.
type Parsed = Result<Arc<ListSet>, InputError>;

impl ReadLists {
    /// Decodes the files; they are parsed when a draft first asks for them.
    pub fn read(inputs: Vec<Input>) -> Self {
        let mut sources = Sources::shared();
        let ids = inputs
            .into_iter()
            .map(|i| super::add_text(&mut sources, &i.name, i.bytes))
            .collect();
        ReadLists {
            sources: Arc::new(sources),
            ids,
            parsed: Mutex::default(),
        }
    }

    /// The texts, for a draft's [`Sources::with_shared`].
    pub fn sources(&self) -> &Arc<Sources> {
        &self.sources
    }

    /// The lists read with `column` as their address column (detected when `None`), validated
    /// and deduplicated; parsed on the first call for that column, shared after it. Drafts
    /// asking at the same time wait for the first.
    pub fn parsed(&self, column: Option<&str>) -> Result<Arc<ListSet>, InputError> {
        let mut parsed = self.parsed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, result)) = parsed.iter().find(|(c, _)| c.as_deref() == column) {
            return result.clone();
        }
        let result = self
            .ids
            .iter()
            .map(|&id| super::parse(&self.sources, id, column))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|lists| {
                let total: usize = lists.iter().map(|l| l.entries.len()).sum();
                if total > MAX_ENTRIES {
                    let name = lists.last().map_or("", |l| &self.sources.get(l.source).name);
                    return Err(InputError::new(
                        name,
                        format!("the lists hold {total} entries, more than the {MAX_ENTRIES} one run can check; split the send"),
                    ));
                }
                Ok(Arc::new(ListSet::build(self.sources.clone(), lists)))
            });
        parsed.push((column.map(str::to_string), result.clone()));
        result
    }
}

/// Everyone the send goes to: the lists plus the draft's To/Cc/Bcc, validated and deduplicated,
/// the draft's addresses first.
#[derive(Debug, Clone, Default)]
pub struct RecipientSet {
    shared: Arc<ListSet>,
    /// The draft's own header addresses.
    own: Judged,
    /// Entries of the lists' unique recipients whose address a header already has, each with
    /// that header's entry in `own`; sorted, and nearly always empty.
    repeated: Vec<(usize, usize)>,
}

impl RecipientSet {
    /// Validates and deduplicates; the draft's own header addresses come first. The lists'
    /// entries move into the set; `texts` holds the lists' sources.
    pub fn build(texts: Arc<Sources>, draft: Option<&Draft>, lists: Vec<RecipientList>) -> Self {
        Self::with_lists(draft, Arc::new(ListSet::build(texts, lists)))
    }

    /// The draft's header addresses over lists already judged.
    pub fn with_lists(draft: Option<&Draft>, shared: Arc<ListSet>) -> Self {
        let mut own = Judged::default();
        if let Some(draft) = draft {
            let mut headers = RecipientList::new(draft.source);
            for a in &draft.recipients {
                headers.push_own(&a.address, 0, a.span.clone());
            }
            let mut seen = Seen::with_capacity(draft.recipients.len());
            // Header entries keep their own addresses: the texts are never read for them.
            own.add_list(&shared.texts, &mut seen, headers);
        }
        let mut repeated: Vec<(usize, usize)> = own
            .unique_entries()
            .filter_map(|j| shared.find(own.address(&shared.texts, j)).map(|u| (u, j)))
            .collect();
        repeated.sort_unstable();
        RecipientSet {
            shared,
            own,
            repeated,
        }
    }

    fn texts(&self) -> &Sources {
        &self.shared.texts
    }

    /// The lists as read (their entries have moved into the set).
    pub fn lists(&self) -> &[RecipientList] {
        self.shared.lists()
    }

    /// The header entry a list entry repeats.
    fn header_for(&self, list_entry: usize) -> Option<usize> {
        self.repeated
            .binary_search_by_key(&list_entry, |&(u, _)| u)
            .ok()
            .map(|k| self.repeated[k].1)
    }

    /// Where the first list's first entry (valid or not) was read: the draft's headers are
    /// never in a list, so this is the lists' own answer.
    pub fn first_list_entry(&self) -> Option<Range<usize>> {
        self.shared.first_list_entry()
    }

    /// The valid, unique recipients in reading order: the draft's, then the lists'.
    pub fn unique(&self) -> impl Iterator<Item = Recipient<'_>> + Clone {
        let (texts, shared) = (self.texts(), &self.shared.judged);
        let own = self
            .own
            .unique_entries()
            .map(move |i| self.own.recipient(texts, i));
        let lists = shared
            .unique_entries()
            .filter(|&u| self.repeated.is_empty() || self.header_for(u).is_none())
            .map(move |u| shared.recipient(texts, u));
        own.chain(lists)
    }

    /// The addresses that repeat one read earlier, in reading order. A list's first copy of a
    /// header address is one of them, and so repeats the header.
    pub fn duplicates(&self) -> impl Iterator<Item = Duplicate<'_>> {
        let (texts, shared, own) = (self.texts(), &self.shared.judged, &self.own);
        let (mut next, mut promoted) = (0, self.repeated.iter().peekable());
        let lists = std::iter::from_fn(move || {
            // A list recipient a header has goes where it was read among the duplicates.
            if let Some(&&(u, j)) = promoted.peek() {
                if shared.duplicates.get(next).is_none_or(|&(d, _)| u < d) {
                    promoted.next();
                    return Some(shared.duplicate(texts, u, own.origin(j)));
                }
            }
            let &(d, first) = shared.duplicates.get(next)?;
            next += 1;
            let first = match self.header_for(first) {
                Some(j) => own.origin(j),
                None => shared.origin(first),
            };
            Some(shared.duplicate(texts, d, first))
        });
        own.duplicates
            .iter()
            .map(move |&(i, first)| own.duplicate(texts, i, own.origin(first)))
            .chain(lists)
    }

    /// The distinct domains of the recipients, lower-cased: the draft's, then the lists'
    /// (listed once per run). A list's domain may repeat one of the draft's.
    pub fn domains(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
        let mut own: Vec<String> = self
            .unique()
            .take(self.own.unique)
            .map(|r| r.domain().to_ascii_lowercase())
            .collect();
        own.sort_unstable();
        own.dedup();
        own.into_iter().map(std::borrow::Cow::Owned).chain(
            self.shared
                .domains()
                .iter()
                .map(|d| std::borrow::Cow::Borrowed(&**d)),
        )
    }

    /// How many [`duplicates`](Self::duplicates) there are, without listing them.
    pub fn duplicate_count(&self) -> usize {
        self.own.duplicates.len() + self.shared.judged.duplicates.len() + self.repeated.len()
    }

    /// How many [`invalid`](Self::invalid) entries there are.
    pub fn invalid_count(&self) -> usize {
        self.own.invalid.len() + self.shared.judged.invalid.len()
    }

    /// The entries whose address does not parse, in reading order.
    pub fn invalid(&self) -> impl Iterator<Item = Invalid<'_>> {
        let texts = self.texts();
        self.own
            .invalid(texts)
            .chain(self.shared.judged.invalid(texts))
    }

    /// The list a recipient was read from, or `None` for the draft's own headers.
    pub fn list_of(&self, recipient: &Recipient) -> Option<&RecipientList> {
        self.lists()
            .iter()
            .find(|l| l.source == recipient.origin.source)
    }

    pub fn len(&self) -> usize {
        self.own.unique + self.shared.judged.unique - self.repeated.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Recipients whose domain is not one of the organisation's; the lists' share is counted
    /// once per run.
    pub fn external_count(&self, org_domains: &[String]) -> usize {
        let texts = self.texts();
        let external =
            |j: &Judged, i: usize| !is_internal(domain_of(j.address(texts, i)), org_domains);
        let own = self
            .own
            .unique_entries()
            .filter(|&i| external(&self.own, i))
            .count();
        let repeated = self
            .repeated
            .iter()
            .filter(|&&(u, _)| external(&self.shared.judged, u))
            .count();
        own + self.shared.external_count(org_domains) - repeated
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
