//! Checks the data files embedded in the binary (`rules/**/*.toml`) at build time, so a file
//! that does not parse fails the build with its name and line rather than a run, and writes
//! each as JSON for the library to embed (it reads several times faster than TOML); and writes
//! what the command line needs before any of them is read: the provider ids clap offers for
//! `--provider` (`$OUT_DIR/provider_ids.rs`), so `bulklint --version` parses no TOML at all.
//!
//! It also turns the vendored caniemail snapshot (`vendor/caniemail/features.json`) into Rust
//! statics (`$OUT_DIR/caniemail.rs`): a snapshot that does not parse, or names a client or note
//! it does not define, fails the build, and nothing is parsed at run time.
//!
//! And it compiles sender identification's patterns (`src/analysis/identification/patterns.rs`,
//! from the params of `rules/sender-identification.toml`) into DFAs, serialised into
//! `$OUT_DIR/identification/`: compiling them was half of a one-template check's time; loading a
//! serialised DFA in place costs nothing. The same for the merge-tag dialects' `inside` and
//! `not-inside` patterns (`rules/merge-tags.toml`).

#[allow(dead_code)]
#[path = "src/analysis/identification/patterns.rs"]
mod patterns;

use std::path::{Path, PathBuf};

fn main() {
    let rules = Path::new("rules");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(rules, &mut files);
    files.sort();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let table: toml::Table = read(file)
            .parse()
            .unwrap_or_else(|e: toml::de::Error| fail(file, &e.to_string()));
        embed_as_json(rules, file, &table, &out);
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
    let code = format!(
        "/// The provider ids of `rules/providers.toml`, in file order (written by build.rs).\npub const IDS: &[&str] = &{ids:?};\n"
    );
    std::fs::write(out.join("provider_ids.rs"), code)
        .unwrap_or_else(|e| panic!("cannot write provider_ids.rs: {e}"));
    let caniemail = Path::new("vendor/caniemail/features.json");
    println!("cargo:rerun-if-changed={}", caniemail.display());
    std::fs::write(out.join("caniemail.rs"), caniemail_tables(caniemail))
        .unwrap_or_else(|e| panic!("cannot write caniemail.rs: {e}"));
    println!("cargo:rerun-if-changed=src/analysis/identification/patterns.rs");
    identification_dfas(&rules.join("sender-identification.toml"), &out);
    merge_tag_dfas(&rules.join("merge-tags.toml"), &out);
}

/// A DFA as bytes in the target's byte order, which `data::dfa::load` reads in place.
fn serialise(dfa: &regex_automata::dfa::dense::DFA<Vec<u32>>, file: &Path, what: &str) -> Vec<u8> {
    let sparse = dfa
        .to_sparse()
        .unwrap_or_else(|e| fail(file, &format!("{what}: {e}")));
    if std::env::var("CARGO_CFG_TARGET_ENDIAN").is_ok_and(|e| e == "big") {
        sparse.to_bytes_big_endian()
    } else {
        sparse.to_bytes_little_endian()
    }
}

