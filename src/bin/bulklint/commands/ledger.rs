//! `bulklint ledger import`, `bulklint ledger migrate` and `bulklint ledger path`.

use std::path::Path;

use bulklint::app::options::ConfigSource;
use bulklint::app::session::{ledger_path, open_to_read, open_to_record, Settings};
use bulklint::ledger;
use bulklint::load::mailbox;
use bulklint::{InputError, Options};

use crate::args::{ImportArgs, MigrateArgs};
use crate::{system_now, EXIT_CLEAN};

/// Seeds the ledger from sent mail.
pub fn import(args: ImportArgs) -> Result<u8, InputError> {
    let now = args.now.unwrap_or_else(system_now);
    let settings = settings()?;
    let path = ledger_path(args.ledger.as_deref(), &settings)?;
    let (kind, raw) = mailbox::read_mailbox(&args.path)?;
    let mut ledger = open_to_record(&path, &settings)?;
    super::print_notes(&mut ledger);
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

/// Sends per transaction of a copy: a killed copy loses at most one chunk, which the next run
/// copies again.
const MIGRATE_CHUNK: usize = 1000;

/// Copies the ledger's sends into another (a shared server, usually).
pub fn migrate(args: MigrateArgs) -> Result<u8, InputError> {
    let settings = settings()?;
    let from = ledger_path(args.ledger.as_deref(), &settings)?;
    let Some(mut source) = open_to_read(&from, &settings)? else {
        return Err(InputError::new(
            from.display().to_string(),
            "there is no ledger here to copy",
        ));
    };
    super::print_notes(&mut source);
    let mut target = open_to_record(&args.to, &settings)?;
    super::print_notes(&mut target);
    let (copied, already) = source.copy_to(&mut target, MIGRATE_CHUNK)?;
    println!(
        "copied {copied} send{} from {} into {}; {already} already there",
        if copied == 1 { "" } else { "s" },
        source.path().display(),
        target.path().display()
    );
    Ok(EXIT_CLEAN)
}

/// Prints where the ledger is (a server's URL without its password).
pub fn path(flag: Option<&Path>) -> Result<u8, InputError> {
    let path = ledger_path(flag, &settings()?)?;
    match path.to_str().filter(|p| ledger::is_url(p)) {
        Some(url) => println!("{}", ledger::redact(url)),
        None => println!("{}", path.display()),
    }
    Ok(EXIT_CLEAN)
}

/// The ledger settings of the configuration in the working directory.
fn settings() -> Result<Settings, InputError> {
    Settings::read(&ConfigSource::new(false, None)?)
}
