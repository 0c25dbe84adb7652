//! Reporters: every output format is a view of the same findings and verdicts.

pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use crate::model::finding::Label;
use crate::model::source::Sources;
use crate::rules::engine::Outcome;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Diagnostics with source snippets and a closing verdict.
    Human,
    /// One JSON document: findings with locations, verdicts and a summary.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// JUnit XML, for GitLab, Jenkins and other CI test reports.
    Junit,
    /// One self-contained HTML page: the verdict in plain words, recipients, findings.
    Html,
}

impl Format {
    /// Each format with its name on the command line and what it gives.
    pub const CHOICES: &'static [(Format, &'static str, &'static str)] = &[
        (
            Format::Human,
            "human",
            "Diagnostics with source snippets and a closing verdict",
        ),
        (
            Format::Json,
            "json",
            "One JSON document: findings with locations, verdicts and a summary",
        ),
        (
            Format::Sarif,
            "sarif",
            "SARIF 2.1.0, for code-scanning dashboards",
        ),
        (
            Format::Github,
            "github",
            "GitHub Actions workflow commands (annotations on the pull request)",
        ),
        (
            Format::Junit,
            "junit",
            "JUnit XML, for GitLab, Jenkins and other CI test reports",
        ),
        (
            Format::Html,
            "html",
            "One self-contained HTML page: the verdict in plain words, recipients, findings",
        ),
    ];
}

/// How the human format should look.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Terminal width for wrapping.
    pub width: usize,
    /// The plain summary and the verdict only, without the findings.
    pub quiet: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
            quiet: false,
        }
    }
}

/// Renders the outcomes of one run (one per draft, in input order).
pub fn render(outcomes: &[Outcome], format: Format, style: Style) -> String {
    let mut report = Report::new(format, style);
    for o in outcomes {
        report.push(o);
    }
    report.finish()
}

/// A report built as a run's outcomes arrive, in input order: each is rendered when pushed
/// and need not be kept, so a run over thousands of drafts holds their reports, not the
/// drafts, and its memory stays flat.
pub enum Report {
    // Boxed: it holds the first draft's verdict, far larger than the other reports' state.
    Human(Box<human::Report>),
    Json(json::Report),
    Sarif(sarif::Report),
    Github(github::Report),
    Junit(junit::Report),
    Html(html::Report),
}

impl Report {
    pub fn new(format: Format, style: Style) -> Self {
        match format {
            Format::Human => Report::Human(Box::new(human::Report::new(style))),
            Format::Json => Report::Json(json::Report::default()),
            Format::Sarif => Report::Sarif(sarif::Report::default()),
            Format::Github => Report::Github(github::Report::default()),
            Format::Junit => Report::Junit(junit::Report::default()),
            Format::Html => Report::Html(html::Report::default()),
        }
    }

    pub fn push(&mut self, outcome: &Outcome) {
        match self {
            Report::Human(r) => r.push(outcome),
            Report::Json(r) => r.push(outcome),
            Report::Sarif(r) => r.push(outcome),
            Report::Github(r) => r.push(outcome),
            Report::Junit(r) => r.push(outcome),
            Report::Html(r) => r.push(outcome),
        }
    }

    pub fn finish(self) -> String {
        match self {
            Report::Human(r) => r.finish(),
            Report::Json(r) => r.finish(),
            Report::Sarif(r) => r.finish(),
            Report::Github(r) => r.finish(),
            Report::Junit(r) => r.finish(),
            Report::Html(r) => r.finish(),
        }
    }
}

/// A label resolved to file coordinates, computed once for every machine format.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Location<'a> {
    /// The source's display name (a decoded MIME part says which).
    pub source: &'a str,
    /// The file on disk.
    pub file: &'a str,
    /// Whether line and column are positions in `file` (false inside a decoded MIME part,
    /// where they are positions in the decoded text).
    pub in_file: bool,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub offset: usize,
    pub length: usize,
    pub text: &'a str,
}

pub fn locate<'a>(sources: &'a Sources, label: &'a Label) -> Location<'a> {
    let src = sources.get(label.source);
    let span = src.clamp_span(label.span.clone());
    let (line, column) = src.line_col(span.start);
    let (end_line, end_column) = src.line_col(span.end);
    Location {
        source: &src.name,
        file: &src.file,
        in_file: src.in_file,
        line,
        column,
        end_line,
        end_column,
        offset: span.start,
        length: span.len(),
        text: &label.text,
    }
}

/// The draft's file name, for findings that need one even without a label.
pub fn draft_file(outcome: &Outcome) -> &str {
    &outcome.send.sources.get(outcome.send.draft.source).file
}

/// Escapes text for XML and HTML content and attributes; drops characters XML 1.0 forbids.
pub fn markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