/// Each merge-tag dialect's `inside` and `not-inside` patterns as one DFA each (a set: the
/// scan asks only whether any of them matches), written to `$OUT_DIR/merge-tags/` with
/// `merge_tag_dfas.rs` embedding them by dialect id. Compiled at run time, the two regex sets
/// of every dialect were the largest fixed cost of a cold check after sender identification.
fn merge_tag_dfas(file: &Path, out: &Path) {
    use regex_automata::dfa::dense;

    #[derive(serde::Deserialize)]
    struct File {
        dialect: Vec<Dialect>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "kebab-case")]
    struct Dialect {
        id: String,
        inside: Vec<String>,
        #[serde(default)]
        not_inside: Vec<String>,
    }
    let parsed: File = toml::from_str(&read(file)).unwrap_or_else(|e| fail(file, &e.to_string()));
    let dir = out.join("merge-tags");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&dir, &e.to_string()));
    let mut code = String::from(
        "/// Each dialect's id and its `inside` and `not-inside` sets as serialised DFAs (written by build.rs).\npub static INSIDES: &[(&str, &[u8], &[u8])] = &[\n",
    );
    for d in &parsed.dialect {
        let mut halves = Vec::new();
        for (key, patterns) in [("inside", &d.inside), ("not-inside", &d.not_inside)] {
            let what = format!("dialect {}: {key}", d.id);
            let dfa = dense::Builder::new()
                .configure(dense::Config::new().minimize(true))
                .build_many(patterns)
                .unwrap_or_else(|e| fail(file, &format!("{what} does not compile: {e}")));
            let name = format!("{}.{key}", d.id);
            let target = dir.join(&name);
            std::fs::write(&target, serialise(&dfa, file, &what))
                .unwrap_or_else(|e| fail(&target, &e.to_string()));
            halves.push(format!(
                "include_bytes!(concat!(env!(\"OUT_DIR\"), \"/merge-tags/{name}\"))"
            ));
        }
        code.push_str(&format!(
            "    ({:?}, {}, {}),\n",
            d.id, halves[0], halves[1]
        ));
    }
    code.push_str("];\n");
    std::fs::write(out.join("merge_tag_dfas.rs"), code)
        .unwrap_or_else(|e| panic!("cannot write merge_tag_dfas.rs: {e}"));
}

/// A dense DFA as bytes in the target's byte order, without the alignment padding (the
/// generated code aligns the embedded bytes), which `data::dfa::load_dense` reads in place.
fn serialise_dense(dfa: &regex_automata::dfa::dense::DFA<Vec<u32>>) -> Vec<u8> {
    let (bytes, pad) = if std::env::var("CARGO_CFG_TARGET_ENDIAN").is_ok_and(|e| e == "big") {
        dfa.to_bytes_big_endian()
    } else {
        dfa.to_bytes_little_endian()
    };
    bytes[pad..].to_vec()
}

/// The most a pattern's two dense DFAs may take together and still be embedded dense.
const DENSE_LIMIT: usize = 256 * 1024;

