//! `bulklint export`: the files a bulk-mail service imports, written into one folder.

use bulklint::app::read::{read_all, read_input};
use bulklint::model::date::Date;
use bulklint::model::format::DAY;
use bulklint::InputError;

use crate::args::ExportArgs;
use crate::{system_now, EXIT_CLEAN};

pub fn run(args: ExportArgs) -> Result<u8, InputError> {
    let as_of = args
        .as_of
        .unwrap_or_else(|| Date::from_days(system_now().div_euclid(DAY)));
    let options = bulklint::export::Options {
        service: args.to.clone(),
        address: args.address.clone(),
        unsubscribe_url: args.unsubscribe_url.clone(),
        as_of,
        column: args.column.clone(),
    };
    let done = bulklint::export::export(
        read_input(&args.draft)?,
        read_all(&args.recipients)?,
        &options,
    )?;
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
