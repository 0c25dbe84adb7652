//! Machine formats are valid: SARIF against the official 2.1.0 schema, JSON against its
//! documented schema, GitHub lines as workflow commands, JUnit as well-formed XML, HTML as one
//! self-contained page (a real browser loads it in `tests/html/run.sh`).

use assert_cmd::Command;

fn output(format: &str, args: &[&str]) -> String {
    let out = Command::cargo_bin("bulklint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--isolated", "--format", format])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.code().unwrap_or(99) <= 1,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const BAD: &[&str] = &[
    "examples/spring-specials.eml",
    "--recipients",
    "examples/customers.csv",
];
const TREE: &[&str] = &[
    "tests/fixtures/unsubscribe-missing",
    "tests/fixtures/unsubscribe-placeholder",
];

fn validate(schema_path: &str, doc: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(schema_path),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{schema_path}: {errors:#?}");
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    for args in [BAD, TREE] {
        let doc: serde_json::Value = serde_json::from_str(&output("sarif", args)).unwrap();
        validate("tests/schemas/sarif-2.1.0.json", &doc);
        assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
    }
}

#[test]
fn json_matches_its_documented_schema() {
    for args in [BAD, TREE] {
        let doc: serde_json::Value = serde_json::from_str(&output("json", args)).unwrap();
        validate("docs/json-output.schema.json", &doc);
    }
}

#[test]
fn github_lines_are_workflow_commands() {
    let text = output("github", BAD);
    let re = regex::Regex::new(r"^::(error|warning|notice) file=[^,:]+(,line=\d+,col=\d+,endLine=\d+,endColumn=\d+)?,title=bulklint [a-z-]+::\S.*$").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 4);
    for line in lines {
        assert!(re.is_match(line), "not a workflow command: {line}");
    }
}

#[test]
fn html_is_one_self_contained_page_with_every_finding() {
    let page = output("html", BAD);
    let json: serde_json::Value = serde_json::from_str(&output("json", BAD)).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.trim_end().ends_with("</html>"));
    // Nothing is fetched from elsewhere when the page opens.
    for asks in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!page.contains(asks), "the page has {asks}");
    }
    let plain = &json["verdicts"][0]["plain"];
    for line in ["outcome", "why", "todo"] {
        let text = plain[line].as_str().unwrap().replace('&', "&amp;");
        assert!(page.contains(&text), "{line} missing: {text}");
    }
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(page.matches("<li class=\"finding ").count(), findings.len());
    assert_eq!(
        page.matches("<p class=\"fix\"><b>What to do:</b>").count(),
        findings.len()
    );
    assert!(
        page.contains("<b>645</b> outside your organisation"),
        "{page}"
    );
    assert!(page.contains(
        "bulklint export --to mailchimp -o export examples/spring-specials.eml --recipients examples/customers.csv"
    ));
    // Snippets are text: the draft's own markup is escaped.
    assert!(
        page.contains("&lt;p class=&quot;MsoNormal&quot;&gt;"),
        "{page}"
    );
}

#[test]
fn junit_is_well_formed_xml() {
    for args in [BAD, TREE] {
        let text = output("junit", args);
        let doc = roxmltree::Document::parse(&text).unwrap();
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        let tests: usize = suite.attribute("tests").unwrap().parse().unwrap();
        assert_eq!(
            tests,
            suite
                .children()
                .filter(|n| n.has_tag_name("testcase"))
                .count()
        );
    }
}

#[test]
fn one_run_writes_github_lines_and_the_same_findings_as_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let sarif_path = dir.path().join("out dir.sarif");
    let github = output(
        "github",
        &[BAD, &["--sarif", sarif_path.to_str().unwrap()]].concat(),
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    let alone: serde_json::Value = serde_json::from_str(&output("sarif", BAD)).unwrap();
    assert_eq!(written, alone);
    assert_eq!(
        written["runs"][0]["results"].as_array().unwrap().len(),
        github.lines().count()
    );
}
