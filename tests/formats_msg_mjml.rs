//! The formats people really have: Outlook `.msg` items and MJML templates.
//!
//! No licensed real `.msg` can be shipped, so the `.msg` files are built here with the `cfb`
//! crate, stream by stream as MS-OXMSG lays them out (top-level properties, one storage per
//! recipient and attachment, the named-property storage), from the same content as an `.eml`
//! where the two are compared.

use std::io::{Cursor, Write};

use bulklint::load::draft::{self, AddressField, DraftFormat};
use bulklint::model::source::Sources;
use bulklint::{check, Input, Options};

// ---------------------------------------------------------------------------------------------
// Building .msg files

const TO: u32 = 1;
const CC: u32 = 2;
const BCC: u32 = 3;

#[derive(Default, Clone)]
struct Msg {
    subject: Option<String>,
    from: Option<(String, String)>,
    /// (PR_RECIPIENT_TYPE, display name, SMTP address or, for `exchange`, a DN)
    recipients: Vec<(u32, String, String)>,
    /// Recipients known only by an Exchange DN (no PR_SMTP_ADDRESS).
    exchange: Vec<(String, String)>,
    body: Option<String>,
    html: Option<String>,
    /// The PR_RTF_COMPRESSED stream, already compressed.
    rtf: Option<Vec<u8>>,
    transport_headers: Option<String>,
    attachments: Vec<(String, Vec<u8>)>,
}

/// A Unicode string property's stream: UTF-16LE, without the terminating NUL (MS-OXMSG 2.1.3).
fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The properties of one storage, written as its streams.
#[derive(Default)]
struct Props {
    streams: Vec<(u32, Vec<u8>)>,
    fixed: Vec<(u32, [u8; 8])>,
}

impl Props {
    fn string(&mut self, id: u16, value: &str) -> &mut Self {
        self.streams
            .push(((u32::from(id) << 16) | 0x001F, utf16(value)));
        self
    }
    fn binary(&mut self, id: u16, value: &[u8]) -> &mut Self {
        self.streams
            .push(((u32::from(id) << 16) | 0x0102, value.to_vec()));
        self
    }
    fn long(&mut self, id: u16, value: u32) -> &mut Self {
        let mut v = [0u8; 8];
        v[..4].copy_from_slice(&value.to_le_bytes());
        self.fixed.push(((u32::from(id) << 16) | 0x0003, v));
        self
    }

    /// Writes the streams under `storage`; `header` is the `__properties_version1.0` header.
    fn write(&self, cf: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, storage: &str, header: &[u8]) {
        let mut table = header.to_vec();
        for (tag, data) in &self.streams {
            cf.create_stream(format!("{storage}/__substg1.0_{tag:08X}"))
                .unwrap()
                .write_all(data)
                .unwrap();
            // Variable-size properties are listed too, with their size, which counts the
            // terminating NUL of a string that the stream leaves out (MS-OXMSG 2.4.2.2).
            let nul = if tag & 0xFFFF == 0x001F { 2 } else { 0 };
            table.extend_from_slice(&tag.to_le_bytes());
            table.extend_from_slice(&6u32.to_le_bytes());
            table.extend_from_slice(&(data.len() as u32 + nul).to_le_bytes());
            table.extend_from_slice(&0u32.to_le_bytes());
        }
        for (tag, value) in &self.fixed {
            table.extend_from_slice(&tag.to_le_bytes());
            table.extend_from_slice(&6u32.to_le_bytes());
            table.extend_from_slice(value);
        }
        cf.create_stream(format!("{storage}/__properties_version1.0"))
            .unwrap()
            .write_all(&table)
            .unwrap();
    }
}

