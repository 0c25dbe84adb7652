//! Expands the paths given on the command line (files, directories, globs) into the list of
//! drafts to check, respecting `.gitignore` in directories.

use std::path::{Path, PathBuf};

use crate::model::error::InputError;

/// Extensions that count as drafts when walking a directory (files named directly always
/// count). `bulklint.toml` can change the list with `draft-extensions`.
pub const DEFAULT_EXTENSIONS: &[&str] = &["eml", "html", "htm", "txt", "msg", "mjml"];

/// The drafts under `paths`, in a stable order: each argument's files sorted by path, in the
/// order the arguments were given, without repeats.
pub fn expand(paths: &[PathBuf], extensions: &[String]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::new();
    // Repeats across arguments (`bulklint check drafts drafts/*.html`) are dropped in one pass;
    // a linear scan of `out` per file made thousands of drafts quadratic.
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let found = if path.is_file() {
            vec![path.clone()]
        } else if path.is_dir() {
            walk(path, None, extensions)
        } else if let Some((base, pattern)) = split_glob(path) {
            let matcher = globset::Glob::new(&pattern)
                .map_err(|e| InputError::new(path.display().to_string(), format!("bad glob: {e}")))?
                .compile_matcher();
            walk(&base, Some(&matcher), extensions)
        } else {
            return Err(InputError::new(
                path.display().to_string(),
                "no such file or directory",
            ));
        };
        if found.is_empty() {
            return Err(InputError::new(
                path.display().to_string(),
                format!(
                    "no drafts here (looked for .{} files)",
                    extensions.join(", .")
                ),
            ));
        }
        for f in found {
            if seen.insert(f.clone()) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// Files under `base` (gitignore respected, hidden files skipped) that match `glob`, or else have
/// one of `extensions`, sorted by path.
pub fn walk(
    base: &Path,
    glob: Option<&globset::GlobMatcher>,
    extensions: &[String],
) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(base)
        .hidden(true)
        .require_git(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|p| match glob {
            Some(g) => g.is_match(p),
            None => p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e))),
        })
        .collect();
    files.sort();
    files
}

/// `templates/**/*.html` → (`templates`, the pattern); `None` when the path has no glob.
fn split_glob(path: &Path) -> Option<(PathBuf, String)> {
    let text = path.to_string_lossy();
    let first_meta = text.find(['*', '?', '[', '{'])?;
    let base = match text[..first_meta].rfind('/') {
        Some(i) => PathBuf::from(&text[..i.max(1)]),
        None => PathBuf::from("."),
    };
    Some((base, text.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_directories_and_globs_in_stable_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        for f in ["a/z.html", "a/b/y.eml", "a/notes.md", "a/b/x.html"] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let exts: Vec<String> = DEFAULT_EXTENSIONS.iter().map(|s| s.to_string()).collect();
        let found = expand(&[root.join("a")], &exts).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a/b/x.html", "a/b/y.eml", "a/z.html"]);
        let glob = root.join("a/**/*.html");
        let found = expand(&[glob], &exts).unwrap();
        assert_eq!(found.len(), 2);
        assert!(expand(&[root.join("nope")], &exts)
            .unwrap_err()
            .message
            .contains("no such file"));
        assert!(expand(&[root.join("a/*.pdf")], &exts)
            .unwrap_err()
            .message
            .contains("no drafts"));
    }
}
