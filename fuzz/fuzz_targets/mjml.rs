//! The MJML loader: mrml's parser and renderer, and the mapping of rendered spans back to the
//! lines of the .mjml source.
#![no_main]

mod common;

use bulklint::{Input, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Always an MJML document at the top, so the fuzzer spends its time inside it.
    let mut bytes = b"<mjml><mj-body>".to_vec();
    bytes.extend_from_slice(data);
    let input = Input { name: "fuzz.mjml".into(), bytes };
    if let Ok(outcome) = bulklint::check(input, Vec::new(), &Options::default()) {
        common::assert_labels_in_bounds(&outcome);
    }
});
