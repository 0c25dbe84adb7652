//! Command-line interface definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::kind::Kind;
use crate::report::Format;

/// Pre-send linter for bulk mail: provider limits, identical bodies, CASL and CAN-SPAM.
#[derive(Debug, Parser)]
#[command(name = "bulklint", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a draft and its recipients before sending.
    Check(CheckArgs),
    /// List every rule with its default severity.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// The rule id, e.g. `bulk-from-mailbox`.
        rule: String,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Drafts: .eml, .html, .txt files, directories, globs, or `-` for standard input.
    #[arg(required = true, value_name = "DRAFT")]
    pub drafts: Vec<PathBuf>,
    /// A recipient list: CSV export (Mailchimp, Outlook, Google), .vcf, or one address per line.
    #[arg(short, long = "recipients", value_name = "FILE")]
    pub recipients: Vec<PathBuf>,
    /// The CSV column holding addresses, when detection picks the wrong one.
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// The sending provider; detected from the draft when absent.
    #[arg(short, long, value_name = "NAME", value_parser = provider_names())]
    pub provider: Option<String>,
    /// A domain of your organisation; its recipients are internal (repeatable).
    #[arg(long = "org-domain", value_name = "DOMAIN")]
    pub org_domains: Vec<String>,
    /// Whether the message is commercial or transactional; detected from the content when absent.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// The day the send is judged on, for consent windows (YYYY-MM-DD); defaults to today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<crate::date::Date>,
    /// Read settings from this file instead of discovering `bulklint.toml` above the draft.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Exit 1 on warnings too.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub deny: Option<Deny>,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    Warnings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

fn provider_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::provider::ids())
}
