//! Recipient lists in CSV form: Mailchimp, Outlook and Google Contacts exports, or any CSV with
//! an address column.
//!
//! Records are streamed with the `csv` crate over the source text itself; every span is found in
//! the raw bytes of its record, so labels point at the address exactly as written.

use std::ops::Range;

use csv::{ReaderBuilder, StringRecord};

use crate::load::draft::LoadProblem;
use crate::load::recipients::{Column, Consent, RecipientList};
use crate::model::error::InputError;
use crate::model::finding::Label;
use crate::model::format::excerpt;
use crate::model::source::SourceId;

/// Header names (lower-cased) of a lone address column.
const GENERIC: &[&str] = &[
    "email",
    "e-mail",
    "mail",
    "email address",
    "e-mail address",
    "courriel",
    "adresse courriel",
    "email_address",
    "emailaddress",
];

/// Columns only Mailchimp audience exports have.
const MAILCHIMP_MARKERS: &[&str] = &[
    "member_rating",
    "optin_time",
    "optin_ip",
    "confirm_time",
    "confirm_ip",
    "last_changed",
    "leid",
    "euid",
];

/// Columns of an Outlook contacts export besides the `E-mail N Address` ones.
const OUTLOOK_MARKERS: &[&str] = &[
    "e-mail type",
    "e-mail display name",
    "business phone",
    "home phone",
    "mobile phone",
    "business street",
];

const CONSENT_KIND: &[&str] = &["consent", "consent_type", "consent type", "consent-type"];
const CONSENT_DATE: &[&str] = &[
    "consent_date",
    "consent date",
    "consent-date",
    "opt-in date",
    "optin date",
    "optin_date",
    "opt-in_date",
];

/// Rows without an address reported one by one; past this, the rest are counted in one problem.
/// With that summary and the file's other problems it stays under the number of findings a rule
/// lists (100), so the count is shown rather than folded into "more findings".
const MAX_ROW_PROBLEMS: usize = 80;

