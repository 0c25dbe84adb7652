//! Malformed multipart structure, mended the way mail clients read it, so that the parts of a
//! message whose boundaries are written carelessly are still found.
//!
//! What is mended, each as an edit of the raw bytes that [`OffsetMap`] undoes for spans:
//!
//! - a delimiter line that matches a declared boundary only once quotes, white space and case
//!   are ignored (`boundary="ABC"` with `--abc` lines, `boundary=" b1 "` with `--b1  `) is
//!   rewritten to the boundary, and a boundary parameter in single quotes or with white space
//!   inside its quotes is written plainly;
//! - a part whose header fields run straight into its body, with no blank line between, gets
//!   the blank line;
//! - a multipart whose closing delimiter is missing is closed where its parent goes on, or at
//!   the end of the message.
//!
//! The edits touch only delimiter lines, header parameters and the places between them, never
//! a part's body, so a body stored as-is still maps back byte for byte.

use std::ops::Range;

/// One replacement: `orig` in the original bytes became `new_len` bytes.
#[derive(Debug, Clone)]
struct Edit {
    orig: Range<usize>,
    text: Vec<u8>,
}

/// Maps offsets in the mended bytes back to offsets in the original.
#[derive(Debug, Default)]
pub struct OffsetMap {
    edits: Vec<Edit>,
    len: usize,
}

impl OffsetMap {
    /// The original offset of a mended one; inside a replacement, where the replaced text was.
    pub fn to_orig(&self, offset: usize) -> usize {
        let mut delta: isize = 0;
        for e in &self.edits {
            let start = (e.orig.start as isize + delta) as usize;
            if offset < start {
                break;
            }
            let end = start + e.text.len();
            if offset < end {
                return (e.orig.start + (offset - start)).min(e.orig.end);
            }
            delta += e.text.len() as isize - e.orig.len() as isize;
        }
        ((offset as isize - delta).max(0) as usize).min(self.len)
    }
}

/// A declared boundary: where its value is written and the value as meant.
struct Declared {
    value: Range<usize>,
    clean: String,
}

/// The mended message and the map back, or `None` when nothing needed mending.
pub fn mend(bytes: &[u8]) -> Option<(Vec<u8>, OffsetMap)> {
    let declared = declared_boundaries(bytes);
    if declared.is_empty() {
        return None;
    }
    let mut edits: Vec<Edit> = Vec::new();
    for d in &declared {
        let raw = &bytes[d.value.clone()];
        if raw != d.clean.as_bytes() && raw != format!("\"{}\"", d.clean).as_bytes() {
            edits.push(Edit {
                orig: d.value.clone(),
                text: format!("\"{}\"", d.clean).into_bytes(),
            });
        }
    }
    let mut closed = vec![false; declared.len()];
    let mut last_seen: Vec<Option<usize>> = vec![None; declared.len()];
    let mut delimiters: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    while let Some((line, next_start)) = next_line(bytes, pos) {
        pos = next_start;
        let text = &bytes[line.clone()];
        let Some(rest) = text.strip_prefix(b"--") else {
            continue;
        };
        let Some((which, closing)) = match_boundary(rest, &declared) else {
            continue;
        };
        last_seen[which] = Some(line.end);
        delimiters.push((line.start, which));
        let clean = &declared[which].clean;
        let wanted = if closing {
            format!("--{clean}--")
        } else {
            format!("--{clean}")
        };
        if text != wanted.as_bytes() {
            edits.push(Edit {
                orig: line.clone(),
                text: wanted.into_bytes(),
            });
        }
        if closing {
            closed[which] = true;
            continue;
        }
        // The part's header fields, then a blank line before its body.
        let mut at = next_start;
        let mut first = true;
        while let Some((field, after)) = next_line(bytes, at) {
            let t = &bytes[field.clone()];
            if t.is_empty() {
                break;
            }
            let continuation = matches!(t[0], b' ' | b'\t') && !first;
            if !(continuation || is_field(t)) {
                if !t.starts_with(b"--") || match_boundary(&t[2..], &declared).is_none() {
                    edits.push(Edit {
                        orig: field.start..field.start,
                        text: line_ending(bytes, line.end).to_vec(),
                    });
                }
                break;
            }
            first = false;
            at = after;
        }
    }
    // A multipart never closed is closed where its parent goes on (before the parent's next
    // delimiter line), else at the end of the message, the innermost (last seen) first.
    let mut open: Vec<(usize, usize)> = (0..declared.len())
        .filter(|&i| !closed[i])
        .filter_map(|i| last_seen[i].map(|at| (at, i)))
        .collect();
    open.sort_by_key(|o| std::cmp::Reverse(o.0));
    for (seen, i) in open {
        let close = format!("--{}--", declared[i].clean);
        let parent_goes_on = delimiters
            .iter()
            .find(|&&(start, which)| start > seen && which != i)
            .map(|&(start, _)| start);
        let eol = line_ending(bytes, seen);
        let (at, text) = match parent_goes_on {
            Some(start) => (start, [close.as_bytes(), eol].concat()),
            None => {
                let mut text = Vec::new();
                if !bytes.ends_with(b"\n") {
                    text.extend_from_slice(eol);
                }
                text.extend_from_slice(close.as_bytes());
                text.extend_from_slice(eol);
                (bytes.len(), text)
            }
        };
        edits.push(Edit { orig: at..at, text });
    }
    if edits.is_empty() {
        return None;
    }
    // Stable: insertions at one place (closings, innermost first) keep their order.
    edits.sort_by_key(|e| (e.orig.start, e.orig.end));
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut at = 0;
    let mut kept = Vec::new();
    for e in edits {
        if e.orig.start < at {
            continue; // overlapping edits: the first wins
        }
        out.extend_from_slice(&bytes[at..e.orig.start]);
        out.extend_from_slice(&e.text);
        at = e.orig.end;
        kept.push(e);
    }
    out.extend_from_slice(&bytes[at..]);
    Some((
        out,
        OffsetMap {
            edits: kept,
            len: bytes.len(),
        },
    ))
}

