//! Batches of already-merged messages (mail-merge output, a Sent folder export) judged as one
//! send, and the readers for the mailbox formats they come in: mbox, Maildir, a folder of `.eml`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::check::Input;
use crate::draft;
use crate::error::InputError;
use crate::fingerprint::{self, Fingerprint};
use crate::minhash::{self, Signature};
use crate::recipients::is_internal;
use crate::send::Send;
use crate::source::Sources;

/// Where one message of a mailbox was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (for an mbox, the mbox file).
    pub file: String,
    /// 1-based position of the message in an mbox.
    pub index: Option<usize>,
    /// 1-based line of the message's `From ` separator in an mbox.
    pub line: Option<usize>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            index: None,
            line: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.index, self.line) {
            (Some(i), Some(l)) => write!(f, "{}:{l} (message {i})", self.file),
            (Some(i), None) => write!(f, "{} (message {i})", self.file),
            (None, Some(l)) => write!(f, "{}:{l}", self.file),
            (None, None) => f.write_str(&self.file),
        }
    }
}

/// One message as read from a mailbox, not yet parsed.
#[derive(Debug, Clone)]
pub struct RawMessage {
    pub location: Location,
    pub bytes: Vec<u8>,
}

/// How a mailbox path was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailboxKind {
    Mbox,
    Maildir,
    /// A folder of `.eml` files (and `.mbox` files), walked recursively.
    Folder,
    /// One message file.
    Message,
}

impl MailboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailboxKind::Mbox => "mbox",
            MailboxKind::Maildir => "Maildir",
            MailboxKind::Folder => "folder",
            MailboxKind::Message => "message",
        }
    }
}

/// Whether a path names an mbox file by its extension: such files are batches without `--batch`.
pub fn is_mbox_path(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("mbox"))
}

/// Reads every message under `path`: an mbox file, a Maildir (`cur/` and `new/`), a folder of
/// `.eml` (and `.mbox`) files, or a single message file. Messages come in a stable order.
pub fn read_mailbox(path: &Path) -> Result<(MailboxKind, Vec<RawMessage>), InputError> {
    let name = path.display().to_string();
    if path.is_file() {
        let bytes =
            std::fs::read(path).map_err(|e| InputError::new(&name, format!("cannot read: {e}")))?;
        return Ok(if looks_like_mbox(&bytes) {
            (MailboxKind::Mbox, split_mbox(&name, &bytes))
        } else {
            (
                MailboxKind::Message,
                vec![RawMessage {
                    location: Location::file(name),
                    bytes,
                }],
            )
        });
    }
    if !path.is_dir() {
        return Err(InputError::new(name, "no such file or directory"));
    }
    let maildir = ["cur", "new"].iter().any(|d| path.join(d).is_dir());
    let mut messages = Vec::new();
    let kind = if maildir {
        for sub in ["cur", "new"] {
            let dir = path.join(sub);
            if !dir.is_dir() {
                continue;
            }
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|e| {
                    InputError::new(dir.display().to_string(), format!("cannot read: {e}"))
                })?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && !p
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            files.sort();
            for f in files {
                messages.push(read_file(&f)?);
            }
        }
        MailboxKind::Maildir
    } else {
        let files = crate::inputs::walk(path, None, &["eml".to_string(), "mbox".to_string()]);
        for f in files {
            let is_mbox = f
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("mbox"));
            let raw = read_file(&f)?;
            if is_mbox && looks_like_mbox(&raw.bytes) {
                messages.extend(split_mbox(&raw.location.file, &raw.bytes));
            } else {
                messages.push(raw);
            }
        }
        MailboxKind::Folder
    };
    if messages.is_empty() {
        return Err(InputError::new(
            name,
            if maildir {
                "this Maildir holds no messages (cur/ and new/ are empty)"
            } else {
                "no messages here (looked for .eml and .mbox files)"
            },
        ));
    }
    Ok((kind, messages))
}

fn read_file(path: &Path) -> Result<RawMessage, InputError> {
    let name = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| InputError::new(&name, format!("cannot read: {e}")))?;
    Ok(RawMessage {
        location: Location::file(name),
        bytes,
    })
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// An mbox starts with a `From ` separator line (after an optional byte-order mark).
pub fn looks_like_mbox(bytes: &[u8]) -> bool {
    strip_bom(bytes).starts_with(b"From ")
}

