//! `bulklint export`: turns a draft and its recipient lists into what a bulk-mail service
//! imports — an audience CSV in the service's shape, the email's HTML with the service's
//! unsubscribe and address merge tags in its footer, and the clicks that remain
//! (NEXT-STEPS.md) — and lists every recipient it leaves out, with the reason (rejected.csv).
//!
//! Services, their CSV headers, merge tags and wording come from `rules/export/services.toml`.
//! The library computes the files; the binary writes them.

pub mod images;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use mail_parser::MessageParser;

use crate::analysis::footer::{escape, fill, footer_html, insert_html_footer, FooterValues, Needs};
use crate::analysis::identification;
use crate::analysis::unsubscribe;
use crate::data::services::{data, service, service_ids, Service};
use crate::load::draft::DraftFormat;
use crate::load::input_limits::InputLimits;
use crate::load::recipients::{Consent, Origin, RecipientList};
use crate::mailing::assemble;
use crate::mailing::consent::{self, Status};
use crate::mailing::Mailing;
use crate::model::date::Date;
use crate::model::error::InputError;
use crate::model::finding::Severity;
use crate::model::format::group;
use crate::model::input::Input;
use crate::model::spreadsheet;
use crate::rules;

/// The names of the files `export` writes.
pub const AUDIENCE_FILE: &str = "audience.csv";
pub const REJECTED_FILE: &str = "rejected.csv";
pub const HTML_FILE: &str = "email.html";
pub const NEXT_STEPS_FILE: &str = "NEXT-STEPS.md";

/// What the caller knows that the draft and lists do not say.
#[derive(Debug, Clone)]
pub struct Options {
    /// A service id from [`service_ids`].
    pub service: String,
    /// The sender's mailing address, for services without an address merge tag.
    pub address: Option<String>,
    /// The unsubscribe URL, for the generic `csv` target.
    pub unsubscribe_url: Option<String>,
    /// The day consent windows are judged on.
    pub as_of: Date,
    /// The CSV column holding addresses, when detection is not wanted.
    pub column: Option<String>,
    /// How large and how deep the draft may be (`[input]` in bulklint.toml).
    pub input: InputLimits,
}

/// Why a recipient was left out of the audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Problem {
    InvalidAddress,
    Duplicate,
    ConsentMissing,
    ConsentExpired,
    Sender,
    UnreadableRow,
}

impl Problem {
    pub fn id(self) -> &'static str {
        match self {
            Problem::InvalidAddress => "invalid-address",
            Problem::Duplicate => "duplicate",
            Problem::ConsentMissing => "consent-missing",
            Problem::ConsentExpired => "consent-expired",
            Problem::Sender => "sender",
            Problem::UnreadableRow => "unreadable-row",
        }
    }

    fn describe(self, n: usize) -> String {
        let s = if n == 1 { "" } else { "s" };
        match self {
            Problem::InvalidAddress => {
                format!("{n} invalid address{}", if n == 1 { "" } else { "es" })
            }
            Problem::Duplicate => format!("{n} duplicate{s}"),
            Problem::ConsentMissing => format!("{n} without consent on record"),
            Problem::ConsentExpired => format!("{n} whose consent expired"),
            Problem::Sender => format!("{n} sender's own address (From, in the draft's To/Cc/Bcc)"),
            Problem::UnreadableRow => format!("{n} unreadable row{s}"),
        }
    }
}

/// A recipient (or list row) left out of the audience.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub problem: Problem,
    pub reason: String,
    /// `file:line` of the entry.
    pub origin: String,
    /// For ordering: source and line.
    at: (usize, usize),
}

/// One file of the export, to be written into the output directory.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// The path inside the export folder (`email.html`, `images/logo.png`).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The prepared import.
#[derive(Debug)]
pub struct Export {
    pub service: &'static Service,
    pub files: Vec<OutputFile>,
    /// Rows in the audience CSV.
    pub audience: usize,
    pub rejected: Vec<Rejected>,
    /// What the footer gained: "the unsubscribe link `*|UNSUB|*`", …
    pub added: Vec<String>,
    /// Things to tell the user: what the export could not settle.
    pub notes: Vec<String>,
    /// Embedded images written beside the email, in `images/`.
    pub images: usize,
}

