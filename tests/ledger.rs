//! The send ledger and batch sends, end to end: a scripted day of sends with a fixed clock,
//! concurrent and killed writers, seeding from an mbox, batches of merged messages, and bad
//! ledgers. Hermetic: every run gets a temporary ledger (and a temporary HOME), never the real one.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use bulklint::ledger::{self, Ledger, LedgerErrorKind, LedgerKey, Origin, SendRecord};
use bulklint::mailing::history::{HistoryState, Scope};
use bulklint::{Input, Options};

mod ledger_env;
mod shared_corpus;

use ledger_env::SECRET;

const RULES: &str = "recipient-limit,bulk-from-mailbox,identical-body";

/// 2025-03-05T09:00:00Z.
const T0: i64 = 1_741_165_200;

fn key() -> LedgerKey {
    LedgerKey::from_secret(SECRET).unwrap()
}

fn open(path: &Path) -> Ledger {
    Ledger::open(path, &key()).unwrap()
}

/// The built binary with a hermetic environment: the ledger (`ledger.sqlite3`), data and
/// configuration directories all in `dir`, nothing from the real home.
fn bulklint_process(dir: &Path) -> std::process::Command {
    ledger_env::bulklint(dir, &dir.join("ledger.sqlite3"))
}

fn bulklint(dir: &Path) -> Command {
    Command::from_std(bulklint_process(dir))
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
    open(&path);
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut ledger = open(&path);
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
    let mut ledger = open(&path);
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
    let mut ledger = open(Path::new(&path));
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
    let mut ledger = open(&path);
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
    let mut ledger = open(&path);
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

    let mut ledger = open(&d.join("ledger.sqlite3"));
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
    let mut ledger = open(&dir.path().join("ledger.sqlite3"));
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
    let mut ledger = open(&d.join("ledger.sqlite3"));
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

/// Runs `bulklint check` of the newsletter to 80 readers against the ledger in `d`.
fn check_80(d: &Path) -> (i32, String, String) {
    std::fs::write(d.join("news.eml"), newsletter("Hi there,", BODY)).unwrap();
    let list = list(d, "list80.txt", 9, 80);
    run(bulklint(d).args([
        "check",
        "news.eml",
        "-r",
        list.to_str().unwrap(),
        "--select",
        RULES,
        "--now",
        &T0.to_string(),
    ]))
}

/// An existing ledger that cannot be used stops the check with exit code 2, naming the file and
/// the way out: a send is never judged (or recorded) without its history, and the file is left
/// as it was, never re-created.
#[test]
fn an_empty_damaged_or_unusable_ledger_stops_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ledger = d.join("ledger.sqlite3");

    // Emptied to 0 bytes: before, silently re-created with no history, and exit 0.
    std::fs::write(&ledger, "").unwrap();
    let (code, _, stderr) = check_80(d);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("ledger.sqlite3: the send ledger is empty (0 bytes)")
            && stderr.contains("rm '"),
        "{stderr}"
    );
    let (code, _, stderr) =
        run(bulklint(d).args(["check", "news.eml", "--select", RULES, "--record=always"]));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        std::fs::metadata(&ledger).unwrap().len(),
        0,
        "left as it was"
    );

    // Not a database at all.
    std::fs::write(&ledger, "x".repeat(4096)).unwrap();
    let (code, _, stderr) = check_80(d);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("ledger.sqlite3: the send ledger is damaged or not a ledger")
            && stderr.contains("bulklint ledger import"),
        "{stderr}"
    );
    let (code, _, stderr) = run(bulklint(d).args(["record", "news.eml", "-r", "list80.txt"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("Move it aside"), "{stderr}");

    // A real ledger with garbage over every page after the first.
    std::fs::remove_file(&ledger).unwrap();
    let mut l = open(&ledger);
    l.record(&[record(T0 - 60, 300, "g")], T0).unwrap();
    drop(l);
    let mut bytes = std::fs::read(&ledger).unwrap();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(bytes.len() > page, "more than one page");
    bytes[page..].fill(0xa5);
    std::fs::write(&ledger, &bytes).unwrap();
    let (code, _, stderr) = check_80(d);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("damaged"), "{stderr}");

    // Something that cannot be opened as a file (here a directory where the file should be).
    std::fs::remove_file(&ledger).unwrap();
    std::fs::create_dir(&ledger).unwrap();
    let (code, _, stderr) = check_80(d);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("ledger.sqlite3: cannot use the send ledger")
            && stderr.contains("--ledger"),
        "{stderr}"
    );
}

