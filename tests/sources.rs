//! Every law, limit and tag bulklint states is cited to a primary source: the statute, the
//! regulator, or the vendor's own documentation. Users and their lawyers trust those, not blogs,
//! law-firm summaries, university IT pages or gists that quote them (and may be out of date).
//!
//! This test reads every rule file under `rules/` (no network) and checks every http(s) URL in
//! it, whatever the field: `[[laws]]` urls, `source` fields, and URLs inside the `why`, `what`
//! and `fix` texts. URLs on hosts reserved for examples (RFC 2606 and RFC 6761 names such as
//! example.com and `*.test`) and on the template placeholder domains of
//! rules/unsubscribe-placeholder.toml (yourdomain.com, ...) are examples shown to the reader, not
//! sources, and are skipped. Every other URL must be https and on [`PRIMARY`].

use std::path::{Path, PathBuf};

/// Primary sources: a host (which also admits its subdomains, e.g. `www.`) or a host and path
/// prefix, each with why it is primary. A new source goes here only if it is the law itself,
/// its regulator, or the vendor describing its own product.
const PRIMARY: &[(&str, &str)] = &[
    // Laws and regulators.
    (
        "laws-lois.justice.gc.ca",
        "Justice Laws: the official consolidated text of CASL (S.C. 2010, c. 23) and SOR/2012-36",
    ),
    (
        "crtc.gc.ca",
        "CRTC: the regulator that enforces CASL and made its regulations",
    ),
    ("ftc.gov", "FTC: the regulator that enforces CAN-SPAM"),
    (
        "uscode.house.gov",
        "the official text of the US Code (CAN-SPAM, 15 U.S.C. ch. 103)",
    ),
    (
        "govinfo.gov",
        "the US Government Publishing Office's official text of US law",
    ),
    (
        "legislation.gov.au",
        "Federal Register of Legislation: the official text of Australia's Spam Act 2003",
    ),
    (
        "acma.gov.au",
        "ACMA: the regulator that enforces Australia's Spam Act",
    ),
    (
        "legislation.gov.uk",
        "the official text of UK legislation (PECR, SI 2003/2426)",
    ),
    ("ico.org.uk", "ICO: the regulator that enforces PECR"),
    (
        "eur-lex.europa.eu",
        "the official text of EU law (GDPR, ePrivacy Directive)",
    ),
    // Mailbox providers, on their own limits and requirements.
    (
        "learn.microsoft.com",
        "Microsoft's documentation of Exchange Online, Defender and Azure",
    ),
    (
        "support.microsoft.com",
        "Microsoft's support pages (Outlook.com limits)",
    ),
    (
        "techcommunity.microsoft.com",
        "Microsoft product teams' own announcements",
    ),
    (
        "security.microsoft.com",
        "Microsoft's Defender portal itself (the Restricted users page)",
    ),
    (
        "github.com/MicrosoftDocs/",
        "the source repositories of Microsoft's documentation",
    ),
    (
        "support.google.com",
        "Google's help for Gmail and Google Workspace",
    ),
    ("help.yahoo.com", "Yahoo's help pages"),
    ("senders.yahooinc.com", "Yahoo's sender requirements"),
    (
        "support.apple.com",
        "Apple's support pages (iCloud Mail limits)",
    ),
    // Bulk-mail services, on their own tags and import formats.
    ("mailchimp.com", "Mailchimp's help"),
    ("twilio.com", "Twilio SendGrid's documentation"),
    ("documentation.mailgun.com", "Mailgun's documentation"),
    ("postmarkapp.com", "Postmark's support pages"),
    ("help.brevo.com", "Brevo's help centre"),
    ("knowledge.hubspot.com", "HubSpot's knowledge base"),
    (
        "campaignmonitor.com",
        "Campaign Monitor's template language reference",
    ),
    (
        "developer.constantcontact.com",
        "Constant Contact's developer documentation",
    ),
    ("help.klaviyo.com", "Klaviyo's help centre"),
    ("help.kit.com", "Kit's (ConvertKit's) help centre"),
    ("docs.aws.amazon.com", "Amazon SES documentation"),
    ("docs.customer.io", "Customer.io's documentation"),
    (
        "developer.salesforce.com",
        "Salesforce Marketing Cloud documentation",
    ),
    (
        "github.com/knadh/listmonk/",
        "listmonk's own repository and documentation",
    ),
    // Client support, tested client by client: the open data the template checks cite.
    (
        "caniemail.com",
        "Can I email: HTML and CSS support tested in each email client",
    ),
    // Receiving-side filters, described by their projects.
    (
        "spamassassin.apache.org",
        "Apache SpamAssassin's documentation",
    ),
    ("rspamd.com", "rspamd's documentation"),
    (
        "rhyolite.com",
        "Rhyolite Software, the author and publisher of DCC",
    ),
    // Email-client rendering.
    (
        "caniemail.com",
        "caniemail: the published client tests behind vendor/caniemail, the data client-support reads",
    ),
    (
        "support.dotmailer.com",
        "dotdigital's support pages: its own campaign HTML-size check, set at Gmail's clipping limit",
    ),
    // Accessibility standards, from the body that publishes them.
    ("www.w3.org/TR/", "W3C's technical reports: WCAG itself"),
];

