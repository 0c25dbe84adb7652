//! The send ledger and batch sends, end to end: a scripted day of sends with a fixed clock,
//! concurrent and killed writers, seeding from an mbox, batches of merged messages, and bad
//! ledgers. Hermetic: every run gets a temporary ledger (and a temporary HOME), never the real one.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use bulklint::ledger::{self, Ledger, LedgerErrorKind, Origin, SendRecord};
use bulklint::mailing::history::{HistoryState, Scope};
use bulklint::{Input, Options};

mod shared_corpus;

const RULES: &str = "recipient-limit,bulk-from-mailbox,identical-body";

/// 2025-03-05T09:00:00Z.
const T0: i64 = 1_741_165_200;

fn bulklint(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("bulklint").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("xdg"))
        .env("BULKLINT_LEDGER", dir.join("ledger.sqlite3"));
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn findings<'a>(doc: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

const BODY: &str =
    "Our spring specials are here! From Monday 3 March every loaf of sourdough is 20% off, and our
new rye with caraway seeds joins the morning bake. The cafe corner reopens with fresh coffee
from a roaster down the street, and the kids' baking class starts again on Saturday mornings.
Come early: the cinnamon buns sell out before nine most days.

Corner Bakery, 12 Main Street, Springfield. To unsubscribe: https://bakery.example/unsubscribe
";

fn newsletter(greeting: &str, body: &str) -> String {
    format!(
        "From: Ann Baker <ann@bakery.example>\nSubject: Spring specials\nX-Mailer: Microsoft Outlook 16.0\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{greeting}\n\n{body}"
    )
}

