//! `bulklint ledger import` and `bulklint ledger path`.

use std::path::Path;

use bulklint::app::session::{ledger_path, open_to_record};
use bulklint::ledger;
use bulklint::load::mailbox;
use bulklint::{InputError, Options};

use crate::args::ImportArgs;
use crate::{system_now, EXIT_CLEAN};

/// Seeds the ledger from sent mail.
pub fn import(args: ImportArgs) -> Result<u8, InputError> {
    let now = args.now.unwrap_or_else(system_now);
    let path = ledger_path(args.ledger.as_deref())?;
    let (kind, raw) = mailbox::read_mailbox(&args.path)?;
    let mut ledger = open_to_record(&path)?;
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

/// Prints where the ledger is.
pub fn path(flag: Option<&Path>) -> Result<u8, InputError> {
    println!("{}", ledger_path(flag)?.display());
    Ok(EXIT_CLEAN)
}