/// Which declared boundary a delimiter line (after its `--`) stands for, and whether it closes.
fn match_boundary(rest: &[u8], declared: &[Declared]) -> Option<(usize, bool)> {
    let line = String::from_utf8_lossy(rest);
    let line = line.trim_end();
    let norm = |s: &str| {
        s.trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .trim()
            .to_ascii_lowercase()
    };
    let whole = norm(line);
    if let Some(i) = declared.iter().position(|d| norm(&d.clean) == whole) {
        return Some((i, false));
    }
    let inner = norm(line.strip_suffix("--")?);
    declared
        .iter()
        .position(|d| norm(&d.clean) == inner)
        .map(|i| (i, true))
}

/// Every `boundary=` parameter of a `Content-Type: multipart/…` field, anywhere in the message.
fn declared_boundaries(bytes: &[u8]) -> Vec<Declared> {
    let mut out: Vec<Declared> = Vec::new();
    let mut from = 0;
    while let Some(p) = find_ci(&bytes[from..], b"content-type:").map(|p| p + from) {
        from = p + 13;
        // The field, unfolded: up to the first line break not followed by white space.
        let mut end = from;
        while end < bytes.len() {
            if bytes[end] == b'\n' && !matches!(bytes.get(end + 1), Some(b' ' | b'\t')) {
                break;
            }
            end += 1;
        }
        let field = &bytes[from..end];
        if find_ci(field, b"multipart/").is_none() {
            continue;
        }
        let Some(b) = find_ci(field, b"boundary") else {
            continue;
        };
        let mut i = from + b + 8;
        while i < end && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < end && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        let start = i;
        let value_end = match bytes.get(i) {
            Some(&q @ (b'"' | b'\'')) => bytes[i + 1..end]
                .iter()
                .position(|&c| c == q)
                .map_or(end, |p| i + 1 + p + 1),
            _ => bytes[i..end]
                .iter()
                .position(|&c| matches!(c, b';' | b'\r' | b'\n' | b' ' | b'\t'))
                .map_or(end, |p| i + p),
        };
        let raw = String::from_utf8_lossy(&bytes[start..value_end]);
        let clean = raw
            .trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .trim()
            .to_string();
        if clean.is_empty() || clean.len() > 200 || out.iter().any(|d| d.clean == clean) {
            continue;
        }
        out.push(Declared {
            value: start..value_end,
            clean,
        });
        from = end;
    }
    out
}

/// The line starting at `start`, without its line ending, and where the next one starts.
fn next_line(bytes: &[u8], start: usize) -> Option<(Range<usize>, usize)> {
    if start >= bytes.len() {
        return None;
    }
    match bytes[start..].iter().position(|&b| b == b'\n') {
        Some(p) => {
            let nl = start + p;
            let end = if nl > start && bytes[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            Some((start..end, nl + 1))
        }
        None => Some((start..bytes.len(), bytes.len())),
    }
}

/// The line ending the message uses around `at`.
fn line_ending(bytes: &[u8], at: usize) -> &'static [u8] {
    let before = &bytes[..at.min(bytes.len())];
    match before.iter().rposition(|&b| b == b'\n') {
        Some(p) if p > 0 && before[p - 1] == b'\r' => b"\r\n",
        Some(_) => b"\n",
        None => b"\r\n",
    }
}

/// A header field line: a name of printable characters, then a colon.
fn is_field(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && line[..colon]
            .iter()
            .all(|&b| b.is_ascii_graphic() && b != b':')
}

/// Where `needle` (lower case) first occurs in `hay`, ignoring ASCII case.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_back_across_edits() {
        let raw = b"Content-Type: multipart/mixed; boundary='b'\n\n--B\nContent-Type: text/plain\nbody\n--b--\n";
        let (mended, map) = mend(raw).unwrap();
        let text = String::from_utf8(mended.clone()).unwrap();
        assert!(text.contains("boundary=\"b\""), "{text}");
        assert!(
            text.contains("\n--b\nContent-Type: text/plain\n\nbody\n"),
            "{text}"
        );
        let body = find_ci(&mended, b"body").unwrap();
        assert_eq!(&raw[map.to_orig(body)..map.to_orig(body) + 4], b"body");
        assert_eq!(map.to_orig(mended.len()), raw.len());
    }

    #[test]
    fn an_inner_multipart_left_open_closes_before_its_parent_goes_on() {
        let raw = b"Content-Type: multipart/mixed; boundary=\"out\"\n\n--out\nContent-Type: multipart/alternative; boundary=\"in\"\n\n--in\nContent-Type: text/plain\n\nhi\n--out\nContent-Type: text/plain\n\nmore\n--out--\n";
        let (mended, _) = mend(raw).unwrap();
        let text = String::from_utf8(mended).unwrap();
        assert!(text.contains("\nhi\n--in--\n--out\n"), "{text}");
    }

    #[test]
    fn a_well_formed_message_needs_no_mending() {
        let raw = b"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n";
        assert!(mend(raw).is_none());
    }
}
