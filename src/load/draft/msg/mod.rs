//! Outlook `.msg` items (MS-OXMSG), as Outlook writes them on "Save As", read into the draft.
//!
//! Subject, sender, To/Cc/Bcc, the plain, HTML and compressed-RTF bodies, attachments and
//! transport headers are read.
//!
//! # Reading the file
//!
//! A `.msg` is a CFB (OLE2 structured storage) compound file. The container is read with the
//! `cfb` crate; the MAPI properties on top of it are read here: each variable-size property is
//! a stream `__substg1.0_PPPPTTTT` (property id, property type), and the fixed-size ones
//! (`PR_RECIPIENT_TYPE`, `PR_INTERNET_CPID`, …) are 16-byte entries of the
//! `__properties_version1.0` stream of their storage. Recipients are the storages
//! `__recip_version1.0_#XXXXXXXX`, attachments `__attach_version1.0_#XXXXXXXX`.
//!
//! We chose `cfb` plus our own property reading over the `msg_parser` crate (0.3.6), after
//! reading its source: it carries its own hand-written OLE reader instead of a maintained CFB
//! implementation (with `unwrap`s on its own state and unchecked indexing into tables read from
//! the file), exposes no raw properties (so no `PR_INTERNET_CPID`, no transport headers as
//! text, no way to tell an Exchange address from an SMTP one for our diagnostics), and its
//! LZFu dictionary is wrong: the last seven of the 207 bytes MS-OXRTFCP prescribes
//! (`\u\tab\tx`) are `\ul\ob\st` there, so compressed RTF that refers to them decodes to
//! garbage. Its RTF-to-HTML step needs the RTF to be valid UTF-8 and reads `\'hh` escapes as
//! Latin-1 whatever `\ansicpg` says. The property layer is a few hundred lines and `cfb` does
//! the part that is easy to get wrong (sector chains, the directory tree, mini streams).
//!
//! # Bodies
//!
//! `PR_HTML` (binary, in the `PR_INTERNET_CPID` code page) or `PR_BODY_HTML` (Unicode) is the
//! HTML body; `PR_BODY` the plain one. A draft written in Outlook's HTML editor may keep its
//! HTML only inside `PR_RTF_COMPRESSED`: that is decompressed (LZFu, MS-OXRTFCP) and, when the
//! RTF says `\fromhtml1`, the HTML is de-encapsulated (MS-OXRTFEX: the `{\*\htmltag…}` groups
//! plus the text outside `\htmlrtf` … `\htmlrtf0`). When the HTML cannot be recovered (native
//! rich text, a corrupt stream) the load records a [`LoadProblem`] saying so, and the plain
//! body is checked instead.
//!
//! # Headers and sources
//!
//! A `.msg` has no header block that a finding could point into, and the file itself is
//! binary. So the draft's source is a small text named `<file> (headers)`: the transport
//! headers (`PR_TRANSPORT_MESSAGE_HEADERS`) when the item has them (a received or sent item),
//! else header fields written from the properties — From, To, Cc, Bcc (one address a line),
//! Subject, and `X-Mailer: Microsoft Outlook`, since a `.msg` is an Outlook item by definition
//! and provider detection should say so. Fields the transport headers lack (Bcc, typically)
//! are added after them. Recipients come from the recipient table, each pointing at its
//! address in those fields. The bodies become sources of their own (`<file> (HTML body)`,
//! `<file> (text body)`); none of them claims to be lines of the file.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read, Seek};
use std::ops::Range;

use mail_parser::{HeaderValue, MessageParser};

use crate::load::draft::{
    html, AddressField, Attachment, Draft, DraftFormat, Header, HeaderAddress, LoadProblem,
    TextPart,
};
use crate::model::address;
use crate::model::error::InputError;
use crate::model::finding::Label;
use crate::model::source::Sources;

mod rtf;

pub use rtf::{decompress_rtf, rtf_body, RtfBody};