/// A minimal valid `.msg` (MS-OXMSG) holding `m`.
fn build_msg(m: &Msg) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let mut root = Props::default();
    root.string(0x001A, "IPM.Note");
    if let Some(s) = &m.subject {
        root.string(0x0037, s);
    }
    if let Some((name, address)) = &m.from {
        root.string(0x0C1A, name)
            .string(0x0C1E, "SMTP")
            .string(0x0C1F, address)
            .string(0x5D01, address)
            .string(0x0042, name)
            .string(0x0064, "SMTP")
            .string(0x0065, address);
    }
    if let Some(b) = &m.body {
        root.string(0x1000, b);
    }
    if let Some(h) = &m.html {
        root.binary(0x1013, h.as_bytes()).long(0x3FDE, 65001);
    }
    if let Some(r) = &m.rtf {
        root.binary(0x1009, r);
    }
    if let Some(t) = &m.transport_headers {
        root.string(0x007D, t);
    }
    let recipients = m.recipients.len() + m.exchange.len();
    let mut header = vec![0u8; 8];
    for n in [
        recipients,
        m.attachments.len(),
        recipients,
        m.attachments.len(),
    ] {
        header.extend_from_slice(&(n as u32).to_le_bytes());
    }
    header.extend_from_slice(&[0u8; 8]);
    root.write(&mut cf, "", &header);

    let mut n = 0;
    for (kind, name, address) in &m.recipients {
        let storage = format!("/__recip_version1.0_#{n:08X}");
        cf.create_storage(&storage).unwrap();
        let mut p = Props::default();
        p.long(0x0C15, *kind)
            .string(0x3001, name)
            .string(0x3002, "SMTP")
            .string(0x3003, address)
            .string(0x39FE, address);
        p.write(&mut cf, &storage, &[0u8; 8]);
        n += 1;
    }
    for (name, dn) in &m.exchange {
        let storage = format!("/__recip_version1.0_#{n:08X}");
        cf.create_storage(&storage).unwrap();
        let mut p = Props::default();
        p.long(0x0C15, TO)
            .string(0x3001, name)
            .string(0x3002, "EX")
            .string(0x3003, dn);
        p.write(&mut cf, &storage, &[0u8; 8]);
        n += 1;
    }
    for (i, (name, data)) in m.attachments.iter().enumerate() {
        let storage = format!("/__attach_version1.0_#{i:08X}");
        cf.create_storage(&storage).unwrap();
        let mut p = Props::default();
        p.string(0x3707, name)
            .string(0x3704, &name.chars().take(8).collect::<String>())
            .string(0x370E, "application/pdf")
            .binary(0x3701, data)
            .long(0x3705, 1);
        p.write(&mut cf, &storage, &[0u8; 8]);
    }
    cf.create_storage("/__nameid_version1.0").unwrap();
    for s in ["00020102", "00030102", "00040102"] {
        cf.create_stream(format!("/__nameid_version1.0/__substg1.0_{s}"))
            .unwrap();
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

/// `rtf` as a PR_RTF_COMPRESSED stream of the uncompressed kind ("MELA", MS-OXRTFCP 2.1.3.1.1).
fn mela(rtf: &str) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&((rtf.len() + 12) as u32).to_le_bytes());
    out.extend_from_slice(&(rtf.len() as u32).to_le_bytes());
    out.extend_from_slice(b"MELA");
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(rtf.as_bytes());
    out
}

fn load(name: &str, bytes: Vec<u8>) -> (Sources, draft::Draft) {
    let mut sources = Sources::default();
    let d = draft::load(&mut sources, name, bytes).unwrap();
    (sources, d)
}

fn run(name: &str, bytes: Vec<u8>) -> bulklint::Outcome {
    check(
        Input {
            name: name.into(),
            bytes,
        },
        Vec::new(),
        &Options::default(),
    )
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// One newsletter, as Outlook would save it and as an .eml

const SUBJECT: &str = "Spring specials at Northwind Bakery";
const HTML: &str = "<html><body>\r\n<p class=\"MsoNormal\">Dear customer,</p>\r\n<p class=\"MsoNormal\">Our spring menu is here: lemon tarts, rhubarb pies and hot cross buns. See <a href=\"https://northwind-bakery.ca/menu\">the menu</a>.</p>\r\n<p class=\"MsoNormal\">Thanks for being a loyal customer!</p>\r\n</body></html>\r\n";
const TEXT: &str = "Dear customer,\r\n\r\nOur spring menu is here: lemon tarts, rhubarb pies and hot cross buns. See the menu: https://northwind-bakery.ca/menu\r\n\r\nThanks for being a loyal customer!\r\n";

fn customers(n: usize) -> Vec<(u32, String, String)> {
    let domains = ["example.com", "example.org", "example.net", "mail.example"];
    (0..n)
        .map(|i| {
            let kind = if i < 10 { TO } else { BCC };
            (
                kind,
                format!("Customer {i}"),
                format!("customer{i}@{}", domains[i % domains.len()]),
            )
        })
        .collect()
}

fn newsletter_msg(recipients: Vec<(u32, String, String)>) -> Msg {
    Msg {
        subject: Some(SUBJECT.into()),
        from: Some(("Marie Tremblay".into(), "marie@northwind-bakery.ca".into())),
        recipients,
        body: Some(TEXT.into()),
        html: Some(HTML.into()),
        ..Msg::default()
    }
}

fn newsletter_eml(recipients: &[(u32, String, String)]) -> Vec<u8> {
    let list = |kind: u32| {
        recipients
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, name, address)| format!("{name} <{address}>"))
            .collect::<Vec<_>>()
            .join(",\r\n ")
    };
    format!(
        "From: Marie Tremblay <marie@northwind-bakery.ca>\r\nTo: {}\r\nBcc: {}\r\nSubject: {SUBJECT}\r\nX-Mailer: Microsoft Outlook 16.0\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{TEXT}\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{HTML}\r\n--b1--\r\n",
        list(TO),
        list(BCC)
    )
    .into_bytes()
}