/// Splits an mbox into messages. A `From ` line separates messages when it opens the file, or
/// when it reads like an envelope line (a sender, then a timestamp) and a header field follows
/// it: writers that do not quote body lines (the "mboxo" and Thunderbird variants) leave
/// "From Russia with love" in bodies, and such a line is body text, not a new message. Quoted lines (`>From `, `>>From `, …) lose one `>`
/// (mboxrd), which is also right for mboxo files, where only `>From ` occurs.
pub fn split_mbox(file: &str, bytes: &[u8]) -> Vec<RawMessage> {
    let bytes = strip_bom(bytes);
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let is_separator = |i: usize| {
        let line = lines[i];
        if !line.starts_with(b"From ") {
            return false;
        }
        if i == 0 {
            return true;
        }
        let header_follows = lines
            .get(i + 1)
            .is_some_and(|next| looks_like_header_line(next));
        header_follows && is_envelope_line(&line[5..])
    };
    let mut out = Vec::new();
    let mut current: Option<(usize, Vec<u8>)> = None;
    let mut index = 0;
    for (i, &line) in lines.iter().enumerate() {
        if is_separator(i) {
            if let Some((line, body)) = current.take() {
                index += 1;
                out.push(mbox_message(file, index, line, body));
            }
            current = Some((i + 1, Vec::new()));
            continue;
        }
        let Some((_, body)) = current.as_mut() else {
            continue;
        };
        let quoted = line
            .iter()
            .position(|&b| b != b'>')
            .is_some_and(|p| p > 0 && line[p..].starts_with(b"From "));
        if quoted {
            body.extend_from_slice(&line[1..]);
        } else {
            body.extend_from_slice(line);
        }
    }
    if let Some((line, body)) = current.take() {
        index += 1;
        out.push(mbox_message(file, index, line, body));
    }
    out
}

fn mbox_message(file: &str, index: usize, line: usize, mut body: Vec<u8>) -> RawMessage {
    // The blank line before the next separator belongs to the mbox format, not the message.
    if body.ends_with(b"\r\n\r\n") {
        body.truncate(body.len() - 2);
    } else if body.ends_with(b"\n\n") {
        body.truncate(body.len() - 1);
    }
    RawMessage {
        location: Location {
            file: file.to_string(),
            index: Some(index),
            line: Some(line),
        },
        bytes: body,
    }
}

/// What follows `From ` on a real separator (RFC 4155): an envelope sender and a timestamp —
/// `- Mon Jun  3 12:50:27 1996` (Thunderbird), `ann@example.com Wed Mar  5 09:00:00 2025`, or an
/// address alone (Gmail Takeout writes `From 1844347792267117879@xxx`). "From Russia with love"
/// has neither an address nor a time.
fn is_envelope_line(rest: &[u8]) -> bool {
    let text = String::from_utf8_lossy(rest);
    let mut tokens = text.split_whitespace();
    let Some(sender) = tokens.next() else {
        return false;
    };
    if sender == "-" || sender.contains('@') {
        return true;
    }
    let rest: Vec<&str> = tokens.collect();
    let has_time = rest.iter().any(|t| {
        let parts: Vec<&str> = t.split(':').collect();
        parts.len() >= 2
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
    });
    let has_year = rest
        .iter()
        .any(|t| t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()));
    has_time && has_year
}

/// `Name: value` with a field name of printable ASCII and no spaces.
fn looks_like_header_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0 && line[..colon].iter().all(|&b| b.is_ascii_graphic())
}

/// The Date header of a raw message as UTC seconds: `Ok(None)` when there is none,
/// `Err(value)` when it does not parse.
pub fn message_date(bytes: &[u8]) -> Result<Option<i64>, String> {
    let Some(message) = mail_parser::MessageParser::default().parse_headers(bytes) else {
        return Ok(None);
    };
    let raw = message
        .headers()
        .iter()
        .find(|h| h.name == mail_parser::HeaderName::Date)
        .map(|h| {
            String::from_utf8_lossy(
                &bytes[h.offset_start as usize..(h.offset_end as usize).min(bytes.len())],
            )
            .trim()
            .to_string()
        });
    match (message.date(), raw) {
        (Some(d), _) if d.is_valid() => Ok(Some(d.to_timestamp())),
        (_, Some(raw)) => Err(raw),
        (_, None) => Ok(None),
    }
}

/// The From address of a raw message, lower-cased, from its headers alone.
pub fn message_sender(bytes: &[u8]) -> Option<String> {
    let message = mail_parser::MessageParser::default().parse_headers(bytes)?;
    message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address.as_ref())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty())
}

/// One merged message of a batch, reduced to what volume and body checks need.
#[derive(Debug, Clone)]
pub struct BatchMessage {
    pub location: Location,
    pub from: Option<String>,
    /// To, Cc and Bcc addresses as written.
    pub recipients: Vec<String>,
    /// The Date header in UTC seconds, when it has one that parses.
    pub date: Option<i64>,
    pub subject: Option<String>,
    pub fingerprint: Option<Fingerprint>,
    pub signature: Option<Signature>,
}

/// Already-merged messages judged as one send.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The path as given.
    pub name: String,
    pub kind: MailboxKind,
    pub messages: Vec<BatchMessage>,
    /// Messages that could not be read, with why: reported, never dropped silently.
    pub problems: Vec<(Location, String)>,
}

