//! Merge tags: the ESP table and delimiter dialects of `rules/merge-tags.toml`, and a scanner
//! that finds tags of any dialect in a body with their byte spans.
//!
//! A tag is an opener, an inside the dialect accepts (a field name or the ESP's own function
//! syntax, as the table lists), and the closer, on one line. Text that only looks like tags is
//! skipped: the inside of `<pre>`, `<code>`, `<script>` and `<style>`, uuencoded blocks, and
//! text in a 7-bit charset that was not decoded (ISO-2022 escape sequences).

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use serde::Deserialize;

use crate::data::dfa::{self, Dfa};
use crate::load::draft::Draft;
use crate::model::source::{SourceId, Sources};

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
    /// What may stand between the delimiters (regular expressions; one must match).
    pub inside: Vec<String>,
    /// Insides that match `inside` but are not tags (printf conversions, percent escapes).
    #[serde(default)]
    pub not_inside: Vec<String>,
    /// The delimiters also occur inside words and numbers: a tag's opener must not follow a
    /// letter or digit, nor its closer precede one.
    #[serde(default)]
    pub bounded: bool,
    /// Characters that make an opener right after them code, not a tag (`${{ x }}`).
    #[serde(default)]
    pub not_after: String,
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
    /// each byte: where [`find`] stops, it tries only those openers, longest first.
    by_first_byte: [Vec<usize>; 256],
    /// Every opener, searched for together (SIMD where the CPU has it): most of a body holds
    /// none, and a byte-by-byte walk over it was most of the scan's time.
    openers: AhoCorasick,
    /// `inside` and `not_inside` of each dialect, in the order of `dialects`: DFAs build.rs
    /// compiled (`data::dfa::merge_tags`).
    insides: Vec<(Dfa, Dfa)>,
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
        let insides = dialects
            .iter()
            .map(|d| {
                assert!(
                    !d.inside.is_empty(),
                    "rules/merge-tags.toml: dialect {} accepts no inside",
                    d.id
                );
                let (_, inside, not_inside) = dfa::merge_tags::INSIDES
                    .iter()
                    .find(|(id, _, _)| *id == d.id)
                    .unwrap_or_else(|| panic!("rules/merge-tags.toml: dialect {}: no DFAs", d.id));
                let what = format!("rules/merge-tags.toml: dialect {}", d.id);
                (dfa::load(inside, &what), dfa::load(not_inside, &what))
            })
            .collect();
        let openers = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(dialects.iter().map(|d| d.open.as_str()))
            .unwrap_or_else(|e| panic!("rules/merge-tags.toml: openers do not compile: {e}"));
        Table {
            esps: file.esp,
            dialects,
            by_first_byte,
            openers,
            insides,
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

/// Every merge tag in `text`, in order, without overlaps; none in the stretches
/// [`skipped`] gives.
pub fn find(text: &str) -> Vec<Tag<'static>> {
    let table = table();
    let mut tags: Vec<Tag<'static>> = Vec::new();
    let bytes = text.as_bytes();
    let skips = skipped(text);
    let mut skips = skips.iter().peekable();
    let mut i = 0;
    'scan: while i < bytes.len() {
        // The leftmost place any opener starts: an opener begins with a character's first
        // byte, so a candidate is a char boundary.
        let Some(m) = table.openers.find(Input::new(bytes).span(i..bytes.len())) else {
            break;
        };
        i = m.start();
        while let Some(s) = skips.peek() {
            if s.end <= i {
                skips.next();
            } else if s.start <= i {
                i = s.end;
                continue 'scan;
            } else {
                break;
            }
        }
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

/// Stretches of `text` where tag-like text is something else, in order: the content of
/// `<pre>`, `<code>`, `<script>` and `<style>` (code and markup, shown or run as written), a
/// uuencoded block (`begin 644 name` … `end`), and text in an ISO-2022 charset that was not
/// decoded (from an escape sequence that switches to a multi-byte set, `ESC $ B`, back to
/// ASCII, `ESC ( B`, or to the end of the line).
pub fn skipped(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    raw_elements(text, &mut out);
    uuencoded(text, &mut out);
    iso_2022(text, &mut out);
    out.sort_by_key(|r| r.start);
    // Merge overlaps so the scanner can walk them in one pass.
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(out.len());
    for r in out {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Elements whose content holds code or markup rather than prose.
const RAW_ELEMENTS: [&str; 4] = ["pre", "code", "script", "style"];

fn raw_elements(text: &str, out: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(n) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + n;
        i = start + 1;
        // Only `<p…`, `<c…`, `<s…` and `<i…` can open what is skipped: most tags end here.
        if !matches!(
            bytes.get(start + 1).map(u8::to_ascii_lowercase),
            Some(b'p' | b'c' | b's' | b'i')
        ) {
            continue;
        }
        if element_name_at(bytes, start + 1, "input") {
            // A hidden form field's value goes to the form's handler and is never shown.
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'>')
                .map_or(bytes.len(), |n| start + n + 1);
            if is_hidden_input(&text[start..end]) {
                out.push(start..end);
                i = end;
            }
            continue;
        }
        let Some(name) = RAW_ELEMENTS
            .iter()
            .find(|name| element_name_at(bytes, start + 1, name))
        else {
            continue;
        };
        let end = find_closing(bytes, i, name).unwrap_or(bytes.len());
        out.push(start..end);
        i = end.max(i);
    }
}

/// An `<input>` start tag with `type=hidden`, however quoted and cased.
fn is_hidden_input(tag: &str) -> bool {
    let lower = tag.to_ascii_lowercase();
    lower.match_indices("type").any(|(i, _)| {
        let rest = lower[i + 4..].trim_start();
        rest.strip_prefix('=').is_some_and(|v| {
            v.trim_start()
                .trim_start_matches(['"', '\''])
                .starts_with("hidden")
        })
    })
}

/// `bytes[at..]` starts with the element name `name` (any case), followed by `>`, `/` or
/// white space.
fn element_name_at(bytes: &[u8], at: usize, name: &str) -> bool {
    bytes
        .get(at..at + name.len())
        .is_some_and(|b| b.eq_ignore_ascii_case(name.as_bytes()))
        && bytes
            .get(at + name.len())
            .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
}

/// The end of the first `</name>` at or after `from`.
fn find_closing(bytes: &[u8], from: usize, name: &str) -> Option<usize> {
    let mut i = from;
    while let Some(n) = memchr::memmem::find(&bytes[i..], b"</") {
        let at = i + n;
        i = at + 2;
        if element_name_at(bytes, at + 2, name) {
            let close = bytes[at..].iter().position(|&b| b == b'>')?;
            return Some(at + close + 1);
        }
    }
    None
}

/// uuencoded blocks: a `begin <mode> <name>` line, lines of encoded data, an `end` line.
fn uuencoded(text: &str, out: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    let mut from = 0;
    // Most bodies hold no `begin ` at all: look for the word before reading lines.
    while let Some(n) = memchr::memmem::find(&bytes[from..], b"begin ") {
        let at = from + n;
        from = at + 1;
        if at > 0 && bytes[at - 1] != b'\n' {
            continue;
        }
        let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
        let mut words = text[at..line_end].trim_end_matches('\r').split(' ').skip(1);
        let begins = words.next().is_some_and(|mode| {
            (3..=4).contains(&mode.len()) && mode.bytes().all(|b| (b'0'..=b'7').contains(&b))
        }) && words.next().is_some_and(|name| !name.is_empty());
        if !begins {
            continue;
        }
        let end = end_line(text, line_end);
        out.push(at..end);
        from = end.max(from);
    }
}

/// The end (after its line break) of the first line reading exactly `end` after `from`, or
/// the end of the text.
fn end_line(text: &str, from: usize) -> usize {
    let mut pos = from;
    for line in text[from..].split_inclusive('\n') {
        pos += line.len();
        if line.trim_end_matches(['\r', '\n']) == "end" {
            return pos;
        }
    }
    text.len()
}

/// Undecoded ISO-2022 text (ISO-2022-JP, -KR, -CN): after an escape that designates a
/// multi-byte set, pairs of ASCII bytes stand for characters (`%K` is a katakana), so
/// nothing there is a tag until the escape back to ASCII or the end of the line.
fn iso_2022(text: &str, out: &mut Vec<Range<usize>>) {
    const ESC: u8 = 0x1b;
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(n) = memchr::memchr(ESC, &bytes[i..]) {
        let start = i + n;
        i = start + 1;
        // ESC $ @, ESC $ B, ESC $ A, ESC $ ( D, ESC $ ) C, …: a multi-byte set.
        if bytes.get(start + 1) != Some(&b'$') {
            continue;
        }
        let line_end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |n| start + n);
        let back = bytes[start + 2..line_end]
            .windows(2)
            .position(|w| w[0] == ESC && matches!(w[1], b'(' | b'.'))
            .map_or(line_end, |n| start + 2 + n);
        out.push(start..back);
        i = back.max(i);
    }
}

