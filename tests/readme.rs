//! Drift tests: the README's usage text, rule table and example output are what the binary
//! prints today. `UPDATE_README=1 cargo test --test readme` rewrites the blocks.

use std::path::Path;

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("bulklint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The README's blocks, each `<!-- begin:NAME -->` … `<!-- end:NAME -->`, and what they must hold.
fn blocks() -> Vec<(&'static str, String)> {
    let fence = |s: String| format!("```text\n{}```\n", s);
    let console = |cmd: &str, s: String| format!("```console\n$ {cmd}\n{s}```\n");
    let rules_table = {
        let mut t = String::from("| rule | severity | what fires it |\n|---|---|---|\n");
        for r in bulklint::rules::all() {
            t.push_str(&format!(
                "| `{}` | {} | {} |\n",
                r.id,
                r.severity,
                r.summary.replace('|', "\\|")
            ));
        }
        t
    };
    vec![
        ("check-help", fence(run(&["check", "--help"]))),
        ("rules", rules_table),
        (
            "example-bad",
            console(
                "bulklint check examples/spring-specials.eml --recipients examples/customers.csv",
                run(&["check", "--isolated", "--as-of", "2026-04-14", "examples/spring-specials.eml", "--recipients", "examples/customers.csv"]),
            ),
        ),
        (
            "example-good",
            console(
                "bulklint check examples/spring-specials-esp.eml --recipients examples/customers.csv",
                run(&["check", "--isolated", "--as-of", "2026-04-14", "examples/spring-specials-esp.eml", "--recipients", "examples/customers.csv"]),
            ),
        ),
    ]
}

#[test]
fn readme_blocks_match_the_binary() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let mut readme = std::fs::read_to_string(&path).unwrap();
    let update = std::env::var_os("UPDATE_README").is_some();
    let mut stale = Vec::new();
    for (name, want) in blocks() {
        let begin = format!("<!-- begin:{name} -->\n");
        let end = format!("<!-- end:{name} -->");
        let start = readme
            .find(&begin)
            .unwrap_or_else(|| panic!("README has no {begin}"))
            + begin.len();
        let stop = start
            + readme[start..]
                .find(&end)
                .unwrap_or_else(|| panic!("README has no {end}"));
        if readme[start..stop] != want {
            stale.push(name);
            readme.replace_range(start..stop, &want);
        }
    }
    if update {
        std::fs::write(&path, readme).unwrap();
    } else {
        assert!(
            stale.is_empty(),
            "README blocks out of date: {stale:?}; run UPDATE_README=1 cargo test --test readme"
        );
    }
}