fn list(dir: &Path, name: &str, part: usize, n: usize) -> PathBuf {
    let text: String = (0..n)
        .map(|i| format!("reader{part}x{i}@mail{}.example\n", i % 7))
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Three sends of one newsletter to 400 people each, an hour apart, from one Microsoft 365
/// mailbox: the third is over Microsoft's recommended 1,000 external recipients a day, and its
/// body already went to 800 people.
#[test]
fn three_sends_of_a_newsletter_an_hour_apart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("news.eml"), newsletter("Hi there,", BODY)).unwrap();
    let mut outcomes = Vec::new();
    for part in 0..3 {
        let list = list(d, &format!("part{part}.txt"), part, 400);
        let now = format!("{}", T0 + part as i64 * 3_600);
        let (code, stdout, stderr) = run(bulklint(d).args([
            "check",
            "news.eml",
            "-r",
            list.to_str().unwrap(),
            "--select",
            RULES,
            "--format",
            "json",
            "--now",
            &now,
            "--record=always",
        ]));
        assert!(stderr.contains("recorded in"), "{stderr}");
        outcomes.push((code, json(&stdout)));
    }
    // First send: one warning about the body alone, nothing about volume.
    let (code, first) = &outcomes[0];
    assert_eq!(*code, 0);
    assert!(findings(first, "bulk-from-mailbox").is_empty());
    assert_eq!(
        findings(first, "identical-body")[0]["message"],
        "the same body goes to 400 recipients"
    );

    // Second: 800 external in the day, still under 1,000; the body names the first send.
    let (code, second) = &outcomes[1];
    assert_eq!(*code, 0);
    assert!(findings(second, "bulk-from-mailbox").is_empty());
    let body = &findings(second, "identical-body")[0];
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("it already went to 400 more in the last 24 h (1 earlier send): 800 copies"),
        "{body}"
    );

    // Third: the 24-hour total passes 1,000, and both earlier sends are named.
    let (code, third) = &outcomes[2];
    assert_eq!(*code, 1);
    let bulk = &findings(third, "bulk-from-mailbox")[0];
    assert_eq!(
        bulk["message"],
        "this is a bulk send from a Microsoft 365 mailbox: you have sent to 800 external recipients in the last 24 h, and this send of 400 brings it to 1,200, above the 1,000 it tolerates in a day"
    );
    let help = bulk["help"].as_str().unwrap();
    assert!(help.contains("returns at 2025-03-06 09:00 UTC"), "{help}");
    let body = &findings(third, "identical-body")[0];
    assert_eq!(
        body["message"],
        "the same body goes to 400 recipients; it already went to 800 more in the last 24 h (2 earlier sends): 1,200 copies"
    );
    let help = body["help"].as_str().unwrap();
    assert!(
        help.contains("09:00 UTC \u{201c}Spring specials\u{201d} to 400 recipients (same body)"),
        "{help}"
    );
    assert!(
        help.contains("10:00 UTC \u{201c}Spring specials\u{201d} to 400 recipients (same body)"),
        "{help}"
    );
    assert!(
        findings(third, "recipient-limit").is_empty(),
        "1,200 is far under 10,000 a day"
    );

    // The history view half an hour later.
    let (code, stdout, _) =
        run(bulklint(d).args(["history", "--now", &format!("{}", T0 + 2 * 3_600 + 1_800)]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("ann@bakery.example via Microsoft 365 (microsoft365)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "3 sends: 1,200 recipients (1,200 external, 0 internal; 1,200 different people)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("over by 200 until 2025-03-06 09:00 UTC"),
        "{stdout}"
    );
    assert!(stdout.contains("8,800 left"), "{stdout}");
    assert!(
        stdout.contains("\u{201c}Spring specials\u{201d}"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1,200 recipients (1,200 different) in 3 sends"),
        "{stdout}"
    );
    let (_, stdout, _) = run(bulklint(d).args([
        "history",
        "--format",
        "json",
        "--now",
        &format!("{}", T0 + 3 * 3_600),
    ]));
    let doc = json(&stdout);
    assert_eq!(doc["senders"][0]["recipients"], 1_200);
    assert_eq!(doc["senders"][0]["bodies"][0]["sends"], 3);

    // A day later the window is empty again.
    let (code, stdout, _) = run(bulklint(d).args([
        "check",
        "news.eml",
        "-r",
        "part0.txt",
        "--select",
        RULES,
        "--format",
        "json",
        "--now",
        &format!("{}", T0 + 2 * 3_600 + 86_400),
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        findings(&json(&stdout), "identical-body")[0]["message"],
        "the same body goes to 400 recipients"
    );
}

/// A list split into parts under `min-copies`, with an edited greeting and sentence each time:
/// the near-duplicate signature still finds the earlier parts.
#[test]
fn split_list_with_edited_copies_is_still_one_body() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let edits = [
        ("Hi there,", BODY.to_string()),
        (
            "Dear friends of the bakery,",
            BODY.replace("Monday 3 March", "Tuesday 11 March"),
        ),
        (
            "Hello neighbours,",
            BODY.replace("sell out before nine most days", "are usually gone by nine"),
        ),
    ];
    let mut last = String::new();
    for (part, (greeting, body)) in edits.iter().enumerate() {
        std::fs::write(d.join("news.eml"), newsletter(greeting, body)).unwrap();
        let list = list(d, &format!("part{part}.txt"), part, 30);
        let (_, stdout, _) = run(bulklint(d).args([
            "check",
            "news.eml",
            "-r",
            list.to_str().unwrap(),
            "--select",
            "identical-body",
            "--format",
            "json",
            "--now",
            &format!("{}", T0 + part as i64 * 600),
            "--record=always",
        ]));
        last = stdout;
    }
    let doc = json(&last);
    let body = findings(&doc, "identical-body");
    assert_eq!(
        body.len(),
        1,
        "30 + 30 + 30 copies pass min-copies (50) only together: {doc}"
    );
    let help = body[0]["help"].as_str().unwrap();
    assert!(
        help.contains("% alike"),
        "an edited copy is a near-duplicate, not an exact one: {help}"
    );
    assert!(
        body[0]["message"].as_str().unwrap().ends_with("90 copies"),
        "{}",
        body[0]["message"]
    );
}

fn record(at: i64, n: usize, tag: &str) -> SendRecord {
    SendRecord {
        at,
        sender: Some("ann@bakery.example".into()),
        provider: "microsoft365".into(),
        recipients: n as u64,
        internal: 0,
        external: n as u64,
        messages: 1,
        addresses: (0..n).map(|i| format!("{tag}{i}@example.com")).collect(),
        fingerprint: Some(bulklint::mailing::fingerprint::fingerprint(BODY)),
        signature: bulklint::mailing::minhash::signature(BODY),
        subject: Some(format!("send {tag}")),
        origin: Origin::Record,
        import_key: None,
    }
}

/// Two writers on separate connections, 200 sends each, at the same time: 400 rows after.
#[test]
fn two_threads_recording_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    Ledger::open(&path).unwrap();
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut ledger = Ledger::open(&path).unwrap();
                for i in 0..200 {
                    ledger
                        .record(&[record(T0 + i, 3, &format!("t{w}-{i}-"))], T0)
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.send_count().unwrap(), 400);
    ledger.integrity_check().unwrap();
}

/// Run as a child process by the tests below: records sends into the ledger named by
/// `BULKLINT_TEST_CHILD_LEDGER`, printing each committed id. Does nothing in a normal run.
#[test]
fn child_recorder() {
    let Some(path) = std::env::var_os("BULKLINT_TEST_CHILD_LEDGER") else {
        return;
    };
    let count: usize = std::env::var("BULKLINT_TEST_CHILD_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(usize::MAX);
    let tag = std::env::var("BULKLINT_TEST_CHILD_TAG").unwrap_or_default();
    let mut ledger = Ledger::open(Path::new(&path)).unwrap();
    for i in 0..count {
        let ids = ledger
            .record(&[record(T0 + i as i64, 20, &format!("{tag}-{i}-"))], T0)
            .unwrap();
        // The harness prints "test child_recorder ... " without a newline first: a marker
        // that can be found anywhere on a line.
        println!("<recorded {}>", ids[0].unwrap());
    }
}

fn spawn_recorder(path: &Path, count: Option<usize>, tag: &str) -> std::process::Child {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "child_recorder",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("BULKLINT_TEST_CHILD_LEDGER", path)
    .env("BULKLINT_TEST_CHILD_TAG", tag)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if let Some(n) = count {
        cmd.env("BULKLINT_TEST_CHILD_COUNT", n.to_string());
    }
    cmd.spawn().unwrap()
}

fn recorded_ids(out: &str) -> Vec<i64> {
    out.split("<recorded ")
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .map(|(id, _)| id.parse().unwrap())
        .collect()
}

/// Two processes recording 200 sends each at the same time: 400 rows after, none lost.
#[test]
fn two_processes_recording_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|t| spawn_recorder(&path, Some(200), t))
        .collect();
    let mut ids = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a recorder failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mine = recorded_ids(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(mine.len(), 200);
        ids.extend(mine);
    }
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.send_count().unwrap(), 400);
    ids.sort_unstable();
    assert_eq!(ledger.send_ids().unwrap(), ids);
    ledger.integrity_check().unwrap();
}

