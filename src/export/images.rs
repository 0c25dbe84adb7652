//! Images embedded in a draft (`<img src="cid:…">`, the parts of an Outlook message's
//! multipart/related): a bulk-mail service never receives those parts, so each becomes a file
//! beside the exported HTML and the HTML points at it. A `cid:` the draft does not hold is
//! reported: it would show as a broken image.

use std::collections::HashMap;

use mail_parser::{MessageParser, MimeHeaders};

/// The folder, inside the export folder, that holds the images.
pub const IMAGES_DIR: &str = "images";

/// An image taken out of the draft.
#[derive(Debug)]
pub struct Image {
    /// Its path inside the export folder (`images/logo.png`).
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct Extracted {
    /// The HTML with every found `cid:` reference pointing at its file.
    pub html: String,
    pub images: Vec<Image>,
    /// `cid:` references with no part of that Content-ID in the draft.
    pub missing: Vec<String>,
}

/// Takes the images `html` references by `cid:` out of the raw message `raw`.
pub fn extract(html: &str, raw: &[u8]) -> Extracted {
    let references = cid_references(html);
    if references.is_empty() {
        return Extracted {
            html: html.to_string(),
            ..Extracted::default()
        };
    }
    let parts = embedded_parts(raw);
    let mut out = Extracted::default();
    let mut paths: HashMap<String, String> = HashMap::new();
    for id in &references {
        if paths.contains_key(id) || out.missing.contains(id) {
            continue;
        }
        let Some((name, bytes)) = parts.get(&id.to_ascii_lowercase()) else {
            out.missing.push(id.clone());
            continue;
        };
        let path = unique_path(name, &out.images);
        paths.insert(id.clone(), path.clone());
        out.images.push(Image {
            path,
            bytes: bytes.clone(),
        });
    }
    let mut html = html.to_string();
    for (id, path) in &paths {
        html = html.replace(&format!("cid:{id}"), path);
    }
    out.html = html;
    out
}

/// Every `cid:` reference in attribute values and CSS `url()`, in order, each once.
fn cid_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found: Vec<String> = Vec::new();
    for (at, _) in lower.match_indices("cid:") {
        let before = lower[..at].trim_end_matches(char::is_whitespace);
        if !(before.ends_with('"') || before.ends_with('\'') || before.ends_with('(')) {
            continue;
        }
        let rest = &html[at + 4..];
        let end = rest
            .find(|c: char| matches!(c, '"' | '\'' | ')' | '>') || c.is_whitespace())
            .unwrap_or(rest.len());
        let id = &rest[..end];
        if !id.is_empty() && !found.iter().any(|f| f == id) {
            found.push(id.to_string());
        }
    }
    found
}

/// The message's parts with a Content-ID, by lower-cased id (without `<>`): a file name and
/// the decoded bytes.
fn embedded_parts(raw: &[u8]) -> HashMap<String, (String, Vec<u8>)> {
    let mut parts = HashMap::new();
    let parsed = crate::model::panic_guard::catch(|| MessageParser::default().parse(raw))
        .ok()
        .flatten();
    let Some(message) = parsed else {
        return parts;
    };
    for (n, part) in message.parts.iter().enumerate() {
        let Some(id) = part.content_id() else {
            continue;
        };
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        let extension = part
            .content_type()
            .and_then(|ct| ct.subtype())
            .map(|s| match s.to_ascii_lowercase().as_str() {
                "jpeg" | "pjpeg" => "jpg".to_string(),
                "svg+xml" => "svg".to_string(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "bin".into());
        let name = part
            .attachment_name()
            .map(safe_name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("image-{}.{extension}", n + 1));
        parts.insert(id.to_ascii_lowercase(), (name, part.contents().to_vec()));
    }
    parts
}

/// A file name without folders or characters a file system or a URL would trip on.
fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

/// `images/<name>`, numbered when an earlier image took the name.
fn unique_path(name: &str, taken: &[Image]) -> String {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let dot = if ext.is_empty() { "" } else { "." };
    (1..)
        .map(|i| match i {
            1 => format!("{IMAGES_DIR}/{name}"),
            _ => format!("{IMAGES_DIR}/{stem}-{i}{dot}{ext}"),
        })
        .find(|p| !taken.iter().any(|t| &t.path == p))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_images_become_files_and_unknown_ids_are_reported() {
        let raw = b"From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n--r\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo@01\">\r\n--r\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-ID: <logo@01>\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--r--\r\n";
        let html = r#"<img src="cid:logo@01"><img src='cid:logo@01'><td style="background:url(cid:gone@02)">"#;
        let out = extract(html, raw);
        assert_eq!(out.images.len(), 1);
        assert_eq!(out.images[0].path, "images/logo.png");
        assert_eq!(out.images[0].bytes, b"hello");
        assert_eq!(out.missing, ["gone@02"]);
        assert_eq!(
            out.html,
            r#"<img src="images/logo.png"><img src='images/logo.png'><td style="background:url(cid:gone@02)">"#
        );
    }

    #[test]
    fn names_are_safe_and_distinct() {
        assert_eq!(safe_name("../../etc/pass wd.png"), "pass-wd.png");
        let taken = vec![Image {
            path: "images/a.png".into(),
            bytes: vec![],
        }];
        assert_eq!(unique_path("a.png", &taken), "images/a-2.png");
    }
}