fn rules_and_messages(outcome: &bulklint::Outcome) -> Vec<(String, String)> {
    outcome
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.message.clone()))
        .collect()
}

#[test]
fn a_msg_with_600_recipients_finds_what_the_same_eml_finds() {
    let people = customers(600);
    let msg = run("spring.msg", build_msg(&newsletter_msg(people.clone())));
    let eml = run("spring.eml", newsletter_eml(&people));

    assert_eq!(msg.send.draft.recipients.len(), 600);
    assert_eq!(
        msg.send
            .draft
            .recipients
            .iter()
            .filter(|r| r.field == AddressField::Bcc)
            .count(),
        590
    );
    assert_eq!(rules_and_messages(&msg), rules_and_messages(&eml));
    let rules: Vec<String> = rules_and_messages(&msg)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    for rule in [
        "recipient-limit",
        "bulk-from-mailbox",
        "unsubscribe-missing",
    ] {
        assert!(rules.iter().any(|r| r == rule), "{rule} missing: {rules:?}");
    }
    assert!(!rules.iter().any(|r| r == "input-problem"), "{rules:?}");
    assert_eq!(msg.send.provider.profile.id, eml.send.provider.profile.id);
    assert_eq!(msg.send.provider.profile.id, "microsoft365");
    assert_eq!(msg.verdict.recipients, eml.verdict.recipients);

    // Every label of the .msg points into a text bulklint made from it, never at a line of
    // the binary file.
    for f in &msg.findings {
        for label in &f.labels {
            let source = msg.send.sources.get(label.source);
            assert!(source.name.starts_with("spring.msg ("), "{}", source.name);
            assert!(!source.in_file);
            assert!(source.text.get(label.span.clone()).is_some());
        }
    }
}

#[test]
fn msg_headers_are_written_so_labels_have_a_place() {
    let (sources, d) = load(
        "news.msg",
        build_msg(&newsletter_msg(vec![
            (TO, "Ann Example".into(), "ann@example.com".into()),
            (CC, "Doe, John".into(), "john@example.org".into()),
            (BCC, String::new(), "bcc@example.net".into()),
        ])),
    );
    assert_eq!(d.format, DraftFormat::Message);
    let headers = &sources.get(d.source);
    assert_eq!(headers.name, "news.msg (headers)");
    assert_eq!(
        headers.text,
        "From: Marie Tremblay <marie@northwind-bakery.ca>\r\nTo: Ann Example <ann@example.com>\r\nCc: \"Doe, John\" <john@example.org>\r\nBcc: bcc@example.net\r\nSubject: Spring specials at Northwind Bakery\r\nX-Mailer: Microsoft Outlook\r\n"
    );
    assert_eq!(d.header_value("Subject"), Some(SUBJECT));
    assert_eq!(d.header_value("X-Mailer"), Some("Microsoft Outlook"));
    assert_eq!(
        d.from_address().as_deref(),
        Some("marie@northwind-bakery.ca")
    );
    let fields: Vec<_> = d.recipients.iter().map(|r| r.field).collect();
    assert_eq!(
        fields,
        [AddressField::To, AddressField::Cc, AddressField::Bcc]
    );
    for r in &d.recipients {
        assert_eq!(&headers.text[r.span.clone()], r.address);
    }
    let html = d.html.as_ref().unwrap();
    assert_eq!(sources.get(html.source).name, "news.msg (HTML body)");
    assert_eq!(
        html.links[0].href.as_deref(),
        Some("https://northwind-bakery.ca/menu")
    );
    let text = d.text.as_ref().unwrap();
    assert_eq!(text.content, TEXT);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
}

