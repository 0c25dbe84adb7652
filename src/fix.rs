//! `bulklint fix`: rewrites an `.eml` draft so it carries what a bulk commercial message needs —
//! `List-Unsubscribe` (https, plus mailto if given) with `List-Unsubscribe-Post:
//! List-Unsubscribe=One-Click` (RFC 2369, RFC 8058), and a CASL footer (the sender's name from
//! From, the mailing address, the From address as contact, the unsubscribe link) in both the
//! text and the HTML part — keeping the rest of the message.
//!
//! The message is parsed with mail-parser and its MIME tree rebuilt with mail-builder:
//!
//! - Every header of the message is kept, in order and byte for byte (folding, encoded words),
//!   except `Content-Type` and `Content-Transfer-Encoding`, which describe the rebuilt body and
//!   come last, and an existing `List-Unsubscribe`/`List-Unsubscribe-Post`, which are replaced.
//!   `MIME-Version: 1.0` is added when the message had none. No Date or Message-ID is invented.
//! - Every part other than the text and HTML bodies (attachments, inline images with their
//!   Content-IDs, nested messages, other alternatives) is copied byte for byte: headers, transfer
//!   encoding and encoded body as written.
//! - Multipart containers keep their type, parameters and boundary (a new boundary only if the
//!   added footer happens to contain the old one); their preamble and epilogue (the "This is a
//!   multi-part message in MIME format." text no reader shows) are dropped.
//! - The text and HTML bodies are written anew as UTF-8: their charset becomes `utf-8` and
//!   mail-builder chooses their transfer encoding (7bit, quoted-printable or base64), so a
//!   part that was, say, ISO-8859-1 quoted-printable reads the same but is not the same bytes.
//!   Their other headers (Content-ID, Content-Disposition, Content-Language, …) are kept, with
//!   their values unfolded and folded again.
//! - Lines end as in the source: a source without CR LF gives a file without CR LF.
//!
//! Running `fix` on its own output changes nothing more: a footer already there is not added
//! again, and the List-Unsubscribe headers are replaced, not repeated.

use std::borrow::Cow;

use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;
use mail_builder::headers::{Header, HeaderType};
use mail_builder::mime::{BodyPart, MimePart};
use mail_builder::MessageBuilder;
use mail_parser::{HeaderName, Message, MessageParser, PartType};

use crate::analysis::footer::{self, FooterValues, Needs};
use crate::load::draft::{self, DraftFormat};
use crate::load::input_limits::InputLimits;
use crate::model::error::InputError;
use crate::model::input::Input;

/// What the fix adds.
#[derive(Debug, Clone)]
pub struct Options {
    /// The https unsubscribe URL: List-Unsubscribe and the footer's link.
    pub unsubscribe_url: String,
    /// An address that unsubscribes whoever writes to it, added to List-Unsubscribe.
    pub unsubscribe_mailto: Option<String>,
    /// The sender's mailing address, for the footer.
    pub address: String,
    /// How large and how deep the draft may be (`[input]` in bulklint.toml).
    pub input: InputLimits,
}

/// The rewritten message and what changed.
#[derive(Debug)]
pub struct Fixed {
    pub bytes: Vec<u8>,
    /// What was added or replaced, one line each.
    pub changes: Vec<String>,
    /// What the user should know: what could not be done, what to check.
    pub notes: Vec<String>,
}

