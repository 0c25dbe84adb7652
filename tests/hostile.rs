//! Hostile and broken input: huge bodies, deep MIME trees, long headers, awkward CSV and vCard,
//! binary files, endless stdin, any bytes at all. Each ends in a result or a diagnostic, never
//! in a panic, a stack overflow or unbounded memory; input errors exit with code 2.
//!
//! Big inputs are generated here, not committed. Inputs the fuzzers found are replayed from
//! `tests/fixtures-hostile/`. Nothing here measures time: the figures are in BENCHMARKS.md.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bulklint::load::draft;
use bulklint::load::input_limits::{InputLimits, DEFAULT_MAX_DRAFT_BYTES, DEFAULT_MAX_MIME_DEPTH};
use bulklint::load::recipients;
use bulklint::model::source::Sources;
use bulklint::report::{Format, Style};
use bulklint::{Input, InputError, Options, Outcome};
use proptest::prelude::*;

/// Address space the binary may use in these tests (`ulimit -v`, KiB): an input that made it
/// allocate without bound fails here instead of swapping the machine.
const BINARY_MEMORY_KIB: u64 = 2 * 1024 * 1024;

fn input(name: &str, bytes: impl Into<Vec<u8>>) -> Input {
    Input {
        name: name.to_string(),
        bytes: bytes.into(),
    }
}

fn check(draft: Input, lists: Vec<Input>) -> Result<Outcome, InputError> {
    bulklint::check(draft, lists, &Options::default())
}

/// Every label of every finding lies inside its source and on char boundaries.
fn assert_labels_in_bounds(outcome: &Outcome, what: &str) {
    for f in &outcome.findings {
        for label in &f.labels {
            let text = &outcome.send.sources.get(label.source).text;
            let span = &label.span;
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "{what}: {} label {span:?} outside its source of {} bytes",
                f.rule,
                text.len()
            );
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{what}: {} label {span:?} splits a character",
                f.rule
            );
        }
    }
}

/// The binary, with no colour, no home directory and its address space capped.
fn bulklint(args: &[&str]) -> Command {
    let nowhere = std::env::temp_dir().join("bulklint-tests-no-home");
    let bin = assert_cmd::cargo::cargo_bin("bulklint");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {BINARY_MEMORY_KIB}; exec \"$0\" \"$@\""))
        .arg(bin)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("HOME", &nowhere)
        .env("XDG_DATA_HOME", &nowhere)
        .env_remove("BULKLINT_LEDGER");
    cmd
}