#[test]
fn transport_headers_feed_provider_detection() {
    let mut m = newsletter_msg(vec![
        (TO, "Ann".into(), "ann@example.com".into()),
        (BCC, "Bob".into(), "bob@example.org".into()),
    ]);
    m.transport_headers = Some(
        "Received: from mail-wr1-f41.google.com (mail-wr1-f41.google.com [209.85.221.41])\r\n\tby mx.example.com\r\nFrom: Marie <marie@gmail.com>\r\nTo: Ann <ann@example.com>\r\nSubject: =?utf-8?q?Spring_specials_=E2=80=94_Northwind?=\r\nMessage-ID: <CAF=abc123@mail.gmail.com>\r\n\r\n"
            .into(),
    );
    let (sources, d) = load("received.msg", build_msg(&m));
    assert_eq!(
        d.header_value("Subject"),
        Some("Spring specials — Northwind"),
        "encoded words decoded as in an .eml"
    );
    assert_eq!(
        d.header_value("X-Mailer"),
        None,
        "the transport headers say who sent it"
    );
    // Bcc is never in transport headers: it is added from the recipient table.
    let text = &sources.get(d.source).text;
    assert!(text.ends_with("Bcc: Bob <bob@example.org>\r\n"), "{text}");
    assert_eq!(d.recipients.len(), 2);
    for r in &d.recipients {
        assert_eq!(&text[r.span.clone()], r.address);
    }
    let outcome = run("received.msg", build_msg(&m));
    assert_eq!(outcome.send.provider.profile.id, "gmail");
}

#[test]
fn an_rtf_only_body_gives_back_its_html() {
    let rtf = r#"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl {\f0\fswiss\fcharset0 Arial;}}
{\colortbl\red0\green0\blue255;}
{\*\htmltag19 <html>}{\*\htmltag34 <body>}
{\*\htmltag64 <p class="MsoNormal">}\htmlrtf {\htmlrtf0 Our spring menu is here: cr\'e8me br\'fbl\'e9e \u8212? and more.\htmlrtf\par}\htmlrtf0
{\*\htmltag72 </p>}
{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 Northwind Bakery, 12 Main Street, Ottawa ON K1A 0B1, 613-555-0100.\htmlrtf\par}\htmlrtf0 {\*\htmltag84 <a href="https://northwind-bakery.ca/unsubscribe?id=1&amp;l=2">}\htmlrtf {\field{\*\fldinst{HYPERLINK "https://northwind-bakery.ca/unsubscribe?id=1&l=2"}}{\fldrslt\cf0\ul \htmlrtf0 Unsubscribe\htmlrtf }}\htmlrtf0 {\*\htmltag92 </a>}{\*\htmltag72 </p>}
{\*\htmltag50 </body>}{\*\htmltag27 </html>}}"#;
    let mut m = newsletter_msg(vec![(TO, "Ann".into(), "ann@example.com".into())]);
    m.html = None;
    m.rtf = Some(mela(rtf));
    let (sources, d) = load("rtf.msg", build_msg(&m));
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    let html = d.html.as_ref().expect("HTML recovered from the RTF");
    assert_eq!(
        sources.get(html.source).name,
        "rtf.msg (HTML body, from RTF)"
    );
    assert!(
        html.visible_text.contains("crème brûlée — and more."),
        "{}",
        html.visible_text
    );
    assert_eq!(html.links.len(), 1);
    assert_eq!(
        html.links[0].href.as_deref(),
        Some("https://northwind-bakery.ca/unsubscribe?id=1&l=2")
    );
    assert_eq!(html.links[0].text, "Unsubscribe");
    let outcome = run("rtf.msg", build_msg(&m));
    assert!(
        !outcome
            .findings
            .iter()
            .any(|f| f.rule == "unsubscribe-missing" || f.rule == "input-problem"),
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn native_rich_text_is_a_problem_and_the_plain_body_is_checked() {
    let mut m = newsletter_msg(vec![(TO, "Ann".into(), "ann@example.com".into())]);
    m.html = None;
    m.rtf = Some(mela(
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}\f0\fs22 Dear customer,\par Our spring menu is here.\par}",
    ));
    let (sources, d) = load("rich.msg", build_msg(&m));
    assert!(d.html.is_none());
    assert_eq!(d.text.as_ref().unwrap().content, TEXT);
    assert_eq!(d.problems.len(), 1);
    let p = &d.problems[0];
    assert!(
        p.message.contains("rich text (RTF) with no HTML"),
        "{}",
        p.message
    );
    assert!(p.message.contains("plain-text body was checked instead"));
    let label = p.label.as_ref().unwrap();
    assert_eq!(sources.get(label.source).name, "rich.msg (text body)");

    let outcome = run("rich.msg", build_msg(&m));
    assert!(outcome.findings.iter().any(|f| f.rule == "input-problem"));

    // A corrupt stream says so too.
    let mut broken = m.clone();
    broken.rtf = Some(b"LZFu but far too short".to_vec());
    let (_, d) = load("broken.msg", build_msg(&broken));
    assert!(
        d.problems[0].message.contains("could not be decompressed"),
        "{}",
        d.problems[0].message
    );
}

