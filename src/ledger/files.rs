//! Private files: the ledger and its key are readable by their owner only, and a new one appears
//! whole or not at all, so a concurrent reader never takes a half-made file for a damaged one.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Creates `dir` and its missing parents, each new one `0700` (existing ones are left as
/// they are: the user chose them).
pub(super) fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Opens a new file for writing that only its owner can read (`0600` on Unix).
fn private_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Makes `path` by filling a private file beside it with `fill` and linking it into place.
/// Returns `Ok(false)`, leaving the existing file alone, when `path` appeared meanwhile (another
/// process made it first). The link never replaces a file, unlike a rename. Filesystem errors
/// become `E` through `io_error`.
pub(super) fn publish_new<E>(
    path: &Path,
    fill: impl FnOnce(&Path) -> Result<(), E>,
    io_error: impl Fn(io::Error) -> E,
) -> Result<bool, E> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir).map_err(&io_error)?;
    }
    let temp = TempFile::new(path).map_err(&io_error)?;
    fill(&temp.0)?;
    File::open(&temp.0)
        .and_then(|f| f.sync_all())
        .map_err(&io_error)?;
    match std::fs::hard_link(&temp.0, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        // A filesystem without hard links (FAT, some network shares): a rename, after looking.
        // Only two processes creating the same file within microseconds could race here.
        Err(_) if path.exists() => Ok(false),
        Err(_) => std::fs::rename(&temp.0, path)
            .map(|()| true)
            .map_err(io_error),
    }
}

/// The file SQLite keeps beside `path` with this suffix (`-wal`, `-shm`, `-journal`).
pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A uniquely named, private, empty file beside `target`, removed when dropped (with what
/// SQLite may have left beside it).
struct TempFile(PathBuf);

impl TempFile {
    fn new(target: &Path) -> io::Result<TempFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = target
            .file_name()
            .map_or_else(|| "ledger".into(), |n| n.to_string_lossy().into_owned());
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let temp = target.with_file_name(format!(".{name}.{}-{n}.new", std::process::id()));
            match private_file(&temp) {
                Ok(_) => return Ok(TempFile(temp)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(sibling(&self.0, suffix));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_file_is_whole_private_and_never_replaces_another() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let path = dir.join("a/b/file");
        let write = |text: &'static str| move |temp: &Path| std::fs::write(temp, text);
        assert!(publish_new(&path, write("first"), |e| e).unwrap());
        assert!(!publish_new(&path, write("second"), |e| e).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir.join("a/b")), 0o700);
        }
        // Nothing is left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.join("a/b")).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
