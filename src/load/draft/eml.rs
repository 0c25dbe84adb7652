//! RFC 5322 / MIME messages, read with mail-parser: headers with spans, the text and HTML
//! parts decoded from any charset and transfer encoding, attachments listed.

use std::ops::Range;

use mail_parser::{HeaderName, HeaderValue, MessageParser, MimeHeaders, PartType};

use crate::load::charset;
use crate::load::draft::{
    html, multipart, AddressField, Attachment, Draft, DraftFormat, Header, HeaderAddress,
    LoadProblem, TextPart,
};
use crate::load::input_limits::InputLimits;
use crate::model::address;
use crate::model::error::InputError;
use crate::model::finding::Label;
use crate::model::source::{SourceId, Sources};

pub fn load(sources: &mut Sources, name: &str, bytes: Vec<u8>) -> Result<Draft, InputError> {
    load_with(sources, name, bytes, &InputLimits::default())
}

/// [`load`] under the given input limits.
pub fn load_with(
    sources: &mut Sources,
    name: &str,
    bytes: Vec<u8>,
    limits: &InputLimits,
) -> Result<Draft, InputError> {
    limits.check_draft_size(name, bytes.len() as u64)?;
    let parser = MessageParser::default();
    // Defence in depth: a parser bug on hostile input must become a diagnostic, not a crash.
    // The depth check comes first: a stack overflow is no panic, nothing catches it.
    let parsed = crate::model::panic_guard::catch(|| {
        limits
            .check_mime_depth(name, &bytes)
            .map(|()| parser.parse(&bytes))
    });
    let original = match parsed {
        Ok(Err(too_deep)) => return Err(too_deep),
        Ok(Ok(Some(message))) => message,
        Ok(Ok(None)) => {
            return Err(InputError::new(
                name,
                "not a readable message: no header fields were found",
            ))
        }
        Err(_) => {
            return Err(InputError::new(
                name,
                "the MIME parser could not read this message (malformed structure)",
            ))
        }
    };
    // A multipart with careless boundaries is mended and read again; the mended reading is
    // kept when it finds more of the message than the first.
    let mended = crate::model::panic_guard::catch(|| multipart::mend(&bytes))
        .ok()
        .flatten();
    let mended_message = mended.as_ref().and_then(|(fixed, _)| {
        crate::model::panic_guard::catch(|| parser.parse(fixed))
            .ok()
            .flatten()
    });
    let (message, map) = match (mended_message, &mended) {
        (Some(m), Some((_, map))) if reads_more(&m, &original) => (m, Some(map)),
        _ => (original, None),
    };
    let at = |offset: u32| match map {
        Some(map) => map.to_orig(offset as usize) as u32,
        None => offset,
    };
    let source = sources.add(name, offset_preserving_text(&bytes));
    let mut problems = Vec::new();
    let mut undecoded = Vec::new();

    // Raw 8-bit header text (not RFC 2047 encoded) is in the charset the message declares, as
    // mail clients read it: a Korean subject in EUC-KR beside a `charset=euc-kr` body.
    let declared = message
        .parts
        .iter()
        .find_map(|p| p.content_type().and_then(|ct| ct.attribute("charset")))
        .map(str::to_string);
    let mut headers = Vec::new();
    let mut recipients = Vec::new();
    for h in message.headers() {
        let span = trim_field(
            &bytes,
            at(h.offset_field) as usize..at(h.offset_end) as usize,
        );
        // A value that is only white space starts past the trimmed field's end.
        let value_start = clamp(at(h.offset_start) as usize, &bytes).min(span.end);
        let raw_value = String::from_utf8_lossy(&bytes[value_start..span.end]);
        let unfolded = unfold(&raw_value);
        let raw_bytes = &bytes[value_start..span.end];
        let value = match &h.value {
            HeaderValue::Text(t) if std::str::from_utf8(raw_bytes).is_err() => {
                charset::decode_strict(raw_bytes, declared.as_deref())
                    .map(|decoded| unfold(&decoded).trim().to_string())
                    .unwrap_or_else(|| t.to_string())
            }
            HeaderValue::Text(t) => t.to_string(),
            _ => unfolded.clone(),
        };
        let field = match h.name {
            HeaderName::To => Some(AddressField::To),
            HeaderName::Cc => Some(AddressField::Cc),
            HeaderName::Bcc => Some(AddressField::Bcc),
            _ => None,
        };
        if let Some(field) = field {
            let parsed: Vec<String> = match &h.value {
                HeaderValue::Address(list) => list
                    .iter()
                    .filter_map(|a| a.address.as_ref().map(|s| s.to_string()))
                    .collect(),
                _ => address::extract_addresses(&unfolded),
            };
            let text = &sources.get(source).text;
            for addr in parsed {
                let span = text
                    .get(span.clone())
                    .and_then(|field_text| field_text.find(addr.as_str()))
                    .map(|i| span.start + i..span.start + i + addr.len())
                    .unwrap_or_else(|| span.clone());
                recipients.push(HeaderAddress {
                    field,
                    address: addr,
                    span,
                });
            }
        }
        headers.push(Header {
            name: h.name.as_str().to_string(),
            value,
            span,
        });
    }

    let mut text_part = None;
    for (index, part) in message.parts.iter().enumerate() {
        if part.is_encoding_problem {
            problems.push(LoadProblem {
                warning: false,
                message: format!(
                    "MIME part {index} could not be fully decoded (unknown charset or broken transfer encoding); it was read as far as possible"
                ),
                label: Some(Label {
                    source,
                    span: part_header_span(
                        at(part.offset_header) as usize,
                        at(part.offset_body) as usize,
                    ),
                    text: "this part".into(),
                }),
            });
        }
    }
    // Each body part decoded once and registered as a source, whether it is read as HTML or
    // as text: (source, offset of the part in it, decoded text, readable).
    let mut html_placed = None;
    let mut place_body = |part: &mail_parser::MessagePart, content: &str, mime: &str| {
        let decoded = redecode(part, content, message.raw_message.as_ref(), &parser);
        let (src, base) = place_part(
            sources,
            source,
            name,
            mime,
            &bytes,
            at(part.offset_body),
            at(part.offset_end),
            &decoded.text,
        );
        (src, base, decoded.text, decoded.readable)
    };
    if let Some(part) = message
        .html_body
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .find(|p| matches!(p.body, PartType::Html(_)))
    {
        if let PartType::Html(content) = &part.body {
            let (src, base, content, readable) = place_body(part, content, "text/html");
            if !readable {
                undecoded.push(src);
                problems.push(undecoded_problem(part, "HTML", source, &at));
            }
            html_placed = Some((src, base, content.len()));
        }
    }
    if let Some(part) = message
        .text_body
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .find(|p| matches!(p.body, PartType::Text(_)))
    {
        if let PartType::Text(content) = &part.body {
            let (src, base, content, readable) = place_body(part, content, "text/plain");
            if !readable {
                if !undecoded.contains(&src) {
                    undecoded.push(src);
                }
                if html_placed.is_none() {
                    problems.push(undecoded_problem(part, "text", source, &at));
                }
            }
            text_part = Some(TextPart {
                source: src,
                span: base..base + content.len(),
                content,
            });
        }
    }
    let html_doc = html_placed
        .map(|(src, base, len)| html::parse(src, &sources.get(src).text[base..base + len], base));

    let attachments = message
        .attachments
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .map(|p| Attachment {
            name: p.attachment_name().map(str::to_string),
            content_type: p
                .content_type()
                .map(|ct| match &ct.c_subtype {
                    Some(sub) => format!("{}/{}", ct.c_type, sub),
                    None => ct.c_type.to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: p.len(),
        })
        .collect();

    if html_doc.is_none() && text_part.is_none() {
        problems.push(LoadProblem {
            warning: false,
            message: "the message has no text or HTML body to check".into(),
            label: None,
        });
    }

    Ok(Draft {
        source,
        format: DraftFormat::Message,
        headers,
        recipients,
        text: text_part,
        html: html_doc,
        attachments,
        problems,
        undecoded,
    })
}

/// A body part's text as decoded for the checks, and whether it could be decoded at all.
struct Decoded {
    text: String,
    readable: bool,
}

/// mail-parser's text of a part, unless it lost characters to replacement marks: then the
/// part's bytes are decoded again strictly, with the fallbacks of [`charset::decode_strict`].
/// A part none of them decodes keeps the text that loses the fewest characters, and is not
/// readable unless the marks are a few in much text (a reader still reads it).
fn redecode(
    part: &mail_parser::MessagePart,
    content: &str,
    raw: &[u8],
    parser: &MessageParser,
) -> Decoded {
    const MARK: char = '\u{fffd}';
    if !content.contains(MARK) {
        return Decoded {
            text: content.to_string(),
            readable: true,
        };
    }
    let start = (part.offset_body as usize).min(raw.len());
    let end = (part.offset_end as usize).clamp(start, raw.len());
    let body = transfer_decoded(&raw[start..end], part.encoding, parser);
    let label = part.content_type().and_then(|ct| ct.attribute("charset"));
    if let Some(text) = charset::decode_strict(&body, label) {
        return Decoded {
            text,
            readable: true,
        };
    }
    let marks = content.chars().filter(|&c| c == MARK).count();
    let (text, marks) = match charset::decode_closest(&body, label) {
        Some((closer, lost)) if lost < marks => (closer, lost),
        _ => (content.to_string(), marks),
    };
    let visible = text.chars().filter(|c| !c.is_whitespace()).count();
    Decoded {
        readable: marks * 50 <= visible,
        text,
    }
}

/// A part's body without its transfer encoding, as bytes.
fn transfer_decoded(
    body: &[u8],
    encoding: mail_parser::Encoding,
    parser: &MessageParser,
) -> Vec<u8> {
    let name = match encoding {
        mail_parser::Encoding::None => return body.to_vec(),
        mail_parser::Encoding::QuotedPrintable => "quoted-printable",
        mail_parser::Encoding::Base64 => "base64",
    };
    let mut wrapped = format!(
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: {name}\r\n\r\n"
    )
    .into_bytes();
    wrapped.extend_from_slice(body);
    parser
        .parse(&wrapped)
        .and_then(|m| m.parts.first().map(|p| p.contents().to_vec()))
        .unwrap_or_else(|| body.to_vec())
}

/// Whether the mended reading of a message finds more than the first: an HTML body where
/// there was none, a text body where there was none, or more parts.
fn reads_more(mended: &mail_parser::Message, original: &mail_parser::Message) -> bool {
    let has = |m: &mail_parser::Message, html: bool| {
        let ids = if html { &m.html_body } else { &m.text_body };
        ids.iter()
            .filter_map(|&id| m.parts.get(id as usize))
            .any(|p| match &p.body {
                PartType::Html(_) => html,
                PartType::Text(_) => !html,
                _ => false,
            })
    };
    let score = |m: &mail_parser::Message| (has(m, true), has(m, false), m.parts.len());
    score(mended) > score(original)
}

/// The load problem for a body part whose text could not be decoded.
fn undecoded_problem(
    part: &mail_parser::MessagePart,
    kind: &str,
    source: SourceId,
    at: &dyn Fn(u32) -> u32,
) -> LoadProblem {
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .unwrap_or("none given");
    LoadProblem {
        warning: false,
        message: format!(
            "the {kind} body could not be decoded (charset: {charset}): its text is not what readers see, so checks of its wording were not reliable; save the draft as UTF-8 and check again"
        ),
        label: Some(Label {
            source,
            span: part_header_span(at(part.offset_header) as usize, at(part.offset_body) as usize),
            text: "this part".into(),
        }),
    }
}

/// Where a decoded body part lives for diagnostics. When the part is stored as-is (7bit/8bit
/// UTF-8), spans point into the message file itself, so users see real line numbers of the
/// `.eml`; otherwise (quoted-printable, base64, other charsets) the decoded text becomes a
/// source of its own, named after the file and the part.
#[allow(clippy::too_many_arguments)]
fn place_part(
    sources: &mut Sources,
    message_source: SourceId,
    name: &str,
    kind: &str,
    raw: &[u8],
    offset_body: u32,
    offset_end: u32,
    content: &str,
) -> (SourceId, usize) {
    let start = offset_body as usize;
    let end = (offset_end as usize).min(raw.len());
    if start <= end && raw[start..end].starts_with(content.as_bytes()) && !content.is_empty() {
        let text = &sources.get(message_source).text;
        if text.is_char_boundary(start) && text.is_char_boundary(start + content.len()) {
            return (message_source, start);
        }
    }
    let src = sources.add_part(format!("{name} ({kind} part)"), name, content.to_string());
    (src, 0)
}

/// The raw message as text with byte offsets unchanged: valid UTF-8 is kept, and each byte of
/// an invalid sequence becomes `?`, so mail-parser's offsets index it directly.
fn offset_preserving_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(after.len());
                out.extend(std::iter::repeat_n('?', bad));
                rest = &after[bad..];
            }
        }
    }
}