#[test]
fn attachments_and_exchange_only_recipients() {
    let mut m = newsletter_msg(vec![(TO, "Ann".into(), "ann@example.com".into())]);
    m.attachments = vec![("Spring menu 2025.pdf".into(), vec![7u8; 12_345])];
    m.exchange = vec![(
        "Bob Internal".into(),
        "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=BOB".into(),
    )];
    let (_, d) = load("attach.msg", build_msg(&m));
    assert_eq!(d.attachments.len(), 1);
    assert_eq!(
        d.attachments[0].name.as_deref(),
        Some("Spring menu 2025.pdf")
    );
    assert_eq!(d.attachments[0].size, 12_345);
    assert_eq!(d.attachments[0].content_type, "application/pdf");
    assert_eq!(d.recipients.len(), 1);
    assert_eq!(d.problems.len(), 1);
    assert!(
        d.problems[0]
            .message
            .contains("1 recipient in the .msg has no internet address"),
        "{}",
        d.problems[0].message
    );
}

#[test]
fn msg_is_sniffed_by_its_magic_whatever_its_name() {
    let bytes = build_msg(&newsletter_msg(customers(3)));
    assert_eq!(draft::sniff("draft.txt", &bytes), DraftFormat::Message);
    assert_eq!(draft::sniff("noext", &bytes), DraftFormat::Message);
    let (_, d) = load("saved-as.bin", bytes);
    assert_eq!(d.recipients.len(), 3);

    // The magic of a compound file and nothing valid after it: a diagnostic, not a panic.
    let mut junk = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    junk.extend(std::iter::repeat_n(0xAB, 600));
    let err = draft::load(&mut Sources::default(), "junk.msg", junk).unwrap_err();
    assert_eq!(err.file, "junk.msg");
    assert!(
        err.message.contains("not a readable Outlook item"),
        "{}",
        err.message
    );

    // A compound file that is no Outlook item (a Word document, say).
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    cf.create_stream("/WordDocument")
        .unwrap()
        .write_all(&[0u8; 600])
        .unwrap();
    cf.flush().unwrap();
    let doc = cf.into_inner().into_inner();
    let err = draft::load(&mut Sources::default(), "letter.doc", doc).unwrap_err();
    assert!(
        err.message.contains("no message properties"),
        "{}",
        err.message
    );
}

#[test]
fn the_binary_checks_a_msg_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spring.msg");
    std::fs::write(&path, build_msg(&newsletter_msg(customers(600)))).unwrap();
    let nowhere = std::env::temp_dir().join("bulklint-tests-no-home");
    let out = assert_cmd::Command::cargo_bin("bulklint")
        .unwrap()
        .env("NO_COLOR", "1")
        .env("HOME", &nowhere)
        .env("XDG_DATA_HOME", &nowhere)
        .env_remove("BULKLINT_LEDGER")
        .args(["check", "--isolated"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("recipient-limit: 600 recipients"),
        "{stdout}"
    );
    assert!(stdout.contains("spring.msg (headers)"), "{stdout}");
}

