//! The data files of `rules/` as the library reads them: build.rs parses each TOML file (a
//! file that does not parse fails the build, with its line) and writes the same table as JSON,
//! which reads several times faster. Parsing the embedded TOML was about 1 ms of a cold check.

use serde::de::DeserializeOwned;

/// The JSON build.rs wrote for `rules/<path>.toml`, e.g. `embedded!("phrases")`.
macro_rules! embedded {
    ($path:expr) => {
        include_str!(concat!(env!("OUT_DIR"), "/data/", $path, ".json"))
    };
}
pub(crate) use embedded;

/// Reads the JSON of `rules/<path>.toml` into its type. The files are embedded, so a missing or
/// misspelt key is a build defect: it panics, naming the file (and every test fails).
pub fn read<T: DeserializeOwned>(path: &str, json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("rules/{path}.toml: {e}"))
}