impl Export {
    /// Rejected rows counted by problem, in [`Problem`] order.
    pub fn rejected_counts(&self) -> Vec<(Problem, usize)> {
        let mut counts: Vec<(Problem, usize)> = Vec::new();
        for r in &self.rejected {
            match counts.iter_mut().find(|(p, _)| *p == r.problem) {
                Some((_, n)) => *n += 1,
                None => counts.push((r.problem, 1)),
            }
        }
        counts.sort();
        counts
    }

    /// The lines the binary prints after writing the files into `dir`.
    pub fn summary(&self, dir: &str) -> Vec<String> {
        let dir = dir.trim_end_matches('/');
        let mut lines = vec![format!(
            "wrote {dir}/ for {}: {AUDIENCE_FILE} ({} contact{}), {HTML_FILE}, {NEXT_STEPS_FILE}, {REJECTED_FILE}",
            self.service.name,
            group(self.audience as u64),
            if self.audience == 1 { "" } else { "s" },
        )];
        let counts = self.rejected_counts();
        if counts.is_empty() {
            lines.push("left out: none; every recipient is in the audience".into());
        } else {
            let parts: Vec<String> = counts.iter().map(|(p, n)| p.describe(*n)).collect();
            lines.push(format!(
                "left out: {} ({}), listed with the reason in {dir}/{REJECTED_FILE}",
                group(self.rejected.len() as u64),
                parts.join(", ")
            ));
        }
        if self.added.is_empty() {
            lines.push(
                "footer: the email already has an unsubscribe link and identifies its sender"
                    .into(),
            );
        } else {
            lines.push(format!("footer: added {}", self.added.join("; ")));
        }
        if self.images > 0 {
            lines.push(format!(
                "images: {} embedded image{} written to {dir}/{}/ and {HTML_FILE} points at them; upload them with the email",
                self.images,
                if self.images == 1 { "" } else { "s" },
                images::IMAGES_DIR
            ));
        }
        lines.extend(self.notes.iter().map(|n| format!("note: {n}")));
        lines.push(format!("next: follow {dir}/{NEXT_STEPS_FILE}"));
        lines
    }
}

/// Prepares the import of `draft` and `lists` into `options.service`.
pub fn export(draft: Input, lists: Vec<Input>, options: &Options) -> Result<Export, InputError> {
    let service = service(&options.service).ok_or_else(|| {
        InputError::new(
            "--to",
            format!(
                "unknown service `{}`; known: {}",
                options.service,
                service_ids().join(", ")
            ),
        )
    })?;
    let raw = draft.bytes.clone();
    let load_options = assemble::Options {
        column: options.column.clone(),
        as_of: Some(options.as_of),
        input: options.input,
        ..assemble::Options::default()
    };
    let send = assemble::load(draft, lists, &load_options)?;
    let mut notes = Vec::new();

    let (audience_csv, audience, rejected) = audience(&send, service, options.as_of, &mut notes)?;
    let (html, added) = html(&send, &raw, service, options, &mut notes)?;
    // Embedded images travel as files beside the email; the service never sees the draft's
    // MIME parts.
    let extracted = images::extract(&html, &raw);
    for id in &extracted.missing {
        notes.push(format!(
            "the email shows the embedded image `cid:{id}`, which is not in the draft: it will show broken; put a hosted image in its place"
        ));
    }
    let html = extracted.html;
    let mut next_steps = next_steps(
        &send,
        service,
        &audience_header(&send, service),
        &[
            ("count", group(audience as u64)),
            ("left-out", group(rejected.len() as u64)),
            ("footer", footer_summary(&added)),
        ],
    );
    if !extracted.images.is_empty() {
        next_steps.push_str(&fill(
            &data().images_note,
            &[
                ("count", extracted.images.len().to_string()),
                ("folder", images::IMAGES_DIR.to_string()),
                ("html", HTML_FILE.to_string()),
                ("service", service.name.clone()),
            ],
        ));
    }
    let mut files = vec![
        OutputFile {
            name: AUDIENCE_FILE.into(),
            bytes: audience_csv,
        },
        OutputFile {
            name: REJECTED_FILE.into(),
            bytes: rejected_csv(&rejected)?,
        },
        OutputFile {
            name: HTML_FILE.into(),
            bytes: html.into_bytes(),
        },
        OutputFile {
            name: NEXT_STEPS_FILE.into(),
            bytes: next_steps.into_bytes(),
        },
    ];
    let images = extracted.images.len();
    files.extend(extracted.images.into_iter().map(|i| OutputFile {
        name: i.path,
        bytes: i.bytes,
    }));
    Ok(Export {
        service,
        files,
        images,
        audience,
        rejected,
        added,
        notes,
    })
}

