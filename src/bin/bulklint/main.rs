//! The `bulklint` binary: parses flags, runs one command, sets the exit code. The commands are
//! in `commands/`; the work they orchestrate is in the library (`bulklint::app` and below).

mod args;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, LedgerCommand};

/// Exit codes: documented in the README.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    bulklint::model::panic_guard::install_quiet_hook();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Record(args) => commands::record::run(args),
        Command::History(args) => commands::history::run(args),
        Command::Ledger { command } => match command {
            LedgerCommand::Import(args) => commands::ledger::import(args),
            LedgerCommand::Migrate(args) => commands::ledger::migrate(args),
            LedgerCommand::Path { ledger } => commands::ledger::path(ledger.as_deref()),
        },
        Command::Export(args) => commands::export::run(args),
        Command::Fix(args) => commands::fix::run(args),
        Command::Rules => commands::rules::list(),
        Command::Explain { rule } => commands::rules::explain(&rule),
        Command::Completions { shell } => commands::rules::completions(shell),
        Command::Man => commands::rules::man(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The system clock in UTC seconds: the binary reads the clock so the library never does.
pub fn system_now() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}
