//! Recipient lists in vCard form (`.vcf`, vCard 2.1, 3.0 and 4.0 / RFC 6350): every `EMAIL`
//! property of every card is an entry.

use std::ops::Range;

use crate::load::draft::LoadProblem;
use crate::load::recipients::RecipientList;
use crate::model::error::InputError;
use crate::model::finding::Label;
use crate::model::source::SourceId;

/// Contacts without an address reported one by one; past this, the rest are counted in one problem.
const MAX_CONTACT_PROBLEMS: usize = 50;

/// Problems of any kind listed one by one; past this, the rest are counted in one problem, so a
/// file of nothing but broken cards costs no more than its size to read and report. With the
/// summaries it stays under the number of findings a rule lists, so they are all shown.
const MAX_PROBLEMS: usize = 80;

pub fn parse(source: SourceId, name: &str, text: &str) -> Result<RecipientList, InputError> {
    let _ = name;
    let mut reader = Reader {
        source,
        text,
        list: RecipientList::new(source),
        card: None,
        no_email: 0,
        first_unreported: None,
        stray: 0,
        first_stray: None,
        unlisted: 0,
        first_unlisted: None,
    };
    let bytes = text.as_bytes();
    let mut segments: Vec<Range<usize>> = Vec::new();
    let mut unfolded = String::new();
    let (mut pos, mut line) = (0, 1);
    while pos < text.len() {
        // One logical line: a physical line and the lines folded onto it (starting with a blank).
        let first_line = line;
        segments.clear();
        let (end, next) = physical_line(text, pos);
        segments.push(pos..end);
        pos = next;
        line += 1;
        while pos < text.len() && matches!(bytes[pos], b' ' | b'\t') {
            let (end, next) = physical_line(text, pos);
            segments.push(pos + 1..end);
            pos = next;
            line += 1;
        }
        // vCard 2.1 quoted-printable values continue after a soft line break (a final `=`).
        if is_quoted_printable(&text[segments[0].clone()]) {
            while pos < text.len() && text[segments[segments.len() - 1].clone()].ends_with('=') {
                let last = segments.len() - 1;
                segments[last].end -= 1;
                let (end, next) = physical_line(text, pos);
                segments.push(pos..end);
                pos = next;
                line += 1;
            }
        }
        let logical = if segments.len() == 1 {
            &text[segments[0].clone()]
        } else {
            unfolded.clear();
            for s in &segments {
                unfolded.push_str(&text[s.clone()]);
            }
            unfolded.as_str()
        };
        reader.line(logical, &segments, first_line);
    }
    Ok(reader.finish())
}

/// End (before CR LF or LF) of the physical line at `pos`, and the start of the next one.
fn physical_line(text: &str, pos: usize) -> (usize, usize) {
    match text[pos..].find('\n') {
        Some(i) => {
            let nl = pos + i;
            let end = if nl > pos && text.as_bytes()[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            (end, nl + 1)
        }
        None => (text.len(), text.len()),
    }
}

/// The card being read.
struct Card {
    line: usize,
    span: Range<usize>,
    full_name: Option<String>,
    name: Option<String>,
    emails: usize,
}

struct Reader<'t> {
    source: SourceId,
    /// The file's text, which entries point into.
    text: &'t str,
    list: RecipientList,
    card: Option<Card>,
    /// Contacts without an address, and the first one not reported on its own.
    no_email: usize,
    first_unreported: Option<(usize, Range<usize>)>,
    /// Non-blank lines outside any card, and the first of them.
    stray: usize,
    first_stray: Option<(usize, Range<usize>)>,
    /// Problems past [`MAX_PROBLEMS`], and where the first of them is.
    unlisted: usize,
    first_unlisted: Option<Range<usize>>,
}