/// A process killed (SIGKILL) while recording in a loop leaves a ledger that opens, passes
/// SQLite's integrity check, and holds every send it reported as committed.
#[test]
fn a_writer_killed_mid_record_loses_no_committed_send() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let mut child = spawn_recorder(&path, None, "k");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut committed = Vec::new();
    let started = Instant::now();
    while committed.len() < 60 && started.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        committed.extend(recorded_ids(&line));
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no rollback, mid-write or not
    child.wait().unwrap();
    // Lines the child printed before it died are committed sends too.
    for line in lines.map_while(Result::ok) {
        committed.extend(recorded_ids(&line));
    }
    assert!(
        committed.len() >= 60,
        "the child recorded only {}",
        committed.len()
    );
    let mut ledger = Ledger::open(&path).unwrap();
    ledger.integrity_check().unwrap();
    let stored = ledger.send_ids().unwrap();
    for id in &committed {
        assert!(stored.contains(id), "committed send {id} is gone");
    }
    // Every stored send is whole: its recipients went in with it.
    let window = ledger.window(T0 + 86_000, None).unwrap();
    assert!(window.iter().all(|s| s.recipient_hashes.len() == 20));
    // And the ledger still takes new sends.
    ledger.record(&[record(T0, 1, "after")], T0).unwrap();
}

