//! The CSV recipient loader (delimiter and column detection, record spans, resyncs).
#![no_main]

use bulklint::model::source::Sources;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the column flag, so `--column` paths are fuzzed too.
    let (column, rest) = match data.split_first() {
        Some((b, rest)) if b % 4 == 1 => (Some("email"), rest),
        Some((b, rest)) if b % 4 == 2 => (Some("E-mail Address"), rest),
        Some((_, rest)) => (None, rest),
        None => (None, data),
    };
    let mut sources = Sources::default();
    if let Ok(list) = bulklint::load::recipients::load(&mut sources, "fuzz.csv", rest.to_vec(), column) {
        let text = &sources.get(list.source).text;
        for e in &list.entries {
            let span = &e.span();
            assert!(span.end <= text.len() && text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{span:?}");
        }
    }
});