// ---------------------------------------------------------------------------------------------
// MJML

const NEWSLETTER_MJML: &str = r#"<mjml>
  <mj-head>
    <mj-title>Spring at Northwind</mj-title>
    <mj-preview>Fresh croissants &amp; spring specials</mj-preview>
  </mj-head>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-image src="https://northwind-bakery.ca/logo.png" alt="Northwind Bakery" href="https://northwind-bakery.ca/" />
        <mj-text font-size="20px">Spring specials at Northwind &amp; Co.</mj-text>
        <mj-text>
          Dear customer, our <b>spring menu</b> is here: lemon tarts,
          rhubarb pies and <a href="https://northwind-bakery.ca/menu?a=1&amp;b=2">the full menu</a>.
        </mj-text>
        <mj-button href="https://northwind-bakery.ca/order">Order now</mj-button>
        <mj-social>
          <mj-social-element name="facebook" href="https://northwind-bakery.ca/">Share</mj-social-element>
        </mj-social>
        <mj-text>Thanks for being a loyal customer!</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"#;

fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).expect("needle in text");
    1 + text[..at].matches('\n').count()
}

#[test]
fn mjml_without_unsubscribe_points_at_the_last_line_of_its_body() {
    let outcome = run("news.mjml", NEWSLETTER_MJML.as_bytes().to_vec());
    assert_eq!(outcome.send.draft.format, DraftFormat::Mjml);
    let finding = outcome
        .findings
        .iter()
        .find(|f| f.rule == "unsubscribe-missing")
        .expect("unsubscribe-missing fires");
    let label = &finding.labels[0];
    let source = outcome.send.sources.get(label.source);
    assert_eq!(source.name, "news.mjml");
    assert!(source.in_file);
    let (line, _) = source.line_col(label.span.start);
    assert_eq!(
        line,
        line_of(
            NEWSLETTER_MJML,
            "<mj-text>Thanks for being a loyal customer!"
        )
    );
}

#[test]
fn mjml_links_images_and_text_map_back_to_their_lines() {
    let (sources, d) = load("news.mjml", NEWSLETTER_MJML.as_bytes().to_vec());
    let html = d.html.as_ref().unwrap();
    assert_eq!(html.source, d.source);
    let src = &sources.get(d.source).text;
    let rendered = sources
        .by_name("news.mjml (rendered HTML)")
        .expect("the rendered HTML is a source");
    assert!(rendered.text.contains("Order now"));
    assert_eq!(
        draft::mjml::render("news.mjml", NEWSLETTER_MJML).unwrap(),
        rendered.text,
        "the HTML for whoever needs it, as the checks saw it"
    );
    assert!(!rendered.in_file);

    let at = |span: &std::ops::Range<usize>| &src[span.clone()];
    let link = |href: &str| {
        html.links
            .iter()
            .find(|l| l.href.as_deref() == Some(href))
            .unwrap_or_else(|| panic!("no link {href}: {:#?}", html.links))
    };
    assert!(at(&link("https://northwind-bakery.ca/menu?a=1&b=2").span).starts_with("<a href="));
    assert!(at(&link("https://northwind-bakery.ca/order").span).starts_with("<mj-button "));
    assert!(at(&link("https://northwind-bakery.ca/").span).starts_with("<mj-image "));
    let share = html
        .links
        .iter()
        .find(|l| l.text == "Share")
        .expect("the social link");
    assert!(
        at(&share.span).starts_with("<mj-social-element "),
        "{}",
        at(&share.span)
    );
    assert!(at(&html.images[0].span).starts_with("<mj-image "));

    let run = |text: &str| {
        html.texts
            .iter()
            .find(|t| t.text.contains(text))
            .unwrap_or_else(|| panic!("no text {text}: {:#?}", html.texts))
    };
    assert_eq!(at(&run("Dear customer").span), "Dear customer, our");
    assert_eq!(
        at(&run("is here").span),
        "is here: lemon tarts,\n          rhubarb pies and"
    );
    assert_eq!(
        at(&run("Thanks").span),
        "Thanks for being a loyal customer!"
    );
    for span in html
        .texts
        .iter()
        .map(|t| &t.span)
        .chain(html.links.iter().map(|l| &l.span))
        .chain(html.images.iter().map(|i| &i.span))
    {
        assert!(
            src.get(span.clone()).is_some(),
            "{span:?} is not a span of the .mjml"
        );
    }
}