/// Rewrites the message in `draft`.
pub fn fix(draft: &Input, options: &Options) -> Result<Fixed, InputError> {
    let name = draft.name.as_str();
    let url = checked_url(&options.unsubscribe_url)?;
    let mailto = options
        .unsubscribe_mailto
        .as_deref()
        .map(checked_mailto)
        .transpose()?;
    let address = options.address.trim();
    if address.is_empty() {
        return Err(InputError::new(
            "--address",
            "give the sender's postal address",
        ));
    }
    if draft::sniff(name, &draft.bytes) != DraftFormat::Message
        || draft::msg::is_compound_file(&draft.bytes)
    {
        return Err(InputError::new(
            name,
            "not an .eml message: `fix` rewrites RFC 5322 messages (save an Outlook item as .eml first); for an HTML or text template use `bulklint export`",
        ));
    }
    let raw = draft.bytes.as_slice();
    options.input.check_draft_size(name, raw.len() as u64)?;
    // A tree deeper than the limit would overflow the stack when mail-parser drops it.
    options.input.check_mime_depth(name, raw)?;
    let message = crate::model::panic_guard::catch(|| MessageParser::default().parse(raw))
        .ok()
        .flatten()
        .ok_or_else(|| InputError::new(name, "not a readable message"))?;

    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address.as_ref().map(|addr| (a.name.clone(), addr.to_string())))
        .ok_or_else(|| {
            InputError::new(
                name,
                "the message has no From address: the footer names the sender and gives the From address as contact",
            )
        })?;
    let sender_name = from
        .0
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map_or_else(|| from.1.clone(), str::to_string);
    let values = FooterValues {
        name: Some(sender_name),
        address: Some(address.to_string()),
        contact: Some(from.1.clone()),
        unsubscribe: Some(url.clone()),
    };

    let text_id = body_part(&message, &message.text_body, false);
    let html_id = body_part(&message, &message.html_body, true);
    if text_id.is_none() && html_id.is_none() {
        return Err(InputError::new(
            name,
            "the message has no text or HTML body to add the footer to",
        ));
    }
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    let mut bodies = Vec::new();
    for (id, html) in [(text_id, false), (html_id, true)] {
        let Some(id) = id else {
            notes.push(format!(
                "the message has no {} part; the footer went into the {} part only",
                if html { "HTML" } else { "text" },
                if html { "text" } else { "HTML" }
            ));
            continue;
        };
        let content = message.parts[id].text_contents().unwrap_or("");
        // The footer's lines end as the body's do.
        let eol = |footer: String| {
            if content.contains("\r\n") {
                footer.replace('\n', "\r\n")
            } else {
                footer
            }
        };
        // A footer from an earlier run is replaced, never stacked under the new one.
        let (footer, earlier) = if html {
            (
                eol(footer::footer_html(&values, &Needs::all())),
                footer::remove_html_footer(content),
            )
        } else {
            (
                eol(footer::footer_text(&values, &Needs::all())),
                footer::remove_text_footer(content),
            )
        };
        let kind = if html { "HTML" } else { "text" };
        let new = if content.contains(footer.trim()) {
            changes.push(format!(
                "the {kind} part already has this footer; left as it was"
            ));
            content.to_string()
        } else {
            let base = earlier.as_deref().unwrap_or(content);
            changes.push(if earlier.is_some() {
                format!("the {kind} part's footer from an earlier `bulklint fix` replaced with this one")
            } else {
                format!("a footer in the {kind} part: the sender's name, mailing address, contact address and unsubscribe link")
            });
            if html {
                footer::insert_html_footer(base, &footer)
            } else {
                format!("{}{footer}", base.trim_end())
            }
        };
        bodies.push((id, new));
    }
    if crate::rules::checks::sender_identification::detectors()
        .find_address(address)
        .is_none()
    {
        notes.push(format!("bulklint does not read `{address}` as a mailing address (a street and postal code, or a post office box); check it"));
    }
    notes.push("the List-Unsubscribe headers reach recipients only when this file is sent as it is (SMTP from a script, or a bulk-mail service); Outlook and the Microsoft 365 or Gmail web apps compose a new message without them".to_string());

    let mut out: Vec<u8> = Vec::with_capacity(raw.len() + 2048);
    let mut has_mime_version = false;
    let mut replaced = false;
    for h in message.headers() {
        match &h.name {
            HeaderName::ContentType | HeaderName::ContentTransferEncoding => continue,
            n if n.as_str().eq_ignore_ascii_case("List-Unsubscribe")
                || n.as_str().eq_ignore_ascii_case("List-Unsubscribe-Post") =>
            {
                replaced = true;
                continue;
            }
            HeaderName::MimeVersion => has_mime_version = true,
            _ => {}
        }
        let field = &raw[h.offset_field as usize..(h.offset_end as usize).min(raw.len())];
        out.extend_from_slice(trim_line_end(field));
        out.extend_from_slice(b"\r\n");
    }
    let mut urls = vec![url.clone()];
    urls.extend(mailto.clone());
    write_header(
        &mut out,
        "List-Unsubscribe",
        URL::new_list(urls.into_iter()).into(),
    );
    write_header(
        &mut out,
        "List-Unsubscribe-Post",
        Raw::new("List-Unsubscribe=One-Click").into(),
    );
    changes.insert(
        0,
        format!(
            "{} List-Unsubscribe: <{url}>{} and List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            if replaced { "replaced" } else { "added" },
            mailto.map(|m| format!(", <{m}>")).unwrap_or_default()
        ),
    );
    if !has_mime_version {
        out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    }

    let inserted: Vec<&str> = bodies.iter().map(|(_, b)| b.as_str()).collect();
    let root = Rebuild {
        raw,
        message: &message,
        bodies: &bodies,
        inserted: &inserted,
    }
    .part(0, true);
    MessageBuilder::new().body(root).serialize_body(&mut out);

    // Lines end as the source's do.
    if !raw.windows(2).any(|w| w == b"\r\n") {
        out = crlf_to_lf(&out);
    }
    Ok(Fixed {
        bytes: out,
        changes,
        notes,
    })
}