// ---------------------------------------------------------------------------------------------
// The audience

/// Whether any list the audience comes from records consent.
fn has_consent(send: &Mailing) -> bool {
    send.recipients
        .lists()
        .iter()
        .any(|l| l.has_consent_columns)
}

fn audience_header(send: &Mailing, service: &Service) -> Vec<String> {
    let mut header = vec![
        service.email.clone(),
        service.first_name.clone(),
        service.last_name.clone(),
    ];
    if service.always_consent || has_consent(send) {
        header.push(service.consent_type.clone());
        header.push(service.consent_date.clone());
    }
    header
}

fn csv_error(e: impl std::fmt::Display) -> InputError {
    InputError::new("export", format!("cannot write CSV: {e}"))
}

/// Writes one CSV row with every cell a spreadsheet would run as a formula neutralised: the
/// files are made to be opened in a spreadsheet or imported, and their cells come from lists
/// anyone could have written into.
fn write_row(out: &mut csv::Writer<Vec<u8>>, row: &[impl AsRef<str>]) -> Result<(), InputError> {
    for cell in row {
        out.write_field(spreadsheet::neutralise(cell.as_ref()).as_bytes())
            .map_err(csv_error)?;
    }
    // An empty record ends the row the fields above began.
    out.write_record(None::<&[u8]>).map_err(csv_error)
}

/// The audience CSV, its row count, and every entry left out.
fn audience(
    send: &Mailing,
    service: &Service,
    as_of: Date,
    notes: &mut Vec<String>,
) -> Result<(Vec<u8>, usize, Vec<Rejected>), InputError> {
    let windows = &rules::params().consent_expired;
    let names = Names::read(send);
    let header = audience_header(send, service);
    let with_consent = header.len() > 3;
    let mut out = csv::Writer::from_writer(Vec::new());
    write_row(&mut out, &header)?;
    let mut rejected = Vec::new();
    let at = |origin: &Origin| (origin.source.0, line_of(send, origin));
    let reject = |address: &str, origin: &Origin, problem: Problem, reason: String| {
        let (first, last) = names.get(origin);
        Rejected {
            email: address.to_string(),
            first_name: first,
            last_name: last,
            problem,
            reason,
            origin: send.origin_text(origin),
            at: at(origin),
        }
    };

    let from = send
        .draft
        .from_address()
        .map(|a| crate::model::address::dedup_key(&a));
    let mut count = 0;
    for r in send.recipients.unique() {
        let list = send.recipients.list_of(&r);
        if list.is_none()
            && from.as_deref() == Some(crate::model::address::dedup_key(r.address).as_str())
        {
            rejected.push(reject(
                r.address,
                &r.origin,
                Problem::Sender,
                "the sender's own address, in the draft's own recipients; send yourself a test from the service instead".into(),
            ));
            continue;
        }
        if list.is_some_and(|l| l.has_consent_columns) {
            match consent::assess(r.consent, as_of, windows) {
                Status::Valid => {}
                Status::Missing(why) => {
                    rejected.push(reject(
                        r.address,
                        &r.origin,
                        Problem::ConsentMissing,
                        format!("no usable consent: {why}"),
                    ));
                    continue;
                }
                Status::Expired {
                    basis,
                    given,
                    lapsed,
                } => {
                    rejected.push(reject(
                        r.address,
                        &r.origin,
                        Problem::ConsentExpired,
                        format!(
                            "consent expired: {} given {given} lapsed on {lapsed}, before {as_of}",
                            basis.describe()
                        ),
                    ));
                    continue;
                }
            }
        }
        let (first, last) = names.get(&r.origin);
        let mut row = vec![r.address.to_string(), first, last];
        if with_consent {
            let (kind, date) = consent_cells(r.consent);
            row.push(kind);
            row.push(date);
        }
        write_row(&mut out, &row)?;
        count += 1;
    }
    for d in send.recipients.duplicates() {
        let first = &d.first;
        let reason = if first.source == d.origin.source && first.line > 0 {
            format!("duplicate of line {}", first.line)
        } else {
            format!("duplicate of {}", send.origin_text(first))
        };
        rejected.push(reject(d.address, &d.origin, Problem::Duplicate, reason));
    }
    for i in send.recipients.invalid() {
        rejected.push(reject(
            i.address,
            &i.origin,
            Problem::InvalidAddress,
            format!("not a valid address: {}", i.reason),
        ));
    }
    for list in send.recipients.lists() {
        for p in &list.problems {
            let (line, origin) = match &p.label {
                Some(l) => {
                    let file = send.sources.get(l.source);
                    let line = file.line_col(l.span.start).0;
                    (line, format!("{}:{line}", file.name))
                }
                None => (0, send.sources.get(list.source).name.clone()),
            };
            rejected.push(Rejected {
                email: String::new(),
                first_name: String::new(),
                last_name: String::new(),
                problem: Problem::UnreadableRow,
                reason: p.message.clone(),
                origin,
                at: (list.source.0, line),
            });
        }
    }
    rejected.sort_by_key(|r| r.at);
    if send.recipients.lists().is_empty() && send.recipients.is_empty() {
        notes.push("no recipients: pass the list with --recipients".into());
    }
    if !send.recipients.lists().is_empty() && !has_consent(send) {
        notes.push("the recipient list records no consent: import only people who agreed to hear from you (CASL puts the proof of consent on the sender)".into());
    }
    let bytes = out.into_inner().map_err(csv_error)?;
    Ok((bytes, count, rejected))
}