pub fn parse(
    source: SourceId,
    name: &str,
    text: &str,
    column: Option<&str>,
) -> Result<RecipientList, InputError> {
    let delimiter = detect_delimiter(text);
    let mut list = RecipientList::new(source);
    let mut records = Records::new(source, text, delimiter);

    // The first record: the header row, or the first data row of a header-less list.
    let first = loop {
        match records.next() {
            Next::Record(at) => break Some(at),
            Next::Problem(p) => list.problems.push(p),
            Next::End => break None,
        }
    };
    let Some(first) = first else {
        if let Some(wanted) = column {
            return Err(InputError::new(
                name,
                format!(
                    "no column `{}`: the file has no header row (it is empty)",
                    wanted.trim()
                ),
            )
            .at_line(1));
        }
        return Ok(list);
    };
    let mut raw = Vec::new();
    raw_fields(
        text.as_bytes(),
        first.start..first.end,
        delimiter,
        usize::MAX,
        &mut raw,
    );
    let header: Vec<String> = records
        .record
        .iter()
        .map(|c| c.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let layout = Layout::choose(name, text, &header, &raw, first.line, column)?;
    let Layout {
        address,
        column: chosen,
        header_row,
        consent,
    } = layout;
    list.has_consent_columns = consent.any();
    // One entry a line is the common case: reserve once instead of growing a large list.
    list.entries
        .reserve(text.as_bytes().iter().filter(|&&b| b == b'\n').count() + 1);
    list.column = Some(chosen);

    let mut rows = Rows {
        source,
        text,
        delimiter,
        address: &address,
        column_names: address_names(&address, &header, header_row),
        consent: &consent,
        raw,
        missing: 0,
        first_missing: None,
        width: header_row.then_some(header.len()),
    };
    if !header_row {
        rows.row(&records.record, &first, &mut list);
    }
    loop {
        match records.next() {
            Next::Record(at) => rows.row(&records.record, &at, &mut list),
            Next::Problem(p) => list.problems.push(p),
            Next::End => break,
        }
    }
    if let Some((line, span)) = rows.first_missing.take() {
        let more = rows.missing - MAX_ROW_PROBLEMS;
        list.problems.push(LoadProblem {
            warning: true,
            message: format!(
                "{more} more row{} {} no address in {}",
                if more == 1 { "" } else { "s" },
                if more == 1 { "has" } else { "have" },
                rows.column_names
            ),
            label: Some(Label {
                source,
                span,
                text: format!("the first of them, on line {line}"),
            }),
        });
    }
    Ok(list)
}

/// Whether a list without a telling extension is CSV (a header row with a separator).
pub fn looks_like_csv(text: &str) -> bool {
    let Some(line) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    if is_single_address(line) {
        return false;
    }
    let counts = count_delimiters(line);
    counts.iter().any(|&n| n > 0)
}

/// `Ann Smith <ann@example.com>` or `"Smith, Ann" <ann@example.com>`: one address, not a row.
fn is_single_address(line: &str) -> bool {
    let Some(inner) = line.strip_suffix('>') else {
        return false;
    };
    let Some(open) = inner.rfind('<') else {
        return false;
    };
    let display = &inner[..open];
    let addr = &inner[open + 1..];
    if !addr.contains('@') || display.contains('<') || display.contains('>') {
        return false;
    }
    let display = display.trim();
    // A quoted display name may hold anything; an unquoted one holds no tab or semicolon.
    (display.len() >= 2 && display.starts_with('"') && display.ends_with('"'))
        || !(display.contains('\t') || display.contains(';') || display.contains('"'))
}

/// Occurrences of comma, semicolon and tab outside double quotes.
fn count_delimiters(line: &str) -> [usize; 3] {
    let mut counts = [0; 3];
    let mut quoted = false;
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    counts
}

/// The delimiter most used in the first non-blank line, outside quotes (comma when none is).
pub fn detect_delimiter(text: &str) -> u8 {
    let Some(line) = text.lines().find(|l| !l.trim().is_empty()) else {
        return b',';
    };
    let counts = count_delimiters(line);
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    [b',', b';', b'\t'][best]
}

/// Which columns hold addresses and consent, and how they were chosen.
struct Layout {
    address: Vec<usize>,
    column: Column,
    /// False when the first record is already data.
    header_row: bool,
    consent: ConsentColumns,
}

impl Layout {
    fn choose(
        name: &str,
        text: &str,
        header: &[String],
        raw: &[Range<usize>],
        line: usize,
        wanted: Option<&str>,
    ) -> Result<Layout, InputError> {
        let lower: Vec<String> = header.iter().map(|h| h.to_lowercase()).collect();
        let cell_span = |i: usize| {
            let field = raw.get(i).cloned().unwrap_or(0..0);
            locate(text, field.clone(), &header[i]).unwrap_or_else(|| inner(text, field))
        };
        let make = |cols: Vec<usize>, reason: &str| {
            let first = cols[0];
            Layout {
                column: Column {
                    name: header[first].clone(),
                    span: cell_span(first),
                    reason: reason.to_string(),
                },
                address: cols,
                header_row: true,
                consent: ConsentColumns::find(&lower),
            }
        };

        if let Some(wanted) = wanted {
            let key = wanted.trim().to_lowercase();
            return match lower.iter().position(|h| *h == key) {
                Some(i) => Ok(make(vec![i], "set with --column")),
                None => Err(InputError::new(
                    name,
                    format!(
                        "no column `{}` in the header row; its columns are {}",
                        wanted.trim(),
                        list_names(header)
                    ),
                )
                .at_line(line)),
            };
        }

        let google: Vec<usize> = (0..lower.len())
            .filter(|&i| is_numbered(&lower[i], " - value"))
            .collect();
        if !google.is_empty() {
            return Ok(make(google, "Google Contacts export"));
        }
        let outlook: Vec<usize> = (0..lower.len())
            .filter(|&i| lower[i] == "e-mail address" || is_numbered(&lower[i], " address"))
            .collect();
        let outlook_shaped = lower
            .iter()
            .any(|h| is_numbered(h, " address") || OUTLOOK_MARKERS.contains(&h.as_str()));
        if !outlook.is_empty() && outlook_shaped {
            return Ok(make(outlook, "Outlook contacts export"));
        }
        if let Some(i) = lower.iter().position(|h| h == "email address") {
            if lower
                .iter()
                .any(|h| MAILCHIMP_MARKERS.contains(&h.as_str()))
            {
                return Ok(make(vec![i], "Mailchimp export"));
            }
        }
        if let Some(i) = lower.iter().position(|h| GENERIC.contains(&h.as_str())) {
            return Ok(make(vec![i], "generic email column"));
        }

        // No header row: the first row is data if one of its cells holds an address.
        // Every column whose first cell looks like an address is read (or the first holding an `@`).
        let mut cols: Vec<usize> = (0..header.len())
            .filter(|&i| looks_like_address(&header[i]))
            .collect();
        if cols.is_empty() {
            cols.extend(header.iter().position(|h| h.contains('@')));
        }
        if let Some(&i) = cols.first() {
            return Ok(Layout {
                address: cols,
                column: Column {
                    name: format!("column {}", i + 1),
                    span: cell_span(i),
                    reason: "no header row; the column holding addresses".into(),
                },
                header_row: false,
                consent: ConsentColumns::default(),
            });
        }
        Err(InputError::new(
            name,
            format!(
                "no address column found in the header row ({}); name the column holding addresses with --column",
                list_names(header)
            ),
        )
        .at_line(line))
    }
}

/// `e-mail 2 address` (suffix ` address`) or `e-mail 1 - value` (suffix ` - value`).
fn is_numbered(lower: &str, suffix: &str) -> bool {
    lower
        .strip_prefix("e-mail ")
        .and_then(|rest| rest.strip_suffix(suffix))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The most characters of one header name quoted in a message.
const NAME_CHARS: usize = 60;

/// Header names for a message, at most 30 of them.
fn list_names(header: &[String]) -> String {
    const SHOWN: usize = 30;
    if header.iter().all(|h| h.is_empty()) {
        return "none (the first row is empty)".into();
    }
    let mut out = header
        .iter()
        .take(SHOWN)
        .map(|h| format!("`{}`", excerpt(h, NAME_CHARS)))
        .collect::<Vec<_>>()
        .join(", ");
    if header.len() > SHOWN {
        out.push_str(&format!(" and {} more", header.len() - SHOWN));
    }
    out
}

/// "column `Email`" or "columns `E-mail Address`, `E-mail 2 Address` or `E-mail 3 Address`".
/// Without a header row, columns are named by position: "column 2" or "columns 2 or 3".
fn address_names(address: &[usize], header: &[String], header_row: bool) -> String {
    let names: Vec<String> = address
        .iter()
        .map(|&i| match header_row {
            true => format!(
                "`{}`",
                excerpt(header.get(i).map_or("", String::as_str), NAME_CHARS)
            ),
            false => (i + 1).to_string(),
        })
        .collect();
    match names.as_slice() {
        [one] => format!("column {one}"),
        [init @ .., last] => format!("columns {} or {last}", init.join(", ")),
        [] => "the address column".into(),
    }
}

/// `ann@example.com`: an `@` with something either side and no blank.
fn looks_like_address(cell: &str) -> bool {
    cell.rsplit_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !cell.contains(char::is_whitespace)
    })
}

