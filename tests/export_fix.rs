//! `bulklint export` and `bulklint fix` end to end, in temporary folders: the files a bulk-mail
//! service imports, what is left out and why, and a fixed message that keeps its attachments.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mail_parser::{MessageParser, MimeHeaders};

/// The binary with no colour and no access to the user's home or ledger.
fn bulklint() -> Command {
    let nowhere = std::env::temp_dir().join("bulklint-tests-no-home");
    let mut cmd = Command::cargo_bin("bulklint").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("HOME", &nowhere)
        .env("XDG_DATA_HOME", &nowhere)
        .env_remove("BULKLINT_LEDGER");
    cmd
}

fn stdout(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// Rows of a CSV file, header first.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// `bulklint check --format json` on a file: the rules that fired and the provider chosen.
fn check_json(path: &Path, extra: &[&str]) -> (Vec<String>, String) {
    let mut cmd = bulklint();
    cmd.args(["check", "--isolated", "--as-of", "2026-04-14", "-f", "json"])
        .arg(path)
        .args(extra);
    let out = cmd.output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let rules = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}: {}", f["rule"].as_str().unwrap(), f["message"]))
        .collect();
    let provider = doc["verdicts"][0]["provider"].as_str().unwrap().to_string();
    (rules, provider)
}

/// Findings a check of exported HTML carries over from the draft it came from: export copies
/// the markup as it is, so the template's accessibility and rendering are the source's own.
fn carried_over(finding: &str) -> bool {
    finding
        .split(':')
        .next()
        .and_then(|id| id.parse::<bulklint::RuleId>().ok())
        .is_some_and(|id| {
            use bulklint::model::rule::Category;
            matches!(
                bulklint::rules::rule(id).category,
                Category::Accessibility | Category::Rendering
            )
        })
}

/// The `fix` arguments for the Northwind Bakery newsletter.
const NORTHWIND_FIX: [&str; 6] = [
    "--unsubscribe-url",
    "https://northwind-bakery.ca/unsubscribe?u=42&l=spring",
    "--unsubscribe-mailto",
    "unsubscribe@northwind-bakery.ca",
    "--address",
    "12 Main Street, Ottawa ON K1A 0B1",
];

/// Writes `draft` into `dir`, exports it for Mailchimp into `dir/out` with `extra` arguments,
/// and returns the folder and what was printed.
fn export_draft(dir: &Path, draft: &str, extra: &[&std::ffi::OsStr]) -> (PathBuf, String) {
    let path = dir.join("draft.eml");
    std::fs::write(&path, draft).unwrap();
    let out = dir.join("out");
    let printed = stdout(
        bulklint()
            .args(["export", "--to", "mailchimp", "-o"])
            .arg(&out)
            .arg(&path)
            .args(extra),
        0,
    );
    (out, printed)
}

