//! `bulklint export`: the files a bulk-mail service imports, written into one folder.

use std::path::{Path, PathBuf};

use bulklint::app::options::ConfigSource;
use bulklint::app::read::{read_draft, read_lists};
use bulklint::app::write;
use bulklint::model::date::Date;
use bulklint::model::format::DAY;
use bulklint::InputError;

use crate::args::ExportArgs;
use crate::{system_now, EXIT_CLEAN};

pub fn run(args: ExportArgs) -> Result<u8, InputError> {
    let as_of = args
        .as_of
        .unwrap_or_else(|| Date::from_days(system_now().div_euclid(DAY)));
    let limits = ConfigSource::default().limits_at(&args.draft)?;
    let options = bulklint::export::Options {
        service: args.to.clone(),
        address: args.address.clone(),
        unsubscribe_url: args.unsubscribe_url.clone(),
        as_of,
        column: args.column.clone(),
        input: limits,
    };
    let done = bulklint::export::export(
        read_draft(&args.draft, &limits)?,
        read_lists(&args.recipients, &limits)?,
        &options,
    )?;
    let dir = args.output.display().to_string();
    std::fs::create_dir_all(&args.output)
        .map_err(|e| InputError::new(&dir, format!("cannot create the folder: {e}")))?;
    let files: Vec<(PathBuf, &[u8])> = done
        .files
        .iter()
        .map(|f| (args.output.join(&f.name), f.bytes.as_slice()))
        .collect();
    // Files in folders of their own (the draft's pictures in `images/`).
    for (path, _) in &files {
        if let Some(parent) = path.parent().filter(|p| *p != args.output) {
            std::fs::create_dir_all(parent).map_err(|e| {
                InputError::new(
                    parent.display().to_string(),
                    format!("cannot create the folder: {e}"),
                )
            })?;
        }
    }
    let inputs: Vec<&Path> = std::iter::once(args.draft.as_path())
        .chain(args.recipients.iter().map(PathBuf::as_path))
        .collect();
    write::write_outputs(&files, &inputs, args.force)?;
    for line in done.summary(&dir) {
        println!("{line}");
    }
    Ok(EXIT_CLEAN)
}
