//! `../shared/corpus`, the real-world messages and templates beside the checkout, when present.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The corpus folder `sub`, or `None` after saying on the terminal that `test` was skipped.
/// Written to the process's stderr directly: the test harness captures `eprintln!` of passing
/// tests, and a test that checked nothing must not look like one that passed.
pub fn dir(sub: &str, test: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(sub);
    if root.is_dir() {
        return Some(root);
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {} is not present (nothing checked)",
        root.display()
    );
    None
}
