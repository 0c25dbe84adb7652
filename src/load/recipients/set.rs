//! The recipient set: every list entry and header address validated and deduplicated.
//!
//! A run checks any number of drafts against the same lists, so the lists are read, validated
//! and deduplicated once ([`ReadLists`], [`ListSet`]) and shared by every draft. What a draft
//! adds, its own To/Cc/Bcc, comes first (a header address is the one a list row repeats, as if
//! the draft's headers had been read ahead of the lists); [`RecipientSet`] lays those few over
//! the shared lists instead of judging a million rows again.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::{Consent, Origin, RawEntry, RecipientList};
use crate::load::draft::Draft;
use crate::model::address;
use crate::model::error::InputError;
use crate::model::input::Input;
use crate::model::source::{SourceId, Sources};

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

/// Indexes into the unique recipients, found by dedup key without storing the key: a
/// million-row list costs one word per recipient here, not a second copy of every address.
/// Keys are 64-bit hashes; equal hashes are confirmed by comparing the addresses.
#[derive(Default)]
struct Seen {
    table: hashbrown::HashTable<usize>,
    state: foldhash::fast::FixedState,
}

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

    /// The index of the recipient with `address`'s dedup key, if one was recorded.
    fn find<'a>(&self, address_of: impl Fn(usize) -> &'a str, address: &str) -> Option<usize> {
        self.table
            .find(key_hash(&self.state, address), |&i| {
                address::same_key(address_of(i), address)
            })
            .copied()
    }
}

/// What became of one entry: two words, one per row of a million-row list while it is judged
/// (an invalid entry's reason waits in a list of its own, the rare case).
enum Verdict {
    Unique,
    /// Repeats the recipient at this index of [`Judged::unique`].
    Duplicate(usize),
    Invalid,
}

/// Entries judged in reading order.
#[derive(Debug, Clone, Default)]
struct Judged {
    unique: Vec<Recipient>,
    duplicates: Vec<Duplicate>,
    /// For each duplicate, the index in `unique` of the recipient it repeats.
    first_of: Vec<usize>,
    /// For each unique recipient, how many duplicates were read before it: where it stands
    /// among the duplicates if it becomes one (see [`RecipientSet::duplicates`]).
    duplicates_before: Vec<u32>,
    invalid: Vec<Invalid>,
}