/// An mbox from a Sent folder: each dated message becomes a send at its Date; undated ones are
/// reported with file, message number and line, and counted; importing again adds nothing.
#[test]
fn ledger_import_of_an_mbox() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mbox = "From ann@bakery.example Wed Mar  5 09:00:00 2025\n\
        From: Ann Baker <ann@bakery.example>\n\
        To: a@mail1.example, b@mail2.example\n\
        Bcc: c@mail3.example\n\
        Subject: Spring specials\n\
        Date: Wed, 05 Mar 2025 09:00:00 +0000\n\
        Message-ID: <one@bakery.example>\n\
        X-Mailer: Microsoft Outlook 16.0\n\
        \n\
        Hi all,\n\
        \n\
        >From the oven to your table: spring specials.\n\
        \n\
        From ann@bakery.example Wed Mar  5 10:00:00 2025\n\
        From: Ann Baker <ann@bakery.example>\n\
        To: d@mail1.example\n\
        Subject: no date here\n\
        \n\
        Body two.\n\
        \n\
        From ann@bakery.example Wed Mar  5 11:00:00 2025\n\
        From: Ann Baker <ann@bakery.example>\n\
        To: e@mail1.example\n\
        Subject: bad date\n\
        Date: the day after tomorrow\n\
        \n\
        Body three.\n";
    std::fs::write(d.join("Sent.mbox"), mbox).unwrap();
    let (code, stdout, stderr) = run(bulklint(d).args([
        "ledger",
        "import",
        "Sent.mbox",
        "--now",
        "2025-03-06T00:00:00Z",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("imported 1 of 3 messages from Sent.mbox (mbox)"),
        "{stdout}"
    );
    assert!(stdout.contains("2 skipped"), "{stdout}");
    assert!(
        stderr.contains("skipped Sent.mbox:14 (message 2): no Date header"),
        "{stderr}"
    );
    assert!(stderr.contains("skipped Sent.mbox:21 (message 3): the Date header `the day after tomorrow` does not parse"), "{stderr}");

    let mut ledger = Ledger::open(&d.join("ledger.sqlite3")).unwrap();
    let sends = ledger.window(T0 + 3_600, None).unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].at, T0);
    assert_eq!(sends[0].recipients, 3);
    assert_eq!(sends[0].provider, "microsoft365");
    assert_eq!(sends[0].subject.as_deref(), Some("Spring specials"));

    let (_, stdout, _) = run(bulklint(d).args(["ledger", "import", "Sent.mbox"]));
    assert!(
        stdout.contains("imported 0 of 3 messages") && stdout.contains("1 already there"),
        "{stdout}"
    );
    assert_eq!(ledger.send_count().unwrap(), 1);
}

/// The mbox files of the shared corpus (MimeKit's test data), when it is there: every message
/// is recorded or reported, none silently dropped, and the unquoted "From Russia with love"
/// line does not split a message.
#[test]
fn ledger_import_of_the_corpus_mboxes() {
    let Some(corpus) = shared_corpus::dir("eml/mimekit/mbox", "ledger_import_of_the_corpus_mboxes")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    for (file, messages) in [
        ("simple.mbox", 3),
        ("unmunged.mbox", 2),
        ("issue1189.mbox", 4),
        ("content-length.mbox", 29),
    ] {
        let (_, raw) = bulklint::load::mailbox::read_mailbox(&corpus.join(file)).unwrap();
        assert_eq!(raw.len(), messages, "{file}");
        let report = ledger::import(&mut ledger, &raw, &Options::default(), T0).unwrap();
        assert_eq!(
            report.recorded + report.already + report.skipped.len(),
            messages,
            "{file}: {report:?}"
        );
        if file == "unmunged.mbox" {
            assert_eq!(report.skipped.len(), 2, "neither message has a Date");
            assert!(report.skipped.iter().all(|s| s.reason == "no Date header"));
        }
        if file == "issue1189.mbox" {
            assert_eq!(report.recorded, 4);
        }
    }
}

fn merged(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        // 40 messages in the first minute, the rest in the next.
        let (minute, second) = (i / 40, i % 40);
        std::fs::write(
            dir.join(format!("{i:03}.eml")),
            format!(
                "From: Ann Baker <ann@bakery.example>\nTo: Customer {i} <c{i}@mail{}.example>\nSubject: Spring specials for Customer {i}\nDate: Wed, 05 Mar 2025 12:{minute:02}:{second:02} +0000\nX-Mailer: Microsoft Outlook 16.0\nMessage-ID: <merge-{i}@bakery.example>\nContent-Type: text/plain; charset=utf-8\n\nDear Customer {i},\n\n{BODY}",
                i % 5
            ),
        )
        .unwrap();
    }
}

