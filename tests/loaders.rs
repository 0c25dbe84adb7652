//! The draft loaders read real mail the way a mail client shows it: MJML with `<mj-include>`,
//! MJML fragments, Windows line endings and byte-order marks, multiparts with careless
//! boundaries, and text in legacy charsets (fixtures in `tests/fixtures-load/`).

use std::path::Path;

use bulklint::load::draft::{self, Draft};
use bulklint::model::source::Sources;
use bulklint::{Input, Options, RuleId};
use proptest::prelude::*;

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures-load")
        .join(name);
    (
        path.display().to_string(),
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
}

fn load(name: &str) -> (Sources, Draft) {
    let (path, bytes) = fixture(name);
    let mut sources = Sources::default();
    let draft = draft::load(&mut sources, &path, bytes)
        .unwrap_or_else(|e| panic!("{name} does not load: {e:?}"));
    (sources, draft)
}

/// The draft's links, and the text each one's span covers in its source.
fn links(sources: &Sources, draft: &Draft) -> Vec<(String, String)> {
    let html = draft.html.as_ref().expect("an HTML body");
    let text = &sources.get(html.source).text;
    html.links
        .iter()
        .map(|l| {
            (
                l.href.clone().unwrap_or_default(),
                text[l.span.clone()].to_string(),
            )
        })
        .collect()
}

fn rules_fired(name: &str) -> Vec<(RuleId, String)> {
    let (path, bytes) = fixture(name);
    let outcome = bulklint::check(Input { name: path, bytes }, vec![], &Options::default())
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    outcome
        .findings
        .iter()
        .map(|f| (f.rule, f.message.clone()))
        .collect()
}

#[test]
fn mjml_include_is_left_out_and_reported() {
    let (sources, draft) = load("include.mjml");
    let links = links(&sources, &draft);
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(links[0]
        .1
        .starts_with("<mj-button href=\"https://example.com/menu\""));
    let paths: Vec<&str> = draft.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths[0].contains("./partials/head.mjml") && paths[0].contains("render it with MJML"));
    assert!(paths[1].contains("./partials/footer.mjml"));
    let label = draft.problems[1].label.as_ref().unwrap();
    assert_eq!(
        &sources.get(label.source).text[label.span.clone()],
        "<mj-include path=\"./partials/footer.mjml\"></mj-include>"
    );
    assert_eq!(sources.get(label.source).line_col(label.span.start).0, 12);

    let fired = rules_fired("include.mjml");
    assert!(
        fired
            .iter()
            .any(|(rule, m)| *rule == RuleId::InputProblem && m.contains("footer.mjml")),
        "{fired:?}"
    );
}

#[test]
fn mjml_fragment_renders_as_a_body_with_spans_in_the_file() {
    let (sources, draft) = load("fragment.mjml");
    let links = links(&sources, &draft);
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(links[1]
        .1
        .starts_with("<a href=\"https://example.com/unsubscribe\""));
    let html = draft.html.as_ref().unwrap();
    let file = sources.get(html.source);
    let run = html
        .texts
        .iter()
        .find(|t| t.text.contains("confirm your"))
        .unwrap();
    assert_eq!(
        &file.text[run.span.clone()],
        "Please confirm your subscription."
    );
    assert_eq!(file.line_col(run.span.start).0, 3);
    assert!(draft.problems.is_empty());
}

#[test]
fn mjml_and_html_with_crlf_and_a_bom_load() {
    for name in ["crlf.mjml", "bom-crlf.mjml", "bom-crlf.html"] {
        let (sources, draft) = load(name);
        let links = links(&sources, &draft);
        assert_eq!(links.len(), 1, "{name}: {links:?}");
        assert!(
            links[0].1.starts_with("<a href=\"https://example.com/u"),
            "{name}: {links:?}"
        );
        assert!(draft.problems.is_empty(), "{name}");
    }
    let (sources, draft) = load("crlf.mjml");
    let html = draft.html.as_ref().unwrap();
    let span = html.links[0].span.clone();
    assert_eq!(sources.get(html.source).line_col(span.start).0, 12);
}

