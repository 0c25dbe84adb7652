//! The `bulklint` binary: parses flags, reads inputs, renders, sets the exit code.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use bulklint::cli::{CheckArgs, Cli, Color, Command, Deny};
use bulklint::report::{self, Style};
use bulklint::date::Date;
use bulklint::config::{self, Config};
use bulklint::{rules, Input, InputError, Severity};

/// Exit codes: documented in the README.
const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Rules => {
            print_rules();
            Ok(EXIT_CLEAN)
        }
        Command::Explain { rule } => explain(&rule),
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
    let draft = read_input(&args.draft)?;
    let lists = args
        .recipients
        .iter()
        .map(|p| read_input(p))
        .collect::<Result<Vec<_>, _>>()?;
    let config = if args.isolated {
        None
    } else {
        match &args.config {
            Some(path) => Some(Config::load(path)?),
            None => config::discover(if args.draft.as_os_str() == "-" { Path::new(".") } else { &args.draft })
                .map(|p| Config::load(&p))
                .transpose()?,
        }
    };
    let draft_path = std::fs::canonicalize(&args.draft).unwrap_or_else(|_| args.draft.clone());
    let mut options = config.map(|c| c.options_for(&draft_path)).unwrap_or_default();
    // Flags win over the file.
    if args.provider.is_some() {
        options.provider = args.provider;
    }
    if !args.org_domains.is_empty() {
        options.org_domains = args.org_domains;
    }
    if args.column.is_some() {
        options.column = args.column;
    }
    if args.kind.is_some() {
        options.kind = args.kind;
    }
    options.as_of = Some(args.as_of.unwrap_or_else(today));
    let outcome = bulklint::check(draft, lists, &options)?;
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
    let text = report::render(std::slice::from_ref(&outcome), args.format, style);
    let mut lock = stdout.lock();
    // A closed pipe (`bulklint … | head`) is not an error worth a panic.
    let _ = lock.write_all(text.as_bytes());
    let failing = outcome.findings.iter().any(|f| {
        f.severity == Severity::Error
            || (args.deny == Some(Deny::Warnings) && f.severity == Severity::Warning)
    });
    Ok(if failing { EXIT_FINDINGS } else { EXIT_CLEAN })
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
