//! The .eml loader (mail-parser, the MIME depth guard, header spans, part placement).
#![no_main]

use bulklint::model::source::Sources;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::default();
    if let Ok(draft) = bulklint::load::draft::eml::load(&mut sources, "fuzz.eml", data.to_vec()) {
        let text = &sources.get(draft.source).text;
        for h in &draft.headers {
            assert!(h.span.end <= text.len() && text.is_char_boundary(h.span.start) && text.is_char_boundary(h.span.end));
        }
        for r in &draft.recipients {
            assert!(r.span.end <= text.len() && text.is_char_boundary(r.span.start) && text.is_char_boundary(r.span.end));
        }
    }
});