/// Runs the binary on `stdin` bytes; returns the exit code and stderr.
fn run(args: &[&str], stdin: &[u8]) -> (Option<i32>, String) {
    let mut child = bulklint(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bulklint");
    let mut pipe = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for bulklint");
    let _ = writer.join();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

// ---------------------------------------------------------------------------------------------
// Generated hostile inputs

/// A newsletter-like HTML body of at least `size` bytes.
fn big_html(size: usize) -> String {
    let mut html = String::with_capacity(size + 512);
    html.push_str("<!DOCTYPE html><html><head><title>Big</title><style>p{color:red}</style></head><body><table>");
    let mut i = 0;
    while html.len() < size {
        html.push_str(&format!(
            "<tr><td class=\"c{}\"><p>Item {i} &amp; friends&nbsp;café <a href=\"https://shop.example.net/p/{i}\">link {i}</a> \
             <img src=\"https://img.example.net/{i}.png\" alt=\"pic {i}\"></p></td></tr>\n",
            i % 7
        ));
        i += 1;
    }
    html.push_str("<p><a href=\"https://shop.example.net/unsubscribe\">Unsubscribe</a></p></table></body></html>");
    html
}

const HEAD: &str =
    "From: Ann <ann@example.org>\r\nTo: bob@example.net\r\nSubject: deep\r\nMIME-Version: 1.0\r\n";

/// Multiparts nested `n` deep, each holding the next.
fn nested_multiparts(n: usize) -> Vec<u8> {
    let mut out = String::from(HEAD);
    for i in 0..n {
        out.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    out.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
    for i in (0..n).rev() {
        out.push_str(&format!("--b{i}--\r\n"));
    }
    out.into_bytes()
}

/// Messages attached inside messages, `n` deep: what overflows a recursive parser's stack
/// (MimeKit's `stack-overflow.eml` does it with encoded words; this does it with structure).
fn nested_messages(n: usize) -> Vec<u8> {
    let mut out = String::from(HEAD);
    for i in 0..n {
        out.push_str(&format!(
            "Content-Type: message/rfc822\r\n\r\nFrom: x{i}@example.com\r\nSubject: level {i}\r\n"
        ));
    }
    out.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
    out.into_bytes()
}

/// Each level a multipart holding an attached message holding the next.
fn nested_mixed(n: usize) -> Vec<u8> {
    let mut out = String::from(HEAD);
    for i in 0..n {
        out.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\nContent-Type: message/rfc822\r\n\r\nFrom: x{i}@example.com\r\n"
        ));
    }
    out.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
    for i in (0..n).rev() {
        out.push_str(&format!("--b{i}--\r\n"));
    }
    out.into_bytes()
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (n, chunk) in data.chunks(3).enumerate() {
        let v = chunk
            .iter()
            .enumerate()
            .fold(0u32, |v, (i, &b)| v | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[(v >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
        if n % 19 == 18 {
            out.push_str("\r\n");
        }
    }
    out
}

/// A deep tree hidden inside a base64 attached message: the raw bytes show one level.
fn nested_encoded(n: usize) -> Vec<u8> {
    format!(
        "{HEAD}Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--x\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--x--\r\n",
        base64(&nested_messages(n))
    )
    .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Size

/// 50 MB of HTML in a release build (`cargo test --release --test hostile`), 5 MB in the debug
/// build of `cargo test`, where the rules run some ten times slower. Either way: a result, and
/// every label in bounds.
#[test]
fn huge_html_body_is_checked() {
    let html = big_html(50_000_000);
    let outcome =
        check(input("big.html", html), Vec::new()).expect("a big template is still a template");
    assert!(outcome
        .send
        .draft
        .html
        .as_ref()
        .is_some_and(|h| h.links.len() > 1000));
    assert_labels_in_bounds(&outcome, "big.html");
}

#[test]
fn draft_over_the_size_limit_is_an_input_error() {
    let limits = InputLimits {
        max_draft_bytes: 1000,
        ..InputLimits::default()
    };
    let mut sources = Sources::default();
    let body = big_html(2000);
    let e = draft::load_with(&mut sources, "big.html", body.into_bytes(), &limits).unwrap_err();
    assert!(
        e.message.contains("1000 bytes") && e.message.contains("max-draft-bytes"),
        "{e}"
    );
    let mut raw = HEAD.as_bytes().to_vec();
    raw.extend_from_slice(&[b'x'; 2000]);
    let e = draft::load_with(&mut sources, "big.eml", raw, &limits).unwrap_err();
    assert!(e.message.contains("max-draft-bytes"), "{e}");
}

/// Endless stdin: the binary reads one byte past the draft limit, stops, and says why.
#[test]
fn endless_stdin_stops_at_the_cap() {
    let mut child = bulklint(&["check", "--isolated", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bulklint");
    let mut pipe = child.stdin.take().unwrap();
    // Writes until the binary closes its end: if it never stopped reading, neither would this,
    // and the address space cap would end the binary first.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(HEAD.as_bytes());
        let chunk = "<p>more and more and more</p>\r\n".repeat(2048);
        let mut written = 0u64;
        while pipe.write_all(chunk.as_bytes()).is_ok() {
            written += chunk.len() as u64;
        }
        written
    });
    let out = child.wait_with_output().expect("wait for bulklint");
    let written = writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("<stdin>") && stderr.contains("larger than 64 MiB"),
        "{stderr}"
    );
    assert!(stderr.contains("max-draft-bytes"), "{stderr}");
    assert!(
        written >= DEFAULT_MAX_DRAFT_BYTES - 1024 * 1024,
        "wrote only {written} bytes"
    );
}

#[test]
fn stdin_at_the_cap_is_read() {
    // A small draft on stdin is read whole: the cap takes one byte more than it allows.
    let (code, stderr) = run(
        &["check", "--isolated", "--format", "json", "-"],
        b"From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello\r\n",
    );
    assert!(matches!(code, Some(0 | 1)), "{code:?} {stderr}");
}

// ---------------------------------------------------------------------------------------------
// MIME depth

#[test]
fn mime_trees_10000_deep_are_refused_before_parsing() {
    for (what, raw) in [
        ("multiparts", nested_multiparts(10_000)),
        ("attached messages", nested_messages(10_000)),
        ("multiparts holding messages", nested_mixed(10_000)),
        ("base64 attached message", nested_encoded(10_000)),
    ] {
        let e = check(input("deep.eml", raw), Vec::new()).expect_err(what);
        assert!(
            e.message
                .contains(&format!("nested more than {DEFAULT_MAX_MIME_DEPTH} deep")),
            "{what}: {e}"
        );
        assert!(e.message.contains("max-mime-depth"), "{what}: {e}");
    }
}

#[test]
fn deep_mime_exits_2_from_the_binary() {
    let (_dir, path) = temp_file("deep.eml", &nested_messages(200_000));
    let path = path.display().to_string();
    let (code, stderr) = run(&["check", "--isolated", &path], b"");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("nested more than 100 deep"), "{stderr}");
}

#[test]
fn mime_depth_limit_is_configurable() {
    let deep = nested_mixed(60);
    let mut sources = Sources::default();
    let strict = InputLimits {
        max_mime_depth: 10,
        ..InputLimits::default()
    };
    let e = draft::load_with(&mut sources, "deep.eml", deep.clone(), &strict).unwrap_err();
    assert!(e.message.contains("more than 10 deep"), "{e}");
    // 60 levels of multipart + message is 120 deep: over the default, under a raised limit.
    assert!(draft::load(&mut sources, "deep.eml", deep.clone()).is_err());
    let raised = InputLimits {
        max_mime_depth: 200,
        ..InputLimits::default()
    };
    let d =
        draft::load_with(&mut sources, "deep.eml", deep, &raised).expect("within the raised limit");
    assert!(d.text.is_some() || d.html.is_none());
    // And at the default, a realistic newsletter (mixed ⊃ related ⊃ alternative) is fine.
    assert!(draft::load(&mut sources, "ok.eml", nested_multiparts(3)).is_ok());
}

#[test]
fn the_limits_table_parses_from_config() {
    let c = bulklint::config::Config::parse(
        Path::new("bulklint.toml"),
        "[input]\nmax-draft-bytes = 2097152\nmax-mime-depth = 12\n",
    )
    .unwrap();
    assert_eq!(c.input.max_draft_bytes, 2_097_152);
    assert_eq!(c.input.max_mime_depth, 12);
    let e = bulklint::config::Config::parse(
        Path::new("bulklint.toml"),
        "[input]\nmax-mime-depth = 100000\n",
    )
    .unwrap_err();
    assert!(e.message.contains("between 1 and 1000"), "{e}");
}

/// `[input]` in the bulklint.toml beside the draft is what `check`, `fix` and `export` read
/// by: a draft over `max-draft-bytes` or nested past `max-mime-depth`, and a list over
/// `max-list-bytes`, are refused with the key named, and reading stopped at the limit.
#[test]
fn every_command_honours_the_input_table_of_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bulklint.toml"),
        "[input]\nmax-draft-bytes = 4096\nmax-mime-depth = 5\nmax-list-bytes = 1024\n",
    )
    .unwrap();
    let big = dir.path().join("big.eml");
    std::fs::write(&big, format!("{HEAD}\r\n{}", "x".repeat(5000))).unwrap();
    let deep = dir.path().join("deep.eml");
    std::fs::write(&deep, nested_multiparts(6)).unwrap();
    let small = dir.path().join("small.eml");
    std::fs::write(&small, format!("{HEAD}\r\nhello\r\n")).unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "ann@example.com\n".repeat(100)).unwrap();
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let out = path(&dir.path().join("out"));
    let fixed = path(&dir.path().join("fixed.eml"));
    let fix = |draft: &Path| {
        vec![
            "fix".to_string(),
            path(draft),
            "-o".into(),
            fixed.clone(),
            "--unsubscribe-url".into(),
            "https://example.org/u".into(),
            "--address".into(),
            "1 Main St, Ottawa ON K1A 0B1".into(),
        ]
    };
    let export = |draft: &Path, extra: &[String]| {
        let mut args = vec![
            "export".to_string(),
            path(draft),
            "--to".into(),
            "csv".into(),
            "--unsubscribe-url".into(),
            "https://example.org/u".into(),
            "--address".into(),
            "1 Main St".into(),
            "-o".into(),
            out.clone(),
        ];
        args.extend_from_slice(extra);
        args
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["check".into(), "--no-ledger".into(), path(&big)],
            "max-draft-bytes",
        ),
        (
            vec!["check".into(), "--no-ledger".into(), path(&deep)],
            "more than 5 deep",
        ),
        (
            vec![
                "check".into(),
                "--no-ledger".into(),
                path(&small),
                "-r".into(),
                path(&list),
            ],
            "max-list-bytes",
        ),
        (fix(&big), "max-draft-bytes"),
        (fix(&deep), "more than 5 deep"),
        (export(&big, &[]), "max-draft-bytes"),
        (
            export(&small, &["-r".into(), path(&list)]),
            "max-list-bytes",
        ),
    ];
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = run(&args, b"");
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(stderr.len() < 1000, "{args:?}: {stderr}");
    }
    // In a batch, a message past the limits is left out with the reason, like any unreadable one.
    let batch = dir.path().join("batch");
    std::fs::create_dir(&batch).unwrap();
    std::fs::copy(&deep, batch.join("1.eml")).unwrap();
    std::fs::copy(&small, batch.join("2.eml")).unwrap();
    let (_, stderr) = run(&["check", "--no-ledger", "--batch", &path(&batch)], b"");
    assert!(
        stderr.contains("more than 5 deep") && stderr.contains("left out"),
        "{stderr}"
    );
}