fn tag_at(text: &str, start: usize, d: &'static Dialect) -> Option<Tag<'static>> {
    let after_open = start + d.open.len();
    let window_end = text.len().min(after_open + MAX_TAG_LEN);
    let window = text
        .get(after_open..window_end)
        .or_else(|| text.get(after_open..))?;
    // A tag's window is short and searched once per opener: memmem beats `str::find`'s
    // two-way set-up there.
    let close_at = memchr::memmem::find(window.as_bytes(), d.close.as_bytes())?;
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
    let before = text[..start].chars().next_back();
    if before.is_some_and(|c| d.not_after.contains(c)) {
        return None;
    }
    if d.bounded {
        let after = text[end..].chars().next();
        let word = |c: char| c.is_alphanumeric() || c == '\\';
        if before.is_some_and(word) || after.is_some_and(word) {
            return None;
        }
    }
    Some(Tag {
        dialect: d.id.as_str(),
        span: start..end,
        key: key_of(d, inner),
        braces: text[start..].chars().take_while(|&c| c == '{').count(),
    })
}

/// Whether the text between the delimiters is what the dialect takes inside (a field name or
/// its function syntax, as `rules/merge-tags.toml` lists them); a tag never spans lines.
fn plausible(d: &Dialect, inner: &str) -> bool {
    let trimmed = inner.trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace());
    if trimmed.is_empty() || inner.contains('\n') {
        return false;
    }
    let table = table();
    let Some(index) = table.dialects.iter().position(|x| x.id == d.id) else {
        return false;
    };
    let (inside, not_inside) = &table.insides[index];
    // Triple braces: the third brace is part of the delimiters.
    let inner = if d.open == "{{" {
        inner.strip_prefix('{').unwrap_or(inner)
    } else {
        inner
    };
    dfa::is_match(inside, inner) && !dfa::is_match(not_inside, inner)
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
    /// The dialect family each ESP writes in.
    family: Vec<&'static str>,
}

