//! Merge tags: the ESP table and delimiter dialects of `rules/merge-tags.toml`, and a scanner
//! that finds tags of any dialect in a body with their byte spans.

use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Esp {
    pub id: String,
    pub name: String,
    pub dialect: String,
    pub unsubscribe: Vec<String>,
    pub address: Vec<String>,
    pub adds_footer: bool,
    pub grade: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Dialect {
    pub id: String,
    pub name: String,
    pub open: String,
    pub close: String,
    pub example: String,
    /// Dialects of one family mix in the same template (SendGrid's `{{ }}` and `<% %>`,
    /// HubSpot's `{{ }}` and `{% %}`); defaults to the dialect's own id.
    #[serde(default)]
    pub family: Option<String>,
}

impl Dialect {
    pub fn family(&self) -> &str {
        self.family.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeTagsFile {
    esp: Vec<Esp>,
    dialect: Vec<Dialect>,
}

/// The loaded table, with dialects ordered longest opener first so `%%x%%` is read as one
/// SFMC tag rather than two percent tags.
pub struct Table {
    pub esps: Vec<Esp>,
    pub dialects: Vec<Dialect>,
    /// The dialects (indexes into `dialects`, longest opener first) whose opener begins with
    /// each byte: [`find`] stops only at such bytes and compares only those openers.
    by_first_byte: [Vec<usize>; 256],
}

pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let file: MergeTagsFile = toml::from_str(include_str!("../../rules/merge-tags.toml"))
            .unwrap_or_else(|e| panic!("rules/merge-tags.toml does not parse: {e}"));
        let mut dialects = file.dialect;
        dialects.sort_by_key(|d| std::cmp::Reverse(d.open.len()));
        let mut by_first_byte: [Vec<usize>; 256] = std::array::from_fn(|_| Vec::new());
        for (i, d) in dialects.iter().enumerate() {
            let first = d.open.as_bytes().first().unwrap_or_else(|| {
                panic!(
                    "rules/merge-tags.toml: dialect {} has an empty opener",
                    d.id
                )
            });
            by_first_byte[usize::from(*first)].push(i);
        }
        Table {
            esps: file.esp,
            dialects,
            by_first_byte,
        }
    })
}

/// A merge tag found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'t> {
    pub dialect: &'t str,
    /// Byte range of the whole tag, delimiters included.
    pub span: Range<usize>,
    /// The tag's name: delimiters, braces and case removed, inner whitespace folded.
    pub key: String,
    /// Opening braces (`{{{x}}}` has 3): Handlebars ESPs tell their tags apart by them
    /// (SendGrid's `{{{unsubscribe}}}`, Brevo's `{{ unsubscribe }}`).
    pub braces: usize,
}

/// Longest a tag may be; beyond that an opener is prose, not a tag.
const MAX_TAG_LEN: usize = 200;

