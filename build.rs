//! Checks the data files embedded in the binary (`rules/**/*.toml`) at build time, so a file
//! that does not parse fails the build with its name and line rather than a run, and writes
//! what the command line needs before any of them is read: the provider ids clap offers for
//! `--provider` (`$OUT_DIR/provider_ids.rs`), so `bulklint --version` parses no TOML at all.

use std::path::{Path, PathBuf};

fn main() {
    let rules = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(rules, &mut files);
    files.sort();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let text = read(file);
        if let Err(e) = text.parse::<toml::Table>() {
            fail(file, &e.to_string());
        }
    }

    let providers = rules.join("providers.toml");
    let table: toml::Table = read(&providers)
        .parse()
        .unwrap_or_else(|e: toml::de::Error| fail(&providers, &e.to_string()));
    let Some(list) = table.get("provider").and_then(|p| p.as_array()) else {
        fail(&providers, "no [[provider]] tables");
    };
    let mut ids: Vec<&str> = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let Some(id) = p.get("id").and_then(|id| id.as_str()) else {
            fail(
                &providers,
                &format!("provider {} has no string `id`", i + 1),
            );
        };
        if ids.contains(&id) {
            fail(&providers, &format!("provider id `{id}` appears twice"));
        }
        ids.push(id);
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let code = format!(
        "/// The provider ids of `rules/providers.toml`, in file order (written by build.rs).\npub const IDS: &[&str] = &{ids:?};\n"
    );
    std::fs::write(out.join("provider_ids.rs"), code)
        .unwrap_or_else(|e| panic!("cannot write provider_ids.rs: {e}"));
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| fail(dir, &e.to_string()));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| fail(dir, &e.to_string())).path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| fail(file, &e.to_string()))
}

fn fail(file: &Path, problem: &str) -> ! {
    panic!("{}: {problem}", file.display())
}