/// An error that quotes the input quotes a short excerpt of it: a 5 MB header row is not
/// printed back whole.
#[test]
fn errors_quote_a_short_excerpt_of_the_input() {
    let (_dir, list) = temp_file("oneline.csv", "x".repeat(5_000_000).as_bytes());
    let (_d2, draft) = temp_file("small.eml", format!("{HEAD}\r\nhello\r\n").as_bytes());
    let (code, stderr) = run(
        &[
            "check",
            "--isolated",
            draft.to_str().unwrap(),
            "-r",
            list.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no address column"), "{stderr}");
    assert!(stderr.len() < 500, "{} bytes of error", stderr.len());
}

/// The example config shows the `[input]` table with the values the code uses by default.
#[test]
fn the_example_config_documents_the_input_limits() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bulklint.example.toml");
    let config = bulklint::config::Config::load(&path).unwrap();
    assert_eq!(config.input, InputLimits::default());
}

// ---------------------------------------------------------------------------------------------
// Headers

#[test]
fn one_megabyte_headers() {
    // One unfolded 1 MB Subject, a 1 MB folded X- header, and 20,000 addresses in To.
    let subject = "Spring specials ".repeat(65_536);
    let folded = (0..20_000)
        .map(|i| format!("token{i:05}-abcdefghijklmnopqrstuvwxyz-0123456789"))
        .collect::<Vec<_>>()
        .join("\r\n ");
    let to = (0..20_000)
        .map(|i| format!("reader{i}@example.net"))
        .collect::<Vec<_>>()
        .join(",\r\n ");
    let raw = format!(
        "From: Ann <ann@example.org>\r\nTo: {to}\r\nSubject: {subject}\r\nX-Long: {folded}\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
    );
    assert!(raw.len() > 2_500_000);
    let outcome =
        check(input("long-headers.eml", raw), Vec::new()).expect("long headers are still headers");
    assert_eq!(outcome.send.recipients.len(), 20_000);
    assert!(outcome.send.draft.header_value("Subject").unwrap().len() >= 1_000_000);
    assert_labels_in_bounds(&outcome, "long-headers.eml");
}

#[test]
fn one_megabyte_header_name_and_no_body() {
    let name = "X".repeat(1_048_576);
    let raw = format!("From: a@example.org\r\n{name}: value\r\n");
    match check(input("weird.eml", raw), Vec::new()) {
        Ok(outcome) => assert_labels_in_bounds(&outcome, "weird.eml"),
        Err(e) => assert!(!e.message.is_empty()),
    }
}

// ---------------------------------------------------------------------------------------------
// Recipient lists

#[test]
fn csv_with_a_10mb_field_bom_mixed_endings_and_latin1() {
    let mut csv = Vec::new();
    csv.extend_from_slice(b"\xEF\xBB\xBFName,Email,Notes\r\n");
    csv.extend_from_slice(b"Ann,ann@example.org,short\n");
    csv.extend_from_slice(b"\"Big\",big@example.org,\"");
    csv.extend(std::iter::repeat_n(b'z', 10 * 1024 * 1024));
    csv.extend_from_slice(b"\"\r\n");
    // Latin-1: "Hélène" with é and è as single bytes, then a bare CR line ending.
    csv.extend_from_slice(b"H\xE9l\xE8ne,helene@example.org,caf\xE9\r");
    csv.extend_from_slice(b"Zo\xEB,zoe@example.org,\n");
    let mut sources = Sources::default();
    let list = recipients::load(&mut sources, "list.csv", csv.clone(), None)
        .expect("a CSV with a big field is a CSV");
    let addresses: Vec<&str> = list
        .entries
        .iter()
        .map(|e| list.address(&sources.get(list.source).text, e))
        .collect();
    for expected in [
        "ann@example.org",
        "big@example.org",
        "helene@example.org",
        "zoe@example.org",
    ] {
        assert!(
            addresses.contains(&expected),
            "{expected} missing from {addresses:?}"
        );
    }
    let text = &sources.get(list.source).text;
    for e in &list.entries {
        assert_eq!(&text[e.span()], list.address(text, e));
    }
    assert!(
        !text.starts_with('\u{feff}'),
        "the BOM is not part of the first header"
    );
    assert_eq!(list.column.as_ref().map(|c| c.name.as_str()), Some("Email"));
    let outcome = check(
        input(
            "draft.eml",
            "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n",
        ),
        vec![input("list.csv", csv)],
    )
    .unwrap();
    assert_labels_in_bounds(&outcome, "list.csv");
}

#[test]
fn csv_with_an_unclosed_quote_over_megabytes() {
    let mut csv = b"email,notes\nann@example.org,\"open".to_vec();
    csv.extend(std::iter::repeat_n(b'q', 3 * 1024 * 1024));
    csv.extend_from_slice(b"\nbob@example.org,x\n");
    let mut sources = Sources::default();
    let list = recipients::load(&mut sources, "open.csv", csv, None)
        .expect("a broken row is a problem, not an error");
    // The row that opens the quote is reported and skipped; reading resumes after it.
    let text = &sources.get(list.source).text;
    assert!(list
        .entries
        .iter()
        .any(|e| list.address(text, e) == "bob@example.org"));
    assert!(
        list.problems
            .iter()
            .any(|p| p.message.contains("never closed")),
        "{:?}",
        list.problems.iter().map(|p| &p.message).collect::<Vec<_>>()
    );
}

#[test]
fn vcard_without_email_is_a_problem_not_a_crash() {
    let vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dan the Baker\r\nTEL:555-0100\r\nEND:VCARD\r\n";
    let mut sources = Sources::default();
    let list =
        recipients::load(&mut sources, "contacts.vcf", vcf.as_bytes().to_vec(), None).unwrap();
    assert!(list.entries.is_empty());
    assert_eq!(list.problems.len(), 1);
    assert!(
        list.problems[0].message.contains("no email address"),
        "{}",
        list.problems[0].message
    );
    // And 100,000 of them are counted, not listed one by one.
    let many = vcf.repeat(100_000);
    let list = recipients::load(&mut sources, "many.vcf", many.into_bytes(), None).unwrap();
    assert!(list.entries.is_empty());
    assert!(
        list.problems.len() < 1000,
        "{} problems",
        list.problems.len()
    );
}

/// Every output format of a checked send, with its total size.
fn rendered_sizes(outcome: Outcome) -> Vec<(Format, usize)> {
    let outcomes = [outcome];
    Format::CHOICES
        .iter()
        .map(|&(format, _, _)| {
            let text = bulklint::report::render(&outcomes, format, Style::default());
            (format, text.len())
        })
        .collect()
}

/// 100,000 `BEGIN:VCARD` lines and nothing else (1.3 MB): each card is unclosed and has no
/// address. Listing one problem per card and rendering each against the whole file took 15 s
/// of CPU for 20,000 of them and never finished for a million; with problems and findings
/// capped and snippets read from a line index, reading and every report are linear (a
/// quadratic cost at this size would take many minutes; BENCHMARKS.md has the figures).
#[test]
fn unclosed_vcards_by_the_hundred_thousand_are_counted_not_listed() {
    let vcf = "BEGIN:VCARD\n".repeat(100_000);
    let outcome = check(
        input(
            "news.eml",
            format!("{HEAD}\r\nSpring specials this week.\r\n"),
        ),
        vec![input("unclosed.vcf", vcf.clone())],
    )
    .unwrap();
    let problems = outcome.send.recipients.lists()[0].problems.len();
    assert!(problems < 1000, "{problems} problems listed");
    let counted: Vec<&str> = outcome
        .findings
        .iter()
        .map(|f| f.message.as_str())
        .filter(|m| m.contains("more"))
        .collect();
    assert!(
        counted.iter().any(|m| m.contains("99950 more contacts")),
        "{counted:?}"
    );
    assert!(
        counted.iter().any(|m| m.contains("99970 more problems")),
        "{counted:?}"
    );
    for (format, size) in rendered_sizes(outcome) {
        assert!(size < vcf.len() / 2, "{format:?}: {size} bytes of report");
    }
}

/// 100,000 `<a href="#">Unsubscribe</a>` links (3 MB): a finding each, and each rendered
/// against the whole file, took 77 s for 20,000. Now the first 100 are listed and the rest
/// counted, and every report is a fraction of the input.
#[test]
fn dead_unsubscribe_links_by_the_hundred_thousand_are_counted_not_listed() {
    let html = format!(
        "<html><body><p>Spring specials: 20% off every loaf this week.</p>{}</body></html>",
        "<a href=\"#\">Unsubscribe</a>\n".repeat(100_000)
    );
    let outcome = check(input("dead.html", html.clone()), vec![]).unwrap();
    let placeholders: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == bulklint::RuleId::UnsubscribePlaceholder)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(placeholders.len(), 101, "{:?}", &placeholders[..3]);
    assert_eq!(
        placeholders[100],
        "99900 more findings of this rule, not listed one by one"
    );
    for (format, size) in rendered_sizes(outcome) {
        assert!(size < html.len() / 2, "{format:?}: {size} bytes of report");
    }
}