#[test]
fn mjml_errors_name_the_file_and_line() {
    let unclosed = "<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text>Hi</mj-text>\n      </mj-column>\n  </mj-body>\n</mjml>\n";
    let err = draft::load(&mut Sources::default(), "bad.mjml", unclosed.into()).unwrap_err();
    assert_eq!(err.file, "bad.mjml");
    assert_eq!(err.line, Some(3), "{}", err.message);
    assert!(
        err.message.contains("`<mj-section>` is not closed"),
        "{}",
        err.message
    );

    let include =
        "<mjml>\n  <mj-body>\n    <mj-include path=\"./footer.mjml\" />\n  </mj-body>\n</mjml>\n";
    // `<mj-include>` is no error: it is left out and reported as a load problem on its line.
    let mut sources = Sources::default();
    let loaded = draft::load(&mut sources, "inc.mjml", include.into()).unwrap();
    let problem = &loaded.problems[0];
    assert!(
        problem.message.contains("mj-include"),
        "{}",
        problem.message
    );
    let label = problem.label.as_ref().unwrap();
    assert_eq!(sources.get(label.source).line_col(label.span.start).0, 3);

    let broken = "<mjml>\n<mj-body>\n<mj-text>a <b</mj-text></mj-body></mjml>";
    let err = draft::load(&mut Sources::default(), "x.mjml", broken.into()).unwrap_err();
    assert_eq!(err.line, Some(3), "{}", err.message);

    // Nesting that would overflow mrml's recursive parser is refused before it.
    let deep = format!(
        "<mjml><mj-body><mj-section><mj-column><mj-text>{}x{}</mj-text></mj-column></mj-section></mj-body></mjml>",
        "<div>".repeat(5000),
        "</div>".repeat(5000)
    );
    let err = draft::load(&mut Sources::default(), "deep.mjml", deep.into()).unwrap_err();
    assert!(err.message.contains("nested more than"), "{}", err.message);
}

#[test]
fn mjml_is_sniffed_by_content_or_extension() {
    let bytes = NEWSLETTER_MJML.as_bytes();
    assert_eq!(draft::sniff("newsletter", bytes), DraftFormat::Mjml);
    assert_eq!(draft::sniff("newsletter.html", bytes), DraftFormat::Mjml);
    assert_eq!(
        draft::sniff(
            "x.mjml",
            b"  <!-- footer -->\n<mjml><mj-body></mj-body></mjml>"
        ),
        DraftFormat::Mjml
    );
    assert_eq!(draft::sniff("x.mjml", b"not really"), DraftFormat::Mjml);
}

#[test]
fn damaged_files_are_diagnostics_never_crashes() {
    let mut m = newsletter_msg(customers(3));
    m.rtf = Some(mela(r"{\rtf1\ansi\fromhtml1 {\*\htmltag19 <html>}hi}"));
    m.attachments = vec![("menu.pdf".into(), vec![1u8; 3000])];
    let good = build_msg(&m);
    // Truncated anywhere, and bytes overwritten anywhere (a fixed pseudo-random walk).
    let mut damaged: Vec<Vec<u8>> = (1..40)
        .map(|i| good[..good.len() * i / 40].to_vec())
        .collect();
    let mut state = 0x2545_f491_u32;
    for _ in 0..300 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let mut bytes = good.clone();
        let at = (state as usize >> 3) % bytes.len();
        bytes[at] = (state >> 24) as u8;
        damaged.push(bytes);
    }
    for bytes in damaged {
        let _ = draft::load(&mut Sources::default(), "damaged.msg", bytes);
    }

    let lines: Vec<&str> = NEWSLETTER_MJML.split_inclusive('\n').collect();
    for n in 0..lines.len() {
        let cut: String = lines[..n].concat();
        let _ = draft::load(&mut Sources::default(), "cut.mjml", cut.into_bytes());
    }
}