/// The first eight bytes of every CFB compound file (`.msg`, and also `.doc`, `.xls`, …).
pub const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Whether `bytes` start like a compound file.
pub fn is_compound_file(bytes: &[u8]) -> bool {
    bytes.starts_with(&CFB_MAGIC)
}

/// MAPI property ids (MS-OXPROPS).
mod id {
    pub const MESSAGE_CLASS: u16 = 0x001A;
    pub const SUBJECT: u16 = 0x0037;
    pub const SUBJECT_PREFIX: u16 = 0x003D;
    pub const SENT_REPRESENTING_NAME: u16 = 0x0042;
    pub const SENT_REPRESENTING_ADDRTYPE: u16 = 0x0064;
    pub const SENT_REPRESENTING_EMAIL_ADDRESS: u16 = 0x0065;
    pub const TRANSPORT_MESSAGE_HEADERS: u16 = 0x007D;
    pub const RECIPIENT_TYPE: u16 = 0x0C15;
    pub const SENDER_NAME: u16 = 0x0C1A;
    pub const SENDER_ADDRTYPE: u16 = 0x0C1E;
    pub const SENDER_EMAIL_ADDRESS: u16 = 0x0C1F;
    pub const NORMALIZED_SUBJECT: u16 = 0x0E1D;
    pub const ATTACH_SIZE: u16 = 0x0E20;
    pub const BODY: u16 = 0x1000;
    pub const RTF_COMPRESSED: u16 = 0x1009;
    pub const HTML: u16 = 0x1013;
    pub const DISPLAY_NAME: u16 = 0x3001;
    pub const ADDRTYPE: u16 = 0x3002;
    pub const EMAIL_ADDRESS: u16 = 0x3003;
    pub const ATTACH_DATA: u16 = 0x3701;
    pub const ATTACH_FILENAME: u16 = 0x3704;
    pub const ATTACH_METHOD: u16 = 0x3705;
    pub const ATTACH_LONG_FILENAME: u16 = 0x3707;
    pub const ATTACH_MIME_TAG: u16 = 0x370E;
    pub const SMTP_ADDRESS: u16 = 0x39FE;
    pub const INTERNET_CPID: u16 = 0x3FDE;
    pub const MESSAGE_CODEPAGE: u16 = 0x3FFD;
    pub const SENDER_SMTP_ADDRESS: u16 = 0x5D01;
    pub const SENT_REPRESENTING_SMTP_ADDRESS: u16 = 0x5D02;
}

/// MAPI property types.
mod ty {
    pub const LONG: u16 = 0x0003;
    pub const STRING8: u16 = 0x001E;
    pub const UNICODE: u16 = 0x001F;
    pub const BINARY: u16 = 0x0102;
}

/// `ATTACH_EMBEDDED_MSG`: the attachment is another Outlook item.
const ATTACH_EMBEDDED_MSG: i32 = 5;

fn tag(id: u16, ty: u16) -> u32 {
    (u32::from(id) << 16) | u32::from(ty)
}

/// The properties of one storage (the message, a recipient, an attachment).
#[derive(Default)]
struct Properties {
    /// Variable-size values (`__substg1.0_*` streams), by tag.
    streams: HashMap<u32, Vec<u8>>,
    /// Fixed-size values (`__properties_version1.0` entries), by tag: the 8-byte value field.
    fixed: HashMap<u32, [u8; 8]>,
    /// Sub-storages named like properties (`__substg1.0_3701000D`, an embedded message).
    objects: HashSet<u32>,
    /// The code page of 8-bit strings (`PR_MESSAGE_CODEPAGE` of the message).
    codepage: Option<u32>,
}

impl Properties {
    fn string(&self, id: u16) -> Option<String> {
        if let Some(raw) = self.streams.get(&tag(id, ty::UNICODE)) {
            let units: Vec<u16> = raw
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let s = String::from_utf16_lossy(&units);
            return Some(s.trim_end_matches('\0').to_string());
        }
        let raw = self.streams.get(&tag(id, ty::STRING8))?;
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        Some(decode_codepage(&raw[..end], self.codepage))
    }