/// 60 merged messages with one body, judged as one send: identical-body across messages, the
/// batch's recipient total, and Microsoft 365's 30 messages a minute over SMTP.
#[test]
fn a_batch_of_merged_messages_is_one_send() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    merged(&d.join("merged"), 60);
    std::fs::write(d.join("merged/notes.txt"), "not a message").unwrap();
    let (code, stdout, stderr) = run(bulklint(d).args([
        "check",
        "--batch",
        "merged",
        "--select",
        RULES,
        "--format",
        "json",
        "--now",
        "2025-03-05T12:05:00Z",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let doc = json(&stdout);
    assert_eq!(doc["verdicts"][0]["recipients"], 60);
    assert_eq!(doc["verdicts"][0]["external"], 60);
    let body = findings(&doc, "identical-body");
    assert_eq!(
        body[0]["message"],
        "60 of 60 messages share one body, going to 60 recipients"
    );
    let rate = findings(&doc, "recipient-limit");
    assert_eq!(rate.len(), 1);
    assert_eq!(rate[0]["severity"], "warning");
    assert!(
        rate[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("40 messages dated within one minute"),
        "{}",
        rate[0]
    );

    // Without --batch the folder is a tree of templates, each checked on its own.
    let (_, stdout, _) = run(bulklint(d).args([
        "check",
        "merged",
        "--select",
        RULES,
        "--format",
        "json",
        "--no-ledger",
    ]));
    let doc = json(&stdout);
    assert_eq!(
        doc["summary"]["drafts"], 61,
        "60 messages and notes.txt, which a batch ignores"
    );
    assert!(
        findings(&doc, "identical-body").is_empty(),
        "one recipient per message, judged alone"
    );

    // Human output says what the batch is; recording stores one send of 60 messages.
    let (code, stdout, stderr) = run(bulklint(d).args([
        "check",
        "--batch",
        "merged",
        "--select",
        RULES,
        "--now",
        "2025-03-05T12:05:00Z",
        "--record",
    ]));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(
            "batch: merged (folder): 60 messages, 60 recipients, 1 body; 60 of the messages dated"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("recorded in")
            && stderr.contains("60 recipients (60 external) in 60 messages"),
        "{stderr}"
    );
    let mut ledger = Ledger::open(&d.join("ledger.sqlite3")).unwrap();
    let sends = ledger.window(T0 + 4 * 3_600, None).unwrap();
    assert_eq!(
        (sends.len(), sends[0].messages, sends[0].recipients),
        (1, 60, 60)
    );
}

/// Near-duplicate clusters inside a batch: a few messages with another body stay apart.
#[test]
fn batch_clusters_near_duplicates_and_keeps_other_bodies_apart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("merged");
    merged(&d, 12);
    std::fs::write(
        d.join("100.eml"),
        "From: Ann Baker <ann@bakery.example>\nTo: baker@flour.example\nSubject: Flour order\n\nPlease deliver twenty sacks of rye flour on Thursday morning before seven, and send the invoice to the office.\n",
    )
    .unwrap();
    let (kind, raw) = bulklint::load::mailbox::read_mailbox(&d).unwrap();
    let batch = bulklint::mailing::batch::Batch::build("merged", kind, &raw);
    let clusters = batch.clusters(0.7);
    assert_eq!(
        clusters.iter().map(|c| c.members.len()).collect::<Vec<_>>(),
        vec![12, 1]
    );
    assert_eq!(batch.recipient_total(), 13);
    assert_eq!(batch.sender().as_deref(), Some("ann@bakery.example"));
}

/// An mbox file is a batch without --batch.
#[test]
fn an_mbox_file_is_checked_as_a_batch() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut mbox = String::new();
    for i in 0..55 {
        mbox.push_str(&format!(
            "From ann@bakery.example Wed Mar  5 12:00:00 2025\n{}\n",
            newsletter(&format!("Dear reader {i},"), BODY).replacen(
                "Subject:",
                &format!("To: r{i}@mail.example\nSubject:"),
                1
            )
        ));
    }
    std::fs::write(d.join("merge.mbox"), mbox).unwrap();
    let (_, stdout, _) = run(bulklint(d).args([
        "check",
        "merge.mbox",
        "--select",
        RULES,
        "--format",
        "json",
        "--no-ledger",
    ]));
    let doc = json(&stdout);
    assert_eq!(
        findings(&doc, "identical-body")[0]["message"],
        "55 of 55 messages share one body, going to 55 recipients"
    );
}

/// A damaged ledger: the check still runs, says the history is missing, and names the file and
/// the way out; recording fails with exit code 2.
#[test]
fn a_corrupt_ledger_is_a_clear_error_and_the_check_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("news.eml"), newsletter("Hi there,", BODY)).unwrap();
    let list = list(d, "list.txt", 0, 600);
    std::fs::write(d.join("ledger.sqlite3"), "x".repeat(4096)).unwrap();
    let (code, stdout, stderr) = run(bulklint(d).args([
        "check",
        "news.eml",
        "-r",
        list.to_str().unwrap(),
        "--select",
        RULES,
        "--format",
        "json",
    ]));
    assert_eq!(
        code, 1,
        "the check itself ran: 600 recipients are over the limits"
    );
    assert!(
        stderr.contains("ledger.sqlite3: the send ledger is damaged or not a ledger"),
        "{stderr}"
    );
    assert!(stderr.contains("bulklint ledger import"), "{stderr}");
    let doc = json(&stdout);
    let note = findings(&doc, "recipient-limit")
        .into_iter()
        .find(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .starts_with("the send ledger could not be read")
        })
        .expect("the missing history is a finding");
    assert_eq!(note["severity"], "warning");
    assert!(note["help"].as_str().unwrap().contains("ledger.sqlite3"));
    assert!(!findings(&doc, "bulk-from-mailbox").is_empty());

    let (code, _, stderr) =
        run(bulklint(d).args(["record", "news.eml", "-r", list.to_str().unwrap()]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("ledger.sqlite3") && stderr.contains("Move it aside"),
        "{stderr}"
    );
    let (code, _, stderr) =
        run(bulklint(d).args(["check", "news.eml", "--select", RULES, "--record=always"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not recorded"), "{stderr}");
}

/// Another process holding the write lock past the busy timeout is reported as a lock, with
/// the file; it is not mistaken for damage, and nothing is half-written.
#[test]
fn a_locked_ledger_is_reported_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    Ledger::open(&path).unwrap();
    // A second writer mid-record, as another bulklint would be.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut ledger = Ledger::open_with_timeout(&path, Duration::from_millis(200)).unwrap();
    let err = ledger.record(&[record(T0, 2, "x")], T0).unwrap_err();
    assert_eq!(err.kind, LedgerErrorKind::Locked);
    assert!(
        err.to_string()
            .contains("ledger.sqlite3: the send ledger is locked by another process"),
        "{err}"
    );
    drop(holder);
    ledger.record(&[record(T0, 2, "x")], T0).unwrap();
    assert_eq!(ledger.send_count().unwrap(), 1);
}

/// Schema and modes: versioned, WAL, and a newer or foreign file is refused, not modified.
#[test]
fn schema_is_versioned_and_foreign_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/ledger.sqlite3");
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), ledger::SCHEMA_VERSION);
    drop(ledger);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    Ledger::open(&path).unwrap();

    let newer = dir.path().join("newer.sqlite3");
    Ledger::open(&newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Ledger::open(&newer).unwrap_err();
    assert_eq!(err.kind, LedgerErrorKind::TooNew);
    assert!(err.to_string().contains("newer bulklint"), "{err}");

    let foreign = dir.path().join("app.db");
    let raw = rusqlite::Connection::open(&foreign).unwrap();
    raw.execute_batch("CREATE TABLE notes (x)").unwrap();
    drop(raw);
    let err = Ledger::open(&foreign).unwrap_err();
    assert_eq!(err.kind, LedgerErrorKind::Foreign);
    let raw = rusqlite::Connection::open(&foreign).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "someone else's database is left as it was");
}