/// Serialises a forward and a reverse DFA per pattern (what `regex_automata::dfa::regex::Regex`
/// searches with: the forward one finds where a match ends, the reverse one where it starts),
/// in the target's byte order, and writes `identification_dfas.rs`, which embeds them for a
/// zero-copy load. A dense DFA reads a byte with one table lookup, a sparse one searches the
/// state's transitions: the small patterns (postcodes, phone numbers, e-mail addresses) stay
/// dense, under [`DENSE_LIMIT`] for both halves, about a megabyte in all; the patterns with
/// long word lists (streets, countries, web addresses) would be megabytes dense and are sparse.
fn identification_dfas(rule_file: &Path, out: &Path) {
    use regex_automata::dfa::{dense, regex::Regex};

    let table: toml::Table = read(rule_file)
        .parse()
        .unwrap_or_else(|e: toml::de::Error| fail(rule_file, &e.to_string()));
    let params: patterns::Params = table
        .get("params")
        .cloned()
        .unwrap_or_else(|| fail(rule_file, "no [params]"))
        .try_into()
        .unwrap_or_else(|e: toml::de::Error| fail(rule_file, &format!("[params]: {e}")));
    let dir = out.join("identification");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&dir, &e.to_string()));
    let mut code = String::from(
        "/// Each pattern's serialised forward and reverse DFA, in the order of `Which::ALL` (written by build.rs).\npub static DFAS: [Compiled; ",
    );
    code.push_str(&format!("{}] = [\n", patterns::Which::ALL.len()));
    let mut statics = String::new();
    // Minimising the DFAs takes about two minutes (the European street's forward DFA almost
    // all of it), so a pattern whose text, byte order and compiler (this script's binary) are
    // those of the DFAs already here is not compiled again: editing another rule file, or
    // another word list of this one, rebuilds only what changed.
    let compiler = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{} {:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    let target = std::env::var("CARGO_CFG_TARGET_ENDIAN").unwrap_or_default();
    for (which, text) in patterns::Which::ALL.iter().zip(patterns::texts(&params)) {
        let key = format!("{compiler}\n{target}\n{text}");
        let key_file = dir.join(format!("{which:?}.key"));
        let halves_of = |half: &str| dir.join(format!("{which:?}.{half}"));
        let form_file = dir.join(format!("{which:?}.form"));
        let built = std::fs::read_to_string(&key_file).is_ok_and(|k| k == key)
            && halves_of("fwd").is_file()
            && halves_of("rev").is_file()
            && form_file.is_file();
        if !built {
            let regex = Regex::builder()
                .dense(dense::Config::new().minimize(true))
                .build(&text)
                .unwrap_or_else(|e| {
                    fail(
                        rule_file,
                        &format!("the {} pattern does not compile: {e}", which.what()),
                    )
                });
            let dense =
                regex.forward().memory_usage() + regex.reverse().memory_usage() <= DENSE_LIMIT;
            for (half, dfa) in [("fwd", regex.forward()), ("rev", regex.reverse())] {
                let bytes = if dense {
                    serialise_dense(dfa)
                } else {
                    serialise(dfa, rule_file, which.what())
                };
                let file = halves_of(half);
                std::fs::write(&file, bytes).unwrap_or_else(|e| fail(&file, &e.to_string()));
            }
            let form = if dense { "Dense" } else { "Sparse" };
            std::fs::write(&form_file, form).unwrap_or_else(|e| fail(&form_file, &e.to_string()));
            std::fs::write(&key_file, &key).unwrap_or_else(|e| fail(&key_file, &e.to_string()));
        }
        let form = read(&form_file);
        // A dense DFA is read as `u32`s in place: every half is embedded 4-byte aligned.
        let mut embed = |half: &str| {
            let file = halves_of(half);
            let len = std::fs::metadata(&file)
                .unwrap_or_else(|e| fail(&file, &e.to_string()))
                .len();
            let name = format!(
                "{}_{}",
                format!("{which:?}").to_uppercase(),
                half.to_uppercase()
            );
            statics.push_str(&format!(
                "static {name}: Aligned<[u8; {len}]> = Aligned {{ _align: [], bytes: *include_bytes!(concat!(env!(\"OUT_DIR\"), \"/identification/{which:?}.{half}\")) }};\n"
            ));
            format!("&{name}.bytes")
        };
        let (forward, reverse) = (embed("fwd"), embed("rev"));
        code.push_str(&format!("    Compiled::{form}({forward}, {reverse}),\n"));
    }
    code.push_str("];\n");
    code.push_str(&statics);
    std::fs::write(out.join("identification_dfas.rs"), code)
        .unwrap_or_else(|e| panic!("cannot write identification_dfas.rs: {e}"));
}

