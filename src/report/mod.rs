//! Reporters: every output format is a view of the same findings and verdict.

pub mod human;
pub mod json;

use crate::check::Outcome;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets and a closing verdict.
    Human,
    /// One JSON document: findings with locations, and the verdict.
    Json,
}

/// How the human format should look.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Terminal width for wrapping.
    pub width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
        }
    }
}

pub fn render(outcome: &Outcome, format: Format, style: Style) -> String {
    match format {
        Format::Human => human::render(outcome, style),
        Format::Json => json::render(outcome),
    }
}