fn written_tags() -> &'static WrittenTags {
    static WRITTEN: OnceLock<WrittenTags> = OnceLock::new();
    WRITTEN.get_or_init(|| {
        let parse = |tags: &[String]| tags.iter().filter_map(|t| written(t)).collect();
        let esps = &table().esps;
        WrittenTags {
            unsubscribe: esps.iter().map(|e| parse(&e.unsubscribe)).collect(),
            address: esps.iter().map(|e| parse(&e.address)).collect(),
            family: esps.iter().map(|e| family_of(&e.dialect)).collect(),
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
    let written = written_tags();
    let listed = tags_of(written);
    let family = family_of(tag.dialect);
    let same_name = |i: &usize, same_braces: bool| {
        written.family[*i] == family
            && listed[*i]
                .iter()
                .any(|w| matches_key(&tag.key, &w.key) && (!same_braces || w.braces == tag.braces))
    };
    let index = (0..esps.len())
        .find(|i| same_name(i, true))
        .or_else(|| (0..esps.len()).find(|i| same_name(i, false)))?;
    Some(&esps[index])
}

/// The merge tags of each of a draft's body sources ([`Draft::body_sources`]), found once:
/// provider choice, the unsubscribe analysis and sender identification all read them.
#[derive(Debug, Clone, Default)]
pub struct BodyTags(Vec<(SourceId, Vec<Tag<'static>>)>);

impl BodyTags {
    pub fn of(draft: &Draft, sources: &Sources) -> BodyTags {
        BodyTags(
            draft
                .body_sources()
                .into_iter()
                .map(|id| (id, find(&sources.get(id).text)))
                .collect(),
        )
    }

    /// Each body source with the tags of its whole text, the draft's own source first.
    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &[Tag<'static>])> {
        self.0.iter().map(|(id, tags)| (*id, tags.as_slice()))
    }

    /// The tags of source `id`'s whole text, if it is one of the body sources.
    pub fn get(&self, id: SourceId) -> Option<&[Tag<'static>]> {
        self.iter()
            .find(|(source, _)| *source == id)
            .map(|(_, tags)| tags)
    }
}

/// An ESP's unsubscribe tag, or any tag whose name says unsubscribe (an ESP not in the table
/// uses the same words), found in `text`.
pub fn find_unsubscribe_tag(text: &str) -> Option<(Tag<'static>, Option<&'static Esp>)> {
    unsubscribe_tag(&find(text)).map(|(tag, esp)| (tag.clone(), esp))
}

/// The first unsubscribe tag among tags [`find`] gave (see [`find_unsubscribe_tag`]).
pub fn unsubscribe_tag<'a>(
    tags: &'a [Tag<'static>],
) -> Option<(&'a Tag<'static>, Option<&'static Esp>)> {
    tags.iter()
        .find_map(|tag| match esp_of_tag(tag, |w| &w.unsubscribe) {
            Some(esp) => Some((tag, Some(esp))),
            None => tag.key.contains("unsub").then_some((tag, None)),
        })
}

/// The ESP sender-address tags among tags [`find`] gave, in order.
pub fn address_tags<'a>(
    tags: &'a [Tag<'static>],
) -> impl Iterator<Item = (&'a Tag<'static>, &'static Esp)> + 'a {
    tags.iter()
        .filter_map(|tag| esp_of_tag(tag, |w| &w.address).map(|esp| (tag, esp)))
}

/// Whether `text` holds an ESP's unsubscribe or sender-address tag: a template made for a
/// sending service, not only a template engine's.
pub fn has_service_tag(text: &str) -> bool {
    let tags = find(text);
    unsubscribe_tag(&tags).is_some() || address_tags(&tags).next().is_some()
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

/// A tag of `dialect` written wrong: an opener never closed before the next opener, or braces
/// that do not balance (`{{{unsubscribe}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub span: Range<usize>,
    pub why: String,
}

/// `tags` are what [`find`] gave for `text`.
pub fn malformed(text: &str, tags: &[Tag<'static>], dialect: &Dialect) -> Vec<Malformed> {
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
    let skips = skipped(text);
    for i in memchr::memmem::find_iter(text.as_bytes(), dialect.open.as_bytes()) {
        if inside(i) || skips.iter().any(|s| s.contains(&i)) {
            continue;
        }
        // Closed before the next opener (on its line, or after a line break): something else
        // written in the same delimiters (code, a template language's expression spread over
        // lines), not a tag left open.
        let after = i + dialect.open.len();
        let next_open = memchr::memmem::find(&text.as_bytes()[after..], dialect.open.as_bytes())
            .map_or(text.len(), |n| after + n);
        if memchr::memmem::find(&text.as_bytes()[after..next_open], dialect.close.as_bytes())
            .is_some()
        {
            continue;
        }
        // The broken tag runs to the next space, quote or markup, at most to the line's end.
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
pub fn main_dialect(tags: &[Tag<'static>]) -> Option<&'static Dialect> {
    if let Some(esp) = named_esp(tags) {
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
fn named_esp(tags: &[Tag<'static>]) -> Option<&'static Esp> {
    unsubscribe_tag(tags)
        .and_then(|(_, esp)| esp)
        .or_else(|| address_tags(tags).next().map(|(_, e)| e))
}

/// The ESP a template is written for, when its tags tell: a tag only that ESP uses, or a
/// dialect only it writes.
pub fn identify_esp(text: &str) -> Option<&'static Esp> {
    let tags = find(text);
    named_esp(&tags).or_else(|| main_dialect(&tags).and_then(|d| sole_esp_of_dialect(&d.id)))
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

/// Header fields a recipient reads; merge tags anywhere else in the header (a `Received` line,
/// a `Message-ID`) are not shown to anyone.
const READ_HEADERS: [&str; 5] = ["Subject", "From", "To", "Cc", "Reply-To"];

/// A stretch of a draft its recipients read, in the source that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub source: SourceId,
    pub span: Range<usize>,
}

/// The stretches of a draft that reach its recipients as text, each in the source that holds
/// it: for a message, the values of the header fields a reader sees, the text part and the
/// HTML part (where a part had to be decoded, its decoded source, never its encoded copy in
/// the file); for a template, the file as written.
pub fn readable_regions(draft: &Draft, sources: &Sources) -> Vec<Region> {
    use crate::load::draft::DraftFormat;
    let whole = |source: SourceId| Region {
        source,
        span: 0..sources.get(source).text.len(),
    };
    if draft.format != DraftFormat::Message {
        return vec![whole(draft.source)];
    }
    let file = &sources.get(draft.source).text;
    let mut out = Vec::new();
    for h in &draft.headers {
        if !READ_HEADERS.iter().any(|n| h.name.eq_ignore_ascii_case(n)) {
            continue;
        }
        // The value, past `Name:`.
        let span = file_span(file, &h.span);
        let value_start = file[span.clone()]
            .find(':')
            .map_or(span.start, |n| span.start + n + 1);
        out.push(Region {
            source: draft.source,
            span: value_start..span.end,
        });
    }
    if let Some(part) = &draft.text {
        let text = &sources.get(part.source).text;
        out.push(Region {
            source: part.source,
            span: file_span(text, &part.span),
        });
    }
    if let Some(html) = &draft.html {
        if html.source != draft.source {
            out.push(whole(html.source));
        } else {
            // The part stands as written in the file, among the message's other parts: from
            // the line of its first element or text to the line of its last.
            let spans = html
                .texts
                .iter()
                .map(|t| &t.span)
                .chain(html.links.iter().map(|l| &l.span))
                .chain(html.images.iter().map(|i| &i.span));
            let (lo, hi) = spans.fold((usize::MAX, 0), |(lo, hi), s| {
                (lo.min(s.start), hi.max(s.end))
            });
            if lo < hi {
                let lo = file[..lo.min(file.len())].rfind('\n').map_or(0, |n| n + 1);
                let hi = file[hi.min(file.len())..]
                    .find('\n')
                    .map_or(file.len(), |n| hi + n);
                out.push(Region {
                    source: draft.source,
                    span: file_span(file, &(lo..hi)),
                });
            }
        }
    }
    out
}

/// `span` clamped to `text` and moved onto char boundaries.
fn file_span(text: &str, span: &Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// A merge tag where a recipient would read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub source: SourceId,
    /// The tag (spans are in `source`), or the whole header field when the tag stands in an
    /// encoded word that only decoding shows.
    pub tag: Tag<'static>,
    /// The tag as written.
    pub written: String,
}

/// Every merge tag in the parts of `draft` its recipients read ([`readable_regions`]), in
/// order, with spans in the source that holds each one.
pub fn find_in_draft(draft: &Draft, sources: &Sources) -> Vec<Placed> {
    let mut out = Vec::new();
    for region in readable_regions(draft, sources) {
        let text = &sources.get(region.source).text;
        let slice = &text[region.span.clone()];
        let found = find(slice);
        let header = draft
            .headers
            .iter()
            .find(|h| region.source == draft.source && h.span.contains(&region.span.start));
        if found.is_empty() {
            // An encoded Subject (`=?utf-8?q?…?=`) shows its tags only decoded.
            if let Some(h) = header.filter(|_| slice.contains("=?")) {
                for mut tag in find(&h.value) {
                    let written = h.value[tag.span.clone()].to_string();
                    tag.span = file_span(text, &h.span);
                    out.push(Placed {
                        source: region.source,
                        tag,
                        written,
                    });
                }
            }
            continue;
        }
        for mut tag in found {
            let written = slice[tag.span.clone()].to_string();
            tag.span = region.span.start + tag.span.start..region.span.start + tag.span.end;
            out.push(Placed {
                source: region.source,
                tag,
                written,
            });
        }
    }
    // A tag written URL-encoded in a link (`mailto:%25email%25`) is sent as it is too.
    if let Some(html) = &draft.html {
        let text = &sources.get(html.source).text;
        for link in &html.links {
            let Some(href) = link.href.as_deref().filter(|h| h.contains('%')) else {
                continue;
            };
            if !find(href).is_empty() {
                continue;
            }
            let decoded = percent_decode(href);
            for mut tag in find(&decoded) {
                let written = decoded[tag.span.clone()].to_string();
                tag.span = file_span(text, &link.span);
                out.push(Placed {
                    source: html.source,
                    tag,
                    written,
                });
            }
        }
    }
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

    fn keys(text: &str) -> Vec<String> {
        find(text).into_iter().map(|t| t.key).collect()
    }

    #[test]
    fn code_formats_and_shell_are_not_tags() {
        for text in [
            "foreach x $list {puts {$_}}",
            "out=orders-$(date \"+%Y-%m\").csv",
            "date +%Y%m%d-%H%M",
            "printf(\"%s:%s\\n\", user, host)",
            "printf(\"%ld%% done\", n)",
            "strftime(\"%H:%M\", t) and %Ey%",
            "PHP: echo \"{$user->name}\";",
            "if [[ -f config ]]; then",
            "copy %APPDATA%\\Bakery and C:\\Users\\%USERNAME%\\Desktop",
            "ref: ${{ github.ref }} and my @items = @{$list};",
            "{{\\bf bold}} and {{\"a\": 1}} and {{a, b}, {c, d}}",
        ] {
            assert!(find(text).is_empty(), "{text}: {:?}", find(text));
        }
    }

    #[test]
    fn guillemets_around_ordinary_words_are_quotes() {
        for text in [
            "le journal a titré «Délicieux»",
            "un pain «authentique»",
            "l'«ONU» et la «SNCF»",
            "« le meilleur de la ville »",
        ] {
            assert!(find(text).is_empty(), "{text}: {:?}", find(text));
        }
        assert_eq!(
            keys("«FirstName» «First_Name» «Address1» «Nom»"),
            ["firstname", "first_name", "address1", "nom"]
        );
    }

    #[test]
    fn a_search_forms_placeholder_is_no_sfmc_tag() {
        assert!(find("https://x.example/search?q=%%q%%").is_empty());
        assert_eq!(
            keys("%%Member_Addr%% %%=v(@first_name)=%% %%[ SET @x = 1 ]%%"),
            ["member_addr", "=v(@first_name)=", "[ set @x = 1 ]"]
        );
    }

    #[test]
    fn field_names_and_each_esps_function_syntax_are_tags() {
        assert_eq!(
            keys(concat!(
                "{{ contact.first_name | default: \"friend\" }} {{#if english}}x{{else}}y{{/if}} ",
                "{{ .Campaign.FromEmail }} {{- name -}} {{> footer}} {{!-- note --}} ",
                "{% if x > 1 %}{% endif %} {%- comment -%} *|IF:FNAME=Ann|* *|END:IF|* ",
                "[[var:firstname:\"friend\"]] [[data:city]] [[trackingImage]] ",
                "<%= user.name %> %recipient.first_name% %FIRSTNAME%"
            )),
            [
                "contact.first_name | default: \"friend\"",
                "#if english",
                "else",
                "/if",
                ".campaign.fromemail",
                "- name -",
                "> footer",
                "!-- note --",
                "if x > 1",
                "endif",
                "- comment -",
                "if:fname=ann",
                "end:if",
                "var:firstname:\"friend\"",
                "data:city",
                "trackingimage",
                "= user.name",
                "recipient.first_name",
                "firstname",
            ]
        );
        for text in ["[[Main Page]]", "[[Foo]]", "{{x}}", "*|----|*", "*|a b|*"] {
            assert!(find(text).is_empty(), "{text}: {:?}", find(text));
        }
    }

    #[test]
    fn code_script_style_and_hidden_fields_are_skipped() {
        let text = "<pre>{{ first_name }}</pre><CODE class=x>*|FNAME|*</CODE>\
                    <script>var g = \"{{ name }}\";</script><style>a{{color:red}}</style>\
                    <input type=\"hidden\" name=\"n\" value=\"{{name}}\"><INPUT TYPE=HIDDEN VALUE=%%email%%>\
                    <p>Hi {{ last_name }}</p><input type=\"text\" value=\"{{ city }}\">";
        assert_eq!(keys(text), ["last_name", "city"]);
        // An element left open runs to the end.
        assert!(find("<pre>{{ first_name }}").is_empty());
        // Names that merely start like one of these elements are not skipped.
        assert_eq!(keys("<preview>{{ first_name }}</preview>"), ["first_name"]);
    }

    #[test]
    fn uuencoded_blocks_are_skipped() {
        let text =
            "Hi *|FNAME|*,\n\nbegin 644 notes.bin\nM(%NAME%(((((\n`\nend\nBye {{ last_name }}\n";
        assert_eq!(keys(text), ["fname", "last_name"]);
        // Without its `end` the block runs to the end of the text.
        assert!(find("begin 600 x.bin\nM(%NAME%((\n").is_empty());
        // A line that only starts with "begin" is prose.
        assert_eq!(keys("begin 64 words %NAME%\n"), ["name"]);
    }

    #[test]
    fn undecoded_iso_2022_text_is_skipped() {
        // "ワイン注文アイテム" in ISO-2022-JP: `%sCmJ8%` would read as a percent tag.
        let jis = "\u{1b}$B%o%$%sCmJ8%\"%$%F%`\u{1b}(B";
        assert!(find(jis).is_empty());
        assert_eq!(keys(&format!("{jis} %FIRSTNAME%")), ["firstname"]);
        // No escape back to ASCII: the set runs to the end of the line.
        let open = "\u{1b}$B%o%$%sCmJ8%\"%$\nHi %FIRSTNAME%";
        assert_eq!(keys(open), ["firstname"]);
    }

    #[test]
    fn a_tag_closed_before_the_next_opener_is_not_unclosed() {
        let d = dialect("handlebars").unwrap();
        let malformed = |text: &str| malformed(text, &find(text), d);
        assert!(malformed("{{ 'Hello'|trans }} {{ name }}").is_empty());
        assert_eq!(malformed("Hi {{ name }\n").len(), 1);
        assert_eq!(malformed("Hi {{ name }\nBye {{ other }}").len(), 1);
        // An expression spread over lines is closed.
        assert!(malformed("{{ render('Thanks,\n<br>') }} {{ name }}").is_empty());
        assert!(malformed("<code>{{ name </code>").is_empty());
    }

    fn load(raw: &str) -> (Draft, Sources) {
        let mut sources = Sources::default();
        let draft =
            crate::load::draft::eml::load(&mut sources, "m.eml", raw.as_bytes().to_vec()).unwrap();
        (draft, sources)
    }

    fn lines_of(draft: &Draft, sources: &Sources) -> Vec<(String, usize)> {
        find_in_draft(draft, sources)
            .into_iter()
            .map(|p| {
                let (line, _) = sources.get(p.source).line_col(p.tag.span.start);
                (p.written, line)
            })
            .collect()
    }

    #[test]
    fn tags_in_a_message_are_found_where_recipients_read_them() {
        let raw = "Received: from a.example by b.example with ESMTP id {{queue_id}};\n \
                   Mon, 3 Mar 2025 09:00:00 +0000\n\
                   From: Ann <ann@example.com>\n\
                   Subject: For *|FNAME|*\n\
                   X-Campaign: %%campaign_id%%\n\
                   Content-Type: text/plain; charset=utf-8\n\n\
                   Hi {{ first_name }},\n";
        let (draft, sources) = load(raw);
        assert_eq!(
            lines_of(&draft, &sources),
            [
                ("*|FNAME|*".to_string(), 4),
                ("{{ first_name }}".to_string(), 8)
            ]
        );
    }

    #[test]
    fn a_decoded_part_is_read_once_in_its_own_source() {
        let raw = "From: Ann <ann@example.com>\n\
                   Subject: =?utf-8?b?Q2Fmw6kgZm9yICp8Rk5BTUV8Kg==?=\n\
                   Content-Type: text/html; charset=utf-8\n\
                   Content-Transfer-Encoding: quoted-printable\n\n\
                   <p>Hi {{ first_name }}, caf=C3=A9 <a href=3D\"mailto:%25email%25\">x</a></p>\n";
        let (draft, sources) = load(raw);
        let found = find_in_draft(&draft, &sources);
        let written: Vec<&str> = found.iter().map(|p| p.written.as_str()).collect();
        assert_eq!(written, ["*|FNAME|*", "{{ first_name }}", "%email%"]);
        // The Subject's tag is only in its decoded value: the label is the header field.
        let subject = draft.header("Subject").unwrap();
        assert_eq!(found[0].tag.span, subject.span);
        let html = draft.html.as_ref().unwrap();
        assert_ne!(html.source, draft.source);
        assert!(found[1..].iter().all(|p| p.source == html.source));
    }

    #[test]
    fn strip_removes_tags() {
        assert_eq!(strip("Hi *|FNAME|*, welcome"), "Hi , welcome");
    }
}
