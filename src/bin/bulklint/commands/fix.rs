//! `bulklint fix`: the draft rewritten with unsubscribe headers and a sender footer.

use bulklint::app::options::ConfigSource;
use bulklint::app::read::read_draft;
use bulklint::app::write;
use std::io::Write;

use bulklint::InputError;

use crate::args::FixArgs;
use crate::EXIT_CLEAN;

pub fn run(args: FixArgs) -> Result<u8, InputError> {
    let limits = ConfigSource::default().limits_at(&args.draft)?;
    let options = bulklint::fix::Options {
        unsubscribe_url: args.unsubscribe_url.clone(),
        unsubscribe_mailto: args.unsubscribe_mailto.clone(),
        address: args.address.clone(),
        input: limits,
    };
    let fixed = bulklint::fix::fix(&read_draft(&args.draft, &limits)?, &options)?;
    let mut report = Vec::new();
    if args.output.as_os_str() == "-" {
        // The message is the output: what changed goes beside it, on standard error.
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&fixed.bytes)
            .and_then(|()| stdout.flush())
            .map_err(|e| InputError::new("<stdout>", format!("cannot write: {e}")))?;
        report.push("wrote the fixed message to standard output:".to_string());
    } else {
        // Onto the draft itself only with --force; the draft stays whole if the write fails.
        write::write_file(&args.output, &fixed.bytes, args.force)?;
        report.push(format!("wrote {}:", args.output.display()));
    }
    report.extend(fixed.changes.iter().map(|c| format!("  {c}")));
    report.extend(fixed.notes.iter().map(|n| format!("note: {n}")));
    for line in report {
        if args.output.as_os_str() == "-" {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
    Ok(EXIT_CLEAN)
}