/// The consent columns a list has, by index.
#[derive(Default)]
struct ConsentColumns {
    kind: Option<usize>,
    date: Option<usize>,
    optin_time: Option<usize>,
    confirm_time: Option<usize>,
}

impl ConsentColumns {
    fn find(lower: &[String]) -> Self {
        let find = |names: &[&str]| lower.iter().position(|h| names.contains(&h.as_str()));
        ConsentColumns {
            kind: find(CONSENT_KIND),
            date: find(CONSENT_DATE),
            optin_time: find(&["optin_time"]),
            confirm_time: find(&["confirm_time"]),
        }
    }

    fn any(&self) -> bool {
        self.kind.is_some()
            || self.date.is_some()
            || self.optin_time.is_some()
            || self.confirm_time.is_some()
    }

    fn read(&self, record: &StringRecord) -> Consent {
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|c| !c.is_empty())
        };
        let confirmed = cell(self.confirm_time).or(cell(self.optin_time));
        Consent {
            kind: cell(self.kind)
                .or(confirmed.map(|_| "express"))
                .map(str::to_string),
            date: cell(self.date).or(confirmed).map(str::to_string),
        }
    }
}

/// Where a record stands in the text.
struct RecordAt {
    /// First byte of the record (after any blank lines the reader skipped).
    start: usize,
    /// End of the record, before its line terminator.
    end: usize,
    /// 1-based line the record starts on.
    line: usize,
}

enum Next {
    Record(RecordAt),
    Problem(LoadProblem),
    End,
}

/// A `csv` reader over the text, with positions corrected to the record's first byte and line.
struct Records<'t> {
    source: SourceId,
    text: &'t str,
    delimiter: u8,
    reader: csv::Reader<&'t [u8]>,
    /// Byte offset and line in `text` of the reader's input (non-zero after a resync).
    base: usize,
    base_line: usize,
    record: StringRecord,
}

impl<'t> Records<'t> {
    fn new(source: SourceId, text: &'t str, delimiter: u8) -> Self {
        Records {
            source,
            text,
            delimiter,
            reader: Self::reader(text, delimiter, 0),
            base: 0,
            base_line: 1,
            record: StringRecord::new(),
        }
    }

    fn reader(text: &'t str, delimiter: u8, base: usize) -> csv::Reader<&'t [u8]> {
        ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(&text.as_bytes()[base..])
    }

    fn next(&mut self) -> Next {
        let bytes = self.text.as_bytes();
        let before = self.reader.position().byte();
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Next::End,
            Ok(true) => {
                let pos = self
                    .record
                    .position()
                    .expect("the csv reader positions every record");
                // The reader's position is just past the previous record's terminator; with CRLF
                // it stops between CR and LF, and blank lines are skipped: step over them.
                let mut start = self.base + pos.byte() as usize;
                let mut line = self.base_line + pos.line() as usize - 1;
                while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                    line += usize::from(bytes[start] == b'\n');
                    start += 1;
                }
                let consumed = self.base + self.reader.position().byte() as usize;
                let mut end = consumed.min(bytes.len());
                while end > start && matches!(bytes[end - 1], b'\r' | b'\n') {
                    end -= 1;
                }
                let at_eof = bytes[consumed.min(bytes.len())..]
                    .iter()
                    .all(|b| matches!(b, b'\r' | b'\n'));
                if at_eof
                    && raw_fields(
                        bytes,
                        start..end,
                        self.delimiter,
                        usize::MAX,
                        &mut Vec::new(),
                    )
                {
                    return self.unclosed_quote(start, line);
                }
                Next::Record(RecordAt { start, end, line })
            }
            Err(e) => {
                let (start, line) = match e.position() {
                    Some(p) => (
                        self.base + p.byte() as usize,
                        self.base_line + p.line() as usize - 1,
                    ),
                    None => (self.base + before as usize, 0),
                };
                if self.reader.position().byte() == before {
                    // No progress: give up on the rest rather than loop.
                    self.base = self.text.len();
                    self.reader = Self::reader(self.text, self.delimiter, self.base);
                }
                let span = line_span(self.text, start.min(bytes.len()));
                let line = if line == 0 {
                    1 + count_lines(&self.text[..span.start])
                } else {
                    line
                };
                Next::Problem(LoadProblem {
                    warning: false,
                    message: format!("the row on line {line} could not be read: {e}"),
                    label: Some(Label {
                        source: self.source,
                        span,
                        text: "this row was skipped".into(),
                    }),
                })
            }
        }
    }

    /// A quote opened on `line` is never closed, so the reader took the rest of the file as one
    /// field: report it and read again from the next line.
    fn unclosed_quote(&mut self, start: usize, line: usize) -> Next {
        let span = line_span(self.text, start);
        let rest_lines = count_lines(self.text[start..].trim_end_matches(['\r', '\n']));
        self.base = match self.text[start..].find('\n') {
            Some(i) => start + i + 1,
            None => self.text.len(),
        };
        self.base_line = line + 1;
        self.reader = Self::reader(self.text, self.delimiter, self.base);
        Next::Problem(LoadProblem {
            warning: false,
            message: match rest_lines {
                0 => format!("the row on line {line} opens a quote that is never closed; the row was skipped"),
                n => format!(
                    "the row on line {line} opens a quote that is never closed, which would swallow the {n} line{} after it; the row was skipped and reading resumed on the next line",
                    if n == 1 { "" } else { "s" }
                ),
            },
            label: Some(Label {
                source: self.source,
                span,
                text: "unbalanced quote in this row".into(),
            }),
        })
    }
}

