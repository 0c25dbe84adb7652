//! `bulklint rules`, `explain`, `completions` and `man`: what the tool knows about itself.

use std::io::Write;

use clap::CommandFactory;

use bulklint::{rules, InputError, RuleId};

use crate::args::Cli;
use crate::EXIT_CLEAN;

pub fn list() -> Result<u8, InputError> {
    let rules = rules::all();
    let width = rules.iter().map(|r| r.id.as_str().len()).max().unwrap_or(0);
    for r in rules {
        println!(
            "{:width$}  {:7}  {:11}  {}",
            r.id.as_str(),
            r.severity.as_str(),
            r.category.as_str(),
            r.summary
        );
    }
    Ok(EXIT_CLEAN)
}

pub fn explain(id: &str) -> Result<u8, InputError> {
    let id: RuleId = id
        .parse()
        .map_err(|e: bulklint::model::rule::UnknownRule| {
            InputError::new("explain", e.to_string())
        })?;
    let rule = rules::rule(id);
    println!(
        "{} ({}, {})\n\n{}\n",
        rule.id, rule.severity, rule.category, rule.summary
    );
    println!("What it does\n  {}\n", rule.docs.what);
    println!("Why\n  {}\n", rule.docs.why);
    println!("Example\n{}\n", indent(&rule.docs.example));
    println!("Fix\n  {}", rule.docs.fix);
    println!(
        "\nIn plain words\n  It has {}. What to do: {}.",
        rule.plain, rule.plain_fix
    );
    if !rule.params.is_empty() {
        let settable = if rules::CONFIGURABLE.contains(&rule.id) {
            format!("; set them in bulklint.toml under [params.{}]", rule.id)
        } else {
            "; compiled into the rule's patterns, not settable in bulklint.toml".to_string()
        };
        println!("\nParameters (rules/{}.toml{settable})", rule.id);
        for (key, value) in &rule.params {
            println!("  {key} = {}", param_value(value));
        }
    }
    for law in &rule.laws {
        println!("\nLaw: {} {} — {}", law.law, law.section, law.url);
    }
    Ok(EXIT_CLEAN)
}

/// A parameter's value as TOML; a long list by its first entries and its length.
fn param_value(value: &toml::Value) -> String {
    const SHOWN: usize = 4;
    match value {
        toml::Value::Array(items) if items.len() > SHOWN => {
            let first: Vec<String> = items.iter().take(SHOWN).map(|v| v.to_string()).collect();
            format!("[{}, … ({} entries)]", first.join(", "), items.len())
        }
        other => other.to_string(),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn completions(shell: clap_complete::Shell) -> Result<u8, InputError> {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "bulklint",
        &mut std::io::stdout(),
    );
    Ok(EXIT_CLEAN)
}

pub fn man() -> Result<u8, InputError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| InputError::new("man", e.to_string()))?;
    let _ = std::io::stdout().write_all(&out);
    Ok(EXIT_CLEAN)
}