#[test]
fn mailchimp_export_of_the_outlook_newsletter() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mailchimp-import");
    let printed = stdout(
        bulklint()
            .args([
                "export",
                "examples/spring-specials.eml",
                "--recipients",
                "examples/customers.csv",
                "--to",
                "mailchimp",
                "--as-of",
                "2026-04-14",
                "-o",
            ])
            .arg(&out),
        0,
    );
    assert!(printed.contains("audience.csv (645 contacts)"), "{printed}");
    assert!(
        printed.contains("left out: 3 (1 invalid address, 1 duplicate, 1 sender's own address"),
        "{printed}"
    );

    // The audience: Mailchimp's import header, then valid, unique addresses with their names.
    let audience = csv_rows(&out.join("audience.csv"));
    assert_eq!(audience[0], ["Email Address", "First Name", "Last Name"]);
    assert_eq!(audience.len() - 1, 645);
    let mut seen = std::collections::HashSet::new();
    for row in &audience[1..] {
        assert_eq!(row.len(), 3, "{row:?}");
        bulklint::model::address::validate(&row[0]).unwrap_or_else(|e| panic!("{row:?}: {e}"));
        assert!(
            seen.insert(bulklint::model::address::dedup_key(&row[0])),
            "{row:?} twice"
        );
    }
    assert_eq!(audience[1], ["kgagnon405@example.ca", "Karl", "Gagnon"]);
    assert!(!seen.contains("marie@northwind-bakery.ca"));

    // Nothing silently dropped: the typo, the duplicate and the sender's own To, with reasons.
    let rejected = csv_rows(&out.join("rejected.csv"));
    assert_eq!(
        rejected[0],
        [
            "email",
            "first_name",
            "last_name",
            "problem",
            "reason",
            "source"
        ]
    );
    let find = |email: &str| {
        rejected
            .iter()
            .find(|r| r[0] == email)
            .unwrap_or_else(|| panic!("{email} not in {rejected:?}"))
    };
    let typo = find("tfortin88@example,com");
    assert_eq!(typo[1..4], ["Tina", "Fortin", "invalid-address"]);
    assert_eq!(typo[4], "not a valid address: invalid domain");
    assert_eq!(typo[5], "examples/customers.csv:421");
    let dup = find("bnguyen127@EXAMPLE.NET");
    assert_eq!(
        dup[3..],
        [
            "duplicate",
            "duplicate of line 6",
            "examples/customers.csv:301"
        ]
    );
    assert_eq!(find("marie@northwind-bakery.ca")[3], "sender");
    assert_eq!(rejected.len(), 4);

    // The email: Mailchimp's unsubscribe and address tags in a footer before </body>.
    let html = std::fs::read_to_string(out.join("email.html")).unwrap();
    let unsub = html.find("*|UNSUB|*").expect("unsubscribe tag");
    assert!(html.contains("*|HTML:LIST_ADDRESS_HTML|*"), "{html}");
    assert!(unsub < html.rfind("</body>").unwrap());
    assert!(
        html.contains("Sourdough loaves"),
        "the draft's body is kept"
    );

    // As a template it is Mailchimp's, and the compliance rules have nothing to say.
    let (mut fired, provider) = check_json(&out.join("email.html"), &[]);
    fired.retain(|f| !carried_over(f));
    assert_eq!(provider, "esp");
    for rule in [
        "unsubscribe-missing",
        "unsubscribe-placeholder",
        "sender-identification",
        "merge-tag-syntax",
        "unrendered-merge-tag",
    ] {
        assert!(!fired.iter().any(|f| f.starts_with(rule)), "{fired:?}");
    }
    assert!(fired.is_empty(), "{fired:?}");

    let steps = std::fs::read_to_string(out.join("NEXT-STEPS.md")).unwrap();
    for words in [
        "Import contacts",
        "`audience.csv`: 645 contacts",
        "Paste in code",
        "northwind-bakery.ca",
        "Send a test",
    ] {
        assert!(steps.contains(words), "{words}:\n{steps}");
    }
}

#[test]
fn other_services_get_their_own_header_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    for (service, header, tag) in [
        (
            "sendgrid",
            ["email", "first_name", "last_name"],
            "{{{unsubscribe}}}",
        ),
        (
            "brevo",
            ["EMAIL", "FIRSTNAME", "LASTNAME"],
            "{{ unsubscribe }}",
        ),
    ] {
        let out = dir.path().join(service);
        bulklint()
            .args([
                "export",
                "examples/spring-specials.eml",
                "-r",
                "examples/customers.csv",
                "--to",
                service,
                "--address",
                "12 Main Street, Ottawa ON K1A 0B1",
                "--as-of",
                "2026-04-14",
                "-o",
            ])
            .arg(&out)
            .assert()
            .code(0);
        assert_eq!(csv_rows(&out.join("audience.csv"))[0], header);
        let html = std::fs::read_to_string(out.join("email.html")).unwrap();
        assert!(html.contains(tag), "{service}: {html}");
        let (mut fired, provider) = check_json(&out.join("email.html"), &[]);
        fired.retain(|f| !carried_over(f));
        assert_eq!(provider, "esp", "{service}");
        assert!(fired.is_empty(), "{service}: {fired:?}");
    }
    // Brevo has no address tag: the address comes from --address, and without it is asked for.
    let html = std::fs::read_to_string(dir.path().join("brevo/email.html")).unwrap();
    assert!(
        html.contains("Marie Tremblay<br>12 Main Street, Ottawa ON K1A 0B1"),
        "{html}"
    );
    let err = bulklint()
        .args([
            "export",
            "examples/spring-specials.eml",
            "--to",
            "brevo",
            "-o",
        ])
        .arg(dir.path().join("no-address"))
        .assert()
        .code(2);
    let stderr = String::from_utf8(err.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("--address"), "{stderr}");
}

