//! Every rule has failing and passing fixtures under `tests/fixtures/<rule>/{fail*,pass*}/`,
//! and a snapshot of its rendered output on each failing one.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use bulklint::report::human;
use bulklint::report::Style;
use bulklint::{check, rules, Input, Kind, Options};

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CaseOptions {
    provider: Option<String>,
    #[serde(default)]
    org_domains: Vec<String>,
    kind: Option<Kind>,
    column: Option<String>,
    as_of: Option<String>,
    #[serde(default)]
    laws: Vec<bulklint::model::law::Law>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn input(path: &Path) -> Input {
    Input {
        name: path
            .strip_prefix(fixtures())
            .unwrap_or(path)
            .display()
            .to_string(),
        bytes: fs::read(path).unwrap(),
    }
}

/// Runs one case directory: `draft.*`, optional `recipients.*`, optional `options.toml`.
fn run_case(dir: &Path) -> bulklint::Outcome {
    let mut draft = None;
    let mut lists = Vec::new();
    let mut options = CaseOptions::default();
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        match stem.as_str() {
            "draft" => draft = Some(input(&path)),
            "recipients" => lists.push(input(&path)),
            "options" => options = toml::from_str(&fs::read_to_string(&path).unwrap()).unwrap(),
            other => panic!("{}: unexpected fixture file {other}", dir.display()),
        }
    }
    let options = Options {
        provider: options.provider,
        org_domains: options.org_domains,
        column: options.column,
        kind: options.kind,
        levels: BTreeMap::new(),
        as_of: options.as_of.map(|d| d.parse().unwrap()),
        limits: BTreeMap::new(),
        laws: options.laws,
        ..Options::default()
    };
    check(draft.expect("case has a draft"), lists, &options).unwrap()
}

fn cases(rule: &str, prefix: &str) -> Vec<PathBuf> {
    let dir = fixtures().join(rule);
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("no fixtures for rule {rule} in {}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "rule {rule} has no {prefix} fixture");
    out
}

#[test]
fn every_rule_fires_on_its_failing_fixtures() {
    for rule in rules::all() {
        for case in cases(rule.id.as_str(), "fail") {
            let outcome = run_case(&case);
            let mine: Vec<_> = outcome
                .findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .cloned()
                .collect();
            assert!(
                !mine.is_empty(),
                "{} did not fire on {}",
                rule.id,
                case.display()
            );
            for f in &mine {
                assert!(
                    !f.labels.is_empty(),
                    "{}: a finding without a location",
                    case.display()
                );
            }
            let name = format!(
                "{}__{}",
                rule.id,
                case.file_name().unwrap().to_string_lossy()
            );
            let rendered = human::render_findings(&mine, &outcome.send.sources, Style::default());
            insta::assert_snapshot!(name, rendered);
        }
    }
}

#[test]
fn no_rule_fires_on_its_passing_fixtures() {
    for rule in rules::all() {
        for case in cases(rule.id.as_str(), "pass") {
            let outcome = run_case(&case);
            let mine: Vec<_> = outcome
                .findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .collect();
            assert!(
                mine.is_empty(),
                "{} fired on {}: {:#?}",
                rule.id,
                case.display(),
                mine
            );
        }
    }
}

#[test]
fn every_fixture_directory_names_a_registered_rule() {
    for entry in fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            name.parse::<bulklint::RuleId>().is_ok(),
            "tests/fixtures/{name} is not a rule"
        );
    }
}

#[test]
fn every_rule_file_is_registered_and_listed() {
    let data_files = ["providers", "phrases", "merge-tags"];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut on_disk: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|id| !data_files.contains(&id.as_str()))
        .collect();
    on_disk.sort();
    let mut registered: Vec<String> = rules::all().iter().map(|r| r.id.to_string()).collect();
    registered.sort();
    assert_eq!(
        on_disk, registered,
        "rules/*.toml and the registry disagree"
    );
    let listed = assert_cmd::Command::cargo_bin("bulklint")
        .unwrap()
        .arg("rules")
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    for id in &registered {
        assert!(
            listed.lines().any(|l| l.starts_with(id.as_str())),
            "`bulklint rules` omits {id}"
        );
    }
}
