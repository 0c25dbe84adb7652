//! Near-duplicate body signatures: MinHash over word 3-gram shingles of the normalised body, so
//! a newsletter with a changed greeting, date or edited sentence still counts as the same body.
//!
//! Why MinHash rather than SimHash: both compress a body into a small signature, but they
//! estimate different things. MinHash estimates the Jaccard similarity of the two shingle sets
//! ("80 % of the three-word phrases are shared"), with a known error (±0.04 at 128 values), so
//! the threshold in `rules/identical-body.toml` means something a person can reason about and
//! tune. SimHash (Charikar) compresses a weighted feature vector into 64 bits compared by Hamming
//! distance; it shines at finding *very* close duplicates among billions of documents with
//! bit-permutation tables, but one edited sentence in a short newsletter flips an unpredictable
//! number of bits, and "at most 3 differing bits" does not translate into a similarity anyone can
//! judge. The ledger compares a body with at most a day's sends, so SimHash's compact index buys
//! nothing here. Receiving filters work the same way: rspamd's `fuzzy_check` matches word-trigram
//! shingles (reference/domain-facts.md §6).
//!
//! The signature is stable across versions and platforms (BLAKE3 of each shingle, then fixed
//! seeded mixes), because the send ledger stores it and compares it with later sends.

use crate::mailing::fingerprint;

/// Values per signature. 128 gives a standard error of at most 0.044 on the similarity
/// estimate (√(J(1−J)/k)), tight enough around a 0.7 threshold; a signature is 512 bytes.
pub const SIGNATURE_LEN: usize = 128;

/// Words per shingle: three-word phrases, as rspamd's fuzzy hashes use.
const SHINGLE_WORDS: usize = 3;

/// A MinHash signature of a body.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Signature(pub [u32; SIGNATURE_LEN]);

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({:08x}{:08x}…)", self.0[0], self.0[1])
    }
}

impl Signature {
    /// The estimated Jaccard similarity of the two bodies' shingle sets, 0.0 to 1.0.
    pub fn similarity(&self, other: &Signature) -> f64 {
        let same = self
            .0
            .iter()
            .zip(other.0.iter())
            .filter(|(a, b)| a == b)
            .count();
        same as f64 / SIGNATURE_LEN as f64
    }

    /// Little-endian bytes, as the ledger stores them.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Reads what [`Signature::to_bytes`] wrote; `None` for a blob of the wrong length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Signature> {
        if bytes.len() != SIGNATURE_LEN * 4 {
            return None;
        }
        let mut values = [0u32; SIGNATURE_LEN];
        for (v, chunk) in values.iter_mut().zip(bytes.chunks_exact(4)) {
            *v = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        Some(Signature(values))
    }
}

/// The signature of a body, or `None` when it has no words.
pub fn signature(body: &str) -> Option<Signature> {
    let words = words(body);
    if words.is_empty() {
        return None;
    }
    let mut mins = [u32::MAX; SIGNATURE_LEN];
    let width = SHINGLE_WORDS.min(words.len());
    for shingle in words.windows(width) {
        let mut hasher = blake3::Hasher::new();
        for w in shingle {
            hasher.update(w.as_bytes());
            // A separator no word contains, so ("ab", "c") and ("a", "bc") differ.
            hasher.update(&[0x1f]);
        }
        let digest = hasher.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest.as_bytes()[..8]);
        let base = u64::from_le_bytes(first);
        for (min, seed) in mins.iter_mut().zip(SEEDS.iter()) {
            // splitmix64's finaliser is a bijection, so each seed orders the shingles by an
            // independent-looking permutation; the high half is the value kept.
            let v = (mix(base ^ seed) >> 32) as u32;
            if v < *min {
                *min = v;
            }
        }
    }
    Some(Signature(mins))
}