#[test]
fn consent_names_and_dead_links() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(
        &list,
        "name,email,consent_type,consent_date\n\
         Ann Marie Smith,ann@example.com,express,2019-04-02\n\
         \n\
         \"Roy, Bob\",bob@example.com,implied-purchase,2023-01-10\n\
         Cy Young,cy@example.com,implied-purchase,2025-06-01\n\
         Dee,dee@example.com,,\n",
    )
    .unwrap();
    let draft = dir.path().join("news.html");
    std::fs::write(
        &draft,
        "<html><body><p>News</p><p>Bakery Example, 12 Main Street, Ottawa ON K1A 0B1 · 613-555-0100</p>\
         <p><a href=\"#\">Unsubscribe</a></p></body></html>",
    )
    .unwrap();
    let out = dir.path().join("out");
    let printed = stdout(
        bulklint()
            .args(["export", "--to", "csv", "--as-of", "2026-04-14", "-o"])
            .arg(&out)
            .arg(&draft)
            .arg("-r")
            .arg(&list)
            .args(["--unsubscribe-url", "https://bakery.example/u"]),
        0,
    );
    assert!(
        printed.contains("1 without consent on record, 1 whose consent expired"),
        "{printed}"
    );
    let audience = csv_rows(&out.join("audience.csv"));
    assert_eq!(
        audience,
        [
            [
                "email",
                "first_name",
                "last_name",
                "consent_type",
                "consent_date"
            ],
            [
                "ann@example.com",
                "Ann Marie",
                "Smith",
                "express",
                "2019-04-02"
            ],
            [
                "cy@example.com",
                "Cy",
                "Young",
                "implied-purchase",
                "2025-06-01"
            ],
        ]
    );
    let rejected = csv_rows(&out.join("rejected.csv"));
    let bob = rejected.iter().find(|r| r[0] == "bob@example.com").unwrap();
    assert_eq!(bob[1..4], ["Bob", "Roy", "consent-expired"]);
    assert!(
        bob[4].contains("2023-01-10") && bob[4].contains("lapsed on 2025-01-10"),
        "{bob:?}"
    );
    assert!(bob[5].ends_with("list.csv:4"), "{bob:?}");
    let dee = rejected.iter().find(|r| r[0] == "dee@example.com").unwrap();
    assert_eq!(dee[3], "consent-missing");

    // The body identified its sender already; its dead unsubscribe link now works.
    let html = std::fs::read_to_string(out.join("email.html")).unwrap();
    assert!(
        html.contains("<a href=\"https://bakery.example/u\">Unsubscribe</a>"),
        "{html}"
    );
    assert!(!html.contains("bulklint:footer"), "{html}");
    assert!(
        printed.contains(
            "footer: added the unsubscribe link `https://bakery.example/u` in place of 1 dead one"
        ),
        "{printed}"
    );
}

#[test]
fn names_come_from_google_and_outlook_columns() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("google.csv");
    std::fs::write(
        &list,
        "Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value\n\
         Élodie Roy,Élodie,Roy,* Home,elodie@example.ca ::: e.roy@example.org\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    bulklint()
        .args([
            "export",
            "examples/spring-specials.eml",
            "--to",
            "sendgrid",
            "-o",
        ])
        .arg(&out)
        .arg("-r")
        .arg(&list)
        .assert()
        .code(0);
    let audience = csv_rows(&out.join("audience.csv"));
    assert_eq!(
        audience[1..],
        [
            ["elodie@example.ca", "Élodie", "Roy"],
            ["e.roy@example.org", "Élodie", "Roy"],
        ]
    );
}

