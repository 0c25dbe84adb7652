//! The command line: every command, flag and value, with the help text users read.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use bulklint::model::kind::Kind;
use bulklint::model::law::Law;
use bulklint::report::Format;
use bulklint::RuleId;

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
    /// Record a send made without a check in the send ledger.
    Record(RecordArgs),
    /// Show the send ledger's last 24 hours: recipients so far, headroom under each limit, bodies sent.
    History(HistoryArgs),
    /// Manage the send ledger (an SQLite file of earlier sends).
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Prepare a bulk-mail service import: audience CSV, email HTML, next steps, rejected list.
    Export(ExportArgs),
    /// Rewrite an .eml draft with one-click unsubscribe headers and a footer identifying the sender.
    Fix(FixArgs),
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

/// How the send is read: shared by `check` and `record`.
#[derive(Debug, Args)]
pub struct SenderArgs {
    /// The CSV column holding addresses, when detection picks the wrong one.
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// The sending provider; detected from the draft when absent.
    #[arg(short, long, value_name = "NAME", value_parser = provider_names())]
    pub provider: Option<String>,
    /// A domain of your organisation; its recipients are internal (repeatable).
    #[arg(long = "org-domain", value_name = "DOMAIN")]
    pub org_domains: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Drafts: .eml, .msg, .html, .mjml, .txt files, directories, globs, or `-` for standard input.
    #[arg(required = true, value_name = "DRAFT")]
    pub drafts: Vec<PathBuf>,
    /// A recipient list: CSV export (Mailchimp, Outlook, Google), .vcf, or one address per line.
    #[arg(short, long = "recipients", value_name = "FILE")]
    pub recipients: Vec<PathBuf>,
    #[command(flatten)]
    pub sender: SenderArgs,
    /// Whether the message is commercial, transactional or not commercial (personal, a list post,
    /// a notice); judged from its content and headers when absent.
    #[arg(long, value_parser = choice(Kind::CHOICES))]
    pub kind: Option<Kind>,
    /// The laws to judge the send under (comma-separated); default casl,can-spam.
    #[arg(long = "law", value_parser = choice(Law::CHOICES), value_delimiter = ',', value_name = "LAWS")]
    pub laws: Vec<Law>,
    /// The day the send is judged on, for consent windows (YYYY-MM-DD); defaults to today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<bulklint::model::date::Date>,
    /// Read settings from this file instead of discovering `bulklint.toml` above the draft.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file, and the send ledger unless --ledger names one.
    #[arg(long)]
    pub isolated: bool,
    /// Output format.
    #[arg(short, long, value_parser = choice(Format::CHOICES), default_value = "human")]
    pub format: Format,
    /// Also write the findings as SARIF to FILE, from the same run (for code scanning next to
    /// `--format github`).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES", value_parser = rule_id)]
    pub select: Vec<RuleId>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES", value_parser = rule_id)]
    pub ignore: Vec<RuleId>,
    /// Exit 1 on warnings too.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub deny: Option<Deny>,
    /// Human output: print the plain summary and the verdict only, not each finding.
    #[arg(short, long)]
    pub quiet: bool,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Judge the messages of DRAFT (a folder of merged .eml files, an mbox or a Maildir) as one
    /// send. An `.mbox` file is a batch without this flag; a folder without it is a tree of
    /// templates, each checked on its own.
    #[arg(long)]
    pub batch: bool,
    /// Record the send in the ledger: `pass` (the default) when the check passes (exit code 0),
    /// judged again under the ledger's lock so sends recorded meanwhile count (no room left: not
    /// recorded, exit code 1); `always` regardless. Put it after the draft, or write `--record=pass`.
    #[arg(long, value_enum, value_name = "WHEN", num_args = 0..=1, default_missing_value = "pass")]
    pub record: Option<RecordWhen>,
    /// The send ledger: a file, or a postgres:// URL of a shared one [default: `[ledger] url` in
    /// bulklint.toml, else ledger.sqlite3 in the user's data directory].
    #[arg(long, value_name = "PATH", env = "BULKLINT_LEDGER")]
    pub ledger: Option<PathBuf>,
    /// Do not read the send ledger (even when BULKLINT_LEDGER is set): judge this send alone.
    #[arg(long, conflicts_with = "record")]
    pub no_ledger: bool,
    /// The time of this send, RFC 3339 (2025-03-05T09:00:00Z) or Unix seconds; defaults to the
    /// system clock. The ledger's 24-hour window ends here.
    #[arg(long, value_name = "TIME", value_parser = time_parser)]
    pub now: Option<i64>,
}

