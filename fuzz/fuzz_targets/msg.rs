//! The Outlook .msg loader: the compound-file container, property streams, LZFu-compressed RTF
//! and the HTML de-encapsulated from it. Also the LZFu decoder and RTF reader on raw bytes,
//! since a real .msg only reaches them after a valid container.
#![no_main]

use bulklint::model::source::Sources;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::default();
    if let Ok(draft) = bulklint::load::draft::msg::load(&mut sources, "fuzz.msg", data) {
        let text = &sources.get(draft.source).text;
        for h in &draft.headers {
            assert!(h.span.end <= text.len() && text.is_char_boundary(h.span.start) && text.is_char_boundary(h.span.end));
        }
    }
    if let Ok(rtf) = bulklint::load::draft::msg::decompress_rtf(data) {
        let _ = bulklint::load::draft::msg::rtf_body(&rtf);
    }
    let _ = bulklint::load::draft::msg::rtf_body(data);
});