/// The first part of `ids` that is the wanted kind of body (what the draft loader reads).
fn body_part(message: &Message<'_>, ids: &[u32], html: bool) -> Option<usize> {
    ids.iter().map(|&id| id as usize).find(|&id| {
        matches!(
            (message.parts.get(id).map(|p| &p.body), html),
            (Some(PartType::Html(_)), true) | (Some(PartType::Text(_)), false)
        )
    })
}

fn checked_url(url: &str) -> Result<String, InputError> {
    let url = url.trim();
    let host = url
        .get(..8)
        .filter(|s| s.eq_ignore_ascii_case("https://"))
        .map(|_| &url[8..])
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(host) if host.contains('.') && !url.contains(['<', '>', ' ', '"']) => {
            Ok(url.to_string())
        }
        _ => Err(InputError::new(
            "--unsubscribe-url",
            format!(
                "`{url}` is not an https URL; one-click unsubscribe (RFC 8058) needs https://…"
            ),
        )),
    }
}

fn checked_mailto(address: &str) -> Result<String, InputError> {
    let address = address.trim();
    let bare = address
        .strip_prefix("mailto:")
        .unwrap_or(address)
        .split('?')
        .next()
        .unwrap_or("");
    crate::model::address::validate(bare).map_err(|why| {
        InputError::new(
            "--unsubscribe-mailto",
            format!("`{bare}` is not an address: {why}"),
        )
    })?;
    Ok(format!("mailto:{bare}?subject=unsubscribe"))
}

fn write_header(out: &mut Vec<u8>, name: &str, value: HeaderType<'_>) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    value.write_header(out, name.len() + 2);
}

fn trim_line_end(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &bytes[..end]
}

fn crlf_to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The MIME tree rebuilt from the parsed message.
struct Rebuild<'a, 'x> {
    raw: &'a [u8],
    message: &'a Message<'x>,
    /// The new text and HTML bodies, by part id.
    bodies: &'a [(usize, String)],
    /// Everything the fix writes into the bodies, which no boundary may occur in.
    inserted: &'a [&'a str],
}

