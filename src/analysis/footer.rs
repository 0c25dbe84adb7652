//! The sender footer `export` and `fix` add: name, mailing address, contact and unsubscribe,
//! in HTML and text, from the wording in `rules/export/services.toml`.

use crate::data::services;

/// What a body lacks: checked as a bare template.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// The sender's name or mailing address.
    pub identity: bool,
    /// A telephone number, email address or web address.
    pub contact: bool,
    pub unsubscribe: bool,
}

impl Needs {
    pub fn all() -> Needs {
        Needs {
            identity: true,
            contact: true,
            unsubscribe: true,
        }
    }

    pub fn any(&self) -> bool {
        self.identity || self.contact || self.unsubscribe
    }
}

/// The values the footer's placeholders take.
#[derive(Debug, Clone, Default)]
pub struct FooterValues {
    pub name: Option<String>,
    pub address: Option<String>,
    pub contact: Option<String>,
    pub unsubscribe: Option<String>,
}

impl FooterValues {
    fn pairs(&self, html: bool) -> Vec<(&'static str, String)> {
        let value = |v: &Option<String>| {
            let v = v.as_deref().unwrap_or("");
            if html {
                escape(v)
            } else {
                v.to_string()
            }
        };
        vec![
            ("name", value(&self.name)),
            ("address", value(&self.address)),
            ("contact", value(&self.contact)),
            ("unsubscribe", value(&self.unsubscribe)),
        ]
    }
}

/// The HTML footer with the pieces `needs` asks for.
pub fn footer_html(values: &FooterValues, needs: &Needs) -> String {
    let f = &services::data().footer;
    let pairs = values.pairs(true);
    let mut out = f.html_start.clone();
    for (wanted, piece) in [
        (needs.identity, &f.html_identity),
        (needs.contact, &f.html_contact),
        (needs.unsubscribe, &f.html_unsubscribe),
    ] {
        if wanted {
            out.push_str(&fill(piece, &pairs));
        }
    }
    out.push_str(&f.html_end);
    out
}

/// The text footer with the pieces `needs` asks for.
pub fn footer_text(values: &FooterValues, needs: &Needs) -> String {
    let f = &services::data().footer;
    let pairs = values.pairs(false);
    let mut out = f.text_start.clone();
    for (wanted, piece) in [
        (needs.identity, &f.text_identity),
        (needs.contact, &f.text_contact),
        (needs.unsubscribe, &f.text_unsubscribe),
    ] {
        if wanted {
            out.push_str(&fill(piece, &pairs));
        }
    }
    out.push_str(&f.text_end);
    out
}

/// Puts `footer` just before `</body>` (else before `</html>`, else at the end).
pub fn insert_html_footer(html: &str, footer: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let at = lower
        .rfind("</body")
        .or_else(|| lower.rfind("</html"))
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + footer.len() + 1);
    out.push_str(&html[..at]);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(footer.trim_start_matches('\n'));
    out.push_str(&html[at..]);
    out
}

/// `html` without the footer an earlier run added (between the comments that open and close
/// it), or `None` when it has none: a new footer replaces it rather than stacking.
pub fn remove_html_footer(html: &str) -> Option<String> {
    let f = &services::data().footer;
    let open = f.html_start.trim().lines().next()?.trim();
    let close = f.html_end.trim().lines().last()?.trim();
    let start = html.find(open)?;
    let end = start + html[start..].find(close)? + close.len();
    let end = end
        + html[end..]
            .find(|c| c != '\r' && c != '\n')
            .unwrap_or(html.len() - end);
    Some(format!("{}{}", &html[..start], &html[end..]))
}

/// `text` without the footer an earlier run added at its end: the last paragraph, when it ends
/// with the footer's unsubscribe line. `None` when it has none.
pub fn remove_text_footer(text: &str) -> Option<String> {
    let f = &services::data().footer;
    let marker = f.text_unsubscribe.split('{').next()?.trim();
    let body = text.trim_end();
    let last_line = body.lines().last()?;
    if marker.is_empty() || !last_line.starts_with(marker) {
        return None;
    }
    let paragraph = body
        .rfind("\n\n")
        .or_else(|| body.rfind("\r\n\r\n"))
        .unwrap_or(0);
    Some(body[..paragraph].trim_end().to_string())
}

/// HTML-escapes text for element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Fills `{key}` placeholders in one pass (a value is never read as a template). A brace that
/// belongs to a longer run (`{{{unsubscribe}}}`, a merge tag) is left alone.
pub fn fill(template: &str, pairs: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        let key_end = after[1..].find('}').map(|e| e + 1);
        let preceded = out.ends_with('{');
        let matched = key_end.and_then(|end| {
            let key = &after[1..end];
            let followed = after[end + 1..].starts_with('}');
            if preceded || followed || after[1..].starts_with('{') {
                return None;
            }
            pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (end, v))
        });
        match matched {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
