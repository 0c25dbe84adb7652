//! Cells a spreadsheet would run as a formula (CSV injection): Excel, LibreOffice and Google
//! Sheets evaluate a cell that starts with `=`, `+`, `-` or `@`, and a leading tab or carriage
//! return hides such a start from a naive check. OWASP's advice, followed here: prefix `'`.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula when it starts with one.
pub const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet would read `cell` as a formula.
pub fn is_formula(cell: &str) -> bool {
    cell.starts_with(FORMULA_STARTS)
}

/// `cell` as it is safe to write into a CSV meant for a spreadsheet or an import: a formula
/// start gets a `'` in front, which spreadsheets show as text and do not run.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if is_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_prefixed_and_the_rest_left_alone() {
        for cell in ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\t=x", "\r=x"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
        for cell in ["", "ann@example.com", "O'Brien", " =x", "1-2"] {
            assert!(matches!(neutralise(cell), Cow::Borrowed(c) if c == cell));
        }
    }
}