/// The consent type and date as the audience CSV writes them: dates as YYYY-MM-DD when they
/// read as dates, else as written.
fn consent_cells(consent: Option<&Consent>) -> (String, String) {
    let Some(c) = consent else {
        return (String::new(), String::new());
    };
    let date = c.date.as_deref().unwrap_or("").trim();
    let date = Date::parse_prefix(date).map_or_else(|| date.to_string(), |d| d.to_string());
    (c.kind.clone().unwrap_or_default(), date)
}

fn rejected_csv(rejected: &[Rejected]) -> Result<Vec<u8>, InputError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    write_row(
        &mut out,
        &[
            "email",
            "first_name",
            "last_name",
            "problem",
            "reason",
            "source",
        ],
    )?;
    for r in rejected {
        write_row(
            &mut out,
            &[
                r.email.as_str(),
                &r.first_name,
                &r.last_name,
                r.problem.id(),
                &r.reason,
                &r.origin,
            ],
        )?;
    }
    out.into_inner().map_err(csv_error)
}

/// The line an entry stands on (header addresses: the line of their span).
fn line_of(send: &Mailing, origin: &Origin) -> usize {
    if origin.line > 0 {
        origin.line
    } else {
        send.sources
            .get(origin.source)
            .line_col(origin.span.start)
            .0
    }
}

/// Recipients' names, read again from the CSV lists (the recipient loader keeps addresses and
/// consent only), by source and the line each record starts on.
struct Names {
    by_line: HashMap<(usize, usize), (String, String)>,
}

impl Names {
    fn read(send: &Mailing) -> Names {
        let mut by_line = HashMap::new();
        for list in send.recipients.lists() {
            read_names(send, list, &mut by_line);
        }
        Names { by_line }
    }

    fn get(&self, origin: &Origin) -> (String, String) {
        self.by_line
            .get(&(origin.source.0, origin.line))
            .cloned()
            .unwrap_or_default()
    }
}

