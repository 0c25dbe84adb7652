//! Named source texts that findings point into, with byte-offset to line/column mapping.

use std::ops::Range;

/// Index of a source in [`Sources`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SourceId(pub usize);

/// One input text (a draft file, a decoded MIME part, a recipient list).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to users: the path, or the path and the MIME part it was decoded from.
    pub name: String,
    /// The file on disk (or `<stdin>`) this text came from.
    pub file: String,
    /// Whether offsets in this text are offsets in `file` (false for decoded MIME parts), so
    /// machine formats know when a line number means a line of the file.
    pub in_file: bool,
    pub text: String,
    /// Byte offset of the start of each line; computed once, on first use (most texts are
    /// never pointed into), so every reporter agrees.
    line_starts: std::sync::OnceLock<Vec<usize>>,
    /// The line index the human report's snippets use (miette also ends a line at a lone
    /// `\r`), built on first use and kept with the text: a list shared by many drafts is
    /// indexed once, not once per draft.
    snippet_lines: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: String) -> Self {
        let name = name.into();
        SourceFile {
            file: name.clone(),
            name,
            in_file: true,
            text,
            line_starts: std::sync::OnceLock::new(),
            snippet_lines: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1))
                .collect()
        })
    }

    /// The snippet line index, built by `build` from the text on the first call.
    pub fn snippet_line_starts(&self, build: impl FnOnce(&str) -> Vec<usize>) -> &[usize] {
        self.snippet_lines.get_or_init(|| build(&self.text))
    }

    /// 1-based line and column (in characters) of a byte offset, clamped into the text.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let line_starts = self.line_starts();
        let line = line_starts.partition_point(|&s| s <= offset) - 1;
        let start = line_starts[line];
        let col = self.text[start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// Byte range of a 1-based line, without its line terminator.
    pub fn line_span(&self, line: usize) -> Range<usize> {
        let line_starts = self.line_starts();
        let idx = line.saturating_sub(1).min(line_starts.len() - 1);
        let start = line_starts[idx];
        let end = line_starts
            .get(idx + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let end = if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        start..end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// Moves an offset down onto a char boundary inside the text.
    pub fn clamp(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// A span made safe to slice: inside the text and on char boundaries.
    pub fn clamp_span(&self, span: Range<usize>) -> Range<usize> {
        let start = self.clamp(span.start);
        let end = self.clamp(span.end.max(start));
        start..end
    }
}

/// Every source the run read, so findings can carry small ids instead of copies of text.
///
/// Recipient lists are read once per run and shared by every draft checked against them: they
/// live in a [`Sources::shared`] set whose ids start at [`SHARED_BASE`], and each draft's own
/// set refers to it, so an id means the same text in every draft and is above every draft
/// source's id (findings sort the same way as when each draft read its own copy).
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// The first id of this set: 0, or [`SHARED_BASE`] for a shared set.
    base: usize,
    shared: Option<std::sync::Arc<Sources>>,
}

/// The first id of a shared set: far above any number of sources one draft can have.
pub const SHARED_BASE: usize = usize::MAX / 2 + 1;

impl Sources {
    /// An empty set for texts every draft of a run shares (its ids start at [`SHARED_BASE`]).
    pub fn shared() -> Self {
        Sources {
            base: SHARED_BASE,
            ..Sources::default()
        }
    }

    /// An empty set for one draft's texts that can also name the texts of `shared`.
    pub fn with_shared(shared: std::sync::Arc<Sources>) -> Self {
        Sources {
            shared: Some(shared),
            ..Sources::default()
        }
    }

    pub fn add(&mut self, name: impl Into<String>, text: String) -> SourceId {
        self.files.push(SourceFile::new(name, text));
        SourceId(self.base + self.files.len() - 1)
    }

    /// A text decoded from part of `file` (a quoted-printable or base64 MIME part).
    pub fn add_part(&mut self, name: impl Into<String>, file: &str, text: String) -> SourceId {
        let mut source = SourceFile::new(name, text);
        source.file = file.to_string();
        source.in_file = false;
        self.files.push(source);
        SourceId(self.base + self.files.len() - 1)
    }

    pub fn get(&self, id: SourceId) -> &SourceFile {
        match &self.shared {
            Some(shared) if id.0 >= SHARED_BASE => shared.get(id),
            _ => &self.files[id.0.wrapping_sub(self.base)],
        }
    }

    pub fn by_name(&self, name: &str) -> Option<&SourceFile> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .or_else(|| self.shared.as_ref().and_then(|s| s.by_name(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_and_lines() {
        let f = SourceFile::new("x", "ab\r\nçd\nlast".to_string());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (2, 1));
        assert_eq!(f.line_col(6), (2, 2));
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line_span(1), 0..2);
        assert_eq!(f.line_span(2), 4..7);
        assert_eq!(f.line_span(3), 8..12);
        assert_eq!(f.line_col(999), (3, 5));
    }

    #[test]
    fn clamp_never_splits_a_char() {
        let f = SourceFile::new("x", "é".to_string());
        assert_eq!(f.clamp(1), 0);
        assert_eq!(f.clamp_span(1..5), 0..2);
    }
}