    /// A string property that is present and not blank.
    fn text(&self, id: u16) -> Option<String> {
        self.string(id)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    fn binary(&self, id: u16) -> Option<&[u8]> {
        self.streams.get(&tag(id, ty::BINARY)).map(Vec::as_slice)
    }

    fn long(&self, id: u16) -> Option<i32> {
        self.fixed
            .get(&tag(id, ty::LONG))
            .map(|v| i32::from_le_bytes([v[0], v[1], v[2], v[3]]))
    }
}

/// Reads the properties of the storage at `path`. `header` is the size of the header of its
/// `__properties_version1.0` stream: 32 bytes for the top-level message, 8 for recipients and
/// attachments (MS-OXMSG 2.4.1).
fn read_properties<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    path: &str,
    header: usize,
    budget: &mut Budget,
) -> Result<Properties, String> {
    let mut props = Properties::default();
    let entries: Vec<(String, bool, u64)> = cf
        .read_storage(path)
        .map_err(|e| e.to_string())?
        .map(|e| (e.name().to_string(), e.is_stream(), e.len()))
        .collect();
    for (name, is_stream, len) in entries {
        let child = join(path, &name);
        if let Some(hex) = name.strip_prefix("__substg1.0_") {
            // Multi-valued properties have `-0000000N` suffixes: not needed here.
            let Ok(tag) = u32::from_str_radix(hex, 16) else {
                continue;
            };
            if hex.len() != 8 {
                continue;
            }
            if is_stream {
                props
                    .streams
                    .insert(tag, read_stream(cf, &child, len, budget)?);
            } else {
                props.objects.insert(tag);
            }
        } else if name == "__properties_version1.0" && is_stream {
            let raw = read_stream(cf, &child, len, budget)?;
            for entry in raw.get(header..).unwrap_or_default().chunks_exact(16) {
                let tag = u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
                let mut value = [0u8; 8];
                value.copy_from_slice(&entry[8..16]);
                props.fixed.insert(tag, value);
            }
        }
    }
    Ok(props)
}

fn join(path: &str, name: &str) -> String {
    if path.ends_with('/') {
        format!("{path}{name}")
    } else {
        format!("{path}/{name}")
    }
}

/// How many bytes of stream data one file may make us read: a corrupt directory that points
/// many streams at the same sectors must not turn a small file into gigabytes of reads.
struct Budget {
    left: u64,
    /// No real stream is longer than the file that holds it.
    file_len: u64,
}