/// Reads the name columns of one CSV list, if it has a header row naming them.
fn read_names(
    send: &Mailing,
    list: &RecipientList,
    out: &mut HashMap<(usize, usize), (String, String)>,
) {
    let Some(column) = &list.column else {
        return;
    };
    let text = &send.sources.get(list.source).text;
    // A header row names the address column in its own cell; a header-less list names it
    // by position ("column 2").
    let cell = text
        .get(column.span.clone())
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    if cell != column.name {
        return;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(crate::load::recipients::csv::detect_delimiter(text))
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut columns: Option<NameIndexes> = None;
    let (mut counted_to, mut line) = (0usize, 1usize);
    while let Ok(true) = reader.read_record(&mut record) {
        let Some(position) = record.position() else {
            break;
        };
        // The reader's position may stand before blank lines it skipped: the record starts
        // after them.
        let mut start = (position.byte() as usize).min(text.len());
        while text[start..].starts_with(['\r', '\n']) {
            start += 1;
        }
        line += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = start;
        match &columns {
            None => columns = Some(NameIndexes::find(&record)),
            Some(cols) => {
                let names = cols.names(&record);
                if names != (String::new(), String::new()) {
                    out.insert((list.source.0, line), names);
                }
            }
        }
    }
}

/// The list's name columns, by index.
struct NameIndexes {
    first: Option<usize>,
    last: Option<usize>,
    full: Option<usize>,
}

impl NameIndexes {
    fn find(header: &csv::StringRecord) -> NameIndexes {
        let names = &data().names;
        let lower: Vec<String> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
            .collect();
        let find = |wanted: &[String]| lower.iter().position(|h| wanted.contains(h));
        NameIndexes {
            first: find(&names.first),
            last: find(&names.last),
            full: find(&names.full),
        }
    }

    fn names(&self, record: &csv::StringRecord) -> (String, String) {
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
                .to_string()
        };
        if self.first.is_some() || self.last.is_some() {
            return (cell(self.first), cell(self.last));
        }
        split_name(&cell(self.full))
    }
}

/// "Ann Marie Smith" → ("Ann Marie", "Smith"); "Smith, Ann" → ("Ann", "Smith").
fn split_name(full: &str) -> (String, String) {
    let full = full.trim();
    if let Some((last, first)) = full.split_once(',') {
        return (first.trim().to_string(), last.trim().to_string());
    }
    match full.rsplit_once(char::is_whitespace) {
        Some((first, last)) => (first.trim().to_string(), last.trim().to_string()),
        None => (full.to_string(), String::new()),
    }
}

// ---------------------------------------------------------------------------------------------
// The HTML

/// The draft's HTML body and text body, as written. A body decoded into a source of its own
/// (a quoted-printable part, an Outlook item's body) or a template is that source; an 8-bit part
/// of a message lies inside the message's source, and is read again from it; MJML is rendered.
pub(crate) fn bodies(send: &Mailing, raw: &[u8]) -> (Option<String>, Option<String>) {
    let draft = &send.draft;
    let text = draft.text.as_ref().map(|t| t.content.clone());
    let Some(html) = &draft.html else {
        return (None, text);
    };
    if draft.format == DraftFormat::Mjml {
        // The draft's source is the MJML (spans are mapped back to it): render it again.
        let file = send.sources.get(draft.source);
        return (
            crate::load::draft::mjml::render(&file.name, &file.text).ok(),
            text,
        );
    }
    if html.source != draft.source || draft.format != DraftFormat::Message {
        return (Some(send.sources.get(html.source).text.clone()), text);
    }
    let parsed = crate::model::panic_guard::catch(|| MessageParser::default().parse(raw))
        .ok()
        .flatten();
    let html = parsed.and_then(|message| {
        message
            .html_body
            .iter()
            .filter_map(|&id| message.parts.get(id as usize))
            .find_map(|p| match &p.body {
                mail_parser::PartType::Html(t) => Some(t.to_string()),
                _ => None,
            })
    });
    (html, text)
}

