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

/// The list a person exported, read the way the spreadsheet wrote it; nothing dropped in silence.
#[test]
fn recipient_lists_are_read_as_excel_wrote_them() {
    let dir = tempfile::tempdir().unwrap();
    let json = |list: &std::path::Path| -> serde_json::Value {
        let out = bulklint()
            .args([
                "check",
                "--isolated",
                "-f",
                "json",
                "examples/spring-specials-esp.eml",
                "-r",
            ])
            .arg(list)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let messages = |doc: &serde_json::Value| -> Vec<String> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}: {}",
                    f["severity"].as_str().unwrap(),
                    f["rule"].as_str().unwrap(),
                    f["message"].as_str().unwrap()
                )
            })
            .collect()
    };

    // Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated.
    let utf16 = dir.path().join("contacts.txt");
    let text = "First Name\tLast Name\tE-mail Address\r\nAnn\tLee\tann@customers.example\r\nBo\tKim\tbo@customers.example\r\n";
    let bytes: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(&utf16, bytes).unwrap();
    let doc = json(&utf16);
    // The draft's own To address and the two rows.
    assert_eq!(doc["verdicts"][0]["recipients"], 3, "{doc}");

    // Two addresses in a cell, an empty cell, a misspelt provider, a case duplicate, a row
    // with more fields than the header.
    let csv = dir.path().join("list.csv");
    std::fs::write(
        &csv,
        "Name,Email\nAnn,\"ann@a.example; bob@b.example\"\nCy,\nDee,dee@gmial.com\nEd,ED@b.example\nEd2,ed@b.example\nFi,fi@c.example,extra@c.example\n",
    )
    .unwrap();
    let doc = json(&csv);
    let found = messages(&doc);
    for want in [
        "warning recipient-invalid: `dee@gmial.com`: `gmial.com` looks like a misspelling of `gmail.com`",
        "warning recipient-duplicate: `ed@b.example` is listed twice, once as `ED@b.example`: mail providers treat addresses that differ only in case as one mailbox",
        "warning input-problem: row has no address in column `Email`",
        "warning input-problem: the row on line 7 has 1 more field than the header's 2; the address in it was read",
    ] {
        assert!(found.iter().any(|f| f == want), "{want} not in {found:#?}");
    }
    assert!(
        !found.iter().any(|f| f.contains("cannot contain spaces")),
        "{found:#?}"
    );
    // To + ann, bob, dee, ED, fi, extra: six list addresses and the draft's own.
    assert_eq!(doc["verdicts"][0]["recipients"], 7, "{doc}");
    assert_eq!(doc["verdicts"][0]["errors"], 0, "{doc}");

    // Empty inputs are called empty.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let found = messages(&json(&empty));
    assert!(
        found.contains(
            &"error input-problem: the list is empty: no recipients were read from it".to_string()
        ),
        "{found:#?}"
    );
    let draft = dir.path().join("empty.eml");
    std::fs::write(&draft, "\n").unwrap();
    bulklint()
        .args(["check", "--isolated"])
        .arg(&draft)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the draft is empty"));
}
