//! `bulklint record`: a send made without a check.

use bulklint::app::batch;
use bulklint::app::options::ConfigSource;
use bulklint::app::read::{read_draft, read_lists};
use bulklint::app::record::{recorded_text, records};
use bulklint::app::session::{ledger_path, open_to_record, Settings};
use bulklint::ledger::Origin;
use bulklint::load::mailbox;
use bulklint::mailing::assemble;
use bulklint::InputError;

use crate::args::RecordArgs;
use crate::{system_now, EXIT_CLEAN};

pub fn run(args: RecordArgs) -> Result<u8, InputError> {
    let now = args.now.unwrap_or_else(system_now);
    let config = ConfigSource::new(args.isolated, args.config.as_deref())?;
    let settings = Settings::read(&config)?;
    let path = ledger_path(args.ledger.as_deref(), &settings)?;
    let mut ledger = open_to_record(&path, &settings)?;
    super::print_notes(&mut ledger);
    let mut options = config.options_for(&args.draft, &super::sender_flags(&args.sender), None)?;
    let lists = read_lists(&args.recipients, &options.input)?;
    let (draft, lists) = if args.batch || mailbox::is_mbox_path(&args.draft) {
        let loaded = batch::load(&args.draft, lists, &options.input)?;
        for w in &loaded.warnings {
            eprintln!("warning: {w}");
        }
        options.batch = Some(loaded.batch);
        (loaded.draft, loaded.lists)
    } else {
        (read_draft(&args.draft, &options.input)?, lists)
    };
    let send = assemble::load(draft, lists, &options)?;
    let records = records(&send, now, Origin::Record);
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