impl Judged {
    /// Judges every entry first, then moves the unique ones into `unique` in place: a list of a
    /// million rows is never held twice.
    fn add_entries(&mut self, seen: &mut Seen, entries: Vec<RawEntry>) {
        let base = self.unique.len();
        // The entry behind each unique index from `base` on, until they move.
        let mut kept: Vec<usize> = Vec::new();
        let mut verdicts = Vec::with_capacity(entries.len());
        let mut reasons = Vec::new();
        let mut duplicates = self.duplicates.len();
        for (i, entry) in entries.iter().enumerate() {
            let address = entry.address.trim();
            if let Err(reason) = address::validate(address) {
                verdicts.push(Verdict::Invalid);
                reasons.push(reason);
                continue;
            }
            let (unique, entries, kept_so_far) = (&self.unique, &entries, &kept);
            let address_of = |u: usize| match u.checked_sub(base) {
                Some(k) => entries[kept_so_far[k]].address.trim(),
                None => unique[u].address.as_str(),
            };
            match seen.first_or_insert(address_of, address, base + kept.len()) {
                Some(first) => {
                    verdicts.push(Verdict::Duplicate(first));
                    duplicates += 1;
                }
                None => {
                    verdicts.push(Verdict::Unique);
                    kept.push(i);
                    self.duplicates_before
                        .push(u32::try_from(duplicates).unwrap_or(u32::MAX));
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
        let mut reasons = reasons.into_iter();
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
                Verdict::Invalid => {
                    invalid.push(Invalid {
                        address: trimmed(e.address),
                        reason: reasons.next().unwrap_or_default(),
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
            self.first_of.push(first);
        }
    }
}

/// Recipient lists validated and deduplicated, once for every draft checked against them.
#[derive(Default)]
pub struct ListSet {
    /// The lists as read. Their entries have moved into the set.
    pub lists: Vec<RecipientList>,
    judged: Judged,
    seen: Seen,
    /// External counts already made, by organisation domains: the drafts of a run that share a
    /// From domain ask the same question of a million recipients.
    external: Mutex<Vec<(Vec<String>, usize)>>,
    first_entry: OnceLock<Option<Range<usize>>>,
}

impl std::fmt::Debug for ListSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListSet")
            .field("lists", &self.lists)
            .field("judged", &self.judged)
            .finish_non_exhaustive()
    }
}

impl ListSet {
    /// Validates and deduplicates the lists' entries, in order; the entries move into the set.
    pub fn build(mut lists: Vec<RecipientList>) -> Self {
        let total = lists.iter().map(|l| l.entries.len()).sum();
        let mut seen = Seen::with_capacity(total);
        let mut judged = Judged::default();
        for list in &mut lists {
            judged.add_entries(&mut seen, std::mem::take(&mut list.entries));
        }
        ListSet {
            lists,
            judged,
            seen,
            external: Mutex::default(),
            first_entry: OnceLock::new(),
        }
    }

    /// The span of the first entry of the first list, found once.
    fn first_list_entry(&self) -> Option<Range<usize>> {
        let list = self.lists.first()?;
        self.first_entry
            .get_or_init(|| {
                let j = &self.judged;
                j.unique
                    .iter()
                    .map(|u| &u.origin)
                    .chain(j.duplicates.iter().map(|d| &d.origin))
                    .chain(j.invalid.iter().map(|i| &i.origin))
                    .filter(|o| o.source == list.source)
                    .min_by_key(|o| o.span.start)
                    .map(|o| o.span.clone())
            })
            .clone()
    }

    /// The index of the unique recipient with `address`'s dedup key.
    fn find(&self, address: &str) -> Option<usize> {
        let unique = &self.judged.unique;
        self.seen.find(|i| unique[i].address.as_str(), address)
    }

    fn external_count(&self, org_domains: &[String]) -> usize {
        let mut counted = self.external.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, n)) = counted.iter().find(|(org, _)| org == org_domains) {
            return *n;
        }
        let n = self
            .judged
            .unique
            .iter()
            .filter(|r| !is_internal(r.domain(), org_domains))
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
            .map(|lists| Arc::new(ListSet::build(lists)));
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
    /// Recipients of the lists (by index) whose address a header already has, each with that
    /// header recipient's index in `own.unique`; sorted, and nearly always empty.
    repeated: Vec<(usize, usize)>,
}

impl RecipientSet {
    /// Validates and deduplicates; the draft's own header addresses come first. The lists'
    /// entries move into the set.
    pub fn build(draft: Option<&Draft>, lists: Vec<RecipientList>) -> Self {
        Self::with_lists(draft, Arc::new(ListSet::build(lists)))
    }

    /// The draft's header addresses over lists already judged.
    pub fn with_lists(draft: Option<&Draft>, shared: Arc<ListSet>) -> Self {
        let mut own = Judged::default();
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
            own.add_entries(&mut Seen::with_capacity(draft.recipients.len()), headers);
        }
        let mut repeated: Vec<(usize, usize)> = own
            .unique
            .iter()
            .enumerate()
            .filter_map(|(j, r)| shared.find(&r.address).map(|u| (u, j)))
            .collect();
        repeated.sort_unstable();
        RecipientSet {
            shared,
            own,
            repeated,
        }
    }

    /// The lists as read (their entries have moved into the set).
    pub fn lists(&self) -> &[RecipientList] {
        &self.shared.lists
    }

    /// The header recipient a list recipient repeats, by their indexes.
    fn header_for(&self, list_index: usize) -> Option<usize> {
        self.repeated
            .binary_search_by_key(&list_index, |&(u, _)| u)
            .ok()
            .map(|k| self.repeated[k].1)
    }

    /// Where the first list's first entry (valid or not) was read: the draft's headers are
    /// never in a list, so this is the lists' own answer.
    pub fn first_list_entry(&self) -> Option<Range<usize>> {
        self.shared.first_list_entry()
    }

    /// The valid, unique recipients in reading order: the draft's, then the lists'.
    pub fn unique(&self) -> impl Iterator<Item = &Recipient> + Clone {
        let lists = self.shared.judged.unique.iter().enumerate();
        self.own.unique.iter().chain(
            lists
                .filter(|(u, _)| self.repeated.is_empty() || self.header_for(*u).is_none())
                .map(|(_, r)| r),
        )
    }

    /// The addresses that repeat one read earlier, in reading order. A list's first copy of a
    /// header address is one of them, and so repeats the header.
    pub fn duplicates(&self) -> impl Iterator<Item = Cow<'_, Duplicate>> {
        let shared = &self.shared.judged;
        let (mut next, mut promoted) = (0, self.repeated.iter().peekable());
        let lists = std::iter::from_fn(move || {
            // A list recipient a header has goes where it was read among the duplicates.
            if let Some(&&(u, j)) = promoted.peek() {
                if shared.duplicates_before[u] as usize <= next {
                    promoted.next();
                    let r = &shared.unique[u];
                    return Some(Cow::Owned(Duplicate {
                        address: r.address.clone(),
                        origin: r.origin.clone(),
                        first: self.own.unique[j].origin.clone(),
                    }));
                }
            }
            let d = shared.duplicates.get(next)?;
            let first = shared.first_of[next];
            next += 1;
            Some(match self.header_for(first) {
                Some(j) => Cow::Owned(Duplicate {
                    first: self.own.unique[j].origin.clone(),
                    ..d.clone()
                }),
                None => Cow::Borrowed(d),
            })
        });
        self.own.duplicates.iter().map(Cow::Borrowed).chain(lists)
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
    pub fn invalid(&self) -> impl Iterator<Item = &Invalid> {
        self.own.invalid.iter().chain(&self.shared.judged.invalid)
    }

    /// The list a recipient was read from, or `None` for the draft's own headers.
    pub fn list_of(&self, recipient: &Recipient) -> Option<&RecipientList> {
        self.lists()
            .iter()
            .find(|l| l.source == recipient.origin.source)
    }

    pub fn len(&self) -> usize {
        self.own.unique.len() + self.shared.judged.unique.len() - self.repeated.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Recipients whose domain is not one of the organisation's; the lists' share is counted
    /// once per run.
    pub fn external_count(&self, org_domains: &[String]) -> usize {
        let external = |r: &Recipient| !is_internal(r.domain(), org_domains);
        let own = self.own.unique.iter().filter(|r| external(r)).count();
        let repeated = self
            .repeated
            .iter()
            .filter(|&&(u, _)| external(&self.shared.judged.unique[u]))
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