#[test]
fn a_text_only_draft_becomes_html() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = export_draft(
        dir.path(),
        "From: Ann Baker <ann@bakery.example>\nTo: bob@example.com\nSubject: Fresh <bread>\n\nHello Bob,\n\nOrder at https://bakery.example/order.\n",
        &[],
    );
    let html = std::fs::read_to_string(out.join("email.html")).unwrap();
    assert!(
        html.contains("<title>Fresh &lt;bread&gt;</title>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://bakery.example/order\">"),
        "{html}"
    );
    assert!(html.contains("*|UNSUB|*"), "{html}");
    let audience = csv_rows(&out.join("audience.csv"));
    assert_eq!(audience[1][0], "bob@example.com");
}

/// A message as Outlook saves it: text and HTML alternatives, an inline logo, and a PDF menu.
fn message_with_attachments(pdf: &[u8], png: &[u8]) -> Vec<u8> {
    use std::fmt::Write;
    let b64 = |bytes: &[u8]| {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for (i, chunk) in bytes.chunks(3).enumerate() {
            if i > 0 && i % 19 == 0 {
                out.push_str("\r\n");
            }
            let n =
                chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
            for k in 0..4 {
                if k <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    };
    let mut m = String::new();
    write!(
        m,
        "From: Marie Tremblay <marie@northwind-bakery.ca>\r\n\
         To: Marie Tremblay <marie@northwind-bakery.ca>\r\n\
         Subject: =?utf-8?q?Sp=C3=A9cial_printemps?=\r\n\
         X-Mailer: Microsoft Outlook 16.0\r\n\
         Thread-Topic: Spring\r\n\
         Date: Tue, 14 Apr 2026 09:12:44 -0400\r\n\
         Message-ID: <spring@northwind-bakery.ca>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"mix\"\r\n\
         Content-Language: en-CA\r\n\
         \r\n\
         --mix\r\n\
         Content-Type: multipart/alternative; boundary=\"alt\"\r\n\
         \r\n\
         --alt\r\n\
         Content-Type: text/plain; charset=\"iso-8859-1\"\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\
         \r\n\
         Sp=E9cial printemps: tarte =E0 la rhubarbe.\r\n\
         \r\n\
         --alt\r\n\
         Content-Type: multipart/related; boundary=\"rel\"; type=\"text/html\"\r\n\
         \r\n\
         --rel\r\n\
         Content-Type: text/html; charset=\"utf-8\"\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         <html><body><p>Spécial printemps <img src=\"cid:logo@northwind\"></p></body></html>\r\n\
         --rel\r\n\
         Content-Type: image/png; name=\"logo.png\"\r\n\
         Content-ID: <logo@northwind>\r\n\
         Content-Disposition: inline; filename=\"logo.png\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {}\r\n\
         --rel--\r\n\
         \r\n\
         --alt--\r\n\
         \r\n\
         --mix\r\n\
         Content-Type: application/pdf; name=\"Menu printemps.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"Menu printemps.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {}\r\n\
         --mix--\r\n",
        b64(png),
        b64(pdf)
    )
    .unwrap();
    m.into_bytes()
}

#[test]
fn fix_adds_headers_and_footer_and_keeps_every_attachment() {
    let pdf: Vec<u8> = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        .iter()
        .copied()
        .chain((0..4000u32).map(|i| (i * 7 + i / 251) as u8))
        .chain(b"\n%%EOF\n".iter().copied())
        .collect();
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n"
        .iter()
        .copied()
        .chain(0..=255u8)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("spring.eml");
    let original = message_with_attachments(&pdf, &png);
    std::fs::write(&draft, &original).unwrap();
    let fixed_path = dir.path().join("fixed.eml");
    let printed = stdout(
        bulklint()
            .arg("fix")
            .arg(&draft)
            .arg("-o")
            .arg(&fixed_path)
            .args(NORTHWIND_FIX),
        0,
    );
    assert!(printed.contains("added List-Unsubscribe"), "{printed}");
    let fixed = std::fs::read(&fixed_path).unwrap();
    let before = MessageParser::default().parse(&original).unwrap();
    let after = MessageParser::default()
        .parse(&fixed)
        .expect("the fixed message parses");

    // Every header kept, in order; the new ones added; Content-Type moved to the end.
    let names = |m: &mail_parser::Message<'_>| {
        m.headers()
            .iter()
            .map(|h| h.name.as_str().to_string())
            .collect::<Vec<_>>()
    };
    let kept: Vec<String> = names(&after)
        .into_iter()
        .filter(|n| !n.starts_with("List-Unsubscribe") && n != "Content-Type")
        .collect();
    let expected: Vec<String> = names(&before)
        .into_iter()
        .filter(|n| n != "Content-Type")
        .collect();
    assert_eq!(kept, expected);
    assert_eq!(after.subject(), Some("Spécial printemps"));
    let text = String::from_utf8_lossy(&fixed);
    assert!(
        text.starts_with("From: Marie Tremblay <marie@northwind-bakery.ca>\r\nTo: "),
        "{text}"
    );
    assert!(
        text.contains("Subject: =?utf-8?q?Sp=C3=A9cial_printemps?=\r\n"),
        "{text}"
    );
    assert!(
        text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
        "{text}"
    );

    // The attachments, byte for byte, with their names, types and Content-IDs.
    let attachment = |m: &mail_parser::Message<'_>, name: &str| {
        m.attachments()
            .find(|a| a.attachment_name() == Some(name))
            .map(|a| {
                (
                    a.contents().to_vec(),
                    a.content_type().map(|c| c.ctype().to_string()),
                    a.content_id().map(str::to_string),
                )
            })
            .unwrap_or_else(|| panic!("no attachment {name}"))
    };
    let pdf_after = attachment(&after, "Menu printemps.pdf");
    assert_eq!(pdf_after.0, pdf);
    assert_eq!(pdf_after.1.as_deref(), Some("application"));
    let logo = attachment(&after, "logo.png");
    assert_eq!(logo.0, png);
    assert_eq!(logo.2.as_deref(), Some("logo@northwind"));
    assert_eq!(attachment(&before, "logo.png"), logo);

    // Both bodies gained the footer; the text part's accents survived its new charset.
    let body_text = after.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(
        body_text.starts_with("Spécial printemps: tarte à la rhubarbe."),
        "{body_text}"
    );
    assert!(
        body_text.contains("Marie Tremblay\n12 Main Street, Ottawa ON K1A 0B1"),
        "{body_text}"
    );
    assert!(body_text.contains("https://northwind-bakery.ca/unsubscribe?u=42&l=spring"));
    let body_html = after.body_html(0).unwrap();
    assert!(
        body_html.contains("<img src=\"cid:logo@northwind\">"),
        "{body_html}"
    );
    assert!(
        body_html.contains("href=\"https://northwind-bakery.ca/unsubscribe?u=42&amp;l=spring\""),
        "{body_html}"
    );

    // The compliance rules it was fixed for now pass, on a bulk send. Its one line of text
    // does not show that it sells: the test says so. Sent from the Outlook mailbox it was
    // written in, the headers would not survive, and the check says so; through a service
    // that sends the file as it is, nothing is left.
    let fixed_rules = [
        "--kind",
        "commercial",
        "--select",
        "unsubscribe-missing,list-unsubscribe-header,sender-identification",
    ];
    let (fired, provider) = check_json(
        &fixed_path,
        &[&["-r", "examples/customers.csv"], &fixed_rules[..]].concat(),
    );
    assert_eq!(provider, "microsoft365");
    assert_eq!(
        fired,
        ["list-unsubscribe-header: \"Microsoft 365 does not send a draft's own List-Unsubscribe headers from a mailbox\""]
    );
    let (fired, _) = check_json(
        &fixed_path,
        &[
            &["-r", "examples/customers.csv", "--provider", "esp"],
            &fixed_rules[..],
        ]
        .concat(),
    );
    assert!(fired.is_empty(), "{fired:?}");
    let (fired, _) = check_json(
        &draft,
        &["-r", "examples/customers.csv", "--kind", "commercial"],
    );
    for rule in [
        "unsubscribe-missing",
        "list-unsubscribe-header",
        "sender-identification",
    ] {
        assert!(
            fired.iter().any(|f| f.starts_with(rule)),
            "{rule} before the fix: {fired:?}"
        );
    }

    // Fixing the fixed message changes nothing.
    let again = dir.path().join("again.eml");
    bulklint()
        .arg("fix")
        .arg(&fixed_path)
        .arg("-o")
        .arg(&again)
        .args(NORTHWIND_FIX)
        .assert()
        .code(0);
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&again).unwrap()),
        String::from_utf8_lossy(&fixed)
    );

    // `-o -`: the message on standard output, what changed on standard error, no file `-`.
    let out = bulklint()
        .current_dir(dir.path())
        .arg("fix")
        .arg(&fixed_path)
        .args(["-o", "-"])
        .args(NORTHWIND_FIX)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&fixed)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has this footer"));
    assert!(!dir.path().join("-").exists());
}