impl Reader<'_> {
    fn line(&mut self, logical: &str, segments: &[Range<usize>], line: usize) {
        if logical.trim().is_empty() {
            return;
        }
        let Some(colon) = name_end(logical) else {
            if self.card.is_none() {
                self.stray(segments, line);
            }
            return;
        };
        let params = &logical[..colon];
        let property = params.split(';').next().unwrap_or("").trim();
        let property = property.rsplit('.').next().unwrap_or(property);
        let raw_value = &logical[colon + 1..];
        let value = raw_value.trim();
        let whole = segments[0].start..segments[segments.len() - 1].end;

        if property.eq_ignore_ascii_case("BEGIN") && value.eq_ignore_ascii_case("VCARD") {
            if let Some(open) = self.card.take() {
                self.problem(
                    format!(
                        "BEGIN:VCARD on line {} has no END:VCARD before the next BEGIN:VCARD on line {line}",
                        open.line
                    ),
                    open.span.clone(),
                    "this contact is not closed",
                );
                self.close(open);
            }
            self.card = Some(Card {
                line,
                span: whole,
                full_name: None,
                name: None,
                emails: 0,
            });
            return;
        }
        if property.eq_ignore_ascii_case("END") && value.eq_ignore_ascii_case("VCARD") {
            match self.card.take() {
                Some(card) => self.close(card),
                None => self.problem(
                    format!("END:VCARD on line {line} has no BEGIN:VCARD before it"),
                    whole,
                    "unmatched END:VCARD",
                ),
            }
            return;
        }
        if property.eq_ignore_ascii_case("EMAIL") {
            // Addresses outside a card are still read; the stray structure is reported.
            if self.card.is_none() {
                self.stray(segments, line);
            }
            if value.is_empty() {
                return;
            }
            let start = colon + 1 + (raw_value.len() - raw_value.trim_start().len());
            let end = start + value.len();
            let span = to_text(segments, start)..to_text(segments, end - 1) + 1;
            self.list.push(self.text, value, line, span, None);
            if let Some(card) = &mut self.card {
                card.emails += 1;
            }
            return;
        }
        let Some(card) = &mut self.card else {
            self.stray(segments, line);
            return;
        };
        let decoded;
        let value = if is_quoted_printable(params) {
            decoded = decode_quoted_printable(value);
            decoded.as_str()
        } else {
            value
        };
        if property.eq_ignore_ascii_case("FN") && !value.is_empty() {
            card.full_name = Some(unescape(value));
        } else if property.eq_ignore_ascii_case("N") && card.name.is_none() {
            // Family;Given;Additional;Prefix;Suffix → "Given Family".
            let parts: Vec<&str> = split_unescaped(value);
            let given = parts.get(1).copied().unwrap_or("").trim();
            let family = parts.first().copied().unwrap_or("").trim();
            let name = format!("{} {}", unescape(given), unescape(family));
            let name = name.trim();
            if !name.is_empty() {
                card.name = Some(name.to_string());
            }
        }
    }

    /// A card is done: one without any address is reported.
    fn close(&mut self, card: Card) {
        if card.emails > 0 {
            return;
        }
        self.no_email += 1;
        if self.no_email > MAX_CONTACT_PROBLEMS {
            if self.first_unreported.is_none() {
                self.first_unreported = Some((card.line, card.span));
            }
            return;
        }
        let message = match card.full_name.or(card.name) {
            Some(name) => format!("contact {name} has no email address"),
            None => format!("the contact on line {} has no email address", card.line),
        };
        self.problem(message, card.span, "this contact");
    }

    fn stray(&mut self, segments: &[Range<usize>], line: usize) {
        self.stray += 1;
        if self.first_stray.is_none() {
            self.first_stray = Some((line, segments[0].start..segments[segments.len() - 1].end));
        }
    }

    fn problem(&mut self, message: String, span: Range<usize>, text: &str) {
        if self.list.problems.len() >= MAX_PROBLEMS {
            self.unlisted += 1;
            self.first_unlisted.get_or_insert(span);
            return;
        }
        self.listed_problem(message, span, text);
    }

    /// A problem listed whatever the count: the summaries that close the list.
    fn listed_problem(&mut self, message: String, span: Range<usize>, text: &str) {
        self.list.problems.push(LoadProblem {
            warning: false,
            message,
            label: Some(Label {
                source: self.source,
                span,
                text: text.into(),
            }),
        });
    }

    fn finish(mut self) -> RecipientList {
        if let Some(open) = self.card.take() {
            self.problem(
                format!("BEGIN:VCARD on line {} has no END:VCARD", open.line),
                open.span.clone(),
                "this contact is not closed",
            );
            self.close(open);
        }
        if let Some(span) = self.first_unlisted.take() {
            let n = self.unlisted;
            self.listed_problem(
                format!(
                    "{n} more problem{} in this file, not listed one by one",
                    if n == 1 { "" } else { "s" }
                ),
                span,
                "the first of them",
            );
        }
        if let Some((line, span)) = self.first_unreported.take() {
            let more = self.no_email - MAX_CONTACT_PROBLEMS;
            self.listed_problem(
                format!(
                    "{more} more contact{} no email address",
                    if more == 1 { " has" } else { "s have" }
                ),
                span,
                &format!("the first of them, on line {line}"),
            );
        }
        if let Some((line, span)) = self.first_stray.take() {
            let n = self.stray;
            self.listed_problem(
                format!(
                    "{n} line{} outside BEGIN:VCARD … END:VCARD, the first on line {line}",
                    if n == 1 { " is" } else { "s are" }
                ),
                span,
                "not inside a contact",
            );
        }
        self.list
    }
}

