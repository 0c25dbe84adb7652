//! The secret recipient hashes are keyed with. It never lives in the ledger file: whoever can read
//! the ledger alone cannot test candidate addresses against its hashes.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{LedgerError, LedgerErrorKind};
use super::files::publish_new;

/// The environment variable that holds a shared key (for a ledger several people use).
pub const KEY_ENV: &str = "BULKLINT_LEDGER_KEY";

/// A shared key shorter than this is refused: a short passphrase can be guessed from the hashes.
const MIN_SECRET_CHARS: usize = 16;

/// Domain separation for a key made from a passphrase (BLAKE3 `derive_key`).
const DERIVE_CONTEXT: &str = "bulklint send ledger 2025 recipient hash key";

/// What a ledger stores to tell its key from another (not the key, and no use without it).
const CHECK_INPUT: &[u8] = b"bulklint send ledger key check";

#[derive(Clone, PartialEq, Eq)]
pub struct LedgerKey([u8; 32]);

impl fmt::Debug for LedgerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LedgerKey(…)")
    }
}

impl LedgerKey {
    pub fn from_bytes(bytes: [u8; 32]) -> LedgerKey {
        LedgerKey(bytes)
    }

    /// The key of a shared secret (the value of [`KEY_ENV`]); `Err` says why it cannot be one.
    pub fn from_secret(secret: &str) -> Result<LedgerKey, String> {
        let secret = secret.trim();
        if secret.chars().count() < MIN_SECRET_CHARS {
            return Err(format!(
                "{KEY_ENV} is shorter than {MIN_SECRET_CHARS} characters; use a long random secret (for example the output of `openssl rand -hex 32`)"
            ));
        }
        Ok(LedgerKey(blake3::derive_key(
            DERIVE_CONTEXT,
            secret.as_bytes(),
        )))
    }

    /// Reads the key file at `path`; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<LedgerKey>, LedgerError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(key_error(path, format!("cannot read it: {e}"))),
        };
        parse_hex(text.trim())
            .map(|k| Some(LedgerKey(k)))
            .ok_or_else(|| key_error(path, "it does not hold 64 hexadecimal digits".into()))
    }

    /// Reads the key file at `path`, creating it (`0600`, in a `0700` directory) with a new random
    /// key when there is none.
    pub fn load_or_create(path: &Path) -> Result<LedgerKey, LedgerError> {
        if let Some(key) = LedgerKey::load(path)? {
            return Ok(key);
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| key_error(path, format!("no randomness for a new key: {e}")))?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let failed = |e: std::io::Error| key_error(path, format!("cannot create it: {e}"));
        publish_new(
            path,
            |temp| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(temp)
                    .and_then(|mut f| writeln!(f, "{hex}"))
                    .map_err(failed)
            },
            failed,
        )?;
        // Another process may have created it first: its key is the one.
        LedgerKey::load(path)?
            .ok_or_else(|| key_error(path, "it vanished right after it was created".into()))
    }

    pub(super) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// What the ledger stores to recognise this key.
    pub(super) fn check_value(&self) -> Vec<u8> {
        blake3::keyed_hash(&self.0, CHECK_INPUT).as_bytes()[..16].to_vec()
    }
}

/// The default key file: `ledger.key` in the user's configuration directory
/// (`~/.config/bulklint` on Linux), kept apart from the ledger in the data directory.
pub fn default_key_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "bulklint").map(|d| d.config_dir().join("ledger.key"))
}

fn key_error(path: &Path, detail: String) -> LedgerError {
    LedgerError {
        path: path.display().to_string(),
        kind: LedgerErrorKind::KeyFile,
        detail,
    }
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_makes_a_stable_key_and_short_ones_are_refused() {
        let a = LedgerKey::from_secret("correct horse battery staple").unwrap();
        assert_eq!(
            a,
            LedgerKey::from_secret(" correct horse battery staple\n").unwrap()
        );
        assert_ne!(
            a,
            LedgerKey::from_secret("correct horse battery stable").unwrap()
        );
        assert!(LedgerKey::from_secret("short")
            .unwrap_err()
            .contains(KEY_ENV));
    }

    #[test]
    fn hex_keys_parse_exactly() {
        assert_eq!(parse_hex(&"0f".repeat(32)), Some([15; 32]));
        assert_eq!(parse_hex(&"0f".repeat(31)), None);
        assert_eq!(parse_hex(&"zz".repeat(32)), None);
    }
}