#[test]
fn fix_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.eml");
    for (args, needle) in [
        (
            vec![
                "examples/spring-specials.eml",
                "--unsubscribe-url",
                "http://x.example/u",
            ],
            "https",
        ),
        (
            vec![
                "examples/templates/spring-mailchimp.html",
                "--unsubscribe-url",
                "https://x.example/u",
            ],
            "bulklint export",
        ),
    ] {
        let assert = bulklint()
            .arg("fix")
            .args(&args)
            .args(["--address", "12 Main Street, Ottawa ON K1A 0B1", "-o"])
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains(needle), "{stderr}");
    }
    assert!(!out.exists());
}

#[test]
fn the_bulk_from_mailbox_help_ends_with_the_export_command() {
    let out = bulklint()
        .args([
            "check",
            "--isolated",
            "--as-of",
            "2026-04-14",
            "-f",
            "json",
            "--select",
            "bulk-from-mailbox",
            "examples/spring-specials.eml",
            "--recipients",
            "examples/customers.csv",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let help = doc["findings"][0]["help"].as_str().unwrap();
    assert!(
        help.ends_with("`bulklint export examples/spring-specials.eml --recipients examples/customers.csv --to mailchimp -o mailchimp-import/`"),
        "{help}"
    );
}

/// `export` with the example draft into `out`, with the given list and extra flags.
fn export_into(out: &Path, list: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    bulklint()
        .args([
            "export",
            "examples/spring-specials.eml",
            "--to",
            "mailchimp",
            "--as-of",
            "2026-04-14",
            "-r",
        ])
        .arg(list)
        .arg("-o")
        .arg(out)
        .args(extra)
        .assert()
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

#[cfg(unix)]
#[test]
fn export_replaces_nothing_without_force_and_never_follows_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("import");
    std::fs::create_dir(&out).unwrap();
    let notes = out.join("NEXT-STEPS.md");
    std::fs::write(&notes, "my own notes").unwrap();
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "not bulklint's").unwrap();
    std::os::unix::fs::symlink(&outside, out.join("email.html")).unwrap();
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customers.csv");

    let refused = export_into(&out, &list, &[]).code(2);
    let stderr = stderr_of(&refused);
    assert!(
        stderr.contains("would replace")
            && stderr.contains("email.html")
            && stderr.contains("NEXT-STEPS.md"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my own notes");
    assert!(
        !out.join("audience.csv").exists(),
        "nothing is written when anything is refused"
    );

    export_into(&out, &list, &["--force"]).code(0);
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not bulklint's");
    let html = out.join("email.html");
    assert!(!html.symlink_metadata().unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&html)
        .unwrap()
        .contains("*|UNSUB|*"));
    assert!(std::fs::read_to_string(&notes)
        .unwrap()
        .starts_with("# Next steps"));
}

#[test]
fn export_never_overwrites_its_own_list() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("audience.csv");
    let original =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customers.csv"))
            .unwrap();
    std::fs::write(&list, &original).unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let refused = export_into(dir.path(), &list, extra).code(2);
        assert!(
            stderr_of(&refused).contains("never overwritten"),
            "{}",
            stderr_of(&refused)
        );
        assert_eq!(std::fs::read(&list).unwrap(), original);
    }
}

