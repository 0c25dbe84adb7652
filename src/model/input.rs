//! One input as read from disk or stdin: the library never opens files for a check.

/// One input file (or stdin), already read.
#[derive(Debug, Clone)]
pub struct Input {
    /// The name diagnostics use: the path as given, or `<stdin>`.
    pub name: String,
    pub bytes: Vec<u8>,
}