/// Hosts reserved for examples and documentation (RFC 2606, RFC 6761).
const RESERVED: &[&str] = &[
    "example.com",
    "example.net",
    "example.org",
    "example",
    "test",
    "invalid",
    "localhost",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every rule file, rules/export/ included.
fn toml_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::Walk::new(root().join("rules"))
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The http(s) URLs of one line. A URL ends at whitespace, a quote, a bracket or a comma, and
/// loses trailing sentence punctuation.
fn urls(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("http") {
        let candidate = &rest[at..];
        if !(candidate.starts_with("https://") || candidate.starts_with("http://")) {
            rest = &rest[at + 4..];
            continue;
        }
        let end = candidate
            .find(|c: char| c.is_whitespace() || "\"'<>()[]{}`,;".contains(c))
            .unwrap_or(candidate.len());
        found.push(candidate[..end].trim_end_matches(['.', ':']));
        rest = &candidate[end..];
    }
    found
}

/// The host of a URL, lower-cased, without port.
fn host(url: &str) -> String {
    let after = url.split_once("://").map_or(url, |(_, a)| a);
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn under(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// A URL is primary when its host (or host and path) is on [`PRIMARY`].
fn primary(url: &str) -> bool {
    let h = host(url);
    let after = url.split_once("://").map_or(url, |(_, a)| a);
    PRIMARY
        .iter()
        .any(|(entry, _)| match entry.split_once('/') {
            Some((domain, _)) => h == domain && after.starts_with(entry),
            None => under(&h, entry),
        })
}

/// rules/unsubscribe-placeholder.toml's placeholder domains: hosts a template leaves behind.
fn placeholder_domains() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("rules/unsubscribe-placeholder.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    doc["params"]["placeholder-domains"]
        .as_array()
        .expect("placeholder-domains is a list")
        .iter()
        .map(|d| d.as_str().unwrap().to_ascii_lowercase())
        .collect()
}

#[test]
fn every_source_in_the_rules_is_primary() {
    let placeholders = placeholder_domains();
    let example =
        |h: &str| RESERVED.iter().any(|d| under(h, d)) || placeholders.iter().any(|d| under(h, d));
    let files = toml_files();

    let mut checked = 0;
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let name = file.strip_prefix(root()).unwrap().display();
        for (n, line) in text.lines().enumerate() {
            for url in urls(line) {
                let h = host(url);
                if h.is_empty() || example(&h) {
                    continue;
                }
                checked += 1;
                if !primary(url) {
                    problems.push(format!("{name}:{}: {url} is not a primary source", n + 1));
                } else if !url.starts_with("https://") {
                    problems.push(format!("{name}:{}: {url} should be https", n + 1));
                }
            }
        }
    }
    // A scanner that finds nothing would pass everything.
    assert!(
        checked >= 50,
        "only {checked} source URLs found under rules/"
    );
    if !problems.is_empty() {
        let allowed: Vec<String> = PRIMARY
            .iter()
            .map(|(entry, why)| format!("  {entry}: {why}"))
            .collect();
        panic!(
            "{} source URL(s) in rules/ are not primary:\n{}\n\nCite the statute, the regulator \
             or the vendor's own page instead. Primary sources (tests/sources.rs):\n{}",
            problems.len(),
            problems.join("\n"),
            allowed.join("\n")
        );
    }
}

#[test]
fn urls_are_cut_at_their_delimiters() {
    assert_eq!(
        urls("url = \"https://crtc.gc.ca/eng/com500/guide.htm\""),
        ["https://crtc.gc.ca/eng/com500/guide.htm"]
    );
    assert_eq!(
        urls("(https://a.example/x, https://b.example/y). See http://."),
        ["https://a.example/x", "https://b.example/y", "http://"]
    );
    assert_eq!(host("https://WWW.Twilio.com:443/docs"), "www.twilio.com");
    assert!(primary(
        "https://www.twilio.com/docs/sendgrid/ui/sending-email/editor"
    ));
    assert!(primary(
        "https://github.com/knadh/listmonk/blob/master/docs/x.md"
    ));
    assert!(!primary("https://github.com/someone/listmonk-fork"));
    assert!(!primary("https://gist.github.com/someone/123"));
    assert!(!primary("https://notcrtc.gc.ca.evil.example/x"));
}