/// Turns records into entries.
struct Rows<'a> {
    source: SourceId,
    text: &'a str,
    delimiter: u8,
    address: &'a [usize],
    /// "column `Email`", for messages.
    column_names: String,
    consent: &'a ConsentColumns,
    /// Raw field ranges of the current record (reused).
    raw: Vec<Range<usize>>,
    /// Rows without an address, and the first one not reported on its own.
    missing: usize,
    first_missing: Option<(usize, Range<usize>)>,
    /// The header row's field count, when the list has one: a row with more fields lost its
    /// extra cells under csv's rules, so they are read and reported here.
    width: Option<usize>,
}

impl Rows<'_> {
    fn row(&mut self, record: &StringRecord, at: &RecordAt, list: &mut RecipientList) {
        let mut found = false;
        let mut raw_done = false;
        let mut consent: Option<Box<Consent>> = None;
        let last = self.address.iter().copied().max().unwrap_or(0);
        for &col in self.address {
            let Some(cell) = record.get(col).map(str::trim).filter(|c| !c.is_empty()) else {
                continue;
            };
            found = true;
            if !raw_done {
                if !unquoted_fields(record, at, last, &mut self.raw) {
                    raw_fields(
                        self.text.as_bytes(),
                        at.start..at.end,
                        self.delimiter,
                        last,
                        &mut self.raw,
                    );
                }
                raw_done = true;
            }
            let field = self.raw.get(col).cloned().unwrap_or(at.start..at.end);
            if cell.contains(['\n', '\r']) {
                list.problems.push(LoadProblem {
                    warning: false,
                    message: format!(
                        "the address cell of the row on line {} runs over several lines (an unbalanced quote?); it was skipped",
                        at.line
                    ),
                    label: Some(Label {
                        source: self.source,
                        span: inner(self.text, field),
                        text: "this cell".into(),
                    }),
                });
                continue;
            }
            if consent.is_none() && self.consent.any() {
                consent = Some(Box::new(self.consent.read(record)));
            }
            self.push_cell(list, cell, field, at.line, &consent, false);
        }
        if let Some(width) = self.width.filter(|&w| record.len() > w) {
            self.extra_fields(record, at, width, list);
        }
        if !found {
            self.missing += 1;
            let span = line_span(self.text, at.start);
            if self.missing <= MAX_ROW_PROBLEMS {
                list.problems.push(LoadProblem {
                    warning: true,
                    message: format!("row has no address in {}", self.column_names),
                    label: Some(Label {
                        source: self.source,
                        span,
                        text: "no address in this row".into(),
                    }),
                });
            } else if self.first_missing.is_none() {
                self.first_missing = Some((at.line, span));
            }
        }
    }

    /// A row with more fields than the header (an address list pasted into one row, a comma
    /// in an unquoted name): the addresses among the extra fields are read, and the row is
    /// reported either way, so nothing is dropped in silence.
    fn extra_fields(
        &mut self,
        record: &StringRecord,
        at: &RecordAt,
        width: usize,
        list: &mut RecipientList,
    ) {
        raw_fields(
            self.text.as_bytes(),
            at.start..at.end,
            self.delimiter,
            usize::MAX,
            &mut self.raw,
        );
        let mut read = 0;
        for (col, cell) in record.iter().enumerate().skip(width) {
            let field = self.raw.get(col).cloned().unwrap_or(at.start..at.end);
            read += self.push_cell(list, cell.trim(), field, at.line, &None, true);
        }
        let extra = record.len() - width;
        let start = self.raw.get(width).map_or(at.start, |r| r.start);
        let what = match read {
            0 if extra == 1 => "it holds no address".to_string(),
            0 => "they hold no address".to_string(),
            1 if extra == 1 => "the address in it was read".to_string(),
            1 => "the address in them was read".to_string(),
            n => format!("the {n} addresses in them were read"),
        };
        list.problems.push(LoadProblem {
            warning: true,
            message: format!(
                "the row on line {} has {extra} more field{} than the header's {width}; {what}",
                at.line,
                if extra == 1 { "" } else { "s" }
            ),
            label: Some(Label {
                source: self.source,
                span: start..at.end.max(start),
                text: "fields past the header's last column".into(),
            }),
        });
    }

    /// The addresses of one cell as entries, each at its place in the file; with
    /// `addresses_only`, pieces without an `@` (a stray name in an extra field) are left out.
    /// Returns how many were read.
    fn push_cell(
        &self,
        list: &mut RecipientList,
        cell: &str,
        field: Range<usize>,
        line: usize,
        consent: &Option<Box<Consent>>,
        addresses_only: bool,
    ) -> usize {
        let mut from = field.start;
        let mut read = 0;
        for piece in several_addresses(cell).filter(|p| !addresses_only || p.contains('@')) {
            let span = locate(self.text, from..field.end, piece)
                .inspect(|span| from = span.end)
                .unwrap_or_else(|| inner(self.text, field.clone()));
            list.push(self.text, piece, line, span, consent.clone());
            read += 1;
        }
        read
    }
}