/// Reading opens the file read-only: a check leaves the ledger byte for byte as it was, and a
/// ledger that cannot be written refuses a record with exit code 2 (as a non-root user: root
/// writes through file modes).
#[test]
fn a_check_reads_the_ledger_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ledger = d.join("ledger.sqlite3");
    let mut l = open(&ledger);
    l.record(&[record(T0 - 60, 450, "r")], T0).unwrap();
    drop(l);
    let before = std::fs::read(&ledger).unwrap();
    let (code, _, stderr) = check_80(d);
    assert_eq!(code, 1, "450 + 80 is over 500: {stderr}");
    assert_eq!(std::fs::read(&ledger).unwrap(), before);
    assert!(
        !d.join("ledger.sqlite3-wal").exists()
            || std::fs::metadata(d.join("ledger.sqlite3-wal"))
                .unwrap()
                .len()
                == 0
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ledger, std::fs::Permissions::from_mode(0o400)).unwrap();
        if std::fs::OpenOptions::new()
            .append(true)
            .open(&ledger)
            .is_err()
        {
            let (code, _, stderr) = check_80(d);
            assert_eq!(code, 1, "read-only is enough to check: {stderr}");
            let (code, _, stderr) =
                run(bulklint(d).args(["record", "news.eml", "-r", "list80.txt"]));
            assert_eq!(code, 2, "{stderr}");
            assert!(stderr.contains("cannot be written"), "{stderr}");
        }
    }
}

/// Hermetic paths for the key file and ledger, without BULKLINT_LEDGER_KEY.
fn bulklint_with_key_file(d: &Path) -> Command {
    let mut cmd = bulklint(d);
    cmd.env_remove("BULKLINT_LEDGER_KEY");
    cmd
}