/// A draft on one 6 MB line: a finding there shows a few hundred bytes around its place, not
/// the line (the human report of a 60 MB one-line draft was 277 MB, 4.5 times the draft).
#[test]
fn a_one_line_draft_gives_a_report_smaller_than_the_line() {
    let html = format!(
        "<html><body><p>{}</p></body></html>",
        "Spring specials this week at the bakery. ".repeat(150_000)
    );
    let outcome = check(input("oneline.html", html.clone()), vec![]).unwrap();
    assert!(!outcome.findings.is_empty());
    // SARIF carries the rule catalogue (some 170 KB whatever the draft); the rest is findings.
    for (format, size) in rendered_sizes(outcome) {
        assert!(size < html.len() / 20, "{format:?}: {size} bytes of report");
    }
}

#[test]
fn a_million_recipients_load() {
    // The size, not the speed (BENCHMARKS.md has the speed): a list of a million rows is read
    // whole, every row an entry.
    let rows = 1_000_000;
    let mut csv = String::from("First Name,Last Name,E-mail Address\n");
    for i in 0..rows {
        csv.push_str(&format!("F{i},L{i},c{i}@shop{}.example.com\n", i % 500));
    }
    let mut sources = Sources::default();
    let list = recipients::load(&mut sources, "big.csv", csv.into_bytes(), None).unwrap();
    assert_eq!(list.entries.len(), rows);
}

