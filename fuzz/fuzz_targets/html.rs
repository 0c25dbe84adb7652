//! The HTML parser: html5ever's tokenizer plus the forward cursor that finds each token's span.
#![no_main]

use bulklint::model::source::SourceId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    // Parse a slice standing at byte 1 of a larger text, as a MIME part does.
    let whole = format!("é{html}ü");
    let base = 'é'.len_utf8();
    let doc = bulklint::load::draft::html::parse(SourceId(0), &whole[base..base + html.len()], base);
    let range = base..base + html.len();
    let spans = doc.links.iter().map(|l| &l.span)
        .chain(doc.images.iter().map(|i| &i.span))
        .chain(doc.texts.iter().map(|t| &t.span));
    for span in spans {
        assert!(span.start <= span.end && span.start >= range.start && span.end <= range.end, "{span:?} outside {range:?}");
        assert!(whole.is_char_boundary(span.start) && whole.is_char_boundary(span.end), "{span:?} splits a char");
    }
});