/// A new ledger and its key file are private (0600 in 0700 directories); recipient hashes are
/// keyed by the key file, not by anything in the ledger; a ledger meets only its own key.
#[test]
fn a_new_ledger_is_private_and_keyed_from_outside() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("news.eml"), newsletter("Hi there,", BODY)).unwrap();
    let list = list(d, "list.txt", 0, 30);
    let ledger = d.join("new/sub/ledger.sqlite3");
    let (code, _, stderr) = run(bulklint_with_key_file(d)
        .env("BULKLINT_LEDGER", &ledger)
        .args(["record", "news.eml", "-r", list.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    let key_file = d.join("config/bulklint/ledger.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ledger), 0o600);
        assert_eq!(mode(&d.join("new/sub")), 0o700);
        assert_eq!(mode(&d.join("new")), 0o700);
        assert_eq!(mode(&key_file), 0o600);
        assert_eq!(mode(&d.join("config/bulklint")), 0o700);
    }
    // The hashes are keyed by the key file's key; the ledger holds no salt.
    let hex = std::fs::read_to_string(&key_file).unwrap();
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex.trim()[2 * i..2 * i + 2], 16).unwrap();
    }
    let raw = rusqlite::Connection::open(&ledger).unwrap();
    let metas: Vec<String> = raw
        .prepare("SELECT key FROM meta ORDER BY key")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(metas, ["key-check"]);
    let stored: Vec<Vec<u8>> = raw
        .prepare("SELECT hash FROM send_recipients")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored.len(), 30);
    let first = bulklint::mailing::history::hash_recipient(&key, "reader0x0@mail0.example");
    assert!(stored.iter().any(|h| h.as_slice() == first));
    drop(raw);

    // Another key (a shared secret here) is refused, for reading and for writing.
    for args in [
        vec!["check", "news.eml", "-r", "list.txt", "--select", RULES],
        vec!["record", "news.eml", "-r", "list.txt"],
    ] {
        let (code, _, stderr) = run(bulklint(d).env("BULKLINT_LEDGER", &ledger).args(&args));
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("were made with another key") && stderr.contains("BULKLINT_LEDGER_KEY"),
            "{stderr}"
        );
    }
    // And so is none: the key file gone, a check does not make a new one.
    std::fs::remove_file(&key_file).unwrap();
    let (code, _, stderr) = run(bulklint_with_key_file(d)
        .env("BULKLINT_LEDGER", &ledger)
        .args(["check", "news.eml", "-r", "list.txt", "--select", RULES]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no key was found"), "{stderr}");
    assert!(!key_file.exists());
}

/// A ledger of schema version 1 (recipient hashes salted by a salt inside the file) is read as it
/// is, with a note; the first record upgrades it, says how many sends lost their salted hashes,
/// and keeps every send's counts, so the volume limits still see them.
#[test]
fn a_salted_ledger_is_upgraded_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = d.join("ledger.sqlite3");
    {
        // Version 1 exactly as it shipped: the first migration only.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
             INSERT INTO meta (key, value) VALUES ('recipient-salt', zeroblob(32));
             CREATE TABLE sends (id INTEGER PRIMARY KEY, sent_at INTEGER NOT NULL, sender TEXT,
                provider TEXT NOT NULL, recipients INTEGER NOT NULL, internal INTEGER NOT NULL,
                external INTEGER NOT NULL, messages INTEGER NOT NULL DEFAULT 1,
                fingerprint TEXT, signature BLOB, subject TEXT, origin TEXT NOT NULL,
                import_key TEXT UNIQUE, recorded_at INTEGER NOT NULL);
             CREATE TABLE send_recipients (send_id INTEGER NOT NULL REFERENCES sends (id)
                ON DELETE CASCADE, hash BLOB NOT NULL, PRIMARY KEY (send_id, hash)) WITHOUT ROWID;
             PRAGMA journal_mode = WAL;
             PRAGMA user_version = 1;",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sends (sent_at, sender, provider, recipients, internal, external,
                origin, recorded_at)
             VALUES (?1, 'ann@bakery.example', 'microsoft365', 450, 0, 450, 'record', ?1)",
            [T0 - 60],
        )
        .unwrap();
        let hash = bulklint::mailing::history::hash_recipient(&[0; 32], "reader9x0@mail0.example");
        conn.execute(
            "INSERT INTO send_recipients (send_id, hash) VALUES (1, ?1)",
            [hash.as_slice()],
        )
        .unwrap();
    }
    // Read as it is: its own salt still counts the overlap, and a note says what is stored.
    let mut old = Ledger::open_read(&path, Some(&key())).unwrap().unwrap();
    let notes = old.take_notes();
    assert!(
        notes[0].contains("keeps the salt of its recipient hashes in the file"),
        "{notes:?}"
    );
    let history = old.history(T0, Some("ann@bakery.example")).unwrap();
    assert_eq!(
        history.sends[0].recipient_hashes,
        [history.hash("reader9x0@mail0.example")]
    );
    drop(old);
    let (code, _, stderr) = check_80(d);
    assert_eq!(code, 1, "450 + 80 is over 500 either way: {stderr}");
    assert!(
        stderr.contains("warning: ") && stderr.contains("salt"),
        "{stderr}"
    );

    // Recording upgrades it, and says so.
    let (code, _, stderr) = run(bulklint(d).args([
        "record",
        "news.eml",
        "-r",
        "list80.txt",
        "--now",
        &T0.to_string(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("upgraded the ledger to recipient hashes keyed outside the file; the salted hashes of 1 earlier send were removed"),
        "{stderr}"
    );
    let mut l = open(&path);
    assert_eq!(l.schema_version().unwrap(), ledger::SCHEMA_VERSION);
    let window = l.window(T0, None).unwrap();
    assert_eq!(
        window.iter().map(|s| s.external).collect::<Vec<_>>(),
        [450, 80]
    );
    assert!(window[0].recipient_hashes.is_empty());
    assert_eq!(window[1].recipient_hashes.len(), 80);
    // The history does not pretend to know how many people the hashless send reached.
    let (code, stdout, stderr) = run(bulklint(d).args(["history", "--now", &T0.to_string()]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("at least 450 different people"), "{stdout}");
    let raw = rusqlite::Connection::open(&path).unwrap();
    let salts: i64 = raw
        .query_row(
            "SELECT count(*) FROM meta WHERE key = 'recipient-salt'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(salts, 0);
}

/// Eight `check --record=pass` runs at once, 80 external recipients each, under a limit of 500
/// external recipients a day: each run's check passes against the history it read, but the
/// judgement is made again under the write lock, so no more than 500 are ever recorded (six
/// sends, 480); the others exit 1 and say why.
#[test]
fn concurrent_checks_never_record_past_the_daily_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("news.eml"), newsletter("Hi there,", BODY)).unwrap();
    std::fs::write(
        d.join("bulklint.toml"),
        "[limits]\nexternal-per-day = 500\nexternal-per-hour = 10000\nper-message = 1000\n",
    )
    .unwrap();
    let children: Vec<_> = (0..8)
        .map(|k| {
            let list = list(d, &format!("list{k}.txt"), k, 80);
            bulklint_process(d)
                .args(["check", "news.eml", "-r"])
                .arg(list)
                .args(["--select", RULES, "--record=pass", "--now", &T0.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut recorded = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        match out.status.code() {
            Some(0) => {
                assert!(stderr.contains("recorded in"), "{stderr}");
                recorded += 1;
            }
            Some(1) => assert!(stderr.contains("not recorded"), "{stderr}"),
            other => panic!("exit {other:?}: {stderr}"),
        }
    }
    let mut l = open(&d.join("ledger.sqlite3"));
    let external: u64 = l.window(T0, None).unwrap().iter().map(|s| s.external).sum();
    assert_eq!(
        (recorded, external),
        (6, 480),
        "never past 500, and every send that fits"
    );
}

/// Another process holding the write lock past the busy timeout is reported as a lock, with
/// the file; it is not mistaken for damage, and nothing is half-written.
#[test]
fn a_locked_ledger_is_reported_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    open(&path);
    // A second writer mid-record, as another bulklint would be.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut ledger = Ledger::open_with_timeout(&path, &key(), Duration::from_millis(200)).unwrap();
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
    let mut ledger = open(&path);
    assert_eq!(ledger.schema_version().unwrap(), ledger::SCHEMA_VERSION);
    drop(ledger);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    open(&path);

    let newer = dir.path().join("newer.sqlite3");
    open(&newer);
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Ledger::open(&newer, &key()).unwrap_err();
    assert_eq!(err.kind, LedgerErrorKind::TooNew);
    assert!(err.to_string().contains("newer bulklint"), "{err}");

    let foreign = dir.path().join("app.db");
    let raw = rusqlite::Connection::open(&foreign).unwrap();
    raw.execute_batch("CREATE TABLE notes (x)").unwrap();
    drop(raw);
    let err = Ledger::open(&foreign, &key()).unwrap_err();
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
    let mut ledger = open(&path);
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
