//! The ledger's guarantees, once for every backend: each test runs on an SQLite file and, when
//! `BULKLINT_TEST_POSTGRES` names a server (a `postgres://` URL), on a PostgreSQL schema of its
//! own. Without that variable the PostgreSQL runs are skipped with a note; under CI (`CI=true`)
//! a missing server is a failure, so CI never passes on SQLite alone.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use bulklint::ledger::{self, Ledger, LedgerErrorKind, LedgerKey, Origin, SendRecord};
use bulklint::mailing::history::Tenant;

mod ledger_env;

use ledger_env::{bulklint, SECRET};

/// 2025-03-05T09:00:00Z.
const T0: i64 = 1_741_165_200;

const SERVER_ENV: &str = "BULKLINT_TEST_POSTGRES";

fn key() -> LedgerKey {
    LedgerKey::from_secret(SECRET).unwrap()
}

/// One ledger location a test runs on.
struct Place {
    /// A file path or a server URL, as `--ledger` takes it.
    location: PathBuf,
    /// The server and schema, for setting up and inspecting a PostgreSQL place.
    server: Option<(String, String)>,
    /// Working directory of the test's processes (and the SQLite file).
    dir: tempfile::TempDir,
}

impl Place {
    fn name(&self) -> &'static str {
        if self.server.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    fn url(&self) -> &str {
        self.location.to_str().unwrap()
    }

    fn open(&self) -> Ledger {
        self.open_with(&key())
    }

    fn open_with(&self, key: &LedgerKey) -> Ledger {
        self.try_open(key)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name()))
    }

    fn try_open(&self, key: &LedgerKey) -> Result<Ledger, ledger::LedgerError> {
        match &self.server {
            Some(_) => Ledger::open_server(self.url(), key),
            None => Ledger::open(&self.location, key),
        }
    }

    /// Runs SQL on the place's schema (PostgreSQL only).
    fn sql(&self, sql: &str) {
        let (url, schema) = self.server.as_ref().unwrap();
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("SET search_path = {schema}; {sql}"))
            .unwrap();
    }

    /// The built binary with a hermetic environment, pointed at this place's ledger.
    fn bulklint(&self) -> std::process::Command {
        bulklint(self.dir.path(), &self.location)
    }
}

/// The places `test` runs on: an SQLite file, and a fresh schema on the test server when one is
/// given.
fn places(test: &str) -> Vec<Place> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![Place {
        location: dir.path().join("ledger.sqlite3"),
        server: None,
        dir,
    }];
    match std::env::var(SERVER_ENV) {
        Ok(url) if !url.is_empty() => out.push(server_place(&url, test)),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but {SERVER_ENV} is unset: the PostgreSQL ledger tests must run in CI (.ci/run starts a server)")
        }
        _ => eprintln!("note: {SERVER_ENV} is unset; {test} runs on SQLite only"),
    }
    out
}

/// A schema of its own for `test` on the server at `url` (dropped first if an earlier run left
/// it; left behind afterwards so its rows can be inspected with psql).
fn server_place(url: &str, test: &str) -> Place {
    let schema = format!("t_{test}");
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{SERVER_ENV}={url}: {e}"));
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
        ))
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    Place {
        location: PathBuf::from(format!("{url}{sep}options=-csearch_path%3D{schema}")),
        server: Some((url.to_string(), schema)),
        dir: tempfile::tempdir().unwrap(),
    }
}

fn send(at: i64, sender: &str, external: usize, tag: &str) -> SendRecord {
    let addresses: Vec<String> = (0..external)
        .map(|i| format!("{tag}{i}@reader.example"))
        .collect();
    SendRecord {
        at,
        sender: Some(sender.into()),
        provider: "microsoft365".into(),
        recipients: external as u64,
        internal: 0,
        external: external as u64,
        messages: 1,
        addresses,
        fingerprint: None,
        signature: None,
        subject: Some(tag.into()),
        origin: Origin::Record,
        import_key: None,
    }
}

fn tenant(licences: u64) -> Tenant {
    Tenant {
        provider: "microsoft365".into(),
        licences,
        domains: vec!["bakery.example".into()],
    }
}

