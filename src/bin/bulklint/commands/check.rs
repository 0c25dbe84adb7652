//! `bulklint check`: the drafts (or one batch) against their lists, rendered once.

use std::io::{IsTerminal, Write};
use std::path::Path;

use rayon::prelude::*;

use bulklint::app::batch;
use bulklint::app::options::{ConfigSource, Flags};
use bulklint::app::read::{read_draft, read_lists};
use bulklint::app::record::{self, Recorded};
use bulklint::app::session::{LedgerSession, Settings};
use bulklint::app::write;
use bulklint::ledger::Origin;
use bulklint::load::recipients::ReadLists;
use bulklint::load::{inputs, mailbox};
use bulklint::model::date::Date;
use bulklint::model::format::DAY;
use bulklint::report::{Format, Report, Style};
use bulklint::{Input, InputError, Outcome};

use crate::args::{CheckArgs, Color, Deny, RecordWhen};
use crate::{system_now, EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE};

/// From this many drafts on, an interactive run shows a progress bar.
const PROGRESS_FROM: usize = 20;

/// What every draft of one run shares.
struct Run<'a> {
    config: ConfigSource,
    flags: Flags,
    today: Date,
    ledger: &'a LedgerSession,
    now: i64,
}

pub fn run(args: CheckArgs) -> Result<u8, InputError> {
    let now = args.now.unwrap_or_else(system_now);
    let config = ConfigSource::new(args.isolated, args.config.as_deref())?;
    let is_batch = args.batch || (args.drafts.len() == 1 && mailbox::is_mbox_path(&args.drafts[0]));
    if is_batch && args.drafts.len() != 1 {
        return Err(InputError::new(
            "--batch",
            "a batch is one folder, mbox or Maildir: give exactly one",
        ));
    }
    let drafts = if is_batch || (args.drafts.len() == 1 && args.drafts[0].as_os_str() == "-") {
        args.drafts.clone()
    } else {
        let extensions = config
            .at(&args.drafts[0])?
            .and_then(|c| c.draft_extensions)
            .unwrap_or_else(|| {
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
    // An isolated run depends on no user state: only a ledger named on purpose is read.
    let no_ledger =
        args.no_ledger || (args.isolated && args.ledger.is_none() && args.record.is_none());
    // Lists are read once for every draft, under the limits of the first draft's config.
    let lists = read_lists(&args.recipients, &config.limits_at(&drafts[0])?)?;
    // A batch adds its messages' recipients to the lists before they are parsed.
    let (lists, batch_lists) = if is_batch {
        (Vec::new(), lists)
    } else {
        (lists, Vec::new())
    };
    let settings = Settings::read(&config)?;
    let ledger = LedgerSession::open(
        args.ledger.as_deref(),
        &settings,
        no_ledger,
        args.record.is_some(),
    )?;
    let run = Run {
        flags: Flags {
            kind: args.kind,
            laws: args.laws.clone(),
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            ..super::sender_flags(&args.sender)
        },
        today: args
            .as_of
            .unwrap_or_else(|| Date::from_days(now.div_euclid(DAY))),
        ledger: &ledger,
        now,
        config,
    };

    let stdout = std::io::stdout();
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut sink = Sink {
        report: Report::new(
            args.format,
            Style {
                color,
                quiet: args.quiet,
                ..Style::default()
            },
        ),
        sarif: args
            .sarif
            .as_ref()
            .map(|_| Report::new(Format::Sarif, Style::default())),
        deny_warnings: args.deny == Some(Deny::Warnings),
        keep: args.record.is_some(),
        reported: 0,
        failing: false,
        kept: None,
        errors: Vec::new(),
    };
    // Never dropped: the process ends right after the report, and the OS frees a
    // million-recipient list at once where dropping it would free each address in turn.
    // Parsed and deduplicated once, by the first draft that needs them; shared by all.
    let lists = std::mem::ManuallyDrop::new(ReadLists::read(lists));
    if is_batch {
        sink.take(check_batch(&run, &drafts[0], batch_lists, args.format));
    } else if drafts.len() == 1 {
        // One draft (the pre-commit and pre-send case): no thread pool to start and tear down.
        sink.take(check_one(&run, &lists, &drafts[0]));
    } else {
        let progress = progress_bar(args.format, drafts.len());
        // Checked a slice at a time on every core and reported in order as each slice ends, so
        // a folder of thousands of drafts never holds more than a slice of outcomes.
        for slice in drafts.chunks(DRAFTS_AT_A_TIME) {
            let results: Vec<_> = slice
                .par_iter()
                .map(|path| {
                    let result = check_one(&run, &lists, path);
                    if let Some(bar) = &progress {
                        bar.inc(1);
                    }
                    result
                })
                .collect();
            for result in results {
                sink.take(result);
            }
        }
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
    }
    print_warnings(&ledger);

    let mut input_errors = sink.errors.len();
    for e in &sink.errors {
        eprintln!("error: {e}");
    }
    if sink.reported > 0 {
        let text = sink.report.finish();
        // A closed pipe (`bulklint … | head`) is not worth a panic.
        let _ = stdout.lock().write_all(text.as_bytes());
    }
    // Written even when no draft could be read: an upload step expects the file. A report is
    // regenerated on every run, so it replaces the last one (atomically, never through a link).
    if let (Some(path), Some(sarif)) = (&args.sarif, sink.sarif) {
        if let Err(e) = write::write_file(path, sarif.finish().as_bytes(), true) {
            eprintln!("error: cannot write SARIF: {e}");
            input_errors += 1;
        }
    }
    let deny_warnings = sink.deny_warnings;
    let mut failing = sink.failing;
    if let (Some(when), Some(outcome)) = (args.record, sink.kept.as_deref_mut()) {
        let recorded = match when {
            RecordWhen::Pass if failing => Ok(Recorded::Nothing(
                "not recorded: the check did not pass (record anyway with `--record always`)"
                    .into(),
            )),
            RecordWhen::Pass => options_for(&run, &drafts[0]).and_then(|options| {
                record::record_if_passing(
                    &ledger,
                    &mut outcome.send,
                    now,
                    &options.levels,
                    deny_warnings,
                )
            }),
            RecordWhen::Always => record::record(&ledger, &outcome.send, now, Origin::Check),
        };
        match recorded {
            Ok(Recorded::Written(text) | Recorded::Nothing(text)) => eprintln!("{text}"),
            Ok(Recorded::Refused(text)) => {
                eprintln!("{text}");
                failing = true;
            }
            Err(e) => {
                eprintln!("error: {e}");
                input_errors += 1;
            }
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

/// How many drafts are checked at once (on every core) before their outcomes are reported, in
/// order, and dropped.
const DRAFTS_AT_A_TIME: usize = 256;

/// Where each draft's result goes as it arrives: its report (and SARIF), the exit status, and
/// the outcome itself only when `--record` needs it.
struct Sink {
    report: Report,
    sarif: Option<Report>,
    deny_warnings: bool,
    keep: bool,
    reported: usize,
    failing: bool,
    kept: Option<std::mem::ManuallyDrop<Outcome>>,
    errors: Vec<InputError>,
}

impl Sink {
    fn take(&mut self, result: Result<Outcome, InputError>) {
        match result {
            Ok(outcome) => {
                self.report.push(&outcome);
                if let Some(sarif) = &mut self.sarif {
                    sarif.push(&outcome);
                }
                self.failing |= record::fails(&outcome.findings, self.deny_warnings);
                self.reported += 1;
                if self.keep {
                    self.kept = Some(std::mem::ManuallyDrop::new(outcome));
                }
            }
            Err(e) => self.errors.push(e),
        }
    }
}

fn print_warnings(ledger: &LedgerSession) {
    for w in ledger.take_warnings() {
        eprintln!("warning: {w}");
    }
}

fn options_for(run: &Run, path: &Path) -> Result<bulklint::Options, InputError> {
    run.config.options_for(path, &run.flags, Some(run.today))
}

fn check_one(run: &Run, lists: &ReadLists, path: &Path) -> Result<Outcome, InputError> {
    let mut options = options_for(run, path)?;
    let input = read_draft(path, &options.input)?;
    options.history = run
        .ledger
        .history(mailbox::message_sender(&input.bytes).as_deref(), run.now)?;
    bulklint::rules::engine::check_with(input, lists, &options)
}

/// Checks the messages of a folder, mbox or Maildir as one send.
fn check_batch(
    run: &Run,
    path: &Path,
    lists: Vec<Input>,
    format: Format,
) -> Result<Outcome, InputError> {
    let mut options = options_for(run, path)?;
    let loaded = batch::load(path, lists, &options.input)?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    if format == Format::Human {
        println!("{}", batch::summary(&loaded.batch));
    }
    options.history = run
        .ledger
        .history(loaded.batch.sender().as_deref(), run.now)?;
    options.batch = Some(loaded.batch);
    bulklint::check(loaded.draft, loaded.lists, &options)
}

/// A progress bar on stderr for long interactive runs; never in machine formats or pipes.
fn progress_bar(format: Format, total: usize) -> Option<indicatif::ProgressBar> {
    let interactive = std::io::stderr().is_terminal() && format == Format::Human;
    (interactive && total >= PROGRESS_FROM).then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} drafts")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}
