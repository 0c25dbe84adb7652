//! What every target asserts besides "no panic": each finding's labels lie inside their source
//! and on char boundaries.

use bulklint::Outcome;

pub fn assert_labels_in_bounds(outcome: &Outcome) {
    for f in &outcome.findings {
        for label in &f.labels {
            let text = &outcome.send.sources.get(label.source).text;
            let span = &label.span;
            assert!(span.start <= span.end && span.end <= text.len(), "{} label {span:?} outside {} bytes", f.rule, text.len());
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{} label {span:?} splits a char", f.rule);
        }
    }
}
