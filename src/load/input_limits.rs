//! Input limits: how many bytes of one input and how deep a MIME tree bulklint reads, so that
//! hostile or broken input ends in a diagnostic instead of exhausting memory or the stack.
//!
//! The defaults suit any real draft or list; `[input]` in `bulklint.toml` changes them.

use std::io::Read;
use std::path::Path;

use mail_parser::parsers::MessageStream;
use mail_parser::{GetHeader, HeaderName, HeaderValue, MessageParser};
use serde::Deserialize;

use crate::model::error::InputError;

/// 64 MiB for a draft: above every provider's message size limit (Gmail 25 MB; Microsoft 365
/// 35 MB unless an admin raises it, 150 MB at most), so no sendable draft is refused.
pub const DEFAULT_MAX_DRAFT_BYTES: u64 = 64 * 1024 * 1024;

/// 1 GiB, the most bulklint reads from any one file, and the highest `max-draft-bytes`:
/// mail-parser keeps offsets as `u32`, and a check holds a few copies of its input in memory.
/// Recipient lists are held to this ceiling only (a million-row export with many columns is
/// several hundred megabytes).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// 100 nested multiparts or attached messages, Postfix's `mime_nesting_limit`. Real mail
/// nests three or four deep (mixed ⊃ related ⊃ alternative, a forwarded message or two).
pub const DEFAULT_MAX_MIME_DEPTH: usize = 100;

/// `max-mime-depth` may not exceed 1,000: mail-parser 0.11 builds each attached message inside
/// its parent and drops them recursively, so some hundred thousand levels overflow the stack.
pub const MAX_MAX_MIME_DEPTH: usize = 1000;

/// The limits in force for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct InputLimits {
    /// The largest draft read, in bytes (stdin included).
    pub max_draft_bytes: u64,
    /// The deepest MIME tree read: nested multiparts plus attached messages.
    pub max_mime_depth: usize,
    /// The largest recipient list read, in bytes.
    pub max_list_bytes: u64,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            max_draft_bytes: DEFAULT_MAX_DRAFT_BYTES,
            max_mime_depth: DEFAULT_MAX_MIME_DEPTH,
            max_list_bytes: MAX_FILE_BYTES,
        }
    }
}

impl InputLimits {
    /// Why the values cannot be used, if they cannot: `(key, message)`.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.max_draft_bytes == 0 || self.max_draft_bytes > MAX_FILE_BYTES {
            return Err((
                "max-draft-bytes",
                format!(
                    "max-draft-bytes must be between 1 and {MAX_FILE_BYTES} (1 GiB); it is {}",
                    self.max_draft_bytes
                ),
            ));
        }
        if self.max_list_bytes == 0 || self.max_list_bytes > MAX_FILE_BYTES {
            return Err((
                "max-list-bytes",
                format!(
                    "max-list-bytes must be between 1 and {MAX_FILE_BYTES} (1 GiB); it is {}",
                    self.max_list_bytes
                ),
            ));
        }
        if self.max_mime_depth == 0 || self.max_mime_depth > MAX_MAX_MIME_DEPTH {
            return Err((
                "max-mime-depth",
                format!(
                    "max-mime-depth must be between 1 and {MAX_MAX_MIME_DEPTH}; it is {}",
                    self.max_mime_depth
                ),
            ));
        }
        Ok(())
    }

    /// An error when a draft of `len` bytes is larger than a draft may be.
    pub fn check_draft_size(&self, name: &str, len: u64) -> Result<(), InputError> {
        if len > self.max_draft_bytes {
            return Err(too_large(
                name,
                self.max_draft_bytes,
                Some("max-draft-bytes"),
            ));
        }
        Ok(())
    }

    /// An error when the MIME tree of `raw` nests deeper than `max_mime_depth`.
    pub fn check_mime_depth(&self, name: &str, raw: &[u8]) -> Result<(), InputError> {
        let depth = mime_depth(raw, self.max_mime_depth);
        if depth > self.max_mime_depth {
            return Err(InputError::new(
                name,
                format!(
                    "MIME parts are nested more than {} deep (multiparts inside multiparts, or messages attached inside messages); no real draft is, so this is not read. The limit is `max-mime-depth` in the `[input]` table of bulklint.toml",
                    self.max_mime_depth
                ),
            ));
        }
        Ok(())
    }
}

/// Reads a file whole, but never past `cap` bytes: one byte more is read to tell "exactly the
/// cap" from "more", and a file whose size is known to be larger is not read at all. `key`
/// names the `[input]` setting that sets `cap`, if one does.
pub fn read_file(path: &Path, cap: u64, key: Option<&str>) -> Result<Vec<u8>, InputError> {
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(InputError::new(name, "is a directory; give a file"));
    }
    let mut file = std::fs::File::open(path)
        .map_err(|e| InputError::new(&name, format!("cannot read: {e}")))?;
    let size = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    if size.is_some_and(|len| len > cap) {
        return Err(too_large(&name, cap, key));
    }
    read_capped(&name, &mut file, cap, key, size)
}