/// The email's HTML for the service, and what its footer gained.
fn html(
    send: &Mailing,
    raw: &[u8],
    service: &Service,
    options: &Options,
    notes: &mut Vec<String>,
) -> Result<(String, Vec<String>), InputError> {
    let draft_name = send.sources.get(send.draft.source).file.clone();
    let subject = send.draft.header_value("Subject").unwrap_or("").to_string();
    let html = match bodies(send, raw) {
        (Some(html), _) => html,
        (None, Some(text)) => wrap_text(&text, &subject),
        (None, None) => {
            return Err(InputError::new(
                draft_name,
                "the draft has no text or HTML body to export",
            ))
        }
    };
    let html = html.trim_start_matches('\u{feff}').to_string();

    // Judge the body as the service will hold it: a bare template, headers left behind.
    let (template, missing) = template_view(&html, options.as_of)?;
    let mut html = html;
    let unsubscribe_url = service
        .unsubscribe_tag
        .clone()
        .or_else(|| options.unsubscribe_url.clone());
    let mut added = Vec::new();
    if let Some(url) = &unsubscribe_url {
        let fixed = repoint_placeholders(&template, &html, url);
        if fixed.1 > 0 {
            html = fixed.0;
            // Read after "added": "added the unsubscribe link `*|UNSUB|*` in place of 1 dead one".
            added.push(format!(
                "the unsubscribe link `{url}` in place of {} dead one{}",
                fixed.1,
                if fixed.1 == 1 { "" } else { "s" }
            ));
        }
    }
    let mut needs = missing;
    if !added.is_empty() {
        // The dead links work now.
        needs.unsubscribe = false;
    }

    let from_name = identification::from_display_name(&send.draft);
    let from_address = send.draft.from_address();
    let values = FooterValues {
        name: service
            .name_tag
            .clone()
            .or_else(|| from_name.clone())
            .or_else(|| from_address.clone()),
        address: service
            .address_tag
            .clone()
            .or_else(|| options.address.clone()),
        contact: from_address.clone(),
        unsubscribe: unsubscribe_url.clone(),
    };
    if needs.identity && values.name.is_none() {
        return Err(InputError::new(
            draft_name,
            "the footer needs the sender's name, and the draft has no From header to take it from",
        ));
    }
    if needs.identity && values.address.is_none() {
        return Err(InputError::new(
            "--address",
            format!(
                "the email has no mailing address, and {} has no address merge tag bulklint knows: pass --address \"your postal address\" (CASL and CAN-SPAM require one in every message)",
                service.name
            ),
        ));
    }
    if needs.contact && values.contact.is_none() {
        needs.contact = false;
        notes.push("the email gives no telephone number, email address or web address, and the draft has no From address to add: add one to the footer".into());
    }
    if needs.unsubscribe && values.unsubscribe.is_none() {
        needs.unsubscribe = false;
        notes.push(format!(
            "the email has no unsubscribe link: add {}'s unsubscribe merge tag to the footer, or pass --unsubscribe-url",
            service.name
        ));
    }
    if needs.identity {
        added.push(match (&service.name_tag, &service.address_tag) {
            (Some(n), Some(a)) => format!("the sender's name `{n}` and address `{a}`"),
            _ => "the sender's name and mailing address".to_string(),
        });
        if service.address_tag.is_none() {
            if let Some(address) = &options.address {
                if crate::rules::checks::sender_identification::detectors()
                    .find_address(address)
                    .is_none()
                {
                    notes.push(format!("bulklint does not read `{address}` as a mailing address (a street and postal code, or a post office box); check it"));
                }
            }
        }
    }
    if needs.contact {
        added.push(format!(
            "a contact line ({})",
            values.contact.as_deref().unwrap_or("")
        ));
    }
    if needs.unsubscribe {
        added.push(format!(
            "the unsubscribe link `{}`",
            values.unsubscribe.as_deref().unwrap_or("")
        ));
    }
    if needs.any() {
        html = insert_html_footer(&html, &footer_html(&values, &needs));
    }

    // What a check of the result still finds is the user's to settle.
    let after = check_template(&html, options.as_of)?;
    for f in after.iter().filter(|f| f.severity == Severity::Error) {
        notes.push(format!(
            "`bulklint check` on {HTML_FILE}: {}: {}",
            f.rule, f.message
        ));
    }
    Ok((html, added))
}

fn template_send(html: &str, as_of: Date) -> Result<Mailing, InputError> {
    let options = assemble::Options {
        as_of: Some(as_of),
        ..assemble::Options::default()
    };
    assemble::load(
        Input {
            name: HTML_FILE.into(),
            bytes: html.as_bytes().to_vec(),
        },
        vec![],
        &options,
    )
}

/// The body as a template send, and what it lacks (`unsubscribe::analyze`,
/// `identification::identify`).
fn template_view(html: &str, as_of: Date) -> Result<(Mailing, Needs), InputError> {
    let send = template_send(html, as_of)?;
    let analysis = unsubscribe::analyze(
        &send.draft,
        &send.sources,
        &send.body_tags,
        &rules::params().unsubscribe_placeholder,
    );
    let found = identification::identify(
        crate::rules::checks::sender_identification::detectors(),
        &send.draft,
        &send.sources,
        &send.body_tags,
    );
    let needs = Needs {
        identity: found.name.is_none() || found.address.is_none(),
        contact: found.contact.is_none(),
        unsubscribe: !analysis.has_working(),
    };
    Ok((send, needs))
}