// ---------------------------------------------------------------------------------------------
// Binary files

/// The first bytes of a PNG file: signature, IHDR, and NUL bytes.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82";

/// Found by the `mjml` fuzz target: mrml's tokenizer (htmlparser 0.2) panicked on a `>` after
/// a multi-byte character and on unclosed conditional comments. With the patched copy in
/// vendor/htmlparser the first is text like any other and the second a located error.
#[test]
fn mjml_tokenizer_edge_cases_are_results_not_panics() {
    for text in ["Deals ‹> here", "Crème brûlée œ\">"] {
        let mjml = format!("<mjml><mj-body><mj-section><mj-column>\n<mj-text>{text}</mj-text>\n</mj-column></mj-section></mj-body></mjml>\n");
        let outcome = check(input("deals.mjml", mjml), Vec::new()).expect("renders");
        let html = outcome.send.draft.html.as_ref().expect("rendered HTML");
        assert!(
            html.visible_text.contains("Deals") || html.visible_text.contains("Crème"),
            "{}",
            html.visible_text
        );
    }
    for bad in [
        "<!--<![endif <mj-text>x</mj-text>",
        "<![endif>",
        "<!--[if mso",
    ] {
        let mjml = format!("<mjml><mj-body>\n{bad}\n</mj-body></mjml>");
        let e = check(input("cc.mjml", mjml), Vec::new()).unwrap_err();
        assert_eq!(e.file, "cc.mjml");
        assert_eq!(e.line, Some(2), "{bad}: {e}");
        assert!(e.message.contains("conditional comment"), "{bad}: {e}");
    }
}

