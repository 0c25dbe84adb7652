//! The binary end to end: exit codes, output formats, stdin, bad input.

use assert_cmd::Command;
use predicates::prelude::*;

/// The binary with no colour and no access to the user's home: its data directory (where the
/// default ledger lives) points at a directory that does not exist.
fn bulklint() -> Command {
    let nowhere = std::env::temp_dir().join("bulklint-tests-no-home");
    let mut cmd = Command::cargo_bin("bulklint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("HOME", &nowhere)
        .env("XDG_DATA_HOME", &nowhere)
        .env_remove("BULKLINT_LEDGER");
    cmd
}

#[test]
fn the_bad_example_exits_1_and_names_the_block_rules() {
    let out = bulklint()
        .args([
            "check",
            "examples/spring-specials.eml",
            "--recipients",
            "examples/customers.csv",
        ])
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for rule in [
        "recipient-limit",
        "bulk-from-mailbox",
        "identical-body",
        "unsubscribe-missing",
    ] {
        assert!(
            stdout.contains(&format!("{rule}:")),
            "{rule} missing from:\n{stdout}"
        );
    }
    assert!(stdout.contains("verdict: HIGH block risk"), "{stdout}");
    assert!(stdout.contains("550 5.1.8"), "{stdout}");
}

#[test]
fn the_plain_summary_comes_first_and_quiet_keeps_only_it_and_the_verdict() {
    let bad = [
        "check",
        "examples/spring-specials.eml",
        "--recipients",
        "examples/customers.csv",
    ];
    let out = bulklint().args(bad).assert().code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.starts_with("If you press Send, Microsoft 365 is likely to block your mailbox"),
        "{stdout}"
    );
    let why = stdout
        .find("\nWhy: it goes to 645 people")
        .expect("a why line");
    let todo = stdout
        .find("\nWhat to do: send it through a newsletter service")
        .expect("a what-to-do line");
    let first_finding = stdout.find("recipient-limit:").unwrap();
    assert!(why < todo && todo < first_finding, "{stdout}");
    let out = bulklint().args(bad).arg("--quiet").assert().code(1);
    let quiet = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(quiet.starts_with("If you press Send"), "{quiet}");
    assert!(quiet.contains("\nverdict: HIGH block risk"), "{quiet}");
    assert!(!quiet.contains("recipient-limit:"), "{quiet}");
    // Only what is missing is named: here the unsubscribe link alone.
    let out = bulklint()
        .args(["check", "--isolated", "-"])
        .write_stdin("<p>Spring specials: pie $18, order now at <a href=\"https://maplebakery.test/order\">our shop</a>.</p><p>Maple Bakery, 12 Main St, Ottawa ON K1A 0B1, 613-555-0100</p>")
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("What to do: add an unsubscribe link to the footer, then check again."),
        "{stdout}"
    );
    assert!(!stdout.contains("postal address"), "{stdout}");
}

#[test]
fn the_compliant_example_exits_0() {
    bulklint()
        .args([
            "check",
            "examples/spring-specials-esp.eml",
            "--recipients",
            "examples/customers.csv",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("verdict: LOW block risk"));
}

#[test]
fn json_output_is_one_document_with_locations() {
    let out = bulklint()
        .args([
            "check",
            "examples/spring-specials.eml",
            "-r",
            "examples/customers.csv",
            "--format",
            "json",
        ])
        .assert()
        .code(1);
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["version"], 1);
    let findings = doc["findings"].as_array().unwrap();
    let limit = findings
        .iter()
        .find(|f| f["rule"] == "recipient-limit")
        .unwrap();
    assert_eq!(limit["labels"][0]["file"], "examples/customers.csv");
    assert_eq!(limit["labels"][0]["line"], 1);
    assert_eq!(doc["verdicts"][0]["recipients"], 646);
    assert_eq!(doc["verdicts"][0]["provider"], "microsoft365");
    assert_eq!(doc["summary"]["drafts"], 1);
}

#[test]
fn reads_the_draft_from_stdin() {
    bulklint()
        .args(["check", "--isolated", "-"])
        .write_stdin("From: Bakery Example <news@bakery.example>\nSubject: hi\n\nFresh bread every morning.\n\nBakery Example, 12 Main Street, Ottawa ON K1A 0B1, 613-555-0100\nUnsubscribe: https://bakery.example/unsubscribe\n")
        .assert()
        .code(0);
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let args = [
        "check",
        "tests/fixtures/recipient-duplicate/fail/draft.eml",
        "-r",
        "tests/fixtures/recipient-duplicate/fail/recipients.csv",
        "--kind",
        "transactional",
    ];
    bulklint().args(args).assert().code(0);
    bulklint()
        .args(args)
        .args(["--deny", "warnings"])
        .assert()
        .code(1);
}

#[test]
fn usage_and_input_errors_exit_2_with_the_file_named() {
    bulklint().args(["check"]).assert().code(2);
    bulklint()
        .args(["check", "x.eml", "--provider", "nope"])
        .assert()
        .code(2);
    bulklint()
        .args(["check", "no/such/file.eml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/file.eml"));
    bulklint()
        .args([
            "check",
            "examples/spring-specials.eml",
            "-r",
            "examples/customers.csv",
            "--column",
            "Nope",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("examples/customers.csv:1"));
}

#[test]
fn rules_and_explain() {
    bulklint()
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("bulk-from-mailbox"));
    bulklint()
        .args(["explain", "unsubscribe-missing"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("CASL"));
    bulklint().args(["explain", "nope"]).assert().code(2);
}