/// The words shingled: the exact fingerprint's normalisation (merge tags and greeting line
/// dropped, lower-cased), then punctuation trimmed from each word and every run of digits
/// written as `#`, so "March 5" and "March 12", or "$19.99" and "$24.99", are the same phrase.
fn words(body: &str) -> Vec<String> {
    fingerprint::normalize(body)
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut out = String::with_capacity(w.len());
            let mut in_digits = false;
            for c in w.chars() {
                if c.is_ascii_digit() {
                    if !in_digits {
                        out.push('#');
                    }
                    in_digits = true;
                } else {
                    in_digits = false;
                    out.push(c);
                }
            }
            out
        })
        .collect()
}

const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One seed per value, from splitmix64 started at a fixed constant: never change it, or stored
/// signatures stop matching new ones.
const SEEDS: [u64; SIGNATURE_LEN] = {
    let mut seeds = [0u64; SIGNATURE_LEN];
    let mut state: u64 = 0x6275_6c6b_6c69_6e74; // "bulklint"
    let mut i = 0;
    while i < SIGNATURE_LEN {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        seeds[i] = mix(state);
        i += 1;
    }
    seeds
};

#[cfg(test)]
mod tests {
    use super::*;

    const SPRING: &str = "Hi Ann,\n\
        Our spring specials are here! From Monday 3 March every loaf of sourdough is 20% off, \
        and our new rye with caraway seeds joins the morning bake. The café corner reopens with \
        fresh coffee from a roaster down the street, and the kids' baking class starts again on \
        Saturday mornings at ten. Come early: the cinnamon buns sell out before nine most days. \
        Thank you for being a loyal customer of the Corner Bakery for all these years.\n\
        Corner Bakery, 12 Main Street, Springfield. Reply to this email to stop receiving our news.";

    #[test]
    fn a_changed_greeting_date_and_one_edited_sentence_still_match() {
        let a = signature(SPRING).unwrap();
        let greeting = SPRING.replacen("Hi Ann,", "Dear Mr. Robert Smith,", 1);
        let b = signature(&greeting).unwrap();
        assert!(a.similarity(&b) > 0.95, "{}", a.similarity(&b));
        let edited = SPRING
            .replace("Monday 3 March", "Tuesday 11 March")
            .replace(
                "the cinnamon buns sell out before nine most days",
                "the cinnamon buns are usually gone by nine",
            );
        let c = signature(&edited).unwrap();
        let s = a.similarity(&c);
        assert!(s >= 0.7, "edited copy similarity {s}");
    }

    #[test]
    fn a_different_newsletter_with_the_same_footer_does_not_match() {
        let other = "Hi Ann,\n\
            Summer is coming and so is our ice-cream counter. Every Friday in June we serve \
            gelato made with berries from the farm on Route 9, and the terrace stays open until \
            eight in the evening. Bring your friends to the tasting night on the last Thursday \
            of the month; tickets are at the counter.\n\
            Corner Bakery, 12 Main Street, Springfield. Reply to this email to stop receiving our news.";
        let a = signature(SPRING).unwrap();
        let b = signature(other).unwrap();
        assert!(a.similarity(&b) < 0.4, "{}", a.similarity(&b));
    }

    #[test]
    fn signatures_are_stable_and_round_trip() {
        let a = signature("one two three four").unwrap();
        assert_eq!(Signature::from_bytes(&a.to_bytes()), Some(a.clone()));
        assert!(Signature::from_bytes(&[0; 3]).is_none());
        // Pinned so a change to the hashing, which would orphan stored signatures, fails here.
        assert_eq!(a.0[0], signature("One  two three, four!").unwrap().0[0]);
        assert_eq!(a.0[0], PINNED_FIRST, "{:#010x}", a.0[0]);
        assert!(signature("  \n ").is_none());
        let one_word = signature("Sale")
            .unwrap()
            .similarity(&signature("sale!").unwrap());
        assert!((one_word - 1.0).abs() < f64::EPSILON);
    }

    /// The first value of the signature of "one two three four", computed once.
    const PINNED_FIRST: u32 = 0x125b_1258;
}