#[test]
fn sends_are_recorded_and_read_back_with_their_hashes() {
    for place in places("roundtrip") {
        let mut l = place.open();
        assert_eq!(l.schema_version().unwrap(), ledger::SCHEMA_VERSION);
        let ids = l
            .record(
                &[
                    send(T0 - 7200, "ann@bakery.example", 3, "a"),
                    send(T0 - 3600, "bob@bakery.example", 2, "b"),
                ],
                T0,
            )
            .unwrap();
        assert_eq!(ids.len(), 2, "{}", place.name());
        l.record(&[send(T0 - 2 * 86_400, "ann@bakery.example", 5, "old")], T0)
            .unwrap();
        assert_eq!(l.send_count().unwrap(), 3, "{}", place.name());
        let window = l.window(T0, None).unwrap();
        assert_eq!(window.len(), 2, "{}: the old send is outside", place.name());
        assert_eq!(window[0].recipient_hashes.len(), 3);
        let history = l.history(T0, Some("ANN@bakery.example")).unwrap();
        assert_eq!(history.sends.len(), 1, "{}", place.name());
        assert!(history.sends[0]
            .recipient_hashes
            .contains(&history.hash("a0@reader.example")));
        // Reopened read-only, the same.
        drop(l);
        let mut again = match &place.server {
            Some(_) => Ledger::open_server_read(place.url(), Some(&key())),
            None => Ledger::open_read(&place.location, Some(&key())),
        }
        .unwrap()
        .unwrap();
        assert_eq!(again.window(T0, None).unwrap().len(), 2);
    }
}

#[test]
fn another_key_is_refused() {
    for place in places("other_key") {
        place
            .open()
            .record(&[send(T0, "ann@bakery.example", 1, "a")], T0)
            .unwrap();
        let other = LedgerKey::from_secret("another secret, also long enough").unwrap();
        let e = place.try_open(&other).unwrap_err();
        assert_eq!(e.kind, LedgerErrorKind::WrongKey, "{}: {e}", place.name());
    }
}

#[test]
fn someone_elses_tables_are_refused() {
    for place in places("foreign") {
        match &place.server {
            Some(_) => place.sql("CREATE TABLE customers (id INT);"),
            None => {
                rusqlite::Connection::open(&place.location)
                    .unwrap()
                    .execute_batch("CREATE TABLE customers (id INT);")
                    .unwrap();
            }
        }
        let e = place.try_open(&key()).unwrap_err();
        assert_eq!(e.kind, LedgerErrorKind::Foreign, "{}: {e}", place.name());
        assert!(e.to_string().contains("customers"), "{e}");
    }
}

#[test]
fn a_newer_schema_is_refused() {
    for place in places("too_new") {
        drop(place.open());
        match &place.server {
            Some(_) => place.sql("UPDATE meta SET value = '99' WHERE key = 'schema-version';"),
            None => {
                rusqlite::Connection::open(&place.location)
                    .unwrap()
                    .pragma_update(None, "user_version", 99)
                    .unwrap();
            }
        }
        let e = place.try_open(&key()).unwrap_err();
        assert_eq!(e.kind, LedgerErrorKind::TooNew, "{}: {e}", place.name());
    }
}

#[test]
fn an_import_recorded_twice_counts_once() {
    for place in places("import_twice") {
        let mut l = place.open();
        let mut r = send(T0, "ann@bakery.example", 2, "a");
        r.import_key = Some("mid:<1@bakery.example>".into());
        assert!(l.record(std::slice::from_ref(&r), T0).unwrap()[0].is_some());
        assert_eq!(l.record(&[r], T0).unwrap(), vec![None], "{}", place.name());
        assert_eq!(l.send_count().unwrap(), 1);
    }
}

#[test]
fn a_refused_record_writes_nothing() {
    for place in places("refused") {
        let mut l = place.open();
        l.record(&[send(T0 - 60, "ann@bakery.example", 4, "a")], T0)
            .unwrap();
        let refused = l
            .record_if(
                &[send(T0, "ann@bakery.example", 4, "b")],
                T0,
                T0,
                Some("ann@bakery.example"),
                |h| (h.sends.len() == 1).then(|| "full".to_string()),
            )
            .unwrap();
        assert_eq!(refused, Err("full".to_string()), "{}", place.name());
        assert_eq!(l.send_count().unwrap(), 1, "{}", place.name());
    }
}