/// The addresses of one cell: Google Contacts puts several in one cell, separated by ` ::: `;
/// people typing a list put them with `,` or `;` (split only when the cell holds two `@`, so
/// "Lee, Ann <ann@…>" stays one).
fn several_addresses(cell: &str) -> impl Iterator<Item = &str> {
    // Nearly every cell holds one address: no `:` and at most one `@` is the cell itself,
    // without the searchers' set-up per cell.
    let single = !cell.contains(':') && cell.bytes().filter(|&b| b == b'@').count() < 2;
    let one = single.then(|| cell.trim()).filter(|p| !p.is_empty());
    let many = (!single).then(|| {
        cell.split(":::")
            .flat_map(|piece| {
                let several = piece.matches('@').count() > 1;
                piece.split(move |c| several && matches!(c, ',' | ';'))
            })
            .map(str::trim)
            .filter(|p| !p.is_empty())
    });
    one.into_iter().chain(many.into_iter().flatten())
}

/// The raw byte ranges of a record's fields up to field `upto`, read from the record itself when
/// its fields joined by delimiters are exactly its bytes in the text (no quote was removed, the
/// common row); `false`, leaving `out` for [`raw_fields`], otherwise.
fn unquoted_fields(
    record: &StringRecord,
    at: &RecordAt,
    upto: usize,
    out: &mut Vec<Range<usize>>,
) -> bool {
    let bytes = record.as_byte_record();
    let joined = bytes.as_slice().len() + bytes.len().saturating_sub(1);
    if joined != at.end - at.start {
        return false;
    }
    out.clear();
    // Field i starts after i delimiters.
    out.extend(
        (0..bytes.len().min(upto.saturating_add(1))).filter_map(|i| {
            bytes
                .range(i)
                .map(|r| at.start + r.start + i..at.start + r.end + i)
        }),
    );
    true
}