/// Every merge tag in `text`, in order, without overlaps.
pub fn find(text: &str) -> Vec<Tag<'static>> {
    let table = table();
    let mut tags: Vec<Tag<'static>> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    'scan: while i < bytes.len() {
        // An opener begins with a character's first byte, so a candidate is a char boundary.
        let Some(skip) = bytes[i..]
            .iter()
            .position(|&b| !table.by_first_byte[usize::from(b)].is_empty())
        else {
            break;
        };
        i += skip;
        for d in table.by_first_byte[usize::from(bytes[i])]
            .iter()
            .map(|&d| &table.dialects[d])
        {
            if bytes[i..].starts_with(d.open.as_bytes()) {
                if let Some(tag) = tag_at(text, i, d) {
                    i = tag.span.end;
                    tags.push(tag);
                    continue 'scan;
                }
            }
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    tags
}

fn tag_at(text: &str, start: usize, d: &'static Dialect) -> Option<Tag<'static>> {
    let after_open = start + d.open.len();
    let window_end = text.len().min(after_open + MAX_TAG_LEN);
    let window = text
        .get(after_open..window_end)
        .or_else(|| text.get(after_open..))?;
    let close_at = window.find(d.close.as_str())?;
    let inner = &window[..close_at];
    let end = after_open + close_at + d.close.len();
    // Triple-brace handlebars: swallow the third closing brace into the tag.
    let end = if d.open == "{{" && inner.starts_with('{') && text[end..].starts_with('}') {
        end + 1
    } else {
        end
    };
    if !plausible(d, inner) {
        return None;
    }
    Some(Tag {
        dialect: d.id.as_str(),
        span: start..end,
        key: key_of(d, inner),
        braces: text[start..].chars().take_while(|&c| c == '{').count(),
    })
}

/// Rejects openers that are prose: "50% off and 20%" is not a percent tag, and a tag never
/// spans lines.
fn plausible(d: &Dialect, inner: &str) -> bool {
    let trimmed = inner.trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace());
    if trimmed.is_empty() || inner.contains('\n') {
        return false;
    }
    if d.open.starts_with('<') {
        return true;
    }
    // Dialects whose delimiters also occur in prose and URLs take identifiers only: not
    // "50% off and 20%", not the percent-encoding `%C3%A9`, not French « quotes ».
    if matches!(d.open.as_str(), "%" | "[[" | "«") {
        let identifier = trimmed.chars().next().is_some_and(char::is_alphabetic)
            && trimmed
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
        let hex_escape =
            d.open == "%" && trimmed.len() <= 2 && trimmed.chars().all(|c| c.is_ascii_hexdigit());
        return identifier && !hex_escape && inner == trimmed;
    }
    true
}

/// The comparable name of a tag body: lower-case, whitespace folded, braces trimmed.
fn key_of(d: &Dialect, inner: &str) -> String {
    if d.open.starts_with('<') && d.open.len() > 2 {
        // An element dialect such as Campaign Monitor's <unsubscribe>…</unsubscribe>.
        return d.open.trim_start_matches('<').to_ascii_lowercase();
    }
    inner
        .trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A tag as the table spells it, read as a found tag (`*|UNSUB|*` → key `unsub`).
fn written(tag: &str) -> Option<Tag<'static>> {
    table()
        .dialects
        .iter()
        .find(|d| tag.starts_with(d.open.as_str()))
        .and_then(|d| tag_at(tag, 0, d))
}

fn matches_key(found: &str, wanted: &str) -> bool {
    found == wanted
        || found
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with(' '))
}

/// The family of a dialect id (an unknown id is its own family).
fn family_of(dialect_id: &str) -> &str {
    dialect(dialect_id).map_or(dialect_id, Dialect::family)
}

/// Each ESP's listed tags as [`find`] reads them, parsed once: `unsubscribe[i]` and
/// `address[i]` belong to `table().esps[i]`.
struct WrittenTags {
    unsubscribe: Vec<Vec<Tag<'static>>>,
    address: Vec<Vec<Tag<'static>>>,
}

fn written_tags() -> &'static WrittenTags {
    static WRITTEN: OnceLock<WrittenTags> = OnceLock::new();
    WRITTEN.get_or_init(|| {
        let parse = |tags: &[String]| tags.iter().filter_map(|t| written(t)).collect();
        let esps = &table().esps;
        WrittenTags {
            unsubscribe: esps.iter().map(|e| parse(&e.unsubscribe)).collect(),
            address: esps.iter().map(|e| parse(&e.address)).collect(),
        }
    })
}

/// The ESP whose listed tag (from `tags_of`) this found tag is: same name, and written in the
/// ESP's dialect family, so MailerLite's `{$unsubscribe}` is not taken for Brevo's
/// `{{ unsubscribe }}`.
fn esp_of_tag(
    tag: &Tag<'_>,
    tags_of: fn(&WrittenTags) -> &[Vec<Tag<'static>>],
) -> Option<&'static Esp> {
    let esps = &table().esps;
    let listed = tags_of(written_tags());
    let family = family_of(tag.dialect);
    let same_name = |i: &usize, same_braces: bool| {
        family_of(&esps[*i].dialect) == family
            && listed[*i]
                .iter()
                .any(|w| matches_key(&tag.key, &w.key) && (!same_braces || w.braces == tag.braces))
    };
    let index = (0..esps.len())
        .find(|i| same_name(i, true))
        .or_else(|| (0..esps.len()).find(|i| same_name(i, false)))?;
    Some(&esps[index])
}

