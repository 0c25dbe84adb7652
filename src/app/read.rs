//! Reading the inputs of a run, each never past its size cap from `[input]` in bulklint.toml:
//! a draft to `max-draft-bytes`, a list to `max-list-bytes`. Endless stdin or `/dev/zero` ends
//! in an input error (exit 2) after reading one byte past the cap, not in memory exhaustion,
//! and a 1 GB file given as a draft is refused after 64 MiB, not read whole first.

use std::path::Path;

use crate::load::input_limits::{self, InputLimits};
use crate::model::error::InputError;
use crate::model::input::Input;

/// Reads a draft (`-` is stdin).
pub fn read_draft(path: &Path, limits: &InputLimits) -> Result<Input, InputError> {
    read(path, limits.max_draft_bytes, "max-draft-bytes")
}

/// Reads a recipient list (`-` is stdin).
pub fn read_list(path: &Path, limits: &InputLimits) -> Result<Input, InputError> {
    read(path, limits.max_list_bytes, "max-list-bytes")
}

/// Reads every list, stopping at the first that cannot be read.
pub fn read_lists(
    paths: &[impl AsRef<Path>],
    limits: &InputLimits,
) -> Result<Vec<Input>, InputError> {
    paths
        .iter()
        .map(|p| read_list(p.as_ref(), limits))
        .collect()
}

fn read(path: &Path, cap: u64, key: &str) -> Result<Input, InputError> {
    if path.as_os_str() == "-" {
        let name = "<stdin>";
        let bytes =
            input_limits::read_capped(name, &mut std::io::stdin().lock(), cap, Some(key), None)?;
        return Ok(Input {
            name: name.into(),
            bytes,
        });
    }
    Ok(Input {
        name: path.display().to_string(),
        bytes: input_limits::read_file(path, cap, Some(key))?,
    })
}