/// When `check --record` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordWhen {
    /// When the check passes.
    Pass,
    /// Whatever the check finds.
    Always,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The draft that was sent (.eml, .msg, .html, .mjml, .txt), or with --batch the merged messages.
    #[arg(value_name = "DRAFT")]
    pub draft: PathBuf,
    /// A recipient list it went to (CSV export, .vcf, or one address per line).
    #[arg(short, long = "recipients", value_name = "FILE")]
    pub recipients: Vec<PathBuf>,
    #[command(flatten)]
    pub sender: SenderArgs,
    /// Read settings from this file instead of discovering `bulklint.toml` above the draft.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
    /// DRAFT is a folder of merged .eml files, an mbox or a Maildir: one send of many messages.
    #[arg(long)]
    pub batch: bool,
    /// The send ledger: a file, or a postgres:// URL of a shared one [default: `[ledger] url` in
    /// bulklint.toml, else ledger.sqlite3 in the user's data directory].
    #[arg(long, value_name = "PATH", env = "BULKLINT_LEDGER")]
    pub ledger: Option<PathBuf>,
    /// When the send was made, RFC 3339 or Unix seconds; defaults to now.
    #[arg(long, value_name = "TIME", value_parser = time_parser)]
    pub now: Option<i64>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this sender's sends (a From address).
    #[arg(long, value_name = "ADDRESS")]
    pub sender: Option<String>,
    /// The send ledger: a file, or a postgres:// URL of a shared one [default: `[ledger] url` in
    /// bulklint.toml, else ledger.sqlite3 in the user's data directory].
    #[arg(long, value_name = "PATH", env = "BULKLINT_LEDGER")]
    pub ledger: Option<PathBuf>,
    /// The end of the 24-hour window, RFC 3339 or Unix seconds; defaults to now.
    #[arg(long, value_name = "TIME", value_parser = time_parser)]
    pub now: Option<i64>,
    /// Read `[limits]` from this file instead of discovering `bulklint.toml` here.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,
    /// Per-sender totals of the whole tenant (`[tenant]` in bulklint.toml) against its shared
    /// external recipient limit.
    #[arg(long, conflicts_with = "sender")]
    pub tenant: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = HistoryFormat::Human)]
    pub format: HistoryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Seed the ledger from sent mail: an mbox file, a Maildir or a folder of .eml files. Each
    /// message is recorded as a send dated from its Date header; importing twice adds nothing.
    Import(ImportArgs),
    /// Copy this ledger's sends into another one, typically a shared PostgreSQL ledger
    /// (`--to postgres://…`). Both are keyed with the same key; copying twice adds nothing.
    Migrate(MigrateArgs),
    /// Print the ledger file's path.
    Path {
        /// The send ledger: a file, or a postgres:// URL of a shared one [default: `[ledger] url` in
        /// bulklint.toml, else ledger.sqlite3 in the user's data directory].
        #[arg(long, value_name = "PATH", env = "BULKLINT_LEDGER")]
        ledger: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The ledger copied into: a postgres:// URL (or another file).
    #[arg(long, value_name = "URL")]
    pub to: PathBuf,
    /// The send ledger: a file, or a postgres:// URL of a shared one [default: `[ledger] url` in
    /// bulklint.toml, else ledger.sqlite3 in the user's data directory].
    #[arg(long, value_name = "PATH", env = "BULKLINT_LEDGER")]
    pub ledger: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// An mbox file, a Maildir (cur/ and new/) or a folder of .eml files.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// The provider the messages were sent through; detected per message when absent.
    #[arg(short, long, value_name = "NAME", value_parser = provider_names())]
    pub provider: Option<String>,
    /// A domain of your organisation; its recipients are internal (repeatable).
    #[arg(long = "org-domain", value_name = "DOMAIN")]
    pub org_domains: Vec<String>,
    /// The send ledger: a file, or a postgres:// URL of a shared one [default: `[ledger] url` in
    /// bulklint.toml, else ledger.sqlite3 in the user's data directory].
    #[arg(long, value_name = "PATH", env = "BULKLINT_LEDGER")]
    pub ledger: Option<PathBuf>,
    /// The time of the import, RFC 3339 or Unix seconds; defaults to now.
    #[arg(long, value_name = "TIME", value_parser = time_parser)]
    pub now: Option<i64>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The draft: .eml, .msg, .html, .mjml or .txt (its HTML, or its text as simple HTML, becomes the email).
    #[arg(value_name = "DRAFT")]
    pub draft: PathBuf,
    /// A recipient list: CSV export (Mailchimp, Outlook, Google), .vcf, or one address per line.
    #[arg(short, long = "recipients", value_name = "FILE")]
    pub recipients: Vec<PathBuf>,
    /// The CSV column holding addresses, when detection picks the wrong one.
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// The bulk-mail service to prepare the import for (`csv`: a generic shape).
    #[arg(long, value_name = "SERVICE", value_parser = service_names())]
    pub to: String,
    /// The folder to write audience.csv, email.html, NEXT-STEPS.md and rejected.csv into.
    #[arg(short, long = "output", value_name = "DIR")]
    pub output: PathBuf,
    /// Your postal address, for the footer when the service has no address merge tag (brevo, csv).
    #[arg(long, value_name = "ADDRESS")]
    pub address: Option<String>,
    /// The unsubscribe URL for the footer, when the service has no unsubscribe merge tag (csv).
    #[arg(long, value_name = "URL")]
    pub unsubscribe_url: Option<String>,
    /// The day consent is judged on (YYYY-MM-DD); defaults to today.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<bulklint::model::date::Date>,
    /// Replace files already in the folder (never the draft or a list being exported).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// The .eml draft to fix.
    #[arg(value_name = "DRAFT")]
    pub draft: PathBuf,
    /// Where to write the fixed message; `-` writes it to standard output (what changed goes to
    /// standard error).
    #[arg(short, long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// The https URL that unsubscribes (List-Unsubscribe, and the footer's link).
    #[arg(long, value_name = "URL")]
    pub unsubscribe_url: String,
    /// An address that unsubscribes whoever writes to it, added to List-Unsubscribe.
    #[arg(long, value_name = "ADDR")]
    pub unsubscribe_mailto: Option<String>,
    /// Your postal address, for the footer.
    #[arg(long, value_name = "ADDRESS")]
    pub address: String,
    /// Replace the output file if it exists (the draft itself included).
    #[arg(long)]
    pub force: bool,
}

fn service_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(bulklint::data::services::service_ids())
}

fn time_parser(text: &str) -> Result<i64, String> {
    bulklint::model::format::parse_time(text)
}

fn rule_id(text: &str) -> Result<RuleId, String> {
    text.parse()
        .map_err(|e: bulklint::model::rule::UnknownRule| e.to_string())
}

/// A flag whose value is one of a library type's named choices, each with its help line.
fn choice<T: Copy + Send + Sync + 'static>(
    choices: &'static [(T, &'static str, &'static str)],
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(choices.iter().map(|&(_, name, help)| {
        let value = PossibleValue::new(name);
        if help.is_empty() {
            value
        } else {
            value.help(help)
        }
    }))
    .try_map(move |name: String| {
        choices
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|&(value, _, _)| value)
            .ok_or("not one of the choices")
    })
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
    clap::builder::PossibleValuesParser::new(bulklint::mailing::provider::IDS)
}
