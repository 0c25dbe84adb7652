//! DFAs that build.rs compiled and serialised (sender identification's patterns, the merge-tag
//! dialects' insides), read in place from the binary: compiling the patterns at run time was
//! most of a cold check's time.

use regex_automata::dfa::{dense, sparse, Automaton};
use regex_automata::Input;

/// A serialised DFA of build.rs, read where it lies in the binary.
pub type Dfa = sparse::DFA<&'static [u8]>;

/// A dense DFA of build.rs (a small pattern's: one table lookup per byte), read in place.
pub type DenseDfa = dense::DFA<&'static [u32]>;

/// Reads a DFA build.rs serialised. `what` names it in the panic of a build defect.
pub fn load(bytes: &'static [u8], what: &str) -> Dfa {
    // SAFETY: the bytes are a sparse DFA that build.rs serialised, for this target's byte order,
    // with the regex-automata this crate links (one version in Cargo.lock), embedded unchanged.
    // `from_bytes` would validate every transition first: for the largest DFA (7 MB) that took
    // longer than a whole check. The test `every_embedded_dfa_is_valid` runs that validation on
    // every one instead; the header (label, byte order, version) is still checked here.
    unsafe { sparse::DFA::from_bytes_unchecked(bytes) }
        .unwrap_or_else(|e| panic!("{what}: the DFA built with the binary does not load: {e}"))
        .0
}

/// Reads a dense DFA build.rs serialised and embedded 4-byte aligned, as [`load`] does.
pub fn load_dense(bytes: &'static [u8], what: &str) -> DenseDfa {
    // SAFETY: as for `load`: the bytes are a dense DFA build.rs serialised for this target's
    // byte order with the regex-automata this crate links, embedded unchanged at a 4-byte
    // boundary; `every_dfa_is_valid` validates them in full. The header is still checked here.
    unsafe { dense::DFA::from_bytes_unchecked(bytes) }
        .unwrap_or_else(|e| panic!("{what}: the DFA built with the binary does not load: {e}"))
        .0
}

/// Whether any pattern of the DFA's set matches somewhere in `text`.
pub fn is_match(dfa: &Dfa, text: &str) -> bool {
    // The DFAs are built without Unicode word boundaries, so a search never quits.
    dfa.try_search_fwd(&Input::new(text).earliest(true))
        .is_ok_and(|m| m.is_some())
}

/// The merge-tag dialects' `inside` and `not-inside` sets, by dialect id.
pub mod merge_tags {
    include!(concat!(env!("OUT_DIR"), "/merge_tag_dfas.rs"));
}

/// The files the tests compare the DFAs' answers on with the patterns': the fixtures, the
/// accuracy cases and, when it is beside the checkout, the shared corpus; sorted.
#[cfg(test)]
pub(crate) fn sample_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<std::path::PathBuf> = [
        "tests/fixtures",
        "tests/accuracy/cases",
        "../shared/corpus/eml",
        "../shared/corpus/templates",
    ]
    .iter()
    .filter(|dir| root.join(dir).is_dir())
    .flat_map(|dir| {
        ignore::WalkBuilder::new(root.join(dir))
            .standard_filters(false)
            .build()
    })
    .filter_map(Result::ok)
    .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
    .map(ignore::DirEntry::into_path)
    .collect();
    paths.sort();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dialects' DFAs answer as the regex sets compiled from the same patterns at run time
    /// did, over every line, every word and every text between a dialect's delimiters of the
    /// fixtures, the accuracy cases and (when it is there) the shared corpus.
    #[test]
    fn merge_tag_dfas_match_as_the_patterns_do() {
        let file: serde_json::Value =
            serde_json::from_str(crate::data::embedded::embedded!("merge-tags")).unwrap();
        let strings = |d: &serde_json::Value, key: &str| -> Vec<String> {
            d.get(key)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        // Id, opener, closer, inside, not-inside.
        type Dialect = (String, String, String, Vec<String>, Vec<String>);
        let dialects: Vec<Dialect> = file["dialect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let text = |key: &str| d[key].as_str().unwrap().to_string();
                (
                    text("id"),
                    text("open"),
                    text("close"),
                    strings(d, "inside"),
                    strings(d, "not-inside"),
                )
            })
            .collect();
        let texts: Vec<String> = sample_files()
            .iter()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect();
        let mut pieces: Vec<&str> = Vec::new();
        for text in &texts {
            pieces.extend(text.lines());
            pieces.extend(text.split_whitespace());
            for (_, open, close, _, _) in &dialects {
                pieces.extend(
                    text.split(open.as_str())
                        .skip(1)
                        .filter_map(|after| after.find(close.as_str()).map(|end| &after[..end])),
                );
            }
        }
        assert!(pieces.len() > 100_000, "only {} pieces", pieces.len());
        let mut matched = 0;
        for (id, _, _, inside_patterns, not_inside_patterns) in &dialects {
            let (_, inside, not_inside) = merge_tags::INSIDES
                .iter()
                .find(|(dfa_id, _, _)| dfa_id == id)
                .unwrap();
            for (bytes, patterns) in [(inside, inside_patterns), (not_inside, not_inside_patterns)]
            {
                let dfa = load(bytes, id);
                let set = regex::RegexSet::new(patterns).unwrap();
                for piece in &pieces {
                    let expected = set.is_match(piece);
                    assert_eq!(is_match(&dfa, piece), expected, "{id}: {piece:?}");
                    matched += usize::from(expected);
                }
            }
        }
        assert!(matched > 1000, "only {matched} matches");
    }

    /// The check [`load`] skips.
    #[test]
    fn every_embedded_dfa_is_valid() {
        for (id, inside, not_inside) in merge_tags::INSIDES {
            for bytes in [inside, not_inside] {
                if let Err(e) = sparse::DFA::from_bytes(bytes) {
                    panic!("merge-tag dialect {id}: {e}");
                }
            }
        }
    }
}
