//! `bulklint check`: the drafts (or one batch) against their lists, rendered once.

use std::io::{IsTerminal, Write};
use std::path::Path;

use rayon::prelude::*;

use bulklint::app::batch;
use bulklint::app::options::{ConfigSource, Flags};
use bulklint::app::read::{read_draft, read_lists};
use bulklint::app::record::{self, Recorded};
use bulklint::app::session::LedgerSession;
use bulklint::app::write;
use bulklint::ledger::Origin;
use bulklint::load::recipients::ReadLists;
use bulklint::load::{inputs, mailbox};
use bulklint::model::date::Date;
use bulklint::model::format::DAY;
use bulklint::report::{self, Format, Style};
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
    let ledger = LedgerSession::open(args.ledger.as_deref(), no_ledger, args.record.is_some())?;
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

    let results: Vec<Result<Outcome, InputError>> = if is_batch {
        vec![check_batch(&run, &drafts[0], lists, args.format)]
    } else if drafts.len() == 1 {
        // One draft (the pre-commit and pre-send case): no thread pool to start and tear down.
        vec![check_one(&run, &ReadLists::read(lists), &drafts[0])]
    } else {
        // Parsed and deduplicated once, by the first draft that needs them; shared by all.
        let lists = ReadLists::read(lists);
        let progress = progress_bar(args.format, drafts.len());
        let results = drafts
            .par_iter()
            .map(|path| {
                let result = check_one(&run, &lists, path);
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
    print_warnings(&ledger);

    // Never dropped: the process ends right after, and the OS frees a million-recipient list at
    // once where dropping it would free each address in turn.
    let mut outcomes = std::mem::ManuallyDrop::new(Vec::with_capacity(results.len()));
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
    if !outcomes.is_empty() {
        let style = Style {
            color,
            ..Style::default()
        };
        let text = report::render(&outcomes, args.format, style);
        // A closed pipe (`bulklint … | head`) is not worth a panic.
        let _ = stdout.lock().write_all(text.as_bytes());
    }
    // Written even when no draft could be read: an upload step expects the file. A report is
    // regenerated on every run, so it replaces the last one (atomically, never through a link).
    if let Some(path) = &args.sarif {
        let sarif = report::render(&outcomes, Format::Sarif, Style::default());
        if let Err(e) = write::write_file(path, sarif.as_bytes(), true) {
            eprintln!("error: cannot write SARIF: {e}");
            input_errors += 1;
        }
    }
    let deny_warnings = args.deny == Some(Deny::Warnings);
    let mut failing = outcomes
        .iter()
        .any(|o| record::fails(&o.findings, deny_warnings));
    if let (Some(when), [outcome]) = (args.record, outcomes.as_mut_slice()) {
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