#[test]
fn a_png_named_html_is_an_input_error() {
    let e = check(input("logo.html", PNG), Vec::new()).unwrap_err();
    assert!(
        e.message.contains("binary file") && e.message.contains("NUL"),
        "{e}"
    );
    let (_dir, path) = temp_file("logo.html", PNG);
    let path = path.display().to_string();
    let (code, stderr) = run(&["check", "--isolated", &path], b"");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("logo.html") && stderr.contains("NUL bytes"),
        "{stderr}"
    );
}

#[test]
fn binary_lists_do_not_crash() {
    let mut sources = Sources::default();
    for name in ["logo.csv", "logo.vcf", "logo.txt"] {
        match recipients::load(&mut sources, name, PNG.to_vec(), None) {
            // Lines of a binary file are entries that validation then rejects: no recipient.
            Ok(list) => {
                let texts = std::sync::Arc::new(sources.clone());
                let set = recipients::RecipientSet::build(texts, None, vec![list]);
                assert!(
                    set.is_empty(),
                    "{name}: {:?}",
                    set.unique().collect::<Vec<_>>()
                );
            }
            Err(e) => assert!(!e.message.is_empty()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs the fuzzers found

/// Every file in `tests/fixtures-hostile/` through the loader its extension names: no panic,
/// and a result or an input error.
#[test]
fn fuzzer_findings_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures-hostile");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        match ext.as_str() {
            "csv" | "vcf" | "list" => {
                let mut sources = Sources::default();
                let _ = recipients::load(&mut sources, &name, bytes.clone(), None);
                let draft = input(
                    "draft.eml",
                    "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n",
                );
                if let Ok(outcome) = check(draft, vec![input(&name, bytes)]) {
                    assert_labels_in_bounds(&outcome, &name);
                }
            }
            "toml" => {
                let text = String::from_utf8_lossy(&bytes);
                let _ = bulklint::config::Config::parse(Path::new(&name), &text);
            }
            "md" => {}
            _ => {
                if let Ok(outcome) = check(input(&name, bytes), Vec::new()) {
                    assert_labels_in_bounds(&outcome, &name);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Any bytes

/// Pieces that steer random input into the loaders' interesting paths.
const MAIL_PIECES: &[&str] = &[
    "From: Ann <ann@example.org>\r\n",
    "To: a@example.net, \"B, C\" <b@example.net>\r\n",
    "Cc: =?utf-8?B?w6k=?= <c@example.net>\r\n",
    "Subject: =?utf-8?q?Caf=C3=A9?=\r\n",
    "X-Mailer: Microsoft Outlook 16.0\r\n",
    "List-Unsubscribe: <https://x.example/u>\r\n",
    "MIME-Version: 1.0\r\n",
    "Content-Type: multipart/alternative; boundary=\"b\"\r\n",
    "Content-Type: multipart/mixed; boundary=b\r\n",
    "Content-Type: message/rfc822\r\n",
    "Content-Type: text/html; charset=iso-8859-1\r\n",
    "Content-Type: text/plain; charset=utf-8\r\n",
    "Content-Transfer-Encoding: base64\r\n",
    "Content-Transfer-Encoding: quoted-printable\r\n",
    "\r\n",
    "\n",
    " folded\r\n",
    "--b\r\n",
    "--b--\r\n",
    "PGE+aGk8L2E+\r\n",
    "=C3=A9=\r\n",
    "<p>Hi {{first_name}},</p>",
    "<a href=\"https://shop.example.com/u\">Unsubscribe</a>",
    "<a href=\"#\">unsubscribe</a>",
    "<img src=x alt=\"é\">",
    "*|UNSUB|*",
    "<!-- bulklint-disable-next-line unsubscribe-missing -->",
    "<script>",
    "</",
    "&nbsp;&amp;&#x1F600;",
    "12 Main St, Montréal QC H2X 1Y4",
    "é",
    "😀",
    "\u{feff}",
    "\0",
    "\r",
];

const LIST_PIECES: &[&str] = &[
    "email,name,consent,consent_date\n",
    "E-mail Address,E-mail 2 Address,E-mail Type\r\n",
    "Email Address,MEMBER_RATING,OPTIN_TIME\n",
    "ann@example.org",
    "\"Smith, Ann\" <ann@example.org>",
    ",",
    ";",
    "\t",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\r",
    "express",
    "implied-purchase",
    "2024-01-31",
    "BEGIN:VCARD\r\n",
    "END:VCARD\r\n",
    "EMAIL;TYPE=INTERNET:bob@example.net\r\n",
    "FN;ENCODING=QUOTED-PRINTABLE:=C3=89lo=\r\n",
    " folded",
    "# comment\n",
    "@",
    "é",
    "\u{feff}",
];

/// Random bytes, or random pieces of `pieces` with random bytes between them.
fn hostile_bytes(pieces: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => proptest::sample::select(pieces).prop_map(|p| p.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..8),
    ];
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..512),
        3 => proptest::collection::vec(piece, 0..48).prop_map(|v| v.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 192,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any bytes as a draft, under any name: a result or an input error, never a panic; and
    /// every label of every finding in bounds.
    #[test]
    fn any_draft_bytes(bytes in hostile_bytes(MAIL_PIECES), ext in proptest::sample::select(&["eml", "html", "txt"][..])) {
        let name = format!("draft.{ext}");
        if let Ok(outcome) = check(input(&name, bytes), Vec::new()) {
            assert_labels_in_bounds(&outcome, &name);
        }
    }

    /// Any bytes as a recipient list, loaded alone and checked with a draft.
    #[test]
    fn any_list_bytes(bytes in hostile_bytes(LIST_PIECES), ext in proptest::sample::select(&["csv", "vcf", "txt"][..]), column in proptest::option::of(proptest::sample::select(&["email", "E-mail Address", "nope"][..]))) {
        let name = format!("list.{ext}");
        let mut sources = Sources::default();
        let _ = recipients::load(&mut sources, &name, bytes.clone(), column);
        let draft = input("draft.eml", "From: Ann <ann@example.org>\r\nTo: x@example.net\r\nSubject: hi\r\n\r\n<p>Hello</p>\r\n");
        let options = Options { column: column.map(str::to_string), ..Options::default() };
        if let Ok(outcome) = bulklint::check(draft, vec![input(&name, bytes)], &options) {
            assert_labels_in_bounds(&outcome, &name);
        }
    }

    /// Any text as a config file: parsed or refused with a line, never a panic.
    #[test]
    fn any_config_text(text in "(provider|kind|org-domains|column|\\[input\\]|\\[limits\\]|\\[rules\\]|\\[\\[overrides\\]\\]|paths|max-mime-depth|max-draft-bytes|per-message|=|\"|\\[|\\]|[0-9]{1,12}|\n|[a-z-]{1,12}| |,){0,40}") {
        if let Err(e) = bulklint::config::Config::parse(Path::new("bulklint.toml"), &text) {
            prop_assert!(!e.message.is_empty());
        }
    }
}