#[test]
fn csv_cells_that_would_run_as_formulas_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    std::fs::write(
        &list,
        "email,first name,last name\n\
         ann@example.com,=HYPERLINK(\"https://evil.example\"),+Smith\n\
         =1+1@example.com,Bob,Jones\n\
         @bob@example.com,Bob,Jones\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    export_into(&out, &list, &[]).code(0);
    let audience = csv_rows(&out.join("audience.csv"));
    assert_eq!(audience.len(), 2, "{audience:?}");
    assert_eq!(
        audience[1],
        [
            "ann@example.com",
            "'=HYPERLINK(\"https://evil.example\")",
            "'+Smith"
        ]
    );
    let rejected = csv_rows(&out.join("rejected.csv"));
    let formula = rejected
        .iter()
        .find(|r| r[0] == "'=1+1@example.com")
        .unwrap_or_else(|| panic!("{rejected:?}"));
    assert_eq!(formula[3], "invalid-address");
    assert!(formula[4].contains("formula"), "{formula:?}");
    for row in audience.iter().chain(&rejected) {
        for cell in row {
            assert!(!bulklint::model::spreadsheet::is_formula(cell), "{row:?}");
        }
    }
}

/// `fix -o` onto its own draft when the disk fills: the draft stays byte for byte as it was.
/// The full disk is a file size limit (`ulimit -f`) with SIGXFSZ ignored, so the write fails
/// with EFBIG the way it fails with ENOSPC on a full filesystem.
#[cfg(unix)]
#[test]
fn fix_onto_its_own_draft_on_a_full_disk_leaves_the_draft_whole() {
    let pdf: Vec<u8> = (0..60_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("spring.eml");
    let original = message_with_attachments(&pdf, b"\x89PNG\r\n\x1a\n");
    std::fs::write(&draft, &original).unwrap();
    let fix_args = [
        "--unsubscribe-url",
        "https://northwind-bakery.ca/unsubscribe",
        "--address",
        "12 Main Street, Ottawa ON K1A 0B1",
    ];

    let refused = bulklint()
        .arg("fix")
        .arg(&draft)
        .arg("-o")
        .arg(&draft)
        .args(fix_args)
        .assert()
        .code(2);
    assert!(
        stderr_of(&refused).contains("--force"),
        "{}",
        stderr_of(&refused)
    );

    // 16 blocks: 8 KiB under dash, 16 KiB under bash, both far less than the fixed draft.
    let script = "trap '' XFSZ; ulimit -f 16; exec \"$@\"";
    let full = std::process::Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(assert_cmd::cargo::cargo_bin("bulklint"))
        .arg("fix")
        .arg(&draft)
        .arg("-o")
        .arg(&draft)
        .arg("--force")
        .args(fix_args)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert_eq!(full.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nothing was replaced"), "{stderr}");
    assert_eq!(std::fs::read(&draft).unwrap(), original);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["spring.eml"], "no temporary file is left behind");

    bulklint()
        .arg("fix")
        .arg(&draft)
        .arg("-o")
        .arg(&draft)
        .arg("--force")
        .args(fix_args)
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&std::fs::read(&draft).unwrap()).contains("List-Unsubscribe"));
}