#[test]
fn malformed_multipart_boundaries_still_yield_the_html_part() {
    for name in [
        "boundary-case.eml",
        "boundary-quoting.eml",
        "boundary-single-quotes.eml",
        "no-final-boundary.eml",
        "no-blank-line.eml",
    ] {
        let (sources, draft) = load(name);
        let links = links(&sources, &draft);
        assert_eq!(
            links,
            [(
                "https://example.com/unsubscribe".to_string(),
                "<a href=\"https://example.com/unsubscribe\">".to_string()
            )],
            "{name}"
        );
        // Stored as-is: the spans point into the message file itself.
        assert_eq!(draft.html.as_ref().unwrap().source, draft.source, "{name}");
        let text = draft.text.as_ref().expect(name);
        assert_eq!(text.content, "Hello in plain text.", "{name}");
        assert_eq!(
            &sources.get(text.source).text[text.span.clone()],
            "Hello in plain text.",
            "{name}"
        );
        assert!(draft.problems.is_empty(), "{name}: {:?}", draft.problems);
        let fired = rules_fired(name);
        assert!(
            !fired.iter().any(|(r, _)| *r == RuleId::UnsubscribeMissing),
            "{name}: {fired:?}"
        );
    }
}

#[test]
fn legacy_and_mislabelled_charsets_are_decoded() {
    let cases = [
        ("iso-2022-jp.eml", "配信停止はこちら"),
        ("sjis-labelled-jis.eml", "配信停止はこちら"),
        ("euc-jp.eml", "配信停止はこちら"),
        ("euc-kr.eml", "주말 특가 안내입니다"),
        ("koi8-r.eml", "Здравствуйте! Отписаться"),
        ("gb2312.eml", "退订请点击"),
    ];
    for (name, expected) in cases {
        let (_, draft) = load(name);
        assert!(
            draft.visible_text().contains(expected),
            "{name}: {:?}",
            draft.visible_text()
        );
        assert!(!draft.body_undecoded(), "{name}");
        assert!(draft.problems.is_empty(), "{name}: {:?}", draft.problems);
    }
}

#[test]
fn an_undecodable_body_is_marked_and_reported() {
    let (_, draft) = load("unknown-charset.eml");
    let text = draft.text.as_ref().unwrap();
    assert!(draft.undecoded(text.source));
    assert!(draft.body_undecoded());
    assert!(!draft.undecoded(draft.source));
    assert_eq!(draft.problems.len(), 1);
    assert!(draft.problems[0].message.contains("x-mystery"));
    let (_, fine) = load("koi8-r.eml");
    assert!(fine.undecoded.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Boundaries mangled at random (case, quotes, white space, missing lines) never panic,
    /// and every span stays inside its source on char boundaries.
    #[test]
    fn mangled_multiparts_never_panic(
        boundary in "[A-Za-z0-9'\" =_-]{0,12}",
        delimiter in "[A-Za-z0-9'\" =_-]{0,12}",
        blank in any::<bool>(),
        close in any::<bool>(),
        crlf in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut raw = format!(
            "From: a@example.com{nl}Content-Type: multipart/alternative; boundary={boundary}{nl}{nl}--{delimiter}{nl}Content-Type: text/html; charset=x-odd{nl}"
        )
        .into_bytes();
        if blank {
            raw.extend_from_slice(nl.as_bytes());
        }
        raw.extend_from_slice(&body);
        if close {
            raw.extend_from_slice(format!("{nl}--{delimiter}--{nl}").as_bytes());
        }
        let mut sources = Sources::default();
        if let Ok(draft) = draft::load(&mut sources, "m.eml", raw) {
            let spans = draft
                .html
                .iter()
                .flat_map(|h| h.links.iter().map(|l| (h.source, l.span.clone())).chain(h.texts.iter().map(|t| (h.source, t.span.clone()))))
                .chain(draft.text.iter().map(|t| (t.source, t.span.clone())))
                .chain(draft.headers.iter().map(|h| (draft.source, h.span.clone())));
            for (source, span) in spans {
                let text = &sources.get(source).text;
                prop_assert!(span.start <= span.end && span.end <= text.len());
                prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            }
        }
    }
}