fn clamp(offset: usize, bytes: &[u8]) -> usize {
    offset.min(bytes.len())
}

/// A header field's span without its trailing line break.
fn trim_field(bytes: &[u8], span: Range<usize>) -> Range<usize> {
    let start = clamp(span.start, bytes);
    let mut end = clamp(span.end, bytes).max(start);
    while end > start && matches!(bytes[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    start..end
}

fn part_header_span(header: usize, body: usize) -> Range<usize> {
    header..body.max(header)
}

/// Unfolds a header value (RFC 5322 §2.2.3) and trims it.
fn unfold(raw: &str) -> String {
    raw.split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_offsets_of_invalid_utf8() {
        let text = offset_preserving_text(b"a\xe9b\xf0\x9f\x98\x80c");
        assert_eq!(text, "a?b😀c");
    }

    #[test]
    fn raw_8bit_headers_are_read_in_the_declared_charset() {
        // "[특가]" in EUC-KR, unencoded in the Subject, beside a body declared euc-kr.
        let mut raw = b"From: shop@x.example\r\nSubject: [".to_vec();
        raw.extend_from_slice(&[0xc6, 0xaf, 0xb0, 0xa1]);
        raw.extend_from_slice(b"] sale\r\nContent-Type: text/plain; charset=euc-kr\r\n\r\nhi\r\n");
        let mut sources = Sources::default();
        let draft = load(&mut sources, "m.eml", raw).unwrap();
        assert_eq!(draft.header_value("Subject"), Some("[특가] sale"));
    }

    #[test]
    fn reads_headers_recipients_and_parts() {
        let raw = b"From: Ann <ann@example.com>\r\nTo: bob@example.org,\r\n carol@example.net\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello <a href=\"https://x.example/u\">unsubscribe</a></p>\r\n";
        let mut sources = Sources::default();
        let draft = load(&mut sources, "m.eml", raw.to_vec()).unwrap();
        assert_eq!(draft.header_value("subject"), Some("Café"));
        let addrs: Vec<_> = draft
            .recipients
            .iter()
            .map(|r| r.address.as_str())
            .collect();
        assert_eq!(addrs, ["bob@example.org", "carol@example.net"]);
        let text = &sources.get(draft.source).text;
        assert_eq!(&text[draft.recipients[1].span.clone()], "carol@example.net");
        let html = draft.html.as_ref().unwrap();
        assert_eq!(
            html.source, draft.source,
            "an 8bit part points into the file"
        );
    }

    #[test]
    fn quoted_printable_part_gets_its_own_source() {
        let raw = b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 =\r\nlong line\r\n";
        let mut sources = Sources::default();
        let draft = load(&mut sources, "m.eml", raw.to_vec()).unwrap();
        let part = draft.text.unwrap();
        assert_ne!(part.source, draft.source);
        assert_eq!(sources.get(part.source).name, "m.eml (text/plain part)");
        assert!(part.content.starts_with("Café long line"));
    }
}
