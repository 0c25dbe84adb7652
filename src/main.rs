//! The `bulklint` binary: parses flags, reads inputs, renders, sets the exit code.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use rayon::prelude::*;

use bulklint::cli::{CheckArgs, Cli, Color, Command, Deny};
use bulklint::config::{self, Config};
use bulklint::date::Date;
use bulklint::report::{self, Format, Style};
use bulklint::{inputs, rules, Input, InputError, Level, Options, Outcome, Severity};

/// Exit codes: documented in the README.
const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// From this many drafts on, an interactive run shows a progress bar.
const PROGRESS_FROM: usize = 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Rules => {
            print_rules();
            Ok(EXIT_CLEAN)
        }
        Command::Explain { rule } => explain(&rule),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "bulklint", &mut std::io::stdout());
            Ok(EXIT_CLEAN)
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => {
                    let _ = std::io::stdout().write_all(&out);
                    Ok(EXIT_CLEAN)
                }
                Err(e) => Err(InputError::new("man", e.to_string())),
            }
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn check(args: CheckArgs) -> Result<u8, InputError> {
    let stdin = args.drafts.len() == 1 && args.drafts[0].as_os_str() == "-";
    let explicit_config = match &args.config {
        Some(path) if !args.isolated => Some(Config::load(path)?),
        _ => None,
    };
    let drafts = if stdin {
        vec![PathBuf::from("-")]
    } else {
        let first = config_for(&args, explicit_config.as_ref(), &args.drafts[0])?;
        let extensions = first
            .and_then(|c| c.draft_extensions)
            .unwrap_or_else(|| inputs::DEFAULT_EXTENSIONS.iter().map(|s| s.to_string()).collect());
        inputs::expand(&args.drafts, &extensions)?
    };
    let lists = args
        .recipients
        .iter()
        .map(|p| read_input(p))
        .collect::<Result<Vec<_>, _>>()?;
    let today = args.as_of.unwrap_or_else(today);

    let progress = progress_bar(&args, drafts.len());
    let results: Vec<Result<Outcome, InputError>> = drafts
        .par_iter()
        .map(|path| {
            let result = check_one(&args, explicit_config.as_ref(), path, &lists, today);
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            result
        })
        .collect();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    let mut outcomes = Vec::with_capacity(results.len());
    let mut input_errors = 0;
    for r in results {
        match r {
            Ok(o) => outcomes.push(o),
            Err(e) => {
                input_errors += 1;
                eprintln!("error: {e}");
            }
        }
    }
    let stdout = std::io::stdout();
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let style = Style {
        color,
        ..Style::default()
    };
    if !outcomes.is_empty() {
        let text = report::render(&outcomes, args.format, style);
        // A closed pipe (`bulklint … | head`) is not worth a panic.
        let _ = stdout.lock().write_all(text.as_bytes());
    }
    let failing = outcomes.iter().flat_map(|o| &o.findings).any(|f| {
        f.severity == Severity::Error
            || (args.deny == Some(Deny::Warnings) && f.severity == Severity::Warning)
    });
    Ok(if input_errors > 0 {
        EXIT_USAGE
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// The config that applies to `path`: `--config`, else the nearest `bulklint.toml` above it.
fn config_for(args: &CheckArgs, explicit: Option<&Config>, path: &Path) -> Result<Option<Config>, InputError> {
    if args.isolated {
        return Ok(None);
    }
    if let Some(c) = explicit {
        return Ok(Some(c.clone()));
    }
    let start = if path.as_os_str() == "-" { Path::new(".") } else { path };
    config::discover(start).map(|p| Config::load(&p)).transpose()
}

fn check_one(
    args: &CheckArgs,
    explicit: Option<&Config>,
    path: &Path,
    lists: &[Input],
    today: Date,
) -> Result<Outcome, InputError> {
    let config = config_for(args, explicit, path)?;
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut options = config.map(|c| c.options_for(&canonical)).unwrap_or_default();
    apply_flags(args, &mut options, today);
    bulklint::check(read_input(path)?, lists.to_vec(), &options)
}

/// Flags win over the config file.
fn apply_flags(args: &CheckArgs, options: &mut Options, today: Date) {
    if args.provider.is_some() {
        options.provider.clone_from(&args.provider);
    }
    if !args.org_domains.is_empty() {
        options.org_domains.clone_from(&args.org_domains);
    }
    if args.column.is_some() {
        options.column.clone_from(&args.column);
    }
    if args.kind.is_some() {
        options.kind = args.kind;
    }
    options.as_of = Some(today);
    if !args.select.is_empty() {
        for rule in rules::all() {
            if !args.select.iter().any(|s| s == rule.id) {
                options.levels.insert(rule.id.to_string(), Level::Off);
            }
        }
        // An unknown id in --select must still be reported, not silently match nothing.
        for id in &args.select {
            if rules::get(id).is_none() {
                options.levels.insert(id.clone(), Level::Off);
            }
        }
    }
    for id in &args.ignore {
        options.levels.insert(id.clone(), Level::Off);
    }
}

/// A progress bar on stderr for long interactive runs; never in machine formats or pipes.
fn progress_bar(args: &CheckArgs, total: usize) -> Option<indicatif::ProgressBar> {
    let interactive = std::io::stderr().is_terminal() && args.format == Format::Human;
    (interactive && total >= PROGRESS_FROM).then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} drafts")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}

/// Today's date (UTC) from the system clock: the binary reads the clock so the library never does.
fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}

fn read_input(path: &Path) -> Result<Input, InputError> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| InputError::new("<stdin>", format!("cannot read: {e}")))?;
        return Ok(Input {
            name: "<stdin>".into(),
            bytes,
        });
    }
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(InputError::new(name, "is a directory; give a file"));
    }
    let bytes = std::fs::read(path).map_err(|e| InputError::new(&name, format!("cannot read: {e}")))?;
    Ok(Input { name, bytes })
}

fn print_rules() {
    let rules = rules::all();
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in rules {
        println!("{:width$}  {:7}  {:11}  {}", r.id, r.severity.as_str(), r.category, r.summary);
    }
}

fn explain(id: &str) -> Result<u8, InputError> {
    let rule = rules::get(id).ok_or_else(|| {
        InputError::new("explain", format!("unknown rule `{id}`; known: {}", rules::ids().join(", ")))
    })?;
    println!("{} ({}, {})\n\n{}\n", rule.id, rule.severity, rule.category, rule.summary);
    println!("What it does\n  {}\n", rule.docs.what);
    println!("Why\n  {}\n", rule.docs.why);
    println!("Example\n{}\n", indent(&rule.docs.example));
    println!("Fix\n  {}", rule.docs.fix);
    for law in &rule.laws {
        println!("\nLaw: {} {} — {}", law.law, law.section, law.url);
    }
    Ok(EXIT_CLEAN)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}