fn read_stream<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    path: &str,
    len: u64,
    budget: &mut Budget,
) -> Result<Vec<u8>, String> {
    if len > budget.file_len || len > budget.left {
        return Err(format!(
            "stream {path} claims {len} bytes, more than the file holds"
        ));
    }
    budget.left -= len;
    let mut stream = cf.open_stream(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::with_capacity(len.min(budget.file_len) as usize);
    stream
        .by_ref()
        .take(len)
        .read_to_end(&mut out)
        .map_err(|e| format!("{path}: {e}"))?;
    Ok(out)
}

/// Storages of the given prefix (`__recip_version1.0_#`), in the order of their numbers.
fn numbered_storages<F: Read + Seek>(cf: &cfb::CompoundFile<F>, prefix: &str) -> Vec<String> {
    let mut found: Vec<(u32, String)> = match cf.read_storage("/") {
        Ok(entries) => entries
            .filter(|e| e.is_storage())
            .filter_map(|e| {
                let n = e.name().strip_prefix(prefix)?;
                Some((u32::from_str_radix(n, 16).ok()?, e.name().to_string()))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    found.sort();
    found
        .into_iter()
        .map(|(_, name)| join("/", &name))
        .collect()
}

/// A sender or recipient as the item stores it.
#[derive(Debug, Clone, Default)]
struct Person {
    name: Option<String>,
    /// The SMTP address, when there is one.
    address: Option<String>,
    /// What stands in place of an SMTP address when there is none (an Exchange DN).
    other_address: Option<String>,
}

impl Person {
    fn read(props: &Properties, name: u16, smtp: u16, email: u16, addrtype: u16) -> Self {
        let smtp = props.text(smtp).filter(|a| a.contains('@'));
        let email = props.text(email);
        let is_smtp_type = props
            .text(addrtype)
            .is_some_and(|t| t.eq_ignore_ascii_case("SMTP"));
        let email_is_smtp = email
            .as_deref()
            .is_some_and(|e| e.contains('@') && (is_smtp_type || !e.starts_with('/')));
        let address = smtp.or_else(|| email.clone().filter(|_| email_is_smtp));
        Person {
            name: props.text(name),
            other_address: if address.is_none() { email } else { None },
            address,
        }
    }

    fn is_empty(&self) -> bool {
        self.name.is_none() && self.address.is_none() && self.other_address.is_none()
    }
}

/// The parts of the item the draft model needs, before they become sources.
#[derive(Default)]
struct Item {
    subject: Option<String>,
    from: Option<Person>,
    recipients: Vec<(AddressField, Person)>,
    transport_headers: Option<String>,
    text: Option<String>,
    html: Option<(String, &'static str)>,
    attachments: Vec<Attachment>,
    /// Problems met on the way, with whether they concern the body (they point at it then).
    problems: Vec<(String, ProblemPlace)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProblemPlace {
    Body,
    Recipients,
    File,
}

fn read_item(bytes: &[u8]) -> Result<Item, String> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| format!("the compound file structure is broken ({e})"))?;
    let mut budget = Budget {
        left: (bytes.len() as u64).saturating_mul(4),
        file_len: bytes.len() as u64,
    };
    let mut root = read_properties(&mut cf, "/", 32, &mut budget)?;
    if root.streams.is_empty() && root.fixed.is_empty() {
        return Err(
            "this compound file holds no message properties (is it a Word, Excel or other Office file?)"
                .into(),
        );
    }
    root.codepage = root
        .long(id::MESSAGE_CODEPAGE)
        .and_then(|c| u32::try_from(c).ok());
    let mut item = Item::default();

    if let Some(class) = root.text(id::MESSAGE_CLASS) {
        let lower = class.to_ascii_lowercase();
        if !(lower.starts_with("ipm.note")
            || lower.starts_with("ipm.schedule")
            || lower.starts_with("ipm.post")
            || lower == "ipm")
        {
            item.problems.push((
                format!("this Outlook item is a `{class}`, not an email message; it was read as one as far as it goes"),
                ProblemPlace::File,
            ));
        }
    }

    item.subject = root.string(id::SUBJECT).or_else(|| {
        let normalized = root.string(id::NORMALIZED_SUBJECT)?;
        Some(format!(
            "{}{}",
            root.string(id::SUBJECT_PREFIX).unwrap_or_default(),
            normalized
        ))
    });
    // "From" is the mailbox the item is sent on behalf of; the sender, when it is absent.
    let representing = Person::read(
        &root,
        id::SENT_REPRESENTING_NAME,
        id::SENT_REPRESENTING_SMTP_ADDRESS,
        id::SENT_REPRESENTING_EMAIL_ADDRESS,
        id::SENT_REPRESENTING_ADDRTYPE,
    );
    let sender = Person::read(
        &root,
        id::SENDER_NAME,
        id::SENDER_SMTP_ADDRESS,
        id::SENDER_EMAIL_ADDRESS,
        id::SENDER_ADDRTYPE,
    );
    item.from = [representing, sender]
        .into_iter()
        .find(|p| p.address.is_some())
        .or_else(|| {
            let name = root
                .text(id::SENT_REPRESENTING_NAME)
                .or_else(|| root.text(id::SENDER_NAME))?;
            Some(Person {
                name: Some(name),
                ..Person::default()
            })
        });
    item.transport_headers = root
        .string(id::TRANSPORT_MESSAGE_HEADERS)
        .filter(|h| !h.trim().is_empty());

    for path in numbered_storages(&cf, "__recip_version1.0_#") {
        let mut props = read_properties(&mut cf, &path, 8, &mut budget)?;
        props.codepage = root.codepage;
        let field = match props.long(id::RECIPIENT_TYPE).map(|t| t & 0x0f) {
            Some(2) => AddressField::Cc,
            Some(3) => AddressField::Bcc,
            _ => AddressField::To,
        };
        let person = Person::read(
            &props,
            id::DISPLAY_NAME,
            id::SMTP_ADDRESS,
            id::EMAIL_ADDRESS,
            id::ADDRTYPE,
        );
        if !person.is_empty() {
            item.recipients.push((field, person));
        }
    }

    for path in numbered_storages(&cf, "__attach_version1.0_#") {
        let mut props = read_properties(&mut cf, &path, 8, &mut budget)?;
        props.codepage = root.codepage;
        let embedded = props.long(id::ATTACH_METHOD) == Some(ATTACH_EMBEDDED_MSG)
            || props.objects.contains(&tag(id::ATTACH_DATA, 0x000D));
        let size = props
            .binary(id::ATTACH_DATA)
            .map(<[u8]>::len)
            .or_else(|| {
                props
                    .long(id::ATTACH_SIZE)
                    .and_then(|s| usize::try_from(s).ok())
            })
            .unwrap_or(0);
        item.attachments.push(Attachment {
            name: props
                .text(id::ATTACH_LONG_FILENAME)
                .or_else(|| props.text(id::ATTACH_FILENAME))
                .or_else(|| props.text(id::DISPLAY_NAME)),
            content_type: props.text(id::ATTACH_MIME_TAG).unwrap_or_else(|| {
                if embedded {
                    "message/rfc822".into()
                } else {
                    "application/octet-stream".into()
                }
            }),
            size,
        });
    }

    item.text = root.string(id::BODY).filter(|b| !b.trim().is_empty());
    let cpid = root
        .long(id::INTERNET_CPID)
        .and_then(|c| u32::try_from(c).ok());
    if let Some(raw) = root.binary(id::HTML).filter(|b| !b.is_empty()) {
        let end = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        item.html = Some((decode_codepage(&raw[..end], cpid), "HTML body"));
    } else if let Some(html) = root.string(id::HTML).filter(|h| !h.trim().is_empty()) {
        item.html = Some((html, "HTML body"));
    } else if let Some(compressed) = root.binary(id::RTF_COMPRESSED) {
        let fallback = if item.text.is_some() {
            "the plain-text body was checked instead"
        } else {
            "and there is no plain-text body to check instead"
        };
        match decompress_rtf(compressed) {
            Err(why) => item.problems.push((
                format!("the RTF body (PR_RTF_COMPRESSED) could not be decompressed ({why}); {fallback}"),
                ProblemPlace::Body,
            )),
            Ok(rtf) => match rtf_body(&rtf) {
                RtfBody::Html(html) => item.html = Some((html, "HTML body, from RTF")),
                // Plain text wrapped in RTF: PR_BODY holds the same text.
                RtfBody::FromText if item.text.is_some() => {}
                RtfBody::FromText | RtfBody::Native => item.problems.push((
                    format!("the body is Outlook rich text (RTF) with no HTML inside, so its links and formatting cannot be checked; {fallback}. Write newsletters in HTML format (Format Text → HTML in Outlook)"),
                    ProblemPlace::Body,
                )),
            },
        }
    }

    let unreadable: Vec<&str> = item
        .recipients
        .iter()
        .filter(|(_, p)| p.address.is_none())
        .map(|(_, p)| {
            p.other_address
                .as_deref()
                .or(p.name.as_deref())
                .unwrap_or("?")
        })
        .collect();
    if !unreadable.is_empty() {
        let n = unreadable.len();
        item.problems.push((
            format!(
                "{n} recipient{} in the .msg {} no internet address, only an Exchange address or a name (first: `{}`); {} not counted. Resolve the names in Outlook (Check Names) and save again",
                if n == 1 { "" } else { "s" },
                if n == 1 { "has" } else { "have" },
                unreadable[0],
                if n == 1 { "it was" } else { "they were" },
            ),
            ProblemPlace::Recipients,
        ));
    }
    Ok(item)
}

/// Reads an Outlook `.msg` item into a draft.
pub fn load(sources: &mut Sources, name: &str, bytes: &[u8]) -> Result<Draft, InputError> {
    // Defence in depth: a bug in the container reader on hostile input must become a
    // diagnostic, not a crash.
    let item = crate::model::panic_guard::catch(|| read_item(bytes))
        .unwrap_or_else(|_| Err("the compound file structure is malformed".into()))
        .map_err(|why| InputError::new(name, format!("not a readable Outlook item: {why}")))?;

    let written = write_headers(&item);
    let source = sources.add_part(format!("{name} (headers)"), name, written.text.clone());
    let headers = parse_headers(&written.text);
    let mut recipients = Vec::new();
    for ((field, person), span) in item.recipients.iter().zip(&written.recipient_spans) {
        if let Some(address) = &person.address {
            recipients.push(HeaderAddress {
                field: *field,
                address: address.clone(),
                span: span.clone(),
            });
        }
    }
    if item.recipients.is_empty() {
        // No recipient table (a message saved by another tool): the transport headers say.
        for h in &headers {
            let field = match h.name.to_ascii_lowercase().as_str() {
                "to" => AddressField::To,
                "cc" => AddressField::Cc,
                "bcc" => AddressField::Bcc,
                _ => continue,
            };
            for address in address::extract_addresses(&h.value) {
                let span = find_in(&written.text, h.span.clone(), &address)
                    .unwrap_or_else(|| h.span.clone());
                recipients.push(HeaderAddress {
                    field,
                    address,
                    span,
                });
            }
        }
    }

    let html = item.html.as_ref().map(|(content, what)| {
        let src = sources.add_part(format!("{name} ({what})"), name, content.clone());
        html::parse(src, &sources.get(src).text, 0)
    });
    let text = item.text.as_ref().map(|content| {
        let src = sources.add_part(format!("{name} (text body)"), name, content.clone());
        TextPart {
            source: src,
            span: 0..content.len(),
            content: content.clone(),
        }
    });

    let mut problems: Vec<LoadProblem> = item
        .problems
        .iter()
        .map(|(message, place)| LoadProblem {
            warning: false,
            message: message.clone(),
            label: match place {
                ProblemPlace::Body => text.as_ref().map(|t| Label {
                    source: t.source,
                    span: sources.get(t.source).line_span(1),
                    text: "this plain-text body was checked instead".into(),
                }),
                ProblemPlace::Recipients => headers
                    .iter()
                    .find(|h| ["to", "cc", "bcc"].contains(&h.name.to_ascii_lowercase().as_str()))
                    .map(|h| Label {
                        source,
                        span: h.span.clone(),
                        text: "recipients".into(),
                    }),
                ProblemPlace::File => None,
            },
        })
        .collect();
    if html.is_none()
        && text.is_none()
        && !item.problems.iter().any(|(_, p)| *p == ProblemPlace::Body)
    {
        problems.push(LoadProblem {
            warning: false,
            message: "the Outlook item has no text or HTML body to check".into(),
            label: None,
        });
    }

    Ok(Draft {
        source,
        format: DraftFormat::Message,
        headers,
        recipients,
        text,
        html,
        attachments: item.attachments,
        problems,
        undecoded: Vec::new(),
    })
}

/// The header text of the item and where each recipient's address stands in it.
struct WrittenHeaders {
    text: String,
    /// One span per entry of `Item::recipients`.
    recipient_spans: Vec<Range<usize>>,
}

fn write_headers(item: &Item) -> WrittenHeaders {
    let mut text = String::new();
    let mut present: HashSet<String> = HashSet::new();
    if let Some(transport) = &item.transport_headers {
        // Only the header block: some writers store a blank line and more after it.
        let block = transport
            .replace("\r\n", "\n")
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .trim_end()
            .to_string();
        for line in block.lines() {
            if !line.starts_with([' ', '\t']) {
                if let Some((field, _)) = line.split_once(':') {
                    present.insert(field.trim().to_ascii_lowercase());
                }
            }
            text.push_str(line);
            text.push_str("\r\n");
        }
    }
    let mut spans: Vec<Option<Range<usize>>> = vec![None; item.recipients.len()];
    let from_transport = !text.is_empty();

    if !present.contains("from") {
        if let Some(from) = &item.from {
            let mut line = String::from("From: ");
            match (&from.name, &from.address) {
                (Some(n), Some(a)) if !n.eq_ignore_ascii_case(a) => {
                    line.push_str(&mailbox(Some(n), a))
                }
                (_, Some(a)) => line.push_str(a),
                (Some(n), None) => line.push_str(&quote_name(n)),
                (None, None) => {}
            }
            if line.len() > "From: ".len() {
                text.push_str(&line);
                text.push_str("\r\n");
            }
        }
    }
    for field in [AddressField::To, AddressField::Cc, AddressField::Bcc] {
        let members: Vec<usize> = item
            .recipients
            .iter()
            .enumerate()
            .filter(|(_, (f, p))| *f == field && p.address.is_some())
            .map(|(i, _)| i)
            .collect();
        if members.is_empty() || present.contains(&field.as_str().to_ascii_lowercase()) {
            continue;
        }
        text.push_str(field.as_str());
        text.push_str(": ");
        for (n, &i) in members.iter().enumerate() {
            if n > 0 {
                text.push_str(",\r\n ");
            }
            let person = &item.recipients[i].1;
            let address = person.address.as_deref().unwrap_or_default();
            let written = match &person.name {
                Some(name) if !name.eq_ignore_ascii_case(address) => mailbox(Some(name), address),
                _ => address.to_string(),
            };
            // The address is the last thing written, bar the closing `>`.
            let end = text.len() + written.len() - usize::from(written.ends_with('>'));
            text.push_str(&written);
            spans[i] = Some(end - address.len()..end);
        }
        text.push_str("\r\n");
    }
    if !present.contains("subject") {
        if let Some(subject) = &item.subject {
            let one_line: String = subject
                .chars()
                .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
                .collect();
            text.push_str("Subject: ");
            text.push_str(one_line.trim());
            text.push_str("\r\n");
        }
    }
    if !from_transport {
        text.push_str("X-Mailer: Microsoft Outlook\r\n");
    }

    // Recipients whose field came from the transport headers: find them there.
    let fields = field_spans(&text);
    let recipient_spans = item
        .recipients
        .iter()
        .zip(spans)
        .map(|((field, person), span)| {
            span.unwrap_or_else(|| {
                let name = field.as_str().to_ascii_lowercase();
                let field_span = fields
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, s)| s.clone())
                    .unwrap_or(0..0);
                person
                    .address
                    .as_deref()
                    .and_then(|a| {
                        fields
                            .iter()
                            .filter(|(n, _)| *n == name)
                            .find_map(|(_, s)| find_in(&text, s.clone(), a))
                    })
                    .unwrap_or(field_span)
            })
        })
        .collect();
    WrittenHeaders {
        text,
        recipient_spans,
    }
}

/// `Name <address>`, quoting the name when RFC 5322 needs it.
fn mailbox(name: Option<&String>, address: &str) -> String {
    match name {
        Some(n) => format!("{} <{address}>", quote_name(n)),
        None => address.to_string(),
    }
}

fn quote_name(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    if name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c)) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name
    }
}