fn check_template(html: &str, as_of: Date) -> Result<Vec<crate::Finding>, InputError> {
    let send = template_send(html, as_of)?;
    Ok(crate::rules::engine::run(&send, &Default::default()))
}

/// Points the template's dead unsubscribe links (`href="#"`, …) at `url`; returns the new
/// HTML and how many links changed.
fn repoint_placeholders(template: &Mailing, html: &str, url: &str) -> (String, usize) {
    let analysis = unsubscribe::analyze(
        &template.draft,
        &template.sources,
        &template.body_tags,
        &rules::params().unsubscribe_placeholder,
    );
    let mut spans: Vec<Range<usize>> = analysis
        .placeholders
        .iter()
        .filter(|p| p.label.source == template.draft.source)
        .map(|p| p.link.span.clone())
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.start));
    spans.dedup();
    let mut out = html.to_string();
    let mut changed = 0;
    for span in spans {
        let Some(tag) = out.get(span.clone()) else {
            continue;
        };
        let replacement = match href_value(tag) {
            Some(value) => format!(
                "{}{}{}",
                &tag[..value.start],
                escape(url),
                &tag[value.end..]
            ),
            None if tag.len() > 2 => format!("{} href=\"{}\"{}", &tag[..2], escape(url), &tag[2..]),
            None => continue,
        };
        out.replace_range(span, &replacement);
        changed += 1;
    }
    (out, changed)
}

/// The byte range of the `href` attribute's value inside a start tag (without its quotes).
fn href_value(tag: &str) -> Option<Range<usize>> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("href") {
        let at = from + i;
        from = at + 4;
        let before = lower[..at].chars().next_back();
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let rest = &tag[at + 4..];
        let trimmed = rest.trim_start();
        let Some(after_eq) = trimmed.strip_prefix('=') else {
            continue;
        };
        let value = after_eq.trim_start();
        let start = tag.len() - value.len();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let end = value[1..].find(q).map_or(tag.len(), |e| start + 1 + e);
                start + 1..end
            }
            _ => {
                let end = value
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .map_or(tag.len(), |e| start + e);
                start..end
            }
        });
    }
    None
}

/// A text body as a minimal HTML page: paragraphs at blank lines, links made clickable.
fn wrap_text(text: &str, subject: &str) -> String {
    static URL: OnceLock<regex::Regex> = OnceLock::new();
    let url = URL.get_or_init(|| {
        regex::Regex::new(r#"https?://[^\s<>"]+[^\s<>".,;:!?)]"#).expect("URL pattern compiles")
    });
    let w = &data().html_wrapper;
    let mut out = fill(&w.start, &[("subject", escape(subject))]);
    let normalized = text.replace("\r\n", "\n");
    for para in normalized
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let lines: Vec<String> = para
            .lines()
            .map(|line| {
                let mut html = String::new();
                let mut last = 0;
                for m in url.find_iter(line) {
                    html.push_str(&escape(&line[last..m.start()]));
                    let href = escape(m.as_str());
                    html.push_str(&format!("<a href=\"{href}\">{href}</a>"));
                    last = m.end();
                }
                html.push_str(&escape(&line[last..]));
                html
            })
            .collect();
        out.push_str(&format!("<p>{}</p>\n", lines.join("<br>\n")));
    }
    out.push_str(w.end.trim_start_matches('\n'));
    out
}

// ---------------------------------------------------------------------------------------------
// NEXT-STEPS.md

/// What the footer gained, for NEXT-STEPS.md.
fn footer_summary(added: &[String]) -> String {
    if added.is_empty() {
        "as in the draft, which already has an unsubscribe link and identifies its sender".into()
    } else {
        format!("bulklint added {}", added.join("; "))
    }
}

