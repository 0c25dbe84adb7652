//! The environment the ledger tests run the binary in: nothing from the real home, one shared
//! key, the ledger named.

use std::path::Path;

/// The shared secret every run keys recipient hashes with (the binary through
/// `BULKLINT_LEDGER_KEY`, the library through `LedgerKey::from_secret`).
pub const SECRET: &str = "a test secret, long enough to be a key";

/// The built binary run in `dir`, with the data and configuration directories in it, the test
/// key, and the ledger at `location` (a file or a server URL).
pub fn bulklint(dir: &Path, location: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_bulklint"));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("xdg"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("BULKLINT_LEDGER_KEY", SECRET)
        .env("BULKLINT_LEDGER", location);
    cmd
}
