//! Human output: miette diagnostics with source snippets, then the verdict.

use std::fmt::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use crate::model::finding::{Finding, Severity};
use crate::model::source::{SourceFile, Sources};
use crate::report::Style;
use crate::rules::engine::Outcome;
use crate::rules::verdict::Verdict;

/// The findings of each outcome as it arrives, then the verdict of a single draft or one
/// summary line for many.
pub struct Report {
    style: Style,
    out: String,
    drafts: usize,
    errors: usize,
    warnings: usize,
    flagged: usize,
    /// The first draft's verdict, shown when it is the only one.
    first: Option<Verdict>,
    /// The first draft's findings, held until a second draft shows that it is not the only
    /// one: a single draft's report opens with its plain summary.
    first_findings: String,
}

impl Report {
    pub fn new(style: Style) -> Self {
        Report {
            style,
            out: String::new(),
            drafts: 0,
            errors: 0,
            warnings: 0,
            flagged: 0,
            first: None,
            first_findings: String::new(),
        }
    }

    pub fn push(&mut self, outcome: &Outcome) {
        let findings = if self.style.quiet {
            String::new()
        } else {
            render_findings(&outcome.findings, &outcome.send.sources, self.style)
        };
        if self.drafts == 0 {
            self.first_findings = findings;
        } else {
            self.out.push_str(&std::mem::take(&mut self.first_findings));
            self.out.push_str(&findings);
        }
        self.drafts += 1;
        self.errors += outcome.verdict.errors;
        self.warnings += outcome.verdict.warnings;
        self.flagged += usize::from(!outcome.findings.is_empty());
        if self.first.is_none() {
            self.first = Some(outcome.verdict.clone());
        }
    }

    pub fn finish(mut self) -> String {
        match (&self.first, self.drafts) {
            // One draft, the case of the person about to press Send: the plain summary first.
            (Some(one), 1) => {
                let mut out = String::new();
                for line in one.plain.lines() {
                    out.push_str(&wrap(line, "", "  ", self.style.width));
                }
                out.push('\n');
                out.push_str(&self.first_findings);
                out.push_str(&verdict_text(one, self.style.width));
                out
            }
            // A tree of templates gets one summary line rather than a verdict per file.
            _ => {
                self.out.push_str(&summary_text(&self));
                self.out
            }
        }
    }
}

fn summary_text(r: &Report) -> String {
    let Report {
        drafts,
        errors,
        warnings,
        flagged,
        ..
    } = *r;
    format!(
        "checked {drafts} drafts: {errors} error{}, {warnings} warning{} in {flagged} draft{}\n",
        plural(errors),
        plural(warnings),
        plural(flagged)
    )
}

/// The findings alone, without the verdict.
pub fn render_findings(findings: &[Finding], sources: &Sources, style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = String::new();
    for finding in findings {
        let diag = Diag::new(finding, sources);
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &diag);
        out.push('\n');
    }
    out
}

fn verdict_text(v: &Verdict, width: usize) -> String {
    let who = if v.recipients == 0 {
        "no recipients given (pass --recipients to check volume)".to_string()
    } else {
        format!(
            "{} recipient{} ({} external, {} internal)",
            v.recipients,
            if v.recipients == 1 { "" } else { "s" },
            v.external,
            v.internal
        )
    };
    let counts = format!(
        "{} error{}, {} warning{}",
        v.errors,
        plural(v.errors),
        v.warnings,
        plural(v.warnings)
    );
    let text = format!(
        "{} block risk — {who} via {} ({}); {} message ({}); {counts}. {}",
        v.block_risk.as_str(),
        v.provider,
        v.provider_reason,
        v.kind,
        v.kind_reason,
        v.advice
    );
    wrap(&text, "verdict: ", "         ", width)
}

/// `text` wrapped at `width` on spaces, after `first` on its first line and `rest` on the
/// others, each line ending in a newline.
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{line}");
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    let _ = writeln!(out, "{line}");
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A finding as a miette diagnostic; labels in other sources than the first are dropped
/// from the snippet (miette shows one source per diagnostic) but kept in machine formats.
struct Diag<'a> {
    finding: &'a Finding,
    source: Option<Named<'a>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

/// Findings about many recipients carry a label per recipient; a terminal shows the first few.
const MAX_LABELS_SHOWN: usize = 10;

/// The most bytes one label underlines; machine formats keep the whole span.
const MAX_LABEL_BYTES: usize = 400;

impl<'a> Diag<'a> {
    fn new(finding: &'a Finding, sources: &'a Sources) -> Self {
        let first = finding.labels.first();
        // Each source's line index is built once, for every finding and every draft that
        // points into it (a recipient list is shared by all the drafts of a run).
        let source = first.map(|l| {
            let file = sources.get(l.source);
            Named {
                file,
                line_starts: file.snippet_line_starts(miette_line_starts),
            }
        });
        let labels: Vec<LabeledSpan> = finding
            .labels
            .iter()
            .filter(|l| Some(l.source) == first.map(|f| f.source))
            .take(MAX_LABELS_SHOWN)
            .map(|l| {
                let file = sources.get(l.source);
                let span = file.clamp_span(l.span.clone());
                // A label over a whole body is underlined for its first bytes only.
                let end = file.clamp(span.end.min(span.start + MAX_LABEL_BYTES));
                LabeledSpan::new(Some(l.text.clone()), span.start, end - span.start)
            })
            .collect();
        let hidden = finding.labels.len() - labels.len();
        let more = (hidden > 0).then(|| {
            format!("{hidden} more places not shown here; --format json lists every one.")
        });
        let help = match (&finding.help, more) {
            (Some(h), Some(m)) => Some(format!("{h}\n{m}")),
            (h, m) => h.clone().or(m),
        };
        Diag {
            finding,
            source,
            labels,
            help,
        }
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.finding.rule, self.finding.message)
    }
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