/// Raw byte ranges (quotes included) of the fields of the record in `range`, up to field `upto`.
/// Follows the `csv` crate's rules: a quote is special only at the start of a field, `""` inside
/// quotes is a quote. Returns whether the record ends inside an open quote.
fn raw_fields(
    bytes: &[u8],
    range: Range<usize>,
    delimiter: u8,
    upto: usize,
    out: &mut Vec<Range<usize>>,
) -> bool {
    out.clear();
    let end = range.end;
    let mut i = range.start;
    loop {
        let start = i;
        if i < end && bytes[i] == b'"' {
            i += 1;
            loop {
                match bytes[i..end].iter().position(|&b| b == b'"') {
                    None => {
                        out.push(start..end);
                        return true;
                    }
                    Some(j) => {
                        i += j + 1;
                        if i < end && bytes[i] == b'"' {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
        }
        while i < end && bytes[i] != delimiter && bytes[i] != b'\n' && bytes[i] != b'\r' {
            i += 1;
        }
        out.push(start..i);
        if i < end && bytes[i] == delimiter && out.len() <= upto {
            i += 1;
        } else {
            return false;
        }
    }
}

/// The first occurrence of `needle` in `text[range]`.
fn locate(text: &str, range: Range<usize>, needle: &str) -> Option<Range<usize>> {
    if needle.is_empty() || range.start > range.end || range.end > text.len() {
        return None;
    }
    let hay = text.get(range.clone())?;
    // Usually the field is the needle, quoted or padded: skip the searcher's set-up.
    let lead = hay
        .bytes()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'"'))
        .count();
    let i = if hay[lead..].starts_with(needle) {
        lead
    } else {
        hay.find(needle)?
    };
    Some(range.start + i..range.start + i + needle.len())
}

/// A raw field without surrounding blanks and quotes (all ASCII, so char boundaries hold).
fn inner(text: &str, field: Range<usize>) -> Range<usize> {
    let bytes = text.as_bytes();
    let (mut start, mut end) = (field.start.min(text.len()), field.end.min(text.len()));
    while start < end && matches!(bytes[start], b' ' | b'\t') {
        start += 1;
    }
    while end > start && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    if end - start >= 2 && bytes[start] == b'"' && bytes[end - 1] == b'"' {
        start += 1;
        end -= 1;
    }
    start..end
}

/// The line holding `offset`, from `offset` to before its terminator.
fn line_span(text: &str, offset: usize) -> Range<usize> {
    let rest = &text[offset..];
    let mut end = offset + rest.find('\n').unwrap_or(rest.len());
    if end > offset && text.as_bytes()[end - 1] == b'\r' {
        end -= 1;
    }
    offset..end
}

fn count_lines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> RecipientList {
        parse(SourceId(0), "list.csv", text, None).unwrap()
    }

    fn addresses<'a>(text: &'a str, list: &'a RecipientList) -> Vec<&'a str> {
        list.entries.iter().map(|e| list.address(text, e)).collect()
    }

    /// Every span slices back to exactly the address, on the recorded line.
    fn assert_spans(text: &str, list: &RecipientList) {
        for e in &list.entries {
            assert_eq!(&text[e.span()], list.address(text, e), "{e:?}");
            let line = 1 + count_lines(&text[..e.span().start]);
            assert!(line >= e.line(), "{e:?}");
        }
    }

    const MAILCHIMP: &str = r#""Email Address","First Name","Last Name",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,NOTES,TAGS"#;
    const OUTLOOK: &str = r#""Title","First Name","Middle Name","Last Name","Suffix","Company","Department","Job Title","Business Street","Business Street 2","Business Street 3","Business City","Business State","Business Postal Code","Business Country/Region","Home Street","Home Street 2","Home Street 3","Home City","Home State","Home Postal Code","Home Country/Region","Other Street","Other Street 2","Other Street 3","Other City","Other State","Other Postal Code","Other Country/Region","Assistant's Phone","Business Fax","Business Phone","Business Phone 2","Callback","Car Phone","Company Main Phone","Home Fax","Home Phone","Home Phone 2","ISDN","Mobile Phone","Other Fax","Other Phone","Pager","Primary Phone","Radio Phone","TTY/TDD Phone","Telex","Account","Anniversary","Assistant's Name","Billing Information","Birthday","Business Address PO Box","Categories","Children","Directory Server","E-mail Address","E-mail Type","E-mail Display Name","E-mail 2 Address","E-mail 2 Type","E-mail 2 Display Name","E-mail 3 Address","E-mail 3 Type","E-mail 3 Display Name","Gender","Government ID Number","Hobby","Home Address PO Box","Initials","Internet Free Busy","Keywords","Language","Location","Manager's Name","Mileage","Notes","Office Location","Organizational ID Number","Other Address PO Box","Priority","Private","Profession","Referred By","Sensitivity","Spouse","User 1","User 2","User 3","User 4","Web Page""#;
    const GOOGLE_CURRENT: &str = "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address";
    const GOOGLE_LEGACY: &str = "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Address 1 - Type,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,Organization 1 - Type,Organization 1 - Name,Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department,Organization 1 - Symbol,Organization 1 - Location,Organization 1 - Job Description";

    /// A data row for `header` with `values` in the named columns, every other cell blank.
    fn row(header: &str, values: &[(&str, &str)]) -> String {
        header
            .split(',')
            .map(|h| {
                let h = h.trim_matches('"');
                values
                    .iter()
                    .find(|(name, _)| *name == h)
                    .map_or(String::new(), |(_, v)| v.to_string())
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn mailchimp_export_is_detected_with_consent() {
        let data = row(
            MAILCHIMP,
            &[
                ("Email Address", "ann@example.com"),
                ("First Name", "Ann"),
                ("OPTIN_TIME", "2021-03-04 10:00:00"),
                ("CONFIRM_TIME", "2021-03-05 11:00:00"),
            ],
        );
        let unconfirmed = row(
            MAILCHIMP,
            &[
                ("Email Address", "bob@example.com"),
                ("OPTIN_TIME", "2022-01-01 09:00:00"),
            ],
        );
        let bare = row(MAILCHIMP, &[("Email Address", "cy@example.com")]);
        let text = format!("{MAILCHIMP}\n{data}\n{unconfirmed}\n{bare}\n");
        let list = load(&text);
        let col = list.column.as_ref().unwrap();
        assert_eq!(col.reason, "Mailchimp export");
        assert_eq!(col.name, "Email Address");
        assert_eq!(&text[col.span.clone()], "Email Address");
        assert!(list.has_consent_columns);
        assert_eq!(
            addresses(&text, &list),
            ["ann@example.com", "bob@example.com", "cy@example.com"]
        );
        assert_spans(&text, &list);
        let c: Vec<_> = list
            .entries
            .iter()
            .map(|e| list.consent(e).cloned().unwrap())
            .collect();
        assert_eq!(c[0].kind.as_deref(), Some("express"));
        assert_eq!(c[0].date.as_deref(), Some("2021-03-05 11:00:00"));
        assert_eq!(c[1].kind.as_deref(), Some("express"));
        assert_eq!(c[1].date.as_deref(), Some("2022-01-01 09:00:00"));
        assert_eq!(c[2], Consent::default());
        assert_eq!(list.entries[0].line(), 2);
        assert!(list.problems.is_empty());
    }

    #[test]
    fn outlook_export_reads_all_three_email_columns() {
        let data = row(
            OUTLOOK,
            &[
                ("First Name", "Ann"),
                ("E-mail Address", "ann@example.com"),
                ("E-mail Display Name", "Ann (ann@example.com)"),
                ("E-mail 2 Address", "ann.smith@work.example"),
                ("E-mail 3 Address", "ann3@example.org"),
            ],
        );
        let second = row(OUTLOOK, &[("E-mail 3 Address", "bob@example.com")]);
        let text = format!("{OUTLOOK}\r\n{data}\r\n{second}\r\n");
        let list = load(&text);
        let col = list.column.as_ref().unwrap();
        assert_eq!(col.reason, "Outlook contacts export");
        assert_eq!(col.name, "E-mail Address");
        assert_eq!(&text[col.span.clone()], "E-mail Address");
        assert!(!list.has_consent_columns);
        assert_eq!(
            addresses(&text, &list),
            [
                "ann@example.com",
                "ann.smith@work.example",
                "ann3@example.org",
                "bob@example.com"
            ]
        );
        assert_spans(&text, &list);
        assert_eq!(
            list.entries.iter().map(|e| e.line()).collect::<Vec<_>>(),
            [2, 2, 2, 3]
        );
        assert!(list.entries.iter().all(|e| list.consent(e).is_none()));
        assert!(list.problems.is_empty());
    }

    #[test]
    fn outlook_row_without_any_address_is_a_problem() {
        let data = row(OUTLOOK, &[("First Name", "Ann")]);
        let text = format!("{OUTLOOK}\n{data}\n");
        let list = load(&text);
        assert!(list.entries.is_empty());
        assert_eq!(list.problems.len(), 1);
        assert_eq!(
            list.problems[0].message,
            "row has no address in columns `E-mail Address`, `E-mail 2 Address` or `E-mail 3 Address`"
        );
    }

    #[test]
    fn google_contacts_current_export_with_multi_value_cells() {
        let data = row(
            GOOGLE_CURRENT,
            &[
                ("First Name", "Ann"),
                ("E-mail 1 - Label", "* Home"),
                (
                    "E-mail 1 - Value",
                    "ann@example.com ::: ann.smith@example.org",
                ),
                ("E-mail 2 - Value", "ann@work.example"),
            ],
        );
        let text = format!("{GOOGLE_CURRENT}\n{data}\n");
        let list = load(&text);
        let col = list.column.as_ref().unwrap();
        assert_eq!(col.reason, "Google Contacts export");
        assert_eq!(col.name, "E-mail 1 - Value");
        assert_eq!(&text[col.span.clone()], "E-mail 1 - Value");
        assert_eq!(
            addresses(&text, &list),
            [
                "ann@example.com",
                "ann.smith@example.org",
                "ann@work.example"
            ]
        );
        assert_spans(&text, &list);
    }

    #[test]
    fn google_contacts_legacy_export() {
        let data = row(
            GOOGLE_LEGACY,
            &[
                ("Name", "Bob Roy"),
                ("E-mail 1 - Type", "* Other"),
                ("E-mail 1 - Value", "bob@example.com"),
            ],
        );
        let text = format!("{GOOGLE_LEGACY}\n{data}");
        let list = load(&text);
        assert_eq!(
            list.column.as_ref().unwrap().reason,
            "Google Contacts export"
        );
        assert_eq!(addresses(&text, &list), ["bob@example.com"]);
        assert_spans(&text, &list);
    }

    #[test]
    fn generic_columns_are_found_case_insensitively() {
        for name in [
            "email",
            "E-Mail",
            " Mail ",
            "Email Address",
            "courriel",
            "Adresse courriel",
            "EMAIL_ADDRESS",
            "emailaddress",
        ] {
            let text = format!("Name,{name}\nAnn,ann@example.com\n");
            let list = load(&text);
            let col = list.column.as_ref().unwrap();
            assert_eq!(col.reason, "generic email column", "{name}");
            assert_eq!(col.name, name.trim());
            assert_eq!(&text[col.span.clone()], name.trim());
            assert_eq!(addresses(&text, &list), ["ann@example.com"]);
        }
    }

    #[test]
    fn column_override_and_its_error() {
        let text = "Name,Work,Home\nAnn,ann@work.example,ann@home.example\n";
        let list = parse(SourceId(0), "list.csv", text, Some("home")).unwrap();
        let col = list.column.as_ref().unwrap();
        assert_eq!(col.reason, "set with --column");
        assert_eq!(col.name, "Home");
        assert_eq!(&text[col.span.clone()], "Home");
        assert_eq!(addresses(text, &list), ["ann@home.example"]);
        assert_spans(text, &list);

        let err = parse(SourceId(0), "list.csv", text, Some("Email")).unwrap_err();
        assert_eq!(err.file, "list.csv");
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains("`Email`"), "{}", err.message);
        assert!(
            err.message.contains("`Name`, `Work`, `Home`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn no_address_column_is_an_error_naming_the_columns() {
        let err = parse(
            SourceId(0),
            "people.csv",
            "Name,Phone\nAnn,555-0100\n",
            None,
        )
        .unwrap_err();
        assert_eq!(err.file, "people.csv");
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains("`Name`, `Phone`"), "{}", err.message);
        assert!(err.message.contains("--column"), "{}", err.message);
        assert_eq!(
            err.to_string().split(':').take(2).collect::<Vec<_>>(),
            ["people.csv", "1"]
        );
    }

    #[test]
    fn header_less_csv_uses_the_column_holding_addresses() {
        let text = "Ann,ann@example.com\nBob,bob@example.com\n";
        let list = load(text);
        let col = list.column.as_ref().unwrap();
        assert_eq!(col.reason, "no header row; the column holding addresses");
        assert_eq!(col.name, "column 2");
        assert_eq!(&text[col.span.clone()], "ann@example.com");
        assert_eq!(
            addresses(text, &list),
            ["ann@example.com", "bob@example.com"]
        );
        assert_eq!(list.entries[0].line(), 1);
        assert_spans(text, &list);

        let single = "ann@example.com\nbob@example.com";
        assert_eq!(
            addresses(single, &load(single)),
            ["ann@example.com", "bob@example.com"]
        );

        // Every column whose first cell is an address; a handle such as `@ann` is not one.
        let text = "ann@example.com,@ann,ann@work.example\nbob@example.com,@bob,\n,@cy,\n";
        let list = load(text);
        assert_eq!(list.column.as_ref().unwrap().name, "column 1");
        assert_eq!(
            addresses(text, &list),
            ["ann@example.com", "ann@work.example", "bob@example.com"]
        );
        assert_eq!(list.problems.len(), 1);
        assert_eq!(
            list.problems[0].message,
            "row has no address in columns 1 or 3"
        );
        assert_spans(text, &list);
    }

    #[test]
    fn semicolon_and_tab_delimiters() {
        let text = "Nom;Courriel;Ville\nAnn;ann@example.com;Montréal\n\"Smith; Bob\";\"bob@example.com\";Québec\n";
        let list = load(text);
        assert_eq!(list.column.as_ref().unwrap().name, "Courriel");
        assert_eq!(
            addresses(text, &list),
            ["ann@example.com", "bob@example.com"]
        );
        assert_spans(text, &list);

        let tsv = "name\temail\nAnn\tann@example.com\n";
        assert_eq!(addresses(tsv, &load(tsv)), ["ann@example.com"]);
    }

    #[test]
    fn crlf_and_quoted_newlines_give_the_right_lines() {
        let text = "Name,Notes,Email\r\nAnn,\"two\r\nlines\",ann@example.com\r\n\r\nBob,\"x\",\"bob@example.com\"\r\n\"Cy\",\"a\nb\nc\",cy@example.com";
        let list = load(text);
        assert_eq!(
            addresses(text, &list),
            ["ann@example.com", "bob@example.com", "cy@example.com"]
        );
        assert_eq!(
            list.entries.iter().map(|e| e.line()).collect::<Vec<_>>(),
            [2, 5, 6]
        );
        assert_spans(text, &list);
        // The span of an address on the second line of its record is on that line.
        let ann = &list.entries[0];
        assert_eq!(1 + count_lines(&text[..ann.span().start]), 3);
        assert!(list.problems.is_empty(), "{:?}", list.problems);
    }

    #[test]
    fn generic_consent_columns() {
        let text = "email,first_name,consent_type,consent_date\n\
                    ann@example.com,Ann,express,2019-04-02\n\
                    dave@example.com,Dave,,\n\
                    erin@example.com,Erin,implied-purchase,\n";
        let list = load(text);
        assert!(list.has_consent_columns);
        let c: Vec<_> = list
            .entries
            .iter()
            .map(|e| list.consent(e).cloned().unwrap())
            .collect();
        assert_eq!(
            c[0],
            Consent {
                kind: Some("express".into()),
                date: Some("2019-04-02".into())
            }
        );
        assert_eq!(
            c[1],
            Consent {
                kind: None,
                date: None
            }
        );
        assert_eq!(
            c[2],
            Consent {
                kind: Some("implied-purchase".into()),
                date: None
            }
        );

        let list = load("email,Opt-in Date\nann@example.com,2020-01-01\n");
        assert!(list.has_consent_columns);
        assert_eq!(
            list.consent(&list.entries[0]).cloned(),
            Some(Consent {
                kind: None,
                date: Some("2020-01-01".into())
            })
        );

        let list = load("email,first_name\nann@example.com,Ann\n");
        assert!(!list.has_consent_columns);
        assert_eq!(list.consent(&list.entries[0]), None);
    }

    #[test]
    fn empty_address_cells_are_problems_with_a_label() {
        let text = "\"Email Address\",\"First Name\"\n\"ann@example.com\",\"Ann\"\n\"\",\"Bob\"\n";
        let list = load(text);
        assert_eq!(addresses(text, &list), ["ann@example.com"]);
        assert_eq!(list.problems.len(), 1);
        assert_eq!(
            list.problems[0].message,
            "row has no address in column `Email Address`"
        );
        let label = list.problems[0].label.as_ref().unwrap();
        assert_eq!(&text[label.span.clone()], "\"\",\"Bob\"");
    }

    #[test]
    fn many_rows_without_address_are_summarised() {
        let mut text = String::from("email,name\n");
        for i in 0..(MAX_ROW_PROBLEMS + 5) {
            text.push_str(&format!(",n{i}\n"));
        }
        let list = load(&text);
        assert_eq!(list.problems.len(), MAX_ROW_PROBLEMS + 1);
        assert!(list
            .problems
            .last()
            .unwrap()
            .message
            .starts_with("5 more rows have no address"));
    }

    #[test]
    fn unclosed_quote_is_a_problem_and_reading_goes_on() {
        let text = "email,name\nann@example.com,\"Ann\nbob@example.com,Bob\ncy@example.com,Cy\n";
        let list = load(text);
        assert_eq!(
            addresses(text, &list),
            ["bob@example.com", "cy@example.com"]
        );
        assert_eq!(list.entries[0].line(), 3);
        assert_eq!(list.problems.len(), 1);
        assert!(
            list.problems[0].message.contains("line 2"),
            "{}",
            list.problems[0].message
        );
        assert_spans(text, &list);
    }

    #[test]
    fn spans_hold_with_multibyte_text_and_padding() {
        let text =
            "Prénom,Courriel\nÉlodie,  élodie@exemple.ca \n\"Zoë \"\"Z\"\"\",\"zoë@exemple.ca\"\n";
        let list = load(text);
        assert_eq!(
            addresses(text, &list),
            ["élodie@exemple.ca", "zoë@exemple.ca"]
        );
        assert_spans(text, &list);
    }

    #[test]
    fn empty_file_and_header_only() {
        let list = load("");
        assert!(list.entries.is_empty() && list.column.is_none());
        assert!(parse(SourceId(0), "e.csv", "", Some("email")).is_err());
        let list = load("email\n");
        assert!(list.entries.is_empty());
        assert_eq!(list.column.unwrap().name, "email");
    }

    #[test]
    fn csv_sniffing() {
        assert!(looks_like_csv("email,name\nann@example.com,Ann\n"));
        assert!(looks_like_csv("\n\nemail;name\n"));
        assert!(looks_like_csv("email\tname\n"));
        assert!(!looks_like_csv("ann@example.com\nbob@example.com\n"));
        assert!(!looks_like_csv("\"Smith, Ann\" <ann@example.com>\n"));
        assert!(!looks_like_csv("Ann Smith <ann@example.com>\n"));
        assert!(!looks_like_csv(
            "# customers, spring 2024\nann@example.com\n"
        ));
        assert!(!looks_like_csv(""));
    }

    /// `cargo test --release --lib -- --ignored csv_million`: the time is printed.
    #[allow(clippy::print_stderr)] // a manual measurement, run with --ignored
    #[test]
    #[ignore]
    fn csv_million_rows() {
        let mut text = String::from(
            "\"Email Address\",\"First Name\",\"Last Name\",OPTIN_TIME,CONFIRM_TIME\n",
        );
        for i in 0..1_000_000 {
            text.push_str(&format!(
                "\"person{i}@example.com\",\"First\",\"Last\",2021-01-01 10:00:00,\n"
            ));
        }
        let t = std::time::Instant::now();
        let list = load(&text);
        let took = t.elapsed();
        eprintln!("1,000,000 rows in {took:?}");
        assert_eq!(list.entries.len(), 1_000_000);
        assert_eq!(list.entries[999_999].line(), 1_000_001);
    }
}