/// Reads `reader` to its end, but never more than `cap + 1` bytes (see [`read_file`]).
pub fn read_capped(
    name: &str,
    reader: &mut dyn Read,
    cap: u64,
    key: Option<&str>,
    size_hint: Option<u64>,
) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    if let Some(len) = size_hint {
        // One allocation of the right size, not doublings up to twice it.
        bytes.reserve_exact(usize::try_from(len.min(cap) + 1).unwrap_or(0));
    }
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::new(name, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > cap {
        return Err(too_large(name, cap, key));
    }
    Ok(bytes)
}

/// The error for an input larger than `max` bytes: the limit `key` of `[input]`, or with no
/// key the fixed ceiling of any file (the binary reads at most `max + 1`).
pub fn too_large(name: &str, max: u64, key: Option<&str>) -> InputError {
    let which = match key {
        Some(key) => format!("`{key}` in the `[input]` table of bulklint.toml"),
        None => "a fixed ceiling for any file".to_string(),
    };
    InputError::new(
        name,
        format!(
            "larger than {}, the most bulklint reads here ({which}); nothing that size is a draft or list to check, so it was not read to the end",
            human_bytes(max)
        ),
    )
}

/// `64 MiB`, `1 KiB`, `1234 bytes`.
pub fn human_bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    match n {
        n if n >= GIB && n % GIB == 0 => format!("{} GiB", n / GIB),
        n if n >= MIB && n % MIB == 0 => format!("{} MiB", n / MIB),
        n if n >= KIB && n % KIB == 0 => format!("{} KiB", n / KIB),
        n => format!("{n} bytes"),
    }
}

/// How many levels of encoded attached messages mail-parser 0.11 decodes and parses
/// (its `MAX_NESTED_ENCODED`).
const ENCODED_NESTING: usize = 3;

/// The MIME nesting depth mail-parser 0.11 reaches on `raw`: the most multiparts and attached
/// messages enclosing one part (0 for a single-part message). Counting stops as soon as it
/// passes `stop_above`, so hostile input costs no more than a legitimate one.
///
/// mail-parser walks the tree iteratively but keeps each attached `message/rfc822` inside its
/// parent, and that value is dropped recursively: a tree tens of thousands of messages deep
/// overflows the stack, which no `catch_unwind` survives. This walk repeats mail-parser's own
/// steps (its `MessageStream` primitives, in the order its `parse` takes them) without building
/// anything, so its answer is the depth mail-parser would build, not an estimate a crafted
/// message could get past.
pub fn mime_depth(raw: &[u8], stop_above: usize) -> usize {
    let parser = MessageParser::default();
    walk(&parser, raw, ENCODED_NESTING, 0, stop_above).depth
}

/// What [`walk`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    /// The deepest nesting reached, counting `base`.
    depth: usize,
    /// Parts of the outermost message (what mail-parser's `Message::parts` would hold).
    parts: usize,
}

/// What the walk needs of mail-parser's `MimeType` for a multipart or message level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The message itself, or an attached message.
    Message,
    /// `multipart/digest`: its parts are messages unless they say otherwise.
    Digest,
    /// Any other multipart.
    Multipart,
}

struct Frame {
    level: Level,
    boundary: Option<Vec<u8>>,
}

#[derive(PartialEq, Eq)]
enum Encoding {
    None,
    Base64,
    QuotedPrintable,
}