#[test]
fn export_writes_an_outlook_drafts_embedded_pictures_beside_the_email() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "ann@customers.example\n").unwrap();
    let (out, printed) = export_draft(
        dir.path(),
        "From: Marie <marie@northwind-bakery.ca>\r\nTo: marie@northwind-bakery.ca\r\nSubject: Spring specials\r\nX-Mailer: Microsoft Outlook 16.0\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Pie $18.</p><img src=\"cid:image001.png@01DA\"><img src=\"cid:lost@01DA\"></body></html>\r\n--rel\r\nContent-Type: image/png; name=\"image001.png\"\r\nContent-ID: <image001.png@01DA>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--rel--\r\n",
        &["-r".as_ref(), list.as_os_str(), "--as-of".as_ref(), "2026-04-14".as_ref()],
    );
    assert!(
        printed.contains("images: 1 embedded image written to"),
        "{printed}"
    );
    assert!(
        printed.contains("`cid:lost@01DA`, which is not in the draft"),
        "{printed}"
    );
    let image = std::fs::read(out.join("images/image001.png")).unwrap();
    assert_eq!(image, b"\x89PNG\r\n\x1a\n");
    let html = std::fs::read_to_string(out.join("email.html")).unwrap();
    assert!(html.contains("src=\"images/image001.png\""), "{html}");
    let steps = std::fs::read_to_string(out.join("NEXT-STEPS.md")).unwrap();
    assert!(steps.contains("## Images"), "{steps}");
}
