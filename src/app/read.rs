//! Reading one input whole, but never past a size cap.

use std::io::Read;
use std::path::Path;

use crate::load::input_limits::{self, InputLimits};
use crate::model::error::InputError;
use crate::model::input::Input;

/// Reads one input whole, but never past a size cap, so endless stdin or `/dev/zero` ends in
/// an input error (exit 2) rather than in memory exhaustion: stdin is a draft and is held to the
/// draft limit, a file to the 1 GiB ceiling of any file (the library then holds a draft to the
/// draft limit). One byte past the cap is read to tell "exactly the cap" from "more".
pub fn read_input(path: &Path) -> Result<Input, InputError> {
    if path.as_os_str() == "-" {
        let cap = InputLimits::default().max_draft_bytes;
        let bytes = read_capped(
            "<stdin>",
            &mut std::io::stdin().lock(),
            cap,
            Some("max-draft-bytes"),
            None,
        )?;
        return Ok(Input {
            name: "<stdin>".into(),
            bytes,
        });
    }
    let name = path.display().to_string();
    if path.is_dir() {
        return Err(InputError::new(name, "is a directory; give a file"));
    }
    let mut file = std::fs::File::open(path)
        .map_err(|e| InputError::new(&name, format!("cannot read: {e}")))?;
    let cap = input_limits::MAX_FILE_BYTES;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if size.is_some_and(|len| len > cap) {
        return Err(input_limits::too_large(&name, cap, None));
    }
    let bytes = read_capped(&name, &mut file, cap, None, size)?;
    Ok(Input { name, bytes })
}

/// Reads every path, stopping at the first that cannot be read.
pub fn read_all(paths: &[impl AsRef<Path>]) -> Result<Vec<Input>, InputError> {
    paths.iter().map(|p| read_input(p.as_ref())).collect()
}

fn read_capped(
    name: &str,
    reader: &mut dyn Read,
    cap: u64,
    key: Option<&str>,
    size_hint: Option<u64>,
) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    if let Some(len) = size_hint {
        // One allocation of the right size, not doublings up to twice it.
        bytes.reserve_exact(usize::try_from(len.min(cap) + 1).unwrap_or(0));
    }
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::new(name, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > cap {
        return Err(input_limits::too_large(name, cap, key));
    }
    Ok(bytes)
}