/// A draft without From: the history of its provider counts (every sender's sends of it).
#[test]
fn without_a_from_the_providers_sends_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let mut ledger = Ledger::open(&path).unwrap();
    let mut gmail = record(T0, 300, "g");
    gmail.provider = "gmail".into();
    gmail.sender = Some("bob@gmail.com".into());
    ledger.record(&[record(T0, 300, "m"), gmail], T0).unwrap();
    let history = ledger.history(T0 + 60, None).unwrap();
    assert_eq!(history.scope, Scope::Provider);
    let draft = Input {
        name: "template.txt".into(),
        bytes: BODY.as_bytes().to_vec(),
    };
    let options = Options {
        provider: Some("microsoft365".into()),
        history: HistoryState::Known(history),
        ..Options::default()
    };
    let list = Input {
        name: "list.txt".into(),
        bytes: (0..400)
            .map(|i| format!("n{i}@example.org\n"))
            .collect::<String>()
            .into_bytes(),
    };
    let outcome = bulklint::check(draft, vec![list], &options).unwrap();
    assert_eq!(
        outcome.send.earlier_sends().len(),
        1,
        "the gmail send is another provider's"
    );
    let bulk: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "bulk-from-mailbox")
        .collect();
    assert!(
        bulk[0]
            .message
            .contains("you have sent to 300 external recipients"),
        "{}",
        bulk[0].message
    );
}