/// Messages of a batch that share one body (same fingerprint, or near-duplicates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Indexes into [`Batch::messages`], in batch order; the first is the representative.
    pub members: Vec<usize>,
}

/// The busiest minute of a batch by its Date headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peak {
    /// Messages dated within 60 seconds of `start`.
    pub messages: u64,
    pub start: i64,
}

impl Batch {
    /// Reads each raw message as a draft would be read, keeping what the batch checks need.
    pub fn build(name: impl Into<String>, kind: MailboxKind, raw: &[RawMessage]) -> Batch {
        let mut messages = Vec::with_capacity(raw.len());
        let mut problems = Vec::new();
        for m in raw {
            let mut sources = Sources::default();
            let label = m.location.to_string();
            let loaded = guard(|| draft::load(&mut sources, &label, m.bytes.clone()));
            match loaded {
                Ok(d) if d.format == draft::DraftFormat::Message => {
                    let body = d.visible_text();
                    let has_body = !body.trim().is_empty();
                    messages.push(BatchMessage {
                        location: m.location.clone(),
                        from: d.from_address().map(|a| a.to_lowercase()),
                        recipients: d.recipients.iter().map(|r| r.address.clone()).collect(),
                        date: message_date(&m.bytes).ok().flatten(),
                        subject: d.header_value("Subject").map(|s| s.trim().to_string()),
                        fingerprint: has_body.then(|| fingerprint::fingerprint(body)),
                        signature: minhash::signature(body),
                    });
                }
                Ok(_) => problems.push((
                    m.location.clone(),
                    "not a message: no header fields".to_string(),
                )),
                Err(e) => problems.push((m.location.clone(), e.message)),
            }
        }
        Batch {
            name: name.into(),
            kind,
            messages,
            problems,
        }
    }

    /// Recipients across messages, each message counting its own (providers count a recipient
    /// of two messages twice).
    pub fn recipient_total(&self) -> u64 {
        self.messages
            .iter()
            .map(|m| m.recipients.len() as u64)
            .sum()
    }

    /// External recipients across messages, counted the same way.
    pub fn external_total(&self, org_domains: &[String]) -> u64 {
        self.messages
            .iter()
            .flat_map(|m| &m.recipients)
            .filter(|a| !is_internal(&crate::address::domain(a).unwrap_or_default(), org_domains))
            .count() as u64
    }

    /// The message with the most recipients.
    pub fn largest_message(&self) -> Option<&BatchMessage> {
        self.messages.iter().max_by_key(|m| m.recipients.len())
    }

    /// The most common From address.
    pub fn sender(&self) -> Option<String> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for f in self.messages.iter().filter_map(|m| m.from.as_deref()) {
            *counts.entry(f).or_default() += 1;
        }
        let mut best: Vec<_> = counts.into_iter().collect();
        best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        best.first().map(|(f, _)| f.to_string())
    }

    /// Groups messages by body: the same exact fingerprint, or a MinHash similarity of at least
    /// `threshold` to a group's first message. Largest group first; bodiless messages are left
    /// out. Greedy leader clustering: each message joins the first group it matches.
    pub fn clusters(&self, threshold: f64) -> Vec<Cluster> {
        let mut clusters: Vec<Cluster> = Vec::new();
        let mut by_print: HashMap<&Fingerprint, usize> = HashMap::new();
        for (i, m) in self.messages.iter().enumerate() {
            let Some(print) = &m.fingerprint else {
                continue;
            };
            if let Some(&c) = by_print.get(print) {
                clusters[c].members.push(i);
                continue;
            }
            let near = m.signature.as_ref().and_then(|sig| {
                clusters.iter().position(|c| {
                    self.messages[c.members[0]]
                        .signature
                        .as_ref()
                        .is_some_and(|rep| rep.similarity(sig) >= threshold)
                })
            });
            let c = near.unwrap_or_else(|| {
                clusters.push(Cluster {
                    members: Vec::new(),
                });
                clusters.len() - 1
            });
            clusters[c].members.push(i);
            by_print.insert(print, c);
        }
        clusters.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(a.members[0].cmp(&b.members[0]))
        });
        clusters
    }

    /// The largest number of messages dated within any 60 seconds, when at least two messages
    /// carry a Date.
    pub fn peak_per_minute(&self) -> Option<Peak> {
        let mut dates: Vec<i64> = self.messages.iter().filter_map(|m| m.date).collect();
        if dates.len() < 2 {
            return None;
        }
        dates.sort_unstable();
        let mut best = Peak {
            messages: 0,
            start: dates[0],
        };
        let mut lo = 0;
        for hi in 0..dates.len() {
            while dates[hi] - dates[lo] >= 60 {
                lo += 1;
            }
            let n = (hi - lo + 1) as u64;
            if n > best.messages {
                best = Peak {
                    messages: n,
                    start: dates[lo],
                };
            }
        }
        Some(best)
    }

    /// The recipients of every message but `skip` (the one loaded as the draft, whose own
    /// headers already name its recipients), as a CSV list with the message each came from, so
    /// recipient findings point at a line that names the message.
    pub fn recipients_list(&self, skip: Option<usize>) -> Input {
        let mut text = String::from("email,message\n");
        for (i, m) in self.messages.iter().enumerate() {
            if Some(i) == skip {
                continue;
            }
            for r in &m.recipients {
                text.push_str(&csv_field(r));
                text.push(',');
                text.push_str(&csv_field(&m.location.to_string()));
                text.push('\n');
            }
        }
        Input {
            name: format!(
                "{} (recipients of {} messages)",
                self.name,
                self.messages.len()
            ),
            bytes: text.into_bytes(),
        }
    }
}

