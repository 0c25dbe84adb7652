//! The library's top-level modules are layers: each may use only the layers listed before it in
//! [`LAYERS`] (ARCHITECTURE.md says what each owns). This test reads every `crate::` path in `src/` (tests inside a module count:
//! a test that reaches up a layer ties the layers together just the same) and fails on any use
//! of a later module, which is also what keeps the module graph free of cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A new top-level module must be placed here.
const LAYERS: &[&str] = &[
    "model", "data", "load", "analysis", "mailing", "rules", "report", "ledger", "export", "fix",
    "config", "app",
];

/// `pub mod x;` lines of lib.rs.
fn declared(root: &Path) -> Vec<String> {
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))?;
            Some(rest.trim_end_matches(';').trim().to_string())
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments (so a doc comment naming a module is no use of it).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level modules a file names through `crate::`, including grouped `use crate::{a, b}`.
fn used_modules(text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let text = code(text);
    let mut used = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Names at depth 0 of the group.
            let mut depth = 0;
            let mut name = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        used.insert(std::mem::take(&mut name));
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 && (c.is_alphanumeric() || c == '_') {
                    name.push(c);
                } else if depth == 0 && c == ':' {
                    used.insert(std::mem::take(&mut name));
                }
            }
            used.insert(name);
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            used.insert(name);
        }
    }
    used.retain(|m| known.contains(m));
    used
}

#[test]
fn top_level_modules_only_use_the_layers_below_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let order: Vec<String> = LAYERS.iter().map(|s| s.to_string()).collect();
    let mut in_lib = declared(root);
    in_lib.sort();
    let mut listed = order.clone();
    listed.sort();
    assert_eq!(
        in_lib, listed,
        "src/lib.rs and LAYERS name different modules"
    );
    let known: BTreeSet<String> = order.iter().cloned().collect();
    let rank = |m: &str| order.iter().position(|o| o == m).unwrap();

    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut violations = Vec::new();
    for file in files {
        let rel = file.strip_prefix(root.join("src")).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        if first == "bin" || first == "lib.rs" {
            continue;
        }
        let module = first.trim_end_matches(".rs").to_string();
        assert!(
            known.contains(&module),
            "{} is not declared in lib.rs",
            rel.display()
        );
        let text = std::fs::read_to_string(&file).unwrap();
        for used in used_modules(&text, &known) {
            if used == module {
                continue;
            }
            if rank(&used) > rank(&module) {
                violations.push(format!(
                    "{} ({module}) uses {used}, a layer above it",
                    rel.display()
                ));
            }
            imports.entry(module.clone()).or_default().insert(used);
        }
    }
    for m in &order {
        let uses: Vec<&str> = imports
            .get(m)
            .map(|s| s.iter().map(String::as_str).collect())
            .unwrap_or_default();
        println!("{m:9} -> {}", uses.join(" "));
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_reader_sees_grouped_and_nested_imports() {
    let known: BTreeSet<String> = ["model", "load", "rules"].map(String::from).into();
    let found = used_modules(
        "use crate::{model::x, load::{a, b}};\n// crate::rules in a comment\nlet y = crate::rules::all();",
        &known,
    );
    assert_eq!(found, known);
    let none = used_modules("// uses crate::rules\n", &known);
    assert!(none.is_empty());
}

#[test]
fn the_library_never_names_clap_and_the_binary_stays_thin() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for file in files
        .iter()
        .filter(|f| !f.starts_with(root.join("src/bin")))
    {
        let text = code(&std::fs::read_to_string(file).unwrap());
        assert!(!text.contains("clap::"), "{} uses clap", file.display());
        assert!(
            !text.contains("rules::get(") && !text.contains(".param_"),
            "{} looks a rule or parameter up by string",
            file.display()
        );
    }
    let main = std::fs::read_to_string(root.join("src/bin/bulklint/main.rs")).unwrap();
    assert!(
        main.lines().count() <= 150,
        "src/bin/bulklint/main.rs has {} lines",
        main.lines().count()
    );
}
