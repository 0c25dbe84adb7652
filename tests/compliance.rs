//! Compliance behaviour end to end: ESP templates with and without their footer, one
//! newsletter per ESP unsubscribe tag, consent counts for a fixed day.

use std::path::Path;

use bulklint::analysis::merge_tags;
use bulklint::model::date::Date;
use bulklint::{check, Input, Options, Outcome};

fn run(name: &str, text: &str, lists: Vec<Input>, options: &Options) -> Outcome {
    check(
        Input {
            name: name.into(),
            bytes: text.as_bytes().to_vec(),
        },
        lists,
        options,
    )
    .unwrap()
}

fn rules_fired(o: &Outcome) -> Vec<&'static str> {
    o.findings.iter().map(|f| f.rule.as_str()).collect()
}

fn mailchimp_template() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/templates/spring-mailchimp.html"),
    )
    .unwrap()
}

#[test]
fn a_mailchimp_newsletter_with_its_footer_is_clean() {
    let o = run(
        "spring-mailchimp.html",
        &mailchimp_template(),
        vec![],
        &Options::default(),
    );
    assert_eq!(
        o.send.provider.profile.id, "esp",
        "{}",
        o.send.provider.reason
    );
    // Notes about progressive enhancement (its dark-mode block is not read by every client)
    // may remain; nothing that needs fixing.
    assert!(
        o.findings
            .iter()
            .all(|f| f.severity == bulklint::model::finding::Severity::Info),
        "{:#?}",
        o.findings
    );
}

#[test]
fn the_same_newsletter_without_its_footer_lacks_unsubscribe_and_identification() {
    let full = mailchimp_template();
    let start = full.find("<!-- footer -->").unwrap();
    let end = full.find("<!-- /footer -->").unwrap() + "<!-- /footer -->".len();
    let cut = format!("{}{}", &full[..start], &full[end..]);
    let o = run("no-footer.html", &cut, vec![], &Options::default());
    let fired = rules_fired(&o);
    assert!(fired.contains(&"unsubscribe-missing"), "{fired:?}");
    assert!(fired.contains(&"sender-identification"), "{fired:?}");
    // Both point at where the footer should be: the last line of the body.
    let last_line = cut
        .lines()
        .position(|l| l.contains("Thanks for being a loyal customer"))
        .unwrap()
        + 1;
    for rule in ["unsubscribe-missing", "sender-identification"] {
        let f = o.findings.iter().find(|f| f.rule == rule).unwrap();
        let label = &f.labels[0];
        let (line, _) = o.send.sources.get(label.source).line_col(label.span.start);
        assert_eq!(line, last_line, "{rule} points at line {line}");
    }
}

#[test]
fn every_esp_unsubscribe_tag_counts_as_an_unsubscribe_mechanism() {
    let mut checked = 0;
    for esp in &merge_tags::table().esps {
        for tag in &esp.unsubscribe {
            let body = if tag.starts_with('<') && !tag.starts_with("<%") {
                format!("<p>{tag}</p>")
            } else {
                format!("<p><a href=\"{tag}\">Unsubscribe</a></p>")
            };
            let html = format!(
                "<!doctype html><html><body><p>Hi there,</p><p>Our spring specials are here.</p>{body}<p>Bakery Example, 12 Main Street, Ottawa ON K1A 0B1, 613-555-0100</p></body></html>"
            );
            let o = run(
                &format!("{}.html", esp.id),
                &html,
                vec![],
                &Options::default(),
            );
            let fired = rules_fired(&o);
            assert!(
                !fired.contains(&"unsubscribe-missing"),
                "{} tag {tag}: {fired:?}",
                esp.name
            );
            assert!(
                !fired.contains(&"unsubscribe-placeholder"),
                "{} tag {tag}: {fired:?}",
                esp.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} tags in the table");
}

#[test]
fn consent_rows_give_exact_counts_on_a_fixed_day() {
    // Three kinds of rows: express (never lapses), implied after a purchase (24 months), implied
    // after an inquiry (6 months); plus blank and unknown records.
    let csv = "\
email,consent_type,consent_date
a1@customers.example,express,2015-01-01
a2@customers.example,Express,2026-11-01
p1@customers.example,implied-purchase,2024-11-29
p2@customers.example,implied-purchase,2024-11-27
p3@customers.example,implied_purchase,2020-05-05
i1@customers.example,implied-inquiry,2026-05-28
i2@customers.example,implied-inquiry,2026-05-27
i3@customers.example,Implied - Inquiry,2025-01-01
m1@customers.example,,
m2@customers.example,implied-purchase,
m3@customers.example,newsletter-signup,2026-01-01
";
    let draft = "From: Bakery Example <news@bakery.example>\nSubject: Spring specials\n\nOur spring specials are here.\n";
    // One line of text does not show that it sells: the test says so.
    let options = Options {
        as_of: Some(Date::new(2026, 11, 28).unwrap()),
        kind: Some(bulklint::Kind::Commercial),
        ..Options::default()
    };
    let list = Input {
        name: "consent.csv".into(),
        bytes: csv.as_bytes().to_vec(),
    };
    let o = run("draft.eml", draft, vec![list], &options);
    let labels = |rule: &str| -> Vec<usize> {
        o.findings
            .iter()
            .filter(|f| f.rule == rule)
            .flat_map(|f| &f.labels)
            .map(|l| o.send.sources.get(l.source).line_col(l.span.start).0)
            .collect()
    };
    // p2 lapsed 2026-11-27, p3 long ago; i2 lapsed 2026-11-27, i3 long ago.
    assert_eq!(labels("consent-expired"), vec![5, 6, 8, 9]);
    assert_eq!(labels("consent-missing"), vec![10, 11, 12]);
    let expired = o
        .findings
        .iter()
        .find(|f| f.rule == "consent-expired")
        .unwrap();
    assert!(
        expired.message.starts_with("4 recipients"),
        "{}",
        expired.message
    );
}