#[test]
fn the_tenant_view_counts_every_sender_of_its_domains() {
    for place in places("tenant_view") {
        let mut l = place.open();
        l.set_tenant(Some(tenant(40)));
        l.record(
            &[
                send(T0 - 300, "ann@bakery.example", 640, "a"),
                send(T0 - 200, "bob@bakery.example", 900, "b"),
                send(T0 - 100, "eve@elsewhere.example", 50, "e"),
            ],
            T0,
        )
        .unwrap();
        let h = l.history(T0, Some("ann@bakery.example")).unwrap();
        assert_eq!(h.sends.len(), 1, "{}", place.name());
        let view = h.tenant.unwrap();
        let external: u64 = view.sends.iter().map(|s| s.external).sum();
        assert_eq!(external, 1540, "{}: ann and bob, not eve", place.name());
        let usage = ledger::summarize_tenant(&l.tenant_window(T0).unwrap(), &tenant(40), T0);
        assert_eq!(usage.limit, 16_113, "500 × 40^0.7 + 9,500");
        assert_eq!(
            usage
                .senders
                .iter()
                .map(|s| (s.sender.as_deref().unwrap(), s.external))
                .collect::<Vec<_>>(),
            [("bob@bakery.example", 900), ("ann@bakery.example", 640)]
        );
    }
}

#[test]
fn a_copy_into_another_ledger_is_idempotent() {
    let source_dir = tempfile::tempdir().unwrap();
    let source_path = source_dir.path().join("mine.sqlite3");
    let mut source = Ledger::open(&source_path, &key()).unwrap();
    let mut imported = send(T0 - 10, "ann@bakery.example", 2, "i");
    imported.import_key = Some("mid:<2@bakery.example>".into());
    source
        .record(
            &[
                send(T0 - 30, "ann@bakery.example", 3, "a"),
                send(T0 - 20, "bob@bakery.example", 1, "b"),
                imported,
            ],
            T0,
        )
        .unwrap();
    for place in places("copy") {
        let mut target = place.open();
        assert_eq!(
            source.copy_to(&mut target, 2).unwrap(),
            (3, 0),
            "{}",
            place.name()
        );
        assert_eq!(
            source.copy_to(&mut target, 2).unwrap(),
            (0, 3),
            "{}",
            place.name()
        );
        let copied = target.window(T0, None).unwrap();
        assert_eq!(copied.len(), 3);
        assert_eq!(
            copied
                .iter()
                .map(|s| s.recipient_hashes.len())
                .collect::<Vec<_>>(),
            [3, 1, 2],
            "{}: the hashes come along",
            place.name()
        );
    }
}

#[test]
fn an_unreachable_server_stops_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("news.eml"),
        "From: ann@bakery.example\nTo: bob@reader.example\nSubject: Hi\n\nHello\n",
    )
    .unwrap();
    // A socket directory with no server in it: refused at once, no network.
    let url = format!(
        "postgresql://bulklint@localhost/ledger?host={}",
        d.join("no-server").display()
    );
    let out = bulklint(d, Path::new(&url))
        .args(["check", "news.eml", "--record=pass"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot reach the send ledger's PostgreSQL server"),
        "{stderr}"
    );
    assert!(!stderr.contains("recorded in"), "{stderr}");
}

/// A `bulklint.toml` in `dir` with a tenant of `licences`, and the per-mailbox limits out of the
/// way so the tenant's budget is what a check meets.
fn tenant_config(dir: &Path, licences: u64) {
    std::fs::write(
        dir.join("bulklint.toml"),
        format!("[limits]\nexternal-per-day = 100000\nexternal-per-hour = 100000\nper-day = 100000\nper-message = 100000\n\n[tenant]\nprovider = \"microsoft365\"\nlicences = {licences}\ndomains = [\"bakery.example\"]\n"),
    )
    .unwrap();
}

fn newsletter(from: &str) -> String {
    format!(
        "From: {from}\nSubject: Spring specials\nX-Mailer: Microsoft Outlook 16.0\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHi there,\n\nOur spring specials are here: every loaf of sourdough is 20% off this week.\n\nCorner Bakery, 12 Main Street, Springfield. To unsubscribe: https://bakery.example/unsubscribe\n"
    )
}

/// Recipients per check in the concurrency test, and the tenant's licences: 1 licence makes a
/// budget of 10,000 external recipients, room for exactly 10 of the 16 checks.
const PER_SEND: usize = 1000;

