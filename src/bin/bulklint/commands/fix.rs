//! `bulklint fix`: the draft rewritten with unsubscribe headers and a sender footer.

use bulklint::app::read::read_input;
use bulklint::InputError;

use crate::args::FixArgs;
use crate::EXIT_CLEAN;

pub fn run(args: FixArgs) -> Result<u8, InputError> {
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