/// A source file as miette reads it, with its name in the snippet header. miette finds a
/// span's lines by scanning the text from its start, which makes every finding cost the size of
/// the file; here the scan starts at the first line of the snippet, found in a line index.
struct Named<'a> {
    file: &'a SourceFile,
    /// Where each line starts, counted as miette counts lines.
    line_starts: &'a [usize],
}

impl SourceCode for Named<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let line_of = |offset: usize| {
            self.line_starts
                .partition_point(|&start| start <= offset)
                .saturating_sub(1)
        };
        let start = span.offset();
        let end = start + span.len();
        let line = line_of(start);
        let start_of = |line: usize| self.line_starts.get(line).copied();
        let text = &self.file.text;
        let window_end = start_of(line_of(end) + after + 1).unwrap_or(text.len());
        let window_start = start_of(line.saturating_sub(before)).unwrap_or(0);
        if window_end - window_start > MAX_SNIPPET_BYTES {
            return Ok(self.long_line_window(span, before, line));
        }
        // One line more than the context: miette treats a span at the very start of its text
        // (offset 0) unlike one anywhere else.
        let first = line.saturating_sub(before + 1);
        let skipped = start_of(first).unwrap_or(0);
        let rest = text.get(skipped..).unwrap_or("");
        let local = SourceSpan::new((start - skipped.min(start)).into(), span.len());
        let inner = rest.read_span(&local, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + skipped).into(), inner.span().len()),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

/// The most bytes of source one snippet shows as miette would (whole lines of context).
const MAX_SNIPPET_BYTES: usize = 16 * 1024;

/// Bytes of a long line shown on each side of a span instead of the whole line.
const LONG_LINE_CONTEXT: usize = 200;

impl Named<'_> {
    /// A snippet of a line too long to show whole (a one-line 60 MB draft): the span and
    /// [`LONG_LINE_CONTEXT`] bytes either side of it, without context lines, so a finding there
    /// costs a few hundred bytes of output rather than the line.
    fn long_line_window(
        &self,
        span: &SourceSpan,
        before: usize,
        line: usize,
    ) -> Box<dyn SpanContents<'_> + '_> {
        let text = &self.file.text;
        let line_start = self.line_starts[line];
        let start = span.offset();
        let end = (start + span.len()).min(text.len());
        let line_end = self
            .line_starts
            .get(line + 1)
            .map_or(text.len(), |&next| next.max(line_start + 1) - 1)
            .max(end);
        let lo = if before == 0 {
            start
        } else {
            floor_char(
                text,
                start.saturating_sub(LONG_LINE_CONTEXT).max(line_start),
            )
        };
        let hi = ceil_char(text, (end + LONG_LINE_CONTEXT).min(line_end));
        Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            &text.as_bytes()[lo..hi],
            SourceSpan::new(lo.into(), hi - lo),
            line,
            lo - line_start,
            line,
        ))
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The offset each line starts at, ending lines where miette does: at `\n`, `\r\n` and a lone
/// `\r`.
fn miette_line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    // Without a lone `\r` the lines are the `\n`-ended ones, found with memchr rather than
    // byte by byte (a million-row list is 57 MB).
    if text
        .match_indices('\r')
        .all(|(i, _)| bytes.get(i + 1) == Some(&b'\n'))
    {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        return starts;
    }
    scan_line_starts(bytes)
}

/// Line starts where `\r\n`, `\n` and a lone `\r` each end a line, as miette reads them.
fn scan_line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
        }
        if matches!(bytes[i], b'\n' | b'\r') {
            starts.push(i + 1);
        }
        i += 1;
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The snippet read through the line index is the one miette reads from the whole text.
    #[test]
    fn line_starts_without_a_lone_cr_are_found_the_fast_way_alike() {
        for text in ["", "a", "one\ntwo\r\nthree\n", "x\r\n\r\n\ny", "é\n\n"] {
            assert_eq!(
                miette_line_starts(text),
                scan_line_starts(text.as_bytes()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn snippets_match_miettes_own_reading() {
        let text = "one\ntwo\r\nthree\rfour\n\nsix é\nseven\r\n";
        let file = SourceFile::new("x", text.to_string());
        let starts = miette_line_starts(text);
        let named = Named {
            file: &file,
            line_starts: &starts,
        };
        for start in 0..text.len() {
            for len in 0..4 {
                if !text.is_char_boundary(start)
                    || !text.is_char_boundary((start + len).min(text.len()))
                {
                    continue;
                }
                let span = SourceSpan::new(start.into(), len.min(text.len() - start));
                for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                    let ours = named.read_span(&span, before, after).unwrap();
                    let theirs = text.read_span(&span, before, after).unwrap();
                    assert_eq!(ours.data(), theirs.data(), "{start} {len} {before}");
                    assert_eq!(ours.span(), theirs.span());
                    assert_eq!(ours.line(), theirs.line(), "{start} {len} {before}");
                    assert_eq!(ours.column(), theirs.column());
                    assert_eq!(
                        ours.line_count(),
                        theirs.line_count(),
                        "{start} {len} {before} {after}"
                    );
                }
            }
        }
    }
}