impl<'a> Rebuild<'a, '_> {
    /// Part `id`; the root's own headers are the message's, written apart.
    fn part(&self, id: usize, root: bool) -> MimePart<'a> {
        let part = &self.message.parts[id];
        if let Some((_, body)) = self.bodies.iter().find(|(i, _)| *i == id) {
            let mut ct = content_type(part, "text/plain", |name| {
                !name.eq_ignore_ascii_case("charset")
            });
            ct.attributes
                .push((Cow::Borrowed("charset"), Cow::Borrowed("utf-8")));
            let mut new = MimePart::new(ct, BodyPart::Text(Cow::Owned(body.clone())));
            if !root {
                new.headers.extend(self.other_headers(part));
            }
            return new;
        }
        match &part.body {
            PartType::Multipart(children) => {
                let keep_boundary = |name: &str| {
                    !name.eq_ignore_ascii_case("boundary")
                        || !self
                            .boundary(part)
                            .is_some_and(|b| self.inserted.iter().any(|t| t.contains(b)))
                };
                let ct = content_type(part, "multipart/mixed", keep_boundary);
                let mut new = MimePart::new(
                    ct,
                    children
                        .iter()
                        .map(|&c| self.part(c as usize, false))
                        .collect::<Vec<_>>(),
                );
                if !root {
                    new.headers.extend(self.other_headers(part));
                }
                new
            }
            // Attachments, inline images, nested messages: the part as written.
            _ if !root => {
                let start = (part.offset_header as usize).min(self.raw.len());
                let end = (part.offset_end as usize).clamp(start, self.raw.len());
                // mail-parser ends a part before the line break that opens the next boundary,
                // which mail-builder writes again.
                MimePart::raw(BodyPart::Binary(Cow::Borrowed(&self.raw[start..end])))
            }
            // A single-part message whose one part is not a body the fix writes: kept as is.
            _ => {
                let start = (part.offset_body as usize).min(self.raw.len());
                let ct = content_type(part, "text/plain", |_| true);
                let mut new =
                    MimePart::new(ct, BodyPart::Binary(Cow::Borrowed(&self.raw[start..])));
                if let Some(cte) = part
                    .headers
                    .iter()
                    .find(|h| h.name == HeaderName::ContentTransferEncoding)
                {
                    new.headers.push((
                        Cow::Borrowed("Content-Transfer-Encoding"),
                        Raw::new(self.unfolded_value(cte)).into(),
                    ));
                }
                new
            }
        }
    }

    fn boundary<'p>(&self, part: &'p mail_parser::MessagePart<'_>) -> Option<&'p str> {
        use mail_parser::MimeHeaders;
        part.content_type()?.attribute("boundary")
    }

    /// A part's headers other than Content-Type and Content-Transfer-Encoding, values unfolded.
    fn other_headers(
        &self,
        part: &mail_parser::MessagePart<'_>,
    ) -> Vec<(Cow<'a, str>, HeaderType<'a>)> {
        part.headers
            .iter()
            .filter(|h| {
                !matches!(
                    h.name,
                    HeaderName::ContentType | HeaderName::ContentTransferEncoding
                )
            })
            .map(|h| {
                let field = &self.raw
                    [h.offset_field as usize..(h.offset_start as usize).min(self.raw.len())];
                let name = String::from_utf8_lossy(field)
                    .trim()
                    .trim_end_matches(':')
                    .trim()
                    .to_string();
                (Cow::Owned(name), Raw::new(self.unfolded_value(h)).into())
            })
            .collect()
    }

    fn unfolded_value(&self, h: &mail_parser::Header<'_>) -> String {
        let start = (h.offset_start as usize).min(self.raw.len());
        let end = (h.offset_end as usize).clamp(start, self.raw.len());
        String::from_utf8_lossy(&self.raw[start..end])
            .split(['\r', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The part's Content-Type as parsed, with the parameters `keep` accepts.
fn content_type<'a>(
    part: &mail_parser::MessagePart<'_>,
    default: &'static str,
    keep: impl Fn(&str) -> bool,
) -> ContentType<'a> {
    use mail_parser::MimeHeaders;
    let Some(ct) = part.content_type() else {
        return ContentType::new(default);
    };
    let full = match &ct.c_subtype {
        Some(sub) => format!("{}/{}", ct.c_type, sub),
        None => ct.c_type.to_string(),
    };
    let mut out = ContentType::new(full.to_ascii_lowercase());
    for a in ct.attributes.iter().flatten() {
        if keep(&a.name) {
            out.attributes.push((
                Cow::Owned(a.name.to_string()),
                Cow::Owned(a.value.to_string()),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        Options {
            unsubscribe_url: "https://bakery.example/unsubscribe?u=1".into(),
            unsubscribe_mailto: Some("unsubscribe@bakery.example".into()),
            address: "12 Main Street, Ottawa ON K1A 0B1".into(),
            input: InputLimits::default(),
        }
    }

    fn run(raw: &[u8]) -> String {
        let fixed = fix(
            &Input {
                name: "m.eml".into(),
                bytes: raw.to_vec(),
            },
            &options(),
        )
        .unwrap();
        String::from_utf8(fixed.bytes).unwrap()
    }

    #[test]
    fn single_part_html_keeps_headers_and_gains_the_footer() {
        let out = run(b"From: Ann Baker <ann@bakery.example>\r\nTo: ann@bakery.example\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\nX-Custom: one\r\n two\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n<html><body><p>Caf\xe9</p></body></html>\r\n");
        assert!(out.starts_with("From: Ann Baker <ann@bakery.example>\r\nTo: ann@bakery.example\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\nX-Custom: one\r\n two\r\n"), "{out}");
        assert!(
            out.contains("List-Unsubscribe: <https://bakery.example/unsubscribe?u=1>,"),
            "{out}"
        );
        assert!(
            out.contains(
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nMIME-Version: 1.0\r\n"
            ),
            "{out}"
        );
        let parsed = MessageParser::default().parse(out.as_bytes()).unwrap();
        let html = parsed.body_html(0).unwrap();
        assert!(html.contains("<p>Caf\u{e9}</p>"), "{html}");
        assert!(html.contains("Ann Baker<br>12 Main Street"), "{html}");
        assert!(html.find("bulklint:footer").unwrap() < html.find("</body>").unwrap());
    }

    #[test]
    fn lf_sources_give_lf_output_and_a_second_run_changes_nothing() {
        let src = "From: Ann <ann@bakery.example>\nSubject: Hi\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\nHello\n--b1\nContent-Type: text/html; charset=utf-8\n\n<p>Hello</p>\n--b1--\n";
        let once = run(src.as_bytes());
        assert!(!once.contains('\r'), "{once}");
        assert!(once.contains("boundary=\"b1\""), "{once}");
        let twice = run(once.as_bytes());
        assert_eq!(once, twice);
    }

    #[test]
    fn a_second_run_with_other_values_replaces_the_footer() {
        let src = "From: Ann <ann@bakery.example>\nSubject: Hi\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\nHello\n--b1\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>Hello</p></body></html>\n--b1--\n";
        let once = run(src.as_bytes());
        let other = Options {
            unsubscribe_url: "https://bakery.example/leave".into(),
            ..options()
        };
        let fixed = fix(
            &Input {
                name: "m.eml".into(),
                bytes: once.into_bytes(),
            },
            &other,
        )
        .unwrap();
        let twice = String::from_utf8(fixed.bytes).unwrap();
        let parsed = MessageParser::default().parse(twice.as_bytes()).unwrap();
        let html = parsed.body_html(0).unwrap();
        let text = parsed.body_text(0).unwrap();
        assert_eq!(
            html.matches("<!-- bulklint:footer -->").count(),
            1,
            "{html}"
        );
        assert!(
            html.contains("https://bakery.example/leave") && !html.contains("u=1"),
            "{html}"
        );
        assert_eq!(text.matches("Unsubscribe at any time").count(), 1, "{text}");
        assert!(
            text.starts_with("Hello\n") && text.contains("/leave"),
            "{text}"
        );
        assert!(
            fixed.changes.iter().any(|c| c.contains("replaced")),
            "{:?}",
            fixed.changes
        );
    }

    #[test]
    fn rejects_http_and_bad_mailto() {
        assert!(checked_url("http://x.example/u").is_err());
        assert!(checked_url("https://localhost").is_err());
        assert_eq!(
            checked_url(" https://x.example/u ").unwrap(),
            "https://x.example/u"
        );
        assert!(checked_mailto("nobody").is_err());
        assert_eq!(
            checked_mailto("mailto:u@x.example").unwrap(),
            "mailto:u@x.example?subject=unsubscribe"
        );
    }
}