/// Writes a data file's table as JSON (`$OUT_DIR/data/<path under rules/>.json`), which the
/// library embeds instead of the TOML (`data::embedded!`): the same values, read several times
/// faster, and a cold check read all of them. TOML's dates have no JSON form: a file with one
/// fails here rather than reading differently.
fn embed_as_json(rules: &Path, file: &Path, table: &toml::Table, out: &Path) {
    fn check_no_dates(file: &Path, key: &str, value: &toml::Value) {
        match value {
            toml::Value::Datetime(_) => fail(file, &format!("`{key}` is a date")),
            toml::Value::Array(items) => items.iter().for_each(|v| check_no_dates(file, key, v)),
            toml::Value::Table(t) => t.iter().for_each(|(k, v)| check_no_dates(file, k, v)),
            _ => {}
        }
    }
    table.iter().for_each(|(k, v)| check_no_dates(file, k, v));
    let relative = file
        .strip_prefix(rules)
        .unwrap_or(file)
        .with_extension("json");
    let target = out.join("data").join(relative);
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| fail(dir, &e.to_string()));
    }
    let json = serde_json::to_string(table).unwrap_or_else(|e| fail(file, &e.to_string()));
    std::fs::write(&target, json).unwrap_or_else(|e| fail(&target, &e.to_string()));
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Snapshot {
    package: String,
    data_updated: String,
    families: std::collections::BTreeMap<String, String>,
    platforms: std::collections::BTreeMap<String, String>,
    features: Vec<SnapshotFeature>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotFeature {
    slug: String,
    title: String,
    /// `family/platform` → `y`, `a` or `n`, then the numbers of the notes that apply.
    support: std::collections::BTreeMap<String, String>,
    notes: std::collections::BTreeMap<String, String>,
}

/// The snapshot as Rust: the clients (family, platform) sorted, each feature with its support
/// per client (an index into the clients), and one constant per slug so a check that names a
/// feature the data no longer has does not compile.
fn caniemail_tables(file: &Path) -> String {
    let snapshot: Snapshot =
        serde_json::from_str(&read(file)).unwrap_or_else(|e| fail(file, &e.to_string()));
    let mut clients: Vec<(&str, &str)> = Vec::new();
    for f in &snapshot.features {
        for client in f.support.keys() {
            let Some((family, platform)) = client.split_once('/') else {
                fail(
                    file,
                    &format!("{}: client `{client}` is not family/platform", f.slug),
                );
            };
            if !snapshot.families.contains_key(family) || !snapshot.platforms.contains_key(platform)
            {
                fail(file, &format!("{}: unknown client `{client}`", f.slug));
            }
            clients.push((family, platform));
        }
    }
    clients.sort_unstable();
    clients.dedup();
    let mut code = String::new();
    code.push_str(&format!(
        "/// The npm package the snapshot was taken from.\npub const PACKAGE: &str = {:?};\n/// When caniemail last updated its data.\npub const DATA_UPDATED: &str = {:?};\n",
        snapshot.package, snapshot.data_updated
    ));
    code.push_str(&format!(
        "/// Client families: id and name, sorted by id.\npub static FAMILIES: &[(&str, &str)] = &{:?};\n",
        snapshot.families.iter().collect::<Vec<_>>()
    ));
    code.push_str(&format!(
        "/// Platforms: id and name, sorted by id.\npub static PLATFORMS: &[(&str, &str)] = &{:?};\n",
        snapshot.platforms.iter().collect::<Vec<_>>()
    ));
    code.push_str(&format!(
        "/// Every client the data knows: family and platform, sorted.\npub static CLIENTS: &[(&str, &str)] = &{clients:?};\n"
    ));
    code.push_str("/// Every feature, sorted by slug.\npub static FEATURES: &[Feature] = &[\n");
    let mut slugs = String::new();
    let mut previous: Option<&str> = None;
    for (i, f) in snapshot.features.iter().enumerate() {
        if previous.is_some_and(|p| p >= f.slug.as_str()) {
            fail(
                file,
                &format!("features are not sorted by slug at `{}`", f.slug),
            );
        }
        previous = Some(&f.slug);
        let mut support = String::new();
        for (client, value) in &f.support {
            let mut words = value.split(' ');
            let level = match words.next() {
                Some("y") => "Yes",
                Some("a") => "Partial",
                Some("n") => "No",
                other => fail(
                    file,
                    &format!("{}: {client}: support {other:?} is not y, a or n", f.slug),
                ),
            };
            let notes: Vec<&str> = words
                .map(|n| {
                    f.notes.get(n).map(String::as_str).unwrap_or_else(|| {
                        fail(
                            file,
                            &format!("{}: {client} cites note {n}, which is not there", f.slug),
                        )
                    })
                })
                .collect();
            let (family, platform) = client.split_once('/').unwrap_or_default();
            let at = clients
                .binary_search(&(family, platform))
                .unwrap_or_else(|_| fail(file, client));
            support.push_str(&format!("({at}, Support::{level}, {:?}),", notes.join(" ")));
        }
        code.push_str(&format!(
            "    Feature {{ slug: {:?}, title: {:?}, support: &[{support}] }},\n",
            f.slug, f.title
        ));
        let ident: String = f
            .slug
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        slugs.push_str(&format!("    pub const {ident}: usize = {i};\n"));
    }
    code.push_str("];\n/// Each feature's index in [`FEATURES`], by slug.\n#[allow(dead_code)]\npub mod slug {\n");
    code.push_str(&slugs);
    code.push_str("}\n");
    code
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
