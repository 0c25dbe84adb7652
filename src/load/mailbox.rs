//! Mailbox formats that hold already-merged messages (mail-merge output, a Sent folder
//! export): mbox, Maildir, a folder of `.eml`, read into raw messages with their locations.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::load::input_limits;
use crate::model::error::InputError;

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
        let bytes = read_capped(path)?;
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
        let files = crate::load::inputs::walk(path, None, &["eml".to_string(), "mbox".to_string()]);
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

/// A mailbox file, read no further than the ceiling of any file: each message in it is held to
/// the draft limit when it is loaded.
fn read_capped(path: &Path) -> Result<Vec<u8>, InputError> {
    input_limits::read_file(path, input_limits::MAX_FILE_BYTES, None)
}

fn read_file(path: &Path) -> Result<RawMessage, InputError> {
    let name = path.display().to_string();
    let bytes = read_capped(path)?;
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

/// Runs a loader on one message of many, turning a panic in a parser (mail-parser asserts on
/// some malformed MIME in debug builds) into an input error for that message alone, so one bad
/// message in a Sent folder cannot stop the others from being read.
pub fn guard<T>(load: impl FnOnce() -> Result<T, InputError>) -> Result<T, InputError> {
    crate::model::panic_guard::catch(load).unwrap_or_else(|_| {
        Err(InputError::new(
            "message",
            "the MIME parser gave up on this message (malformed structure)",
        ))
    })
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
}
