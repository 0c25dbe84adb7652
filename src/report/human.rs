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

pub fn render(outcomes: &[Outcome], style: Style) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        out.push_str(&render_findings(
            &outcome.findings,
            &outcome.send.sources,
            style,
        ));
    }
    match outcomes {
        [one] => out.push_str(&verdict_text(&one.verdict, style.width)),
        // A tree of templates gets one summary line rather than a verdict per file.
        many => out.push_str(&summary_text(many)),
    }
    out
}

fn summary_text(outcomes: &[Outcome]) -> String {
    let errors: usize = outcomes.iter().map(|o| o.verdict.errors).sum();
    let warnings: usize = outcomes.iter().map(|o| o.verdict.warnings).sum();
    let flagged = outcomes.iter().filter(|o| !o.findings.is_empty()).count();
    format!(
        "checked {} drafts: {errors} error{}, {warnings} warning{} in {flagged} draft{}\n",
        outcomes.len(),
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
    let mut out = String::new();
    let mut line = String::from("verdict:");
    for word in text.split(' ') {
        if line.chars().count() + 1 + word.chars().count() > width && line.len() > 9 {
            let _ = writeln!(out, "{line}");
            line = String::from("        ");
        }
        line.push(' ');
        line.push_str(word);
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

impl<'a> Diag<'a> {
    fn new(finding: &'a Finding, sources: &'a Sources) -> Self {
        let first = finding.labels.first();
        let source = first.map(|l| Named(sources.get(l.source)));
        let labels: Vec<LabeledSpan> = finding
            .labels
            .iter()
            .filter(|l| Some(l.source) == first.map(|f| f.source))
            .take(MAX_LABELS_SHOWN)
            .map(|l| {
                let file = sources.get(l.source);
                let span = file.clamp_span(l.span.clone());
                LabeledSpan::new(Some(l.text.clone()), span.start, span.len())
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

/// A source file as miette reads it, with its name in the snippet header.
struct Named<'a>(&'a SourceFile);

impl SourceCode for Named<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.0.text.as_str().read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.0.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}
