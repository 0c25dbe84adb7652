//! `bulklint fix`: the draft rewritten with unsubscribe headers and a sender footer.

use bulklint::app::options::ConfigSource;
use bulklint::app::read::read_draft;
use bulklint::app::write;
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
    let out = args.output.display().to_string();
    // Onto the draft itself only with --force; the draft stays whole if the write fails.
    write::write_file(&args.output, &fixed.bytes, args.force)?;
    println!("wrote {out}:");
    for line in fixed.changes.iter().map(|c| format!("  {c}")) {
        println!("{line}");
    }
    for note in &fixed.notes {
        println!("note: {note}");
    }
    Ok(EXIT_CLEAN)
}
