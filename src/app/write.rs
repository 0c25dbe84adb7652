//! Writing the files bulklint produces so that a failure never costs the user a file: each is
//! written to a temporary file in the destination's own directory, flushed to disk, and only
//! then renamed over the destination. A full disk or a killed process leaves the old file as
//! it was, never half-written; a symbolic link at the destination is replaced, never followed;
//! and an existing file is replaced only when the user said so (`--force`).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::error::InputError;

/// Temporary names differ per process and per call, so concurrent runs never share one.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// A file written to its temporary name and flushed, waiting to be renamed into place. Dropped
/// without [`Staged::commit`], it removes its temporary file.
#[derive(Debug)]
pub struct Staged {
    temp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl Staged {
    /// Renames the file into place, then flushes the directory so the rename itself survives
    /// a crash.
    pub fn commit(mut self) -> Result<(), InputError> {
        std::fs::rename(&self.temp, &self.dest).map_err(|e| cannot_write(&self.dest, &e))?;
        self.committed = true;
        // Not every filesystem lets a directory be synced; the rename is done either way.
        if let Ok(dir) = File::open(parent_of(&self.dest)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Whether `dest` names something already there (a file, or a link, even a dangling one).
pub fn exists(dest: &Path) -> bool {
    dest.symlink_metadata().is_ok()
}

/// Writes `bytes` to `dest` safely (see the module's comment); an existing `dest` is an error
/// unless `force`.
pub fn write_file(dest: &Path, bytes: &[u8], force: bool) -> Result<(), InputError> {
    stage(dest, force, |file| file.write_all(bytes))?.commit()
}

/// Writes every file or none: all are staged (written and flushed) before any is renamed into
/// place, so a full disk leaves every destination as it was.
pub fn write_files(files: &[(PathBuf, &[u8])], force: bool) -> Result<(), InputError> {
    let staged = files
        .iter()
        .map(|(dest, bytes)| stage(dest, force, |file| file.write_all(bytes)))
        .collect::<Result<Vec<_>, _>>()?;
    staged.into_iter().try_for_each(Staged::commit)
}

/// Writes the outputs of one command (see [`write_files`]), after two checks that stop before
/// anything is written: no output may be one of `protected` (the command's own inputs), even
/// with `force`; and without `force`, every output that exists is named in one error.
pub fn write_outputs(
    files: &[(PathBuf, &[u8])],
    protected: &[&Path],
    force: bool,
) -> Result<(), InputError> {
    for (dest, _) in files {
        if let Some(input) = protected.iter().find(|input| same_file(input, dest)) {
            return Err(InputError::new(
                dest.display().to_string(),
                format!(
                    "is {}, an input of this command; it is never overwritten: write into another folder",
                    input.display()
                ),
            ));
        }
    }
    let existing: Vec<String> = files
        .iter()
        .filter(|(dest, _)| exists(dest))
        .map(|(dest, _)| dest.display().to_string())
        .collect();
    if !force && !existing.is_empty() {
        return Err(InputError::new(
            existing[0].clone(),
            format!(
                "would replace {}, which exist{}; pass --force to replace {}, or write into another folder",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" },
                if existing.len() == 1 { "it" } else { "them" },
            ),
        ));
    }
    write_files(files, force)
}

/// Writes a temporary file beside `dest` with `fill` and flushes it to disk. `fill` is the
/// only thing that writes the content, so tests can make it fail the way a full disk does.
pub fn stage(
    dest: &Path,
    force: bool,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<Staged, InputError> {
    let existing = dest.symlink_metadata().ok();
    if let Some(meta) = &existing {
        if meta.is_dir() {
            return Err(InputError::new(
                dest.display().to_string(),
                "is a directory; give a file name to write",
            ));
        }
        if !force {
            let what = if meta.file_type().is_symlink() {
                "a symbolic link is there"
            } else {
                "the file exists"
            };
            return Err(InputError::new(
                dest.display().to_string(),
                format!("{what}; pass --force to replace it (a link is replaced, not followed)"),
            ));
        }
    }
    let name = dest
        .file_name()
        .ok_or_else(|| InputError::new(dest.display().to_string(), "names no file to write"))?;
    let temp = parent_of(dest).join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
    ));
    // `create_new` fails on anything already there, a planted link included.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(|e| cannot_write(dest, &e))?;
    let staged = Staged {
        temp,
        dest: dest.to_path_buf(),
        committed: false,
    };
    // A replaced regular file keeps its permissions; a link's target is not looked at.
    if let Some(meta) = existing.filter(std::fs::Metadata::is_file) {
        file.set_permissions(meta.permissions())
            .map_err(|e| cannot_write(dest, &e))?;
    }
    fill(&mut file)
        .and_then(|()| file.sync_all())
        .map_err(|e| cannot_write(dest, &e))?;
    Ok(staged)
}

/// The directory a destination is in (`.` for a bare file name).
fn parent_of(dest: &Path) -> &Path {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn cannot_write(dest: &Path, e: &io::Error) -> InputError {
    InputError::new(
        dest.display().to_string(),
        format!("cannot write: {e}; nothing was replaced"),
    )
}

/// Whether `a` and `b` are the same file on disk (through links, `..` or another spelling).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let draft = dir.path().join("draft.eml");
        let original: Vec<u8> = (0..20_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&draft, &original).unwrap();
        // The disk fills after 4,096 bytes.
        let err = stage(&draft, true, |file| {
            file.write_all(&[b'x'; 4096])?;
            Err(io::Error::from_raw_os_error(28))
        })
        .unwrap_err();
        assert!(err.message.contains("nothing was replaced"), "{err}");
        assert_eq!(std::fs::read(&draft).unwrap(), original);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn existing_files_need_force_and_links_are_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        write_file(&out, b"one", false).unwrap();
        let e = write_file(&out, b"two", false).unwrap_err();
        assert!(e.message.contains("--force"), "{e}");
        write_file(&out, b"two", true).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"two");

        #[cfg(unix)]
        {
            let target = dir.path().join("target.txt");
            std::fs::write(&target, "keep").unwrap();
            let link = dir.path().join("link.txt");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            let e = write_file(&link, b"new", false).unwrap_err();
            assert!(e.message.contains("symbolic link"), "{e}");
            write_file(&link, b"new", true).unwrap();
            assert_eq!(std::fs::read(&target).unwrap(), b"keep");
            assert!(!link.symlink_metadata().unwrap().file_type().is_symlink());
        }
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn all_files_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&b, "mine").unwrap();
        let e = write_files(&[(a.clone(), &b"x"[..]), (b.clone(), &b"y"[..])], false).unwrap_err();
        assert!(e.file.ends_with("b.csv"), "{e}");
        assert!(!a.exists());
        assert_eq!(std::fs::read(&b).unwrap(), b"mine");
        assert!(same_file(&a.with_file_name("b.csv"), &b));
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn outputs_name_what_they_would_replace_and_spare_the_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("audience.csv");
        let notes = dir.path().join("NEXT-STEPS.md");
        let html = dir.path().join("email.html");
        std::fs::write(&list, "email\nann@example.com\n").unwrap();
        std::fs::write(&notes, "my notes").unwrap();
        let files = [
            (list.clone(), &b"new list"[..]),
            (notes.clone(), &b"steps"[..]),
            (html.clone(), &b"<p>"[..]),
        ];
        let e = write_outputs(&files, &[&list], true).unwrap_err();
        assert!(e.message.contains("never overwritten"), "{e}");
        let e = write_outputs(&files[1..], &[&list], false).unwrap_err();
        assert!(
            e.message.contains("would replace") && e.message.contains("NEXT-STEPS.md"),
            "{e}"
        );
        assert!(!html.exists());
        assert_eq!(std::fs::read(&notes).unwrap(), b"my notes");
        write_outputs(&files[1..], &[&list], true).unwrap();
        assert_eq!(std::fs::read(&notes).unwrap(), b"steps");
        assert_eq!(std::fs::read(&list).unwrap(), b"email\nann@example.com\n");
    }
}
