//! The `bulklint` binary: parses flags, reads inputs, renders, sets the exit code.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use clap::{CommandFactory, Parser};
use rayon::prelude::*;

use bulklint::batch::{self, Batch};
use bulklint::cli::{
    CheckArgs, Cli, Color, Command, Deny, ExportArgs, FixArgs, HistoryArgs, HistoryFormat,
    ImportArgs, LedgerCommand, RecordArgs, RecordWhen,
};
use bulklint::config::{self, Config};
use bulklint::date::Date;
use bulklint::ledger::{self, HistoryState, Ledger, Origin, SendRecord};
use bulklint::report::{self, Format, Style};
use bulklint::{inputs, rules, Input, InputError, Level, Options, Outcome, Severity};

/// Exit codes: documented in the README.
const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// From this many drafts on, an interactive run shows a progress bar.
const PROGRESS_FROM: usize = 20;

fn main() -> ExitCode {
    bulklint::panic_guard::install_quiet_hook();
    // Compiling sender identification's patterns is the largest fixed cost of a check: start
    // it now, beside argument parsing, configuration and loading, rather than after them.
    if std::env::args_os().nth(1).is_some_and(|c| c == "check") {
        std::thread::spawn(|| {
            bulklint::identification::detectors();
        });
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Record(args) => record(args),
        Command::History(args) => history(args),
        Command::Ledger { command } => match command {
            LedgerCommand::Import(args) => ledger_import(args),
            LedgerCommand::Path { ledger } => ledger_path(ledger.as_deref()).map(|p| {
                println!("{}", p.display());
                EXIT_CLEAN
            }),
        },
        Command::Export(args) => export(args),
        Command::Fix(args) => fix(args),
        Command::Rules => {
            print_rules();
            Ok(EXIT_CLEAN)
        }
        Command::Explain { rule } => explain(&rule),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "bulklint",
                &mut std::io::stdout(),
            );
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
    let now = args.now.unwrap_or_else(system_now);
    let stdin = args.drafts.len() == 1 && args.drafts[0].as_os_str() == "-";
    let explicit_config = match &args.config {
        Some(path) if !args.isolated => Some(Config::load(path)?),
        _ => None,
    };
    let is_batch = args.batch || (args.drafts.len() == 1 && batch::is_mbox_path(&args.drafts[0]));
    if is_batch && args.drafts.len() != 1 {
        return Err(InputError::new(
            "--batch",
            "a batch is one folder, mbox or Maildir: give exactly one",
        ));
    }
    let drafts = if is_batch {
        args.drafts.clone()
    } else if stdin {
        vec![PathBuf::from("-")]
    } else {
        let first = config_for(&args, explicit_config.as_ref(), &args.drafts[0])?;
        let extensions = first.and_then(|c| c.draft_extensions).unwrap_or_else(|| {
            inputs::DEFAULT_EXTENSIONS
                .iter()
                .map(|s| s.to_string())
                .collect()
        });
        inputs::expand(&args.drafts, &extensions)?
    };
    if args.record.is_some() && drafts.len() != 1 {
        return Err(InputError::new(
            "--record",
            format!("records one send, and {} drafts were given: check them one at a time, or as one batch with --batch", drafts.len()),
        ));
    }
    let lists = args
        .recipients
        .iter()
        .map(|p| read_input(p))
        .collect::<Result<Vec<_>, _>>()?;
    let today = args
        .as_of
        .unwrap_or_else(|| Date::from_days(now.div_euclid(ledger::DAY)));
    // An isolated run depends on no user state: only a ledger named on purpose is read.
    let no_ledger =
        args.no_ledger || (args.isolated && args.ledger.is_none() && args.record.is_none());
    let ledger = LedgerUse::open(args.ledger.as_deref(), no_ledger, args.record.is_some());

    let results: Vec<Result<Outcome, InputError>> = if is_batch {
        vec![check_batch(
            &args,
            explicit_config.as_ref(),
            &drafts[0],
            &lists,
            today,
            &ledger,
            now,
        )]
    } else {
        let progress = progress_bar(&args, drafts.len());
        let results = drafts
            .par_iter()
            .map(|path| {
                let result = check_one(
                    &args,
                    explicit_config.as_ref(),
                    path,
                    &lists,
                    today,
                    &ledger,
                    now,
                );
                if let Some(bar) = &progress {
                    bar.inc(1);
                }
                result
            })
            .collect();
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        results
    };

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
    if let (Some(when), [outcome]) = (args.record, outcomes.as_slice()) {
        if failing && when == RecordWhen::Pass {
            eprintln!(
                "not recorded: the check did not pass (record anyway with `--record always`)"
            );
        } else if let Err(e) = record_outcome(&ledger, outcome, now, Origin::Check) {
            eprintln!("error: {e}");
            input_errors += 1;
        }
    }
    Ok(if input_errors > 0 {
        EXIT_USAGE
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// The config that applies to `path`: `--config`, else the nearest `bulklint.toml` above it.
fn config_for(
    args: &CheckArgs,
    explicit: Option<&Config>,
    path: &Path,
) -> Result<Option<Config>, InputError> {
    config_at(args.isolated, explicit, path)
}

fn config_at(
    isolated: bool,
    explicit: Option<&Config>,
    path: &Path,
) -> Result<Option<Config>, InputError> {
    if isolated {
        return Ok(None);
    }
    if let Some(c) = explicit {
        return Ok(Some(c.clone()));
    }
    let start = if path.as_os_str() == "-" {
        Path::new(".")
    } else {
        path
    };
    config::discover(start)
        .map(|p| Config::load(&p))
        .transpose()
}

/// The options for one draft: its config file's settings, then the flags.
fn options_for(
    args: &CheckArgs,
    explicit: Option<&Config>,
    path: &Path,
    today: Date,
) -> Result<Options, InputError> {
    let config = config_for(args, explicit, path)?;
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut options = config
        .map(|c| c.options_for(&canonical))
        .unwrap_or_default();
    apply_flags(args, &mut options, today);
    Ok(options)
}

fn check_one(
    args: &CheckArgs,
    explicit: Option<&Config>,
    path: &Path,
    lists: &[Input],
    today: Date,
    ledger: &LedgerUse,
    now: i64,
) -> Result<Outcome, InputError> {
    let mut options = options_for(args, explicit, path, today)?;
    let input = read_input(path)?;
    options.history = ledger.history(batch::message_sender(&input.bytes).as_deref(), now);
    bulklint::check(input, lists.to_vec(), &options)
}

/// Checks the messages of a folder, mbox or Maildir as one send: the message whose body most of
/// them share is read as the draft, every message's recipients as the list.
fn check_batch(
    args: &CheckArgs,
    explicit: Option<&Config>,
    path: &Path,
    lists: &[Input],
    today: Date,
    ledger: &LedgerUse,
    now: i64,
) -> Result<Outcome, InputError> {
    let mut options = options_for(args, explicit, path, today)?;
    let (draft, mut lists, batch) = load_batch(path, lists)?;
    if args.format == Format::Human {
        println!("{}", batch_summary(&batch));
    }
    options.history = ledger.history(batch.sender().as_deref(), now);
    options.batch = Some(batch);
    let draft_lists = std::mem::take(&mut lists);
    bulklint::check(draft, draft_lists, &options)
}

/// Reads a batch: the representative draft, the recipient lists (the given ones plus every
/// message's recipients), and the batch model. Unreadable messages are reported, not dropped.
fn load_batch(path: &Path, lists: &[Input]) -> Result<(Input, Vec<Input>, Arc<Batch>), InputError> {
    let (kind, raw) = batch::read_mailbox(path)?;
    let batch = Batch::build(path.display().to_string(), kind, &raw);
    for (location, reason) in &batch.problems {
        eprintln!("warning: {location}: {reason}; left out of the batch");
    }
    if batch.messages.is_empty() {
        return Err(InputError::new(
            path.display().to_string(),
            format!("none of its {} messages could be read", raw.len()),
        ));
    }
    if !batch.problems.is_empty() {
        eprintln!(
            "warning: {} of {} messages in {} could not be read (listed above)",
            batch.problems.len(),
            raw.len(),
            path.display()
        );
    }
    let rep = batch
        .clusters(near_duplicate_similarity())
        .first()
        .map_or(0, |c| c.members[0]);
    let location = &batch.messages[rep].location;
    let bytes = raw
        .iter()
        .find(|m| &m.location == location)
        .map(|m| m.bytes.clone())
        .unwrap_or_default();
    let draft = Input {
        name: location.to_string(),
        bytes,
    };
    let mut all = lists.to_vec();
    all.push(batch.recipients_list(Some(rep)));
    Ok((draft, all, Arc::new(batch)))
}

fn batch_summary(batch: &Batch) -> String {
    let bodies = batch.clusters(near_duplicate_similarity()).len();
    let dated = batch.messages.iter().filter(|m| m.date.is_some()).count();
    format!(
        "batch: {} ({}): {} messages, {} recipients, {} bod{}; {} of the messages dated{}",
        batch.name,
        batch.kind.as_str(),
        ledger::group(batch.messages.len() as u64),
        ledger::group(batch.recipient_total()),
        bodies,
        if bodies == 1 { "y" } else { "ies" },
        dated,
        if batch.problems.is_empty() {
            String::new()
        } else {
            format!("; {} unreadable, left out", batch.problems.len())
        }
    )
}

/// The MinHash similarity from which two bodies are one (`rules/identical-body.toml`).
fn near_duplicate_similarity() -> f64 {
    rules::get("identical-body").map_or(0.7, |r| r.param_f64("near-duplicate-similarity"))
}

/// The send ledger as one run uses it: opened once, shared by the drafts checked in parallel.
struct LedgerUse {
    path: Option<PathBuf>,
    ledger: Option<Mutex<Ledger>>,
    /// Why it could not be opened, when it could not: every check says so.
    problem: Option<String>,
    /// Histories already read, by sender: a tree of templates without From reads it once.
    cache: Mutex<std::collections::HashMap<Option<String>, HistoryState>>,
}

impl LedgerUse {
    /// Opens the ledger a check reads: the given or default file when it exists, created when
    /// the run records. A ledger that cannot be read is reported here and in each check.
    fn open(flag: Option<&Path>, disabled: bool, write: bool) -> LedgerUse {
        let none = |path, problem| LedgerUse {
            path,
            ledger: None,
            problem,
            cache: Mutex::default(),
        };
        if disabled {
            return none(None, None);
        }
        let Some(path) = flag.map(Path::to_path_buf).or_else(ledger::default_path) else {
            let problem = "no data directory for the send ledger (no home directory?); pass --ledger PATH or set BULKLINT_LEDGER".to_string();
            if write {
                eprintln!("warning: {problem}");
                return none(None, Some(problem));
            }
            return none(None, None);
        };
        let opened = if write {
            Ledger::open(&path).map(Some)
        } else {
            Ledger::open_existing(&path)
        };
        match opened {
            Ok(ledger) => LedgerUse {
                path: Some(path),
                ledger: ledger.map(Mutex::new),
                problem: None,
                cache: Mutex::default(),
            },
            Err(e) => {
                eprintln!("warning: {e}; checking without the last 24 hours");
                none(Some(path), Some(e.to_string()))
            }
        }
    }

    fn history(&self, sender: Option<&str>, now: i64) -> HistoryState {
        if let Some(problem) = &self.problem {
            return HistoryState::Unavailable(problem.clone());
        }
        let Some(ledger) = &self.ledger else {
            return HistoryState::NotUsed;
        };
        let key = sender.map(str::to_lowercase);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = cache.get(&key) {
            return known.clone();
        }
        let mut ledger = ledger.lock().unwrap_or_else(PoisonError::into_inner);
        let state = match ledger.history(now, sender) {
            Ok(h) => HistoryState::Known(h),
            Err(e) => {
                eprintln!("warning: {e}; checking without the last 24 hours");
                HistoryState::Unavailable(e.to_string())
            }
        };
        cache.insert(key, state.clone());
        state
    }
}

/// Writes a checked send to the ledger and says so on stderr (stdout may be JSON).
fn record_outcome(
    ledger: &LedgerUse,
    outcome: &Outcome,
    now: i64,
    origin: Origin,
) -> Result<(), InputError> {
    if let Some(problem) = &ledger.problem {
        return Err(InputError::new(
            ledger
                .path
                .as_ref()
                .map_or_else(|| "ledger".to_string(), |p| p.display().to_string()),
            format!(
                "not recorded: {}",
                problem
                    .split_once(": ")
                    .map_or(problem.as_str(), |(_, rest)| rest)
            ),
        ));
    }
    let Some(ledger_mutex) = &ledger.ledger else {
        return Err(InputError::new("ledger", "not recorded: no ledger is open"));
    };
    let records = SendRecord::from_send(&outcome.send, now, origin, near_duplicate_similarity());
    if records.iter().all(|r| r.recipients == 0) {
        eprintln!("not recorded: the send has no recipients (pass --recipients, or a draft with To, Cc or Bcc)");
        return Ok(());
    }
    let mut l = ledger_mutex.lock().unwrap_or_else(PoisonError::into_inner);
    l.record(&records, now)?;
    eprintln!("{}", recorded_text(&records, l.path()));
    Ok(())
}

fn recorded_text(records: &[SendRecord], path: &Path) -> String {
    let recipients: u64 = records.iter().map(|r| r.recipients).sum();
    let external: u64 = records.iter().map(|r| r.external).sum();
    let messages: u64 = records.iter().map(|r| r.messages).sum();
    let first = &records[0];
    format!(
        "recorded in {}: {} recipient{} ({} external){} from {} via {} at {}",
        path.display(),
        ledger::group(recipients),
        if recipients == 1 { "" } else { "s" },
        ledger::group(external),
        if messages > 1 {
            format!(" in {} messages", ledger::group(messages))
        } else {
            String::new()
        },
        first.sender.as_deref().unwrap_or("(no From)"),
        first.provider,
        ledger::format_utc(first.at)
    )
}

/// The ledger file: `--ledger` or `BULKLINT_LEDGER`, else the default under the data directory.
fn ledger_path(flag: Option<&Path>) -> Result<PathBuf, InputError> {
    flag.map(Path::to_path_buf)
        .or_else(ledger::default_path)
        .ok_or_else(|| {
            InputError::new(
                "ledger",
                "no data directory (no home directory?); pass --ledger PATH or set BULKLINT_LEDGER",
            )
        })
}

/// `bulklint record`: a send made without a check.
fn record(args: RecordArgs) -> Result<u8, InputError> {
    let now = args.now.unwrap_or_else(system_now);
    let path = ledger_path(args.ledger.as_deref())?;
    let mut ledger = Ledger::open(&path)?;
    let explicit = match &args.config {
        Some(p) if !args.isolated => Some(Config::load(p)?),
        _ => None,
    };
    let config = config_at(args.isolated, explicit.as_ref(), &args.draft)?;
    let canonical = std::fs::canonicalize(&args.draft).unwrap_or_else(|_| args.draft.clone());
    let mut options = config
        .map(|c| c.options_for(&canonical))
        .unwrap_or_default();
    if args.provider.is_some() {
        options.provider.clone_from(&args.provider);
    }
    if !args.org_domains.is_empty() {
        options.org_domains.clone_from(&args.org_domains);
    }
    if args.column.is_some() {
        options.column.clone_from(&args.column);
    }
    let lists = args
        .recipients
        .iter()
        .map(|p| read_input(p))
        .collect::<Result<Vec<_>, _>>()?;
    let is_batch = args.batch || batch::is_mbox_path(&args.draft);
    let (draft, lists) = if is_batch {
        let (draft, lists, batch) = load_batch(&args.draft, &lists)?;
        options.batch = Some(batch);
        (draft, lists)
    } else {
        (read_input(&args.draft)?, lists)
    };
    let send = bulklint::check::load(draft, lists, &options)?;
    let records = SendRecord::from_send(&send, now, Origin::Record, near_duplicate_similarity());
    if records.iter().all(|r| r.recipients == 0) {
        return Err(InputError::new(
            args.draft.display().to_string(),
            "no recipients to record: pass --recipients, or a draft with To, Cc or Bcc",
        ));
    }
    ledger.record(&records, now)?;
    println!("{}", recorded_text(&records, ledger.path()));
    Ok(EXIT_CLEAN)
}

/// `bulklint history`: the last 24 hours per sender and provider.
fn history(args: HistoryArgs) -> Result<u8, InputError> {
    let now = args.now.unwrap_or_else(system_now);
    let path = ledger_path(args.ledger.as_deref())?;
    let explicit = match &args.config {
        Some(p) if !args.isolated => Some(Config::load(p)?),
        _ => None,
    };
    let limits = config_at(args.isolated, explicit.as_ref(), Path::new("."))?
        .map(|c| {
            c.limits
                .entries()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        })
        .unwrap_or_default();
    let sends = match Ledger::open_existing(&path)? {
        Some(mut ledger) => ledger.window(
            now,
            args.sender.as_deref().map(str::to_lowercase).as_deref(),
        )?,
        None => Vec::new(),
    };
    let senders = ledger::summarize(&sends, now, &limits, near_duplicate_similarity());
    let text = match args.format {
        HistoryFormat::Human => ledger::render_history(&path.display().to_string(), now, &senders),
        HistoryFormat::Json => {
            let doc = serde_json::json!({
                "version": 1,
                "ledger": path.display().to_string(),
                "now": now,
                "window-start": now - ledger::DAY,
                "senders": senders,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(EXIT_CLEAN)
}

/// `bulklint ledger import`: seeds the ledger from sent mail.
fn ledger_import(args: ImportArgs) -> Result<u8, InputError> {
    let now = args.now.unwrap_or_else(system_now);
    let path = ledger_path(args.ledger.as_deref())?;
    let (kind, raw) = batch::read_mailbox(&args.path)?;
    let mut ledger = Ledger::open(&path)?;
    let options = Options {
        provider: args.provider.clone(),
        org_domains: args.org_domains.clone(),
        ..Options::default()
    };
    let report = ledger::import(&mut ledger, &raw, &options, now)?;
    for s in &report.skipped {
        eprintln!("skipped {}: {}", s.location, s.reason);
    }
    println!(
        "imported {} of {} messages from {} ({}) into {}; {} already there, {} skipped{}",
        report.recorded,
        report.messages,
        args.path.display(),
        kind.as_str(),
        path.display(),
        report.already,
        report.skipped.len(),
        if report.skipped.is_empty() {
            ""
        } else {
            " (listed above)"
        }
    );
    Ok(EXIT_CLEAN)
}

/// `bulklint export`: the files a bulk-mail service imports, written into one folder.
fn export(args: ExportArgs) -> Result<u8, InputError> {
    let as_of = args
        .as_of
        .unwrap_or_else(|| Date::from_days(system_now().div_euclid(ledger::DAY)));
    let lists = args
        .recipients
        .iter()
        .map(|p| read_input(p))
        .collect::<Result<Vec<_>, _>>()?;
    let options = bulklint::export::Options {
        service: args.to.clone(),
        address: args.address.clone(),
        unsubscribe_url: args.unsubscribe_url.clone(),
        as_of,
        column: args.column.clone(),
    };
    let done = bulklint::export::export(read_input(&args.draft)?, lists, &options)?;
    let dir = args.output.display().to_string();
    std::fs::create_dir_all(&args.output)
        .map_err(|e| InputError::new(&dir, format!("cannot create the folder: {e}")))?;
    for file in &done.files {
        let path = args.output.join(file.name);
        std::fs::write(&path, &file.bytes).map_err(|e| {
            InputError::new(path.display().to_string(), format!("cannot write: {e}"))
        })?;
    }
    for line in done.summary(&dir) {
        println!("{line}");
    }
    Ok(EXIT_CLEAN)
}

/// `bulklint fix`: the draft rewritten with unsubscribe headers and a sender footer.
fn fix(args: FixArgs) -> Result<u8, InputError> {
    let options = bulklint::fix::Options {
        unsubscribe_url: args.unsubscribe_url.clone(),
        unsubscribe_mailto: args.unsubscribe_mailto.clone(),
        address: args.address.clone(),
    };
    let fixed = bulklint::fix::fix(&read_input(&args.draft)?, &options)?;
    let out = args.output.display().to_string();
    std::fs::write(&args.output, &fixed.bytes)
        .map_err(|e| InputError::new(&out, format!("cannot write: {e}")))?;
    println!("wrote {out}:");
    for line in fixed.changes.iter().map(|c| format!("  {c}")) {
        println!("{line}");
    }
    for note in &fixed.notes {
        println!("note: {note}");
    }
    Ok(EXIT_CLEAN)
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
    if !args.laws.is_empty() {
        options.laws.clone_from(&args.laws);
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

/// The system clock in UTC seconds: the binary reads the clock so the library never does.
fn system_now() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// Reads one input whole, but never past a size cap, so endless stdin or `/dev/zero` ends in
/// an input error (exit 2) rather than in memory exhaustion: stdin is a draft and is held to the
/// draft limit, a file to the 1 GiB ceiling of any file (the library then holds a draft to the
/// draft limit). One byte past the cap is read to tell "exactly the cap" from "more".
fn read_input(path: &Path) -> Result<Input, InputError> {
    use bulklint::limits::{self, InputLimits};
    let read_capped =
        |name: &str, reader: &mut dyn Read, cap: u64, key: Option<&str>, size_hint: Option<u64>| {
            let mut bytes = Vec::new();
            if let Some(len) = size_hint {
                // One allocation of the right size, not doublings up to twice it.
                bytes.reserve_exact(usize::try_from(len.min(cap) + 1).unwrap_or(0));
            }
            reader
                .take(cap.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(|e| InputError::new(name, format!("cannot read: {e}")))?;
            if bytes.len() as u64 > cap {
                return Err(limits::too_large(name, cap, key));
            }
            Ok(bytes)
        };
    if path.as_os_str() == "-" {
        let cap = InputLimits::default().max_draft_bytes;
        let bytes = read_capped(
            "<stdin>",
            &mut std::io::stdin().lock(),
            cap,
            Some("max-draft-bytes"),
            None,
        )?;
        return Ok(Input {
            name: "<stdin>".into(),
            bytes,
        });
    }
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(InputError::new(name, "is a directory; give a file"));
    }
    let mut file = std::fs::File::open(path)
        .map_err(|e| InputError::new(&name, format!("cannot read: {e}")))?;
    let cap = limits::MAX_FILE_BYTES;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if size.is_some_and(|len| len > cap) {
        return Err(limits::too_large(&name, cap, None));
    }
    let bytes = read_capped(&name, &mut file, cap, None, size)?;
    Ok(Input { name, bytes })
}

fn print_rules() {
    let rules = rules::all();
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in rules {
        println!(
            "{:width$}  {:7}  {:11}  {}",
            r.id,
            r.severity.as_str(),
            r.category,
            r.summary
        );
    }
}

fn explain(id: &str) -> Result<u8, InputError> {
    let rule = rules::get(id).ok_or_else(|| {
        InputError::new(
            "explain",
            format!("unknown rule `{id}`; known: {}", rules::ids().join(", ")),
        )
    })?;
    println!(
        "{} ({}, {})\n\n{}\n",
        rule.id, rule.severity, rule.category, rule.summary
    );
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
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