/// Runs a loader on one message of many, turning a panic in a parser (mail-parser asserts on
/// some malformed MIME in debug builds) into an input error for that message alone, so one bad
/// message in a Sent folder cannot stop the others from being read.
pub fn guard<T>(load: impl FnOnce() -> Result<T, InputError>) -> Result<T, InputError> {
    crate::panic_guard::catch(load).unwrap_or_else(|_| {
        Err(InputError::new(
            "message",
            "the MIME parser gave up on this message (malformed structure)",
        ))
    })
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// The volume of a send as providers count it: one message to its unique recipients, or a
/// batch of messages each counting its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub recipients: u64,
    pub external: u64,
    pub messages: u64,
    /// Recipients of the message with the most (per-message limits apply to it).
    pub largest_message: u64,
    /// Which message that is, in a batch.
    pub largest_message_at: Option<Location>,
}

impl Volume {
    pub fn internal(&self) -> u64 {
        self.recipients - self.external
    }
}

pub fn volume(send: &Send) -> Volume {
    match &send.batch {
        Some(batch) => {
            let largest = batch.largest_message();
            Volume {
                recipients: batch.recipient_total(),
                external: batch.external_total(&send.org_domains),
                messages: batch.messages.len() as u64,
                largest_message: largest.map_or(0, |m| m.recipients.len() as u64),
                largest_message_at: largest.map(|m| m.location.clone()),
            }
        }
        None => Volume {
            recipients: send.recipient_count() as u64,
            external: send.external_count() as u64,
            messages: 1,
            largest_message: send.recipient_count() as u64,
            largest_message_at: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_mbox_on_separators_only_and_unquotes_from_lines() {
        let mbox = "\u{feff}From -\nFrom: a@example.com\nSubject: one\n\nThis is my favourite film:\n\nFrom Russia with love\n\n>From the archive\n>>From deeper\n\nFrom b@example.com Mon Jun  3 12:50:27 1996\nFrom: b@example.com\nSubject: two\n\nbody two\n";
        let msgs = split_mbox("x.mbox", mbox.as_bytes());
        assert_eq!(msgs.len(), 2);
        let first = String::from_utf8(msgs[0].bytes.clone()).unwrap();
        assert!(first.contains("\nFrom Russia with love\n"), "{first}");
        assert!(
            first.contains("\nFrom the archive\n>From deeper\n"),
            "{first}"
        );
        assert!(first.ends_with(">From deeper\n"), "{first:?}");
        assert_eq!(msgs[0].location.to_string(), "x.mbox:1 (message 1)");
        assert_eq!(msgs[1].location.line, Some(12));
        assert!(msgs[1].bytes.starts_with(b"From: b@example.com\n"));
    }

    #[test]
    fn dates_parse_or_say_why_not() {
        assert_eq!(
            message_date(b"Date: Wed, 05 Mar 2025 09:00:00 +0000\nFrom: a@b.c\n\nx"),
            Ok(Some(1_741_165_200))
        );
        assert_eq!(message_date(b"From: a@b.c\n\nx"), Ok(None));
        assert!(message_date(b"Date: sometime soon\nFrom: a@b.c\n\nx").is_err());
    }

    #[test]
    fn peak_minute_uses_a_sliding_window() {
        let m = |date| BatchMessage {
            location: Location::file("x"),
            from: None,
            recipients: vec![],
            date: Some(date),
            subject: None,
            fingerprint: None,
            signature: None,
        };
        let batch = Batch {
            name: "b".into(),
            kind: MailboxKind::Folder,
            messages: vec![m(0), m(50), m(70), m(100), m(109), m(200)],
            problems: vec![],
        };
        assert_eq!(
            batch.peak_per_minute(),
            Some(Peak {
                messages: 4,
                start: 50
            })
        );
    }
}
