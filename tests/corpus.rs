//! Every real message and template in `../shared/corpus` loads and checks without a panic;
//! files that cannot be read give an input error, never a crash. Skipped when the corpus is
//! not beside the checkout.

use std::path::{Path, PathBuf};

use bulklint::report::Format;
use bulklint::{check, Input, Options};

mod shared_corpus;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn corpus(sub: &str, test: &str) -> Option<Vec<PathBuf>> {
    let root = shared_corpus::dir(sub, test)?;
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    Some(files)
}

fn check_all(files: &[PathBuf]) -> (usize, usize) {
    let (mut ok, mut rejected) = (0, 0);
    for path in files {
        let input = Input {
            name: path.display().to_string(),
            bytes: std::fs::read(path).unwrap(),
        };
        match check(input, Vec::new(), &Options::default()) {
            Ok(outcome) => {
                ok += 1;
                for f in &outcome.findings {
                    for l in &f.labels {
                        let src = outcome.send.sources.get(l.source);
                        assert!(
                            l.span.end <= src.text.len(),
                            "{}: label out of range",
                            path.display()
                        );
                        assert!(
                            src.text.is_char_boundary(l.span.start)
                                && src.text.is_char_boundary(l.span.end)
                        );
                    }
                }
                let one = std::slice::from_ref(&outcome);
                for format in [
                    Format::Human,
                    Format::Json,
                    Format::Sarif,
                    Format::Github,
                    Format::Junit,
                ] {
                    let _ = bulklint::report::render(one, format, Default::default());
                }
            }
            Err(e) => {
                assert!(e.file.contains(&*path.display().to_string()), "{e}");
                rejected += 1;
            }
        }
    }
    (ok, rejected)
}

#[test]
fn every_corpus_message_loads_without_panic() {
    if let Some(files) = corpus("eml", "every_corpus_message_loads_without_panic") {
        let (ok, rejected) = check_all(&files);
        eprintln!("eml corpus: {ok} checked, {rejected} rejected with a diagnostic");
        assert!(ok > files.len() / 2);
    }
}

#[test]
fn every_corpus_template_loads_without_panic() {
    if let Some(files) = corpus("templates", "every_corpus_template_loads_without_panic") {
        let (ok, rejected) = check_all(&files);
        eprintln!("template corpus: {ok} checked, {rejected} rejected with a diagnostic");
        assert!(ok > files.len() / 2);
    }
}
