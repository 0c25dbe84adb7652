//! The one finding type every check produces and every reporter renders.

use serde::{Deserialize, Serialize};
use std::ops::Range;

use crate::model::rule::RuleId;
use crate::model::source::{SourceId, Sources};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A labelled byte range in one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub source: SourceId,
    pub span: Range<usize>,
    pub text: String,
}

/// One problem found in a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<Label>,
}

impl Finding {
    /// A finding at the rule's default severity; severity overrides are applied later, in one place.
    pub fn new(rule: RuleId, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity,
            message: message.into(),
            help: None,
            labels: Vec::new(),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn label(mut self, source: SourceId, span: Range<usize>, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            source,
            span,
            text: text.into(),
        });
        self
    }

    pub fn with_label(mut self, label: Option<Label>) -> Self {
        self.labels.extend(label);
        self
    }

    /// The primary location as (file name, line, column), for machine formats.
    pub fn location<'s>(&self, sources: &'s Sources) -> Option<(&'s str, usize, usize)> {
        let label = self.labels.first()?;
        let file = sources.get(label.source);
        let (line, col) = file.line_col(label.span.start);
        Some((&file.name, line, col))
    }
}