fn next_steps(
    send: &Mailing,
    service: &Service,
    columns: &[String],
    counts: &[(&'static str, String)],
) -> String {
    let from_address = send.draft.from_address().unwrap_or_default();
    let from_name =
        identification::from_display_name(&send.draft).unwrap_or_else(|| from_address.clone());
    let domain =
        crate::model::address::domain(&from_address).unwrap_or_else(|| "your domain".into());
    let subject = send
        .draft
        .header_value("Subject")
        .unwrap_or("your newsletter")
        .to_string();
    let mut pairs = vec![
        ("audience", AUDIENCE_FILE.to_string()),
        ("rejected", REJECTED_FILE.to_string()),
        ("html", HTML_FILE.to_string()),
        ("columns", columns.join(",")),
        ("from-name", from_name),
        ("from-address", from_address),
        ("subject", subject),
        ("domain", domain),
    ];
    pairs.extend(counts.iter().cloned());
    let mut text = fill(service.next_steps.trim_start(), &pairs);
    if !service.import_doc.is_empty() {
        text.push_str(&format!(
            "\nThe audience file follows {}'s import guide: {}\n",
            service.name, service.import_doc
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::services::services;

    #[test]
    fn every_service_tag_is_one_merge_tags_toml_lists_for_its_esp() {
        for s in services() {
            let Some(esp_id) = &s.esp else {
                assert!(
                    s.unsubscribe_tag.is_none() && s.name_tag.is_none() && s.address_tag.is_none(),
                    "{}",
                    s.id
                );
                continue;
            };
            let esp = crate::analysis::merge_tags::table()
                .esps
                .iter()
                .find(|e| &e.id == esp_id)
                .unwrap_or_else(|| panic!("{}: no ESP `{esp_id}` in merge-tags.toml", s.id));
            if let Some(tag) = &s.unsubscribe_tag {
                assert!(esp.unsubscribe.contains(tag), "{}: {tag}", s.id);
            }
            for tags in [&s.name_tag, &s.address_tag].into_iter().flatten() {
                for tag in crate::analysis::merge_tags::find(tags) {
                    let written = &tags[tag.span];
                    assert!(
                        esp.address.iter().any(|a| a == written),
                        "{}: {written} is not an address tag of {}",
                        s.id,
                        esp.id
                    );
                }
            }
        }
        assert!(service(&data().suggested).is_some());
    }

    #[test]
    fn fill_leaves_merge_tags_alone() {
        let pairs = [
            ("unsubscribe", "U".to_string()),
            ("name", "{name}".to_string()),
        ];
        assert_eq!(fill("<a href=\"{unsubscribe}\">", &pairs), "<a href=\"U\">");
        assert_eq!(
            fill("{{{unsubscribe}}} {{ unsubscribe }}", &pairs),
            "{{{unsubscribe}}} {{ unsubscribe }}"
        );
        assert_eq!(fill("{name} {unknown} {", &pairs), "{name} {unknown} {");
    }

    #[test]
    fn names_split() {
        assert_eq!(
            split_name("Ann Marie Smith"),
            ("Ann Marie".into(), "Smith".into())
        );
        assert_eq!(split_name("Smith, Ann"), ("Ann".into(), "Smith".into()));
        assert_eq!(split_name("Cher"), ("Cher".into(), String::new()));
    }

    #[test]
    fn footer_goes_before_the_body_end() {
        let out = insert_html_footer("<html><body><p>Hi</p></BODY></html>", "<p>F</p>");
        assert_eq!(out, "<html><body><p>Hi</p>\n<p>F</p></BODY></html>");
        assert_eq!(
            insert_html_footer("<p>Hi</p>", "<p>F</p>"),
            "<p>Hi</p>\n<p>F</p>"
        );
    }

    #[test]
    fn href_values_are_found_in_start_tags() {
        let tag = "<a class=\"x\" href='#'>";
        assert_eq!(&tag[href_value(tag).unwrap()], "#");
        let tag = "<a data-href=\"no\" HREF = \"\">";
        assert_eq!(&tag[href_value(tag).unwrap()], "");
        assert_eq!(href_value("<a name=\"top\">"), None);
    }

    #[test]
    fn text_bodies_become_paragraphs_with_links() {
        let html = wrap_text(
            "Hi <you>,\n\nOrder at https://x.example/order.\nThanks",
            "Sale & more",
        );
        assert!(html.contains("<title>Sale &amp; more</title>"), "{html}");
        assert!(html.contains("<p>Hi &lt;you&gt;,</p>"), "{html}");
        assert!(
            html.contains("<a href=\"https://x.example/order\">https://x.example/order</a>.<br>"),
            "{html}"
        );
    }
}
