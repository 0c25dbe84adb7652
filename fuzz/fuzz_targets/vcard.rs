//! The vCard recipient loader (unfolding, quoted-printable, BEGIN/END pairing).
#![no_main]

use bulklint::model::source::Sources;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::default();
    if let Ok(list) = bulklint::load::recipients::load(&mut sources, "fuzz.vcf", data.to_vec(), None) {
        let text = &sources.get(list.source).text;
        for e in &list.entries {
            let span = &e.span();
            assert!(span.end <= text.len() && text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{span:?}");
        }
    }
});