/// An ESP's unsubscribe tag, or any tag whose name says unsubscribe (an ESP not in the table
/// uses the same words), found in `text`.
pub fn find_unsubscribe_tag(text: &str) -> Option<(Tag<'static>, Option<&'static Esp>)> {
    find(text)
        .into_iter()
        .find_map(|tag| match esp_of_tag(&tag, |w| &w.unsubscribe) {
            Some(esp) => Some((tag, Some(esp))),
            None => tag.key.contains("unsub").then_some((tag, None)),
        })
}

/// An ESP's sender-address tag found in `text`.
pub fn find_address_tag(text: &str) -> Option<(Tag<'static>, &'static Esp)> {
    find(text)
        .into_iter()
        .find_map(|tag| esp_of_tag(&tag, |w| &w.address).map(|esp| (tag, esp)))
}

/// The one ESP that writes tags in this dialect, when only one does (Mailchimp's `*|…|*`).
pub fn sole_esp_of_dialect(dialect_id: &str) -> Option<&'static Esp> {
    let mut users = table().esps.iter().filter(|e| e.dialect == dialect_id);
    let first = users.next()?;
    users.next().is_none().then_some(first)
}

pub fn dialect(id: &str) -> Option<&'static Dialect> {
    table().dialects.iter().find(|d| d.id == id)
}

/// A tag of `dialect` written wrong: an opener with no closer on its line, or braces that do
/// not balance (`{{{unsubscribe}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub span: Range<usize>,
    pub why: String,
}

pub fn malformed(text: &str, dialect: &Dialect) -> Vec<Malformed> {
    let tags = find(text);
    let mut out = Vec::new();
    for tag in tags.iter().filter(|t| t.dialect == dialect.id) {
        let raw = &text[tag.span.clone()];
        let opens = raw.chars().take_while(|&c| c == '{').count();
        let closes = raw.chars().rev().take_while(|&c| c == '}').count();
        if opens != closes {
            out.push(Malformed {
                span: tag.span.clone(),
                why: format!("`{raw}` opens with {opens} braces and closes with {closes}"),
            });
        }
    }
    let inside = |i: usize| tags.iter().any(|t| t.span.contains(&i));
    for (i, _) in text.match_indices(dialect.open.as_str()) {
        if inside(i) {
            continue;
        }
        // The broken tag runs to the next space, quote or markup, at most to the line's end.
        let after = i + dialect.open.len();
        let end = text[after..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '"' | '\'' | ','))
            .map_or(text.len(), |n| after + n);
        out.push(Malformed {
            span: i..end,
            why: format!(
                "`{}` is opened but never closed with `{}`",
                dialect.open, dialect.close
            ),
        });
    }
    out.sort_by_key(|m| m.span.start);
    out
}

/// The dialect a template is written in: the ESP named by its unsubscribe or address tag,
/// else the dialect most of its tags use.
pub fn main_dialect(text: &str, tags: &[Tag<'static>]) -> Option<&'static Dialect> {
    if let Some(esp) = named_esp(text) {
        return dialect(&esp.dialect);
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for t in tags {
        *counts.entry(t.dialect).or_default() += 1;
    }
    let (id, _) = counts
        .into_iter()
        .max_by_key(|&(id, n)| (n, std::cmp::Reverse(id)))?;
    dialect(id)
}

/// The ESP a template's own unsubscribe or address tag names.
fn named_esp(text: &str) -> Option<&'static Esp> {
    find_unsubscribe_tag(text)
        .and_then(|(_, esp)| esp)
        .or_else(|| find_address_tag(text).map(|(_, e)| e))
}

/// The ESP a template is written for, when its tags tell: a tag only that ESP uses, or a
/// dialect only it writes.
pub fn identify_esp(text: &str) -> Option<&'static Esp> {
    named_esp(text).or_else(|| {
        let tags = find(text);
        main_dialect(text, &tags).and_then(|d| sole_esp_of_dialect(&d.id))
    })
}

/// The text with every merge tag removed (for fingerprints).
pub fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for tag in find(text) {
        out.push_str(&text[last..tag.span.start]);
        last = tag.span.end;
    }
    out.push_str(&text[last..]);
    out
}

