//! The whole library check: a draft (sniffed as message, HTML or text by its bytes and name)
//! and, after a `\0\0LIST\0\0` separator, a recipient list; every rule runs.
#![no_main]

mod common;

use bulklint::{Input, Options};
use libfuzzer_sys::fuzz_target;

const SEPARATOR: &[u8] = b"\0\0LIST\0\0";

fuzz_target!(|data: &[u8]| {
    let (selector, data) = match data.split_first() {
        Some((&b, rest)) => (b, rest),
        None => (0, data),
    };
    let (draft, list) = match data.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        Some(at) => (&data[..at], Some(&data[at + SEPARATOR.len()..])),
        None => (data, None),
    };
    let draft_name = ["fuzz.eml", "fuzz.html", "fuzz.txt"][usize::from(selector % 3)];
    let list_name = ["list.csv", "list.vcf", "list.txt"][usize::from(selector / 3 % 3)];
    let lists = list
        .map(|bytes| Input { name: list_name.into(), bytes: bytes.to_vec() })
        .into_iter()
        .collect();
    let input = Input { name: draft_name.into(), bytes: draft.to_vec() };
    if let Ok(outcome) = bulklint::check(input, lists, &Options::default()) {
        common::assert_labels_in_bounds(&outcome);
    }
});