/// 4 processes, each checking and recording (`--record=pass`) two mailboxes' sends of one
/// tenant twice over, all at once: the re-check under the tenant's lock never lets the tenant
/// pass its budget, and every send that fits is recorded.
#[test]
fn concurrent_senders_of_a_tenant_never_pass_its_budget() {
    for place in places("tenant_concurrency") {
        let d = place.dir.path();
        tenant_config(d, 1);
        for who in ["ann", "bob"] {
            std::fs::write(
                d.join(format!("{who}.eml")),
                newsletter(&format!("{who}@bakery.example")),
            )
            .unwrap();
        }
        // The ledger exists before the race, as a shared one does.
        drop(place.open());
        let children: Vec<_> = (0..4)
            .map(|p| {
                // One process checks its sends one after another, alternating mailboxes.
                let script: Vec<String> = (0..4)
                    .map(|k| {
                        let who = if k % 2 == 0 { "ann" } else { "bob" };
                        let list = d.join(format!("list{p}x{k}.txt"));
                        let text: String = (0..PER_SEND)
                            .map(|i| format!("r{p}x{k}x{i}@reader.example\n"))
                            .collect();
                        std::fs::write(&list, text).unwrap();
                        format!("{who}.eml {}", list.display())
                    })
                    .collect();
                std::thread::spawn({
                    let place_cmd = script;
                    let exe_dir = d.to_path_buf();
                    let location = place.location.clone();
                    move || {
                        place_cmd
                            .into_iter()
                            .map(|line| {
                                let (draft, list) = line.split_once(' ').unwrap();
                                check_and_record(&exe_dir, &location, draft, Path::new(list))
                            })
                            .collect::<Vec<_>>()
                    }
                })
            })
            .collect();
        let mut recorded = 0;
        for child in children {
            for (code, stderr) in child.join().unwrap() {
                match code {
                    0 => {
                        assert!(stderr.contains("recorded in"), "{stderr}");
                        recorded += 1;
                    }
                    // Over the budget at the check, or at the re-check under the lock.
                    1 => {}
                    other => panic!("{}: exit {other}: {stderr}", place.name()),
                }
            }
        }
        let mut l = place.open();
        let sends = l.window(T0, None).unwrap();
        let external: u64 = sends.iter().map(|s| s.external).sum();
        assert_eq!(
            (recorded, sends.len(), external),
            (10, 10, 10 * PER_SEND as u64),
            "{}: never past 10,000, and every send that fits",
            place.name()
        );
        let senders: std::collections::BTreeSet<_> =
            sends.iter().filter_map(|s| s.sender.clone()).collect();
        assert_eq!(senders.len(), 2, "both mailboxes recorded");
        // The tenant view shows the budget used up, per sender.
        let out = place
            .bulklint()
            .args(["history", "--tenant", "--now", &T0.to_string()])
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("10,000 external of 10,000 (TERRL for 1 licence)"),
            "{}: {text}{}",
            place.name(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// One `bulklint check --record=pass` of `draft` to `list`: its exit code and stderr.
fn check_and_record(dir: &Path, location: &Path, draft: &str, list: &Path) -> (i32, String) {
    let out = bulklint(dir, location)
        .args(["check", draft, "-r"])
        .arg(list)
        .args([
            "--select",
            "recipient-limit",
            "--record=pass",
            "--now",
            &T0.to_string(),
        ])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_volume_rule_names_the_tenant_budget_and_the_rejection() {
    for place in places("tenant_rule") {
        let d = place.dir.path();
        tenant_config(d, 40);
        std::fs::write(d.join("ann.eml"), newsletter("ann@bakery.example")).unwrap();
        let mut l = place.open();
        l.record(
            &[
                send(T0 - 3600, "ann@bakery.example", 640, "a"),
                send(T0 - 7200, "bob@bakery.example", 13_570, "b"),
            ],
            T0,
        )
        .unwrap();
        drop(l);
        let list = d.join("list.txt");
        let text: String = (0..2000)
            .map(|i| format!("n{i}@reader.example\n"))
            .collect();
        std::fs::write(&list, text).unwrap();
        let out = place
            .bulklint()
            .args(["check", "ann.eml", "-r"])
            .arg(&list)
            .args(["--select", "recipient-limit", "--now", &T0.to_string()])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{}: {stdout}", place.name());
        assert!(
            stdout.contains(
                "you: 640 external in 24 h; tenant: 14,210 of 16,113 (TERRL for 40 licences)"
            ),
            "{}: {stdout}",
            place.name()
        );
        assert!(stdout.contains("550 5.7.233"), "{stdout}");
        assert!(stdout.contains("room for this send again at"), "{stdout}");
    }
}