/// The colon ending a property's name and parameters (parameter values may be quoted).
fn name_end(line: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, b) in line.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether a property line's parameters say `ENCODING=QUOTED-PRINTABLE` (vCard 2.1).
fn is_quoted_printable(line: &str) -> bool {
    let params = line.split(':').next().unwrap_or("");
    params.len() >= 16
        && params
            .as_bytes()
            .windows(16)
            .any(|w| w.eq_ignore_ascii_case(b"QUOTED-PRINTABLE"))
}

/// `=C3=89lodie` → `Élodie` (as UTF-8; other charsets come out lossy).
fn decode_quoted_printable(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'=', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Maps a byte offset in the unfolded line to the text.
fn to_text(segments: &[Range<usize>], offset: usize) -> usize {
    let mut before = 0;
    for s in segments {
        if offset < before + s.len() {
            return s.start + (offset - before);
        }
        before += s.len();
    }
    segments.last().map_or(0, |s| s.end)
}

/// `Smith\, Ann` → `Smith, Ann` (RFC 6350 §3.4).
fn unescape(value: &str) -> String {
    if !value.contains('\\') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push(' '),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a structured value on `;` not escaped with a backslash.
fn split_unescaped(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, b) in value.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b';' => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> RecipientList {
        parse(SourceId(0), "contacts.vcf", text).unwrap()
    }

    fn addresses<'a>(text: &'a str, list: &'a RecipientList) -> Vec<&'a str> {
        list.entries.iter().map(|e| list.address(text, e)).collect()
    }

    fn messages(list: &RecipientList) -> Vec<&str> {
        list.problems.iter().map(|p| p.message.as_str()).collect()
    }

    fn assert_spans(text: &str, list: &RecipientList) {
        for e in &list.entries {
            assert_eq!(&text[e.span()], list.address(text, e), "{e:?}");
        }
    }

    #[test]
    fn reads_every_email_property() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Smith\r\nEMAIL;TYPE=INTERNET:ann@example.com\r\n\
                    item1.EMAIL;type=INTERNET;type=pref: ann@work.example \r\nitem1.X-ABLabel:Work\r\nEND:VCARD\r\n\
                    begin:vcard\nversion:2.1\nN:Roy;Bob\nemail;internet:bob@example.com\nend:vcard\n";
        let list = load(text);
        assert_eq!(
            addresses(text, &list),
            ["ann@example.com", "ann@work.example", "bob@example.com"]
        );
        assert_eq!(
            list.entries.iter().map(|e| e.line()).collect::<Vec<_>>(),
            [4, 5, 11]
        );
        assert_spans(text, &list);
        assert!(list.problems.is_empty(), "{:?}", messages(&list));
        assert!(list.column.is_none() && !list.has_consent_columns);
    }

    #[test]
    fn folded_lines_are_unfolded() {
        let text = "BEGIN:VCARD\nVERSION:4.0\nFN:Ann\n Smith\nEMAIL;TYPE=work;\n PREF=1:ann@example.com\nEMAIL:cy@exa\r\n\tmple.com\nEND:VCARD\nBEGIN:VCARD\nFN:No\n  Mail\nEND:VCARD\n";
        let list = load(text);
        assert_eq!(
            addresses(text, &list),
            ["ann@example.com", "cy@example.com"]
        );
        assert_eq!(&text[list.entries[0].span()], "ann@example.com");
        assert_eq!(list.entries[0].line(), 5);
        // An address folded in two spans the fold.
        assert_eq!(&text[list.entries[1].span()], "cy@exa\r\n\tmple.com");
        assert_eq!(messages(&list), ["contact No Mail has no email address"]);
    }

    #[test]
    fn contact_without_email_is_a_problem_at_its_begin_line() {
        let text = "BEGIN:VCARD\nFN:Ann Smith\nEMAIL:ann@example.com\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Dan\\, the baker\nTEL:555-0100\nEND:VCARD\nBEGIN:VCARD\nN:Roy;Bob;;;\nEMAIL:\nEND:VCARD\nBEGIN:VCARD\nTEL:1\nEND:VCARD\n";
        let list = load(text);
        assert_eq!(addresses(text, &list), ["ann@example.com"]);
        assert_eq!(
            messages(&list),
            [
                "contact Dan, the baker has no email address",
                "contact Bob Roy has no email address",
                "the contact on line 14 has no email address",
            ]
        );
        let label = list.problems[0].label.as_ref().unwrap();
        assert_eq!(&text[label.span.clone()], "BEGIN:VCARD");
        assert_eq!(label.span.start, text.find("BEGIN:VCARD\nVERSION").unwrap());
    }

    #[test]
    fn problems_past_the_cap_are_counted() {
        let text = "BEGIN:VCARD\n".repeat(5000);
        let list = parse(SourceId(0), "x.vcf", &text).unwrap();
        assert_eq!(
            list.problems.len(),
            MAX_PROBLEMS + 2,
            "{:?}",
            messages(&list)
        );
        // 40 cards listed twice each (not closed, no address); the other 4,960 unclosed cards
        // and 10 more without an address counted in one problem, the rest without an address
        // in another.
        assert_eq!(
            list.problems[MAX_PROBLEMS].message,
            "4970 more problems in this file, not listed one by one"
        );
        assert_eq!(
            list.problems[MAX_PROBLEMS + 1].message,
            "4950 more contacts have no email address"
        );
    }

    #[test]
    fn unbalanced_begin_and_end_are_problems() {
        let text = "BEGIN:VCARD\nFN:Ann\nEMAIL:ann@example.com\nBEGIN:VCARD\nFN:Bob\nEMAIL:bob@example.com\nEND:VCARD\nEND:VCARD\nBEGIN:VCARD\nEMAIL:cy@example.com\n";
        let list = load(text);
        assert_eq!(
            addresses(text, &list),
            ["ann@example.com", "bob@example.com", "cy@example.com"]
        );
        assert_eq!(
            messages(&list),
            [
                "BEGIN:VCARD on line 1 has no END:VCARD before the next BEGIN:VCARD on line 4",
                "END:VCARD on line 8 has no BEGIN:VCARD before it",
                "BEGIN:VCARD on line 9 has no END:VCARD",
            ]
        );
        for p in &list.problems {
            assert!(p.label.is_some());
        }
    }

    #[test]
    fn text_outside_cards_is_reported_once() {
        let text =
            "hello\nEMAIL:stray@example.com\nBEGIN:VCARD\nEMAIL:ann@example.com\nEND:VCARD\n";
        let list = load(text);
        assert_eq!(
            addresses(text, &list),
            ["stray@example.com", "ann@example.com"]
        );
        assert_eq!(
            messages(&list),
            ["2 lines are outside BEGIN:VCARD … END:VCARD, the first on line 1"]
        );
    }

    #[test]
    fn vcard_21_quoted_printable_names() {
        let text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Tremblay;=C3=89lodie;;;\r\n\
                    FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=89lodie=20Trem=\r\nblay=20:=20bakery\r\n\
                    TEL;CELL:555-0100\r\nEND:VCARD\r\nBEGIN:VCARD\r\nEMAIL;INTERNET:ann@example.com\r\nEND:VCARD\r\n";
        let list = load(text);
        assert_eq!(addresses(text, &list), ["ann@example.com"]);
        assert_eq!(list.entries[0].line(), 9);
        assert_eq!(
            messages(&list),
            ["contact Élodie Tremblay : bakery has no email address"]
        );
    }

    #[test]
    fn empty_file() {
        let list = load("");
        assert!(list.entries.is_empty() && list.problems.is_empty());
    }

    #[test]
    fn ez_vcard_gmail_list() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/recipients/ez-vcard/gmail-list.vcf"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let list = load(&text);
        assert_eq!(
            addresses(&text, &list),
            [
                "asmithk@gmail.com",
                "chrisy55d@yahoo.com",
                "dwhite@gmail.com"
            ]
        );
        assert_eq!(
            list.entries.iter().map(|e| e.line()).collect::<Vec<_>>(),
            [5, 11, 17]
        );
        assert_spans(&text, &list);
        assert!(list.problems.is_empty(), "{:?}", messages(&list));
    }
}