/// One message, as mail-parser's `MessageParser::parse_` walks it; `encoded_left` is how many
/// more levels of base64 or quoted-printable attached messages it would decode and parse.
fn walk(
    parser: &MessageParser,
    raw: &[u8],
    encoded_left: usize,
    base: usize,
    stop_above: usize,
) -> Shape {
    let mut stream = MessageStream::new(raw);
    let mut shape = Shape {
        depth: base,
        parts: 0,
    };
    let mut state = Frame {
        level: Level::Message,
        boundary: None,
    };
    // Each entry: the enclosing level, and whether it was left for an attached message (which
    // mail-parser parses as a new message; its parts are not the outer message's).
    let mut stack: Vec<(Frame, bool)> = Vec::new();
    let mut inside_messages = 0usize;
    let mut headers = Vec::new();

    'outer: loop {
        headers.clear();
        if !stream.parse_headers(parser, &mut headers) {
            break;
        }
        if inside_messages == 0 {
            shape.parts += 1;
        }
        let content_type = headers
            .header_value(&HeaderName::ContentType)
            .and_then(|c| c.as_content_type());
        let (multipart, mut message) = match content_type {
            Some(ct) => (
                ct.ctype() == "multipart",
                ct.ctype() == "message" && [Some("rfc822"), Some("global")].contains(&ct.subtype()),
            ),
            None => (false, state.level == Level::Digest),
        };
        if multipart {
            if let Some(boundary) = content_type.and_then(|c| c.attribute("boundary")) {
                if stream.seek_next_part(boundary.as_bytes()) {
                    let level = match content_type.and_then(|c| c.subtype()) {
                        Some("digest") => Level::Digest,
                        _ => Level::Multipart,
                    };
                    let inner = Frame {
                        level,
                        boundary: Some(boundary.as_bytes().to_vec()),
                    };
                    stack.push((std::mem::replace(&mut state, inner), false));
                    shape.depth = shape.depth.max(base + stack.len());
                    if shape.depth > stop_above {
                        return shape;
                    }
                    stream.skip_crlf();
                    continue;
                }
            }
            message = false;
        }

        let encoding = match headers.header_value(&HeaderName::ContentTransferEncoding) {
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("base64") => Encoding::Base64,
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("quoted-printable") => {
                Encoding::QuotedPrintable
            }
            _ => Encoding::None,
        };
        if message && encoding == Encoding::None {
            let inner = Frame {
                level: Level::Message,
                boundary: state.boundary.take(),
            };
            stack.push((std::mem::replace(&mut state, inner), true));
            inside_messages += 1;
            shape.depth = shape.depth.max(base + stack.len());
            if shape.depth > stop_above {
                return shape;
            }
            continue;
        }

        let boundary = state.boundary.as_deref().unwrap_or(&b""[..]);
        let (offset_end, bytes) = match encoding {
            Encoding::Base64 => stream.decode_base64_mime(boundary),
            Encoding::QuotedPrintable => stream.decode_quoted_printable_mime(boundary),
            Encoding::None => stream.mime_part(boundary),
        };
        if offset_end == usize::MAX {
            // mail-parser recovers what it can and reads the part as text.
            let (_, found) = stream.seek_part_end(state.boundary.as_deref());
            if !found {
                state.boundary = None;
            }
        } else if message && encoded_left > 0 {
            let nested = walk(
                parser,
                &bytes,
                encoded_left - 1,
                base + stack.len() + 1,
                stop_above,
            );
            if nested.parts > 0 {
                shape.depth = shape.depth.max(nested.depth);
            }
            if shape.depth > stop_above {
                return shape;
            }
        }

        if state.boundary.is_some() {
            'inner: loop {
                if state.level == Level::Message {
                    // An attached message ended with its enclosing part.
                    match stack.pop() {
                        Some((mut outer, true)) => {
                            inside_messages -= 1;
                            outer.boundary = state.boundary.take();
                            state = outer;
                        }
                        _ => break 'outer,
                    }
                }
                if stream.is_multipart_end() {
                    if let Some((outer, by_message)) = stack.pop() {
                        inside_messages -= usize::from(by_message);
                        state = outer;
                        if let Some(boundary) = &state.boundary {
                            if stream.seek_next_part_offset(boundary).is_some() {
                                continue 'inner;
                            }
                        }
                    }
                    break 'outer;
                }
                break 'inner;
            }
        } else if stream.offset() >= stream.len() {
            break 'outer;
        }
    }
    if shape.parts == 0 && !headers.is_empty() {
        // A message without a body is one part.
        shape.parts = 1;
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mail-parser's own nesting of a parsed message: multipart levels and attached messages.
    fn parsed_depth(message: &mail_parser::Message<'_>) -> usize {
        fn part_depth(message: &mail_parser::Message<'_>, id: usize) -> usize {
            match message.parts.get(id).map(|p| &p.body) {
                Some(mail_parser::PartType::Multipart(children)) => {
                    1 + children
                        .iter()
                        .map(|&c| part_depth(message, c as usize))
                        .max()
                        .unwrap_or(0)
                }
                Some(mail_parser::PartType::Message(inner)) => 1 + parsed_depth(inner),
                _ => 0,
            }
        }
        if message.parts.is_empty() {
            0
        } else {
            part_depth(message, 0)
        }
    }

    fn nested_multiparts(n: usize) -> Vec<u8> {
        let mut out = String::from("From: a@example.com\r\nSubject: deep\r\n");
        for i in 0..n {
            out.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
            ));
        }
        out.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
        for i in (0..n).rev() {
            out.push_str(&format!("--b{i}--\r\n"));
        }
        out.into_bytes()
    }

    fn nested_messages(n: usize) -> Vec<u8> {
        let mut out = String::from("From: a@example.com\r\nSubject: deep\r\n");
        for i in 0..n {
            out.push_str(&format!(
                "Content-Type: message/rfc822\r\n\r\nFrom: x{i}@example.com\r\n"
            ));
        }
        out.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
        out.into_bytes()
    }

    fn b64(data: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
            if out.len() % 78 == 76 {
                out.push_str("\r\n");
            }
        }
        out
    }

    #[test]
    fn single_part_and_common_shapes() {
        assert_eq!(mime_depth(b"From: a@example.com\r\n\r\nhi\r\n", 100), 0);
        assert_eq!(mime_depth(b"", 100), 0);
        assert_eq!(mime_depth(b"not a message at all", 100), 0);
        let alternative = b"From: a@example.com\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--x--\r\n";
        assert_eq!(mime_depth(alternative, 100), 1);
        for n in [1, 2, 3, 7, 40] {
            assert_eq!(mime_depth(&nested_multiparts(n), 100), n, "{n} multiparts");
            assert_eq!(mime_depth(&nested_messages(n), 100), n, "{n} messages");
        }
    }

    #[test]
    fn counting_stops_past_the_limit() {
        let deep = nested_messages(10_000);
        let depth = mime_depth(&deep, 100);
        assert_eq!(depth, 101);
        assert_eq!(mime_depth(&nested_multiparts(10_000), 5), 6);
    }

    #[test]
    fn encoded_attached_messages_are_followed() {
        // A base64 message/rfc822 part holding 30 nested messages: invisible to a scan of the
        // raw bytes, parsed (and so built) by mail-parser all the same.
        let inner = nested_messages(30);
        let raw = format!(
            "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--x--\r\n",
            b64(&inner)
        );
        let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(parsed_depth(&message), 32);
        assert_eq!(mime_depth(raw.as_bytes(), 100), 32);
    }

    #[test]
    fn digest_parts_are_messages() {
        let raw = b"From: a@example.com\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nFrom: b@example.com\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n\r\nhi\r\n--m--\r\n--d--\r\n";
        let message = MessageParser::default().parse(raw).unwrap();
        assert_eq!(parsed_depth(&message), 3);
        assert_eq!(mime_depth(raw, 100), 3);
    }

    /// The walk agrees with mail-parser on every message of the shared corpus: same depth, same
    /// number of parts. A mail-parser upgrade that changes how it walks trees fails here.
    #[test]
    fn agrees_with_mail_parser_on_the_corpus() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/eml");
        let mut stack = vec![std::path::PathBuf::from(root)];
        let (mut checked, mut exact) = (0, 0);
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(raw) = std::fs::read(&path) else {
                    continue;
                };
                let parser = MessageParser::default();
                let Ok(Some(message)) = crate::model::panic_guard::catch(|| parser.parse(&raw))
                else {
                    continue;
                };
                let shape = walk(&parser, &raw, ENCODED_NESTING, 0, usize::MAX);
                // An attached message that turns out empty is kept as text, not as a message:
                // the walk counted the level it entered, one more than what was built.
                let built = parsed_depth(&message);
                assert!(
                    shape.depth == built || shape.depth == built + 1,
                    "{}: walk {} built {built}",
                    path.display(),
                    shape.depth
                );
                exact += usize::from(shape.depth == built);
                assert_eq!(shape.parts, message.parts.len(), "{}", path.display());
                checked += 1;
            }
        }
        // Without the corpus (a checkout on its own), the generated cases above still run.
        if checked > 0 {
            assert!(checked > 100, "only {checked} corpus messages");
            assert!(exact * 100 >= checked * 99, "{exact} of {checked} exact");
        }
    }

    #[test]
    fn limits_validate_and_explain() {
        assert!(InputLimits::default().validate().is_ok());
        let zero = InputLimits {
            max_draft_bytes: 0,
            ..InputLimits::default()
        };
        assert_eq!(zero.validate().unwrap_err().0, "max-draft-bytes");
        let deep = InputLimits {
            max_mime_depth: MAX_MAX_MIME_DEPTH + 1,
            ..InputLimits::default()
        };
        assert_eq!(deep.validate().unwrap_err().0, "max-mime-depth");
        let e = InputLimits::default()
            .check_draft_size("big.eml", DEFAULT_MAX_DRAFT_BYTES + 1)
            .unwrap_err();
        assert!(
            e.message.contains("64 MiB") && e.message.contains("max-draft-bytes"),
            "{e}"
        );
        let e = InputLimits {
            max_mime_depth: 3,
            ..InputLimits::default()
        }
        .check_mime_depth("deep.eml", &nested_multiparts(4))
        .unwrap_err();
        assert!(e.message.contains("more than 3 deep"), "{e}");
        assert_eq!(human_bytes(1536), "1536 bytes");
    }
}