/// Decodes `%XX` escapes so tags written inside `href`s (`%7B%7Bunsubscribe%7D%7D`) are seen.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tags_of_every_dialect() {
        let text = "Hi *|FNAME|*, {{ first_name }} {{{unsubscribe}}} %recipient.name% «FirstName» %%Member_Addr%% [[UNSUB_LINK_EN]] {$unsubscribe} <%asm_group_unsubscribe_raw_url%>";
        let keys: Vec<String> = find(text).into_iter().map(|t| t.key).collect();
        assert_eq!(
            keys,
            [
                "fname",
                "first_name",
                "unsubscribe",
                "recipient.name",
                "firstname",
                "member_addr",
                "unsub_link_en",
                "unsubscribe",
                "asm_group_unsubscribe_raw_url"
            ]
        );
    }

    #[test]
    fn prose_percent_url_escapes_and_french_quotes_are_not_tags() {
        assert!(find("Save 50% off and 20% more").is_empty());
        assert!(find("100%").is_empty());
        assert!(find("https://x.example/caf%C3%A9").is_empty());
        assert!(find("« Le meilleur pain » disent-ils").is_empty());
        assert_eq!(find("Bonjour «Prénom»")[0].key, "prénom");
    }

    #[test]
    fn esp_is_matched_by_dialect_family_too() {
        let (_, esp) = find_unsubscribe_tag("{$unsubscribe}").unwrap();
        assert_eq!(esp.unwrap().id, "mailerlite");
        let (_, esp) = find_unsubscribe_tag("<a href=\"{{ unsubscribe_url }}\">x</a>").unwrap();
        assert_ne!(esp.map(|e| e.id.as_str()), Some("mailgun"));
        assert_eq!(sole_esp_of_dialect("mailchimp").unwrap().id, "mailchimp");
        let (_, esp) = find_unsubscribe_tag("{{ unsubscribe }}").unwrap();
        assert_eq!(esp.unwrap().id, "brevo");
        let (_, esp) = find_unsubscribe_tag("{{{unsubscribe}}}").unwrap();
        assert_eq!(esp.unwrap().id, "sendgrid-marketing");
        assert!(sole_esp_of_dialect("handlebars").is_none());
    }

    #[test]
    fn spans_cover_whole_tags() {
        let text = "x {{{ pm:unsubscribe }}} y";
        let tag = &find(text)[0];
        assert_eq!(&text[tag.span.clone()], "{{{ pm:unsubscribe }}}");
    }

    #[test]
    fn recognises_esp_unsubscribe_tags() {
        let (tag, esp) = find_unsubscribe_tag("<a href=\"*|UNSUB|*\">Unsubscribe</a>").unwrap();
        assert_eq!(tag.key, "unsub");
        assert_eq!(esp.unwrap().id, "mailchimp");
        assert!(find_unsubscribe_tag("{% unsubscribe 'Opt out' %}").is_some());
        assert!(
            find_unsubscribe_tag(&percent_decode("https://x/%7B%7Bunsubscribe_url%7D%7D"))
                .is_some()
        );
        assert!(find_unsubscribe_tag("Hello {{ name }}").is_none());
    }

    #[test]
    fn strip_removes_tags() {
        assert_eq!(strip("Hi *|FNAME|*, welcome"), "Hi , welcome");
    }
}