/// Each header field of `text` (lower-cased name) with its span, continuation lines included.
fn field_spans(text: &str) -> Vec<(String, Range<usize>)> {
    let mut out: Vec<(String, Range<usize>)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\r', '\n']);
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.end = offset + content.len();
            }
        } else if let Some((name, _)) = content.split_once(':') {
            out.push((
                name.trim().to_ascii_lowercase(),
                offset..offset + content.len(),
            ));
        }
        offset += line.len();
    }
    out
}

/// Where `needle` stands (ASCII case-insensitively) inside `span` of `text`.
fn find_in(text: &str, span: Range<usize>, needle: &str) -> Option<Range<usize>> {
    let hay = text.get(span.clone())?.to_ascii_lowercase();
    let i = hay.find(&needle.to_ascii_lowercase())?;
    Some(span.start + i..span.start + i + needle.len())
}

/// The header fields of `text`, decoded as in an `.eml`, with their spans.
fn parse_headers(text: &str) -> Vec<Header> {
    let mut raw = text.as_bytes().to_vec();
    raw.extend_from_slice(b"\r\n");
    let Some(message) = MessageParser::default().parse_headers(&raw) else {
        return Vec::new();
    };
    let len = text.len();
    message
        .headers()
        .iter()
        .map(|h| {
            let start = (h.offset_field as usize).min(len);
            let mut end = (h.offset_end as usize).clamp(start, len);
            while end > start && matches!(raw[end - 1], b'\r' | b'\n') {
                end -= 1;
            }
            let value_start = (h.offset_start as usize).clamp(start, end);
            let unfolded = text
                .get(value_start..end)
                .unwrap_or_default()
                .split(['\r', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            Header {
                name: h.name.as_str().to_string(),
                value: match &h.value {
                    HeaderValue::Text(t) => t.to_string(),
                    _ => unfolded,
                },
                span: start..end,
            }
        })
        .collect()
}

/// Decodes 8-bit text in a Windows code page: UTF-8 when it is valid and no code page says
/// otherwise, the named code page when mail-parser knows it, else Windows-1252.
pub(super) fn decode_codepage(bytes: &[u8], codepage: Option<u32>) -> String {
    if bytes.is_ascii() {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let charset = match codepage {
        None | Some(65001) => {
            return match std::str::from_utf8(bytes) {
                Ok(s) => s.to_string(),
                Err(_) => bytes
                    .iter()
                    .map(|&b| crate::load::charset::cp1252(b))
                    .collect(),
            }
        }
        Some(1252) | Some(28591) | Some(20127) => {
            return bytes
                .iter()
                .map(|&b| crate::load::charset::cp1252(b))
                .collect()
        }
        Some(cp @ 1250..=1258) => format!("windows-{cp}"),
        Some(cp @ 28592..=28606) => format!("iso-8859-{}", cp - 28590),
        Some(874) => "windows-874".into(),
        Some(866) => "ibm866".into(),
        Some(932) => "shift_jis".into(),
        Some(936) => "gbk".into(),
        Some(949) => "euc-kr".into(),
        Some(950) => "big5".into(),
        Some(20866) => "koi8-r".into(),
        Some(21866) => "koi8-u".into(),
        Some(50220) => "iso-2022-jp".into(),
        Some(51932) => "euc-jp".into(),
        Some(_) => String::new(),
    };
    match mail_parser::decoders::charsets::map::charset_decoder(charset.as_bytes()) {
        Some(decode) => decode(bytes),
        None => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes
                .iter()
                .map(|&b| crate::load::charset::cp1252(b))
                .collect(),
        },
    }
}
