//! One self-contained HTML page per run, for the person who pressed Send: the plain verdict at
//! the top, the recipients in a small chart, each finding with its snippet and what to do, and
//! the export command. Styles and the chart are inline: the page makes no request of its own,
//! so it opens the same from a mail attachment, a CI artefact or a folder.

use std::fmt::Write;

use crate::model::finding::{Finding, Severity};
use crate::model::source::Sources;
use crate::report::{draft_file, locate, markup as esc};
use crate::rules::engine::Outcome;
use crate::rules::{self, verdict::Risk};

/// Lines of source shown around a finding's first label.
const CONTEXT_LINES: usize = 1;

/// The page, a section per draft as it arrives.
#[derive(Default)]
pub struct Report {
    body: String,
    drafts: usize,
    first_draft: String,
}

impl Report {
    pub fn push(&mut self, o: &Outcome) {
        if self.drafts == 0 {
            self.first_draft = draft_file(o).to_string();
        }
        self.drafts += 1;
        draft_section(&mut self.body, o);
    }

    pub fn finish(self) -> String {
        let title = match self.drafts {
            1 => format!("bulklint: {}", self.first_draft),
            n => format!("bulklint: {n} drafts"),
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{}</main>\n</body>\n</html>\n",
            esc(&title),
            self.body
        )
    }
}

fn draft_section(out: &mut String, o: &Outcome) {
    let v = &o.verdict;
    let risk = match v.block_risk {
        Risk::High => "high",
        Risk::Medium => "medium",
        Risk::Low => "low",
    };
    let state = if v.errors > 0 { "fail" } else { "pass" };
    let _ = write!(
        out,
        "<section class=\"draft\">\n<h1>{}</h1>\n<div class=\"verdict {state}\" id=\"verdict\">\n\
         <p class=\"risk risk-{risk}\">{} block risk</p>\n",
        esc(draft_file(o)),
        v.block_risk.as_str()
    );
    for (class, line) in ["outcome", "why", "todo"].iter().zip(v.plain.lines()) {
        let _ = writeln!(out, "<p class=\"{class}\">{}</p>", esc(line));
    }
    let _ = write!(
        out,
        "<p class=\"counts\">{} error{}, {} warning{}, {} note{} · {} message ({})</p>\n</div>\n",
        v.errors,
        plural(v.errors),
        v.warnings,
        plural(v.warnings),
        v.infos,
        plural(v.infos),
        esc(&v.kind),
        esc(&v.kind_reason)
    );
    recipients_section(out, o);
    if !o.findings.is_empty() {
        out.push_str("<h2>What bulklint found</h2>\n<ol class=\"findings\">\n");
        for f in &o.findings {
            finding_item(out, f, &o.send.sources);
        }
        out.push_str("</ol>\n");
    }
    export_section(out, o);
    out.push_str("</section>\n");
}

/// Internal, external, invalid and duplicate entries as one stacked bar with a legend.
fn recipients_section(out: &mut String, o: &Outcome) {
    let v = &o.verdict;
    out.push_str("<h2>Recipients</h2>\n");
    if v.recipients == 0 && v.invalid == 0 && v.duplicates == 0 {
        out.push_str("<p class=\"none\">No recipient list was given: pass <code>--recipients</code> to count who gets it.</p>\n");
        return;
    }
    let parts = [
        ("external", "outside your organisation", v.external),
        ("internal", "inside your organisation", v.internal),
        ("invalid", "invalid addresses", v.invalid),
        ("duplicate", "listed twice", v.duplicates),
    ];
    let total: usize = parts.iter().map(|p| p.2).sum::<usize>().max(1);
    out.push_str("<svg class=\"chart\" viewBox=\"0 0 100 8\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"recipients by kind\">");
    let mut x = 0.0;
    for (class, _, n) in parts {
        let w = n as f64 * 100.0 / total as f64;
        if n > 0 {
            let _ = write!(
                out,
                "<rect class=\"{class}\" x=\"{x:.3}\" y=\"0\" width=\"{w:.3}\" height=\"8\"></rect>"
            );
        }
        x += w;
    }
    out.push_str("</svg>\n<ul class=\"legend\">\n");
    for (class, words, n) in parts {
        let _ = writeln!(
            out,
            "<li><span class=\"swatch {class}\"></span><b>{n}</b> {words}</li>"
        );
    }
    out.push_str("</ul>\n");
}

fn finding_item(out: &mut String, f: &Finding, sources: &Sources) {
    let rule = rules::rule(f.rule);
    let severity = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let _ = write!(
        out,
        "<li class=\"finding {severity}\">\n<p class=\"head\"><span class=\"badge\">{severity}</span> \
         <code>{}</code> {}</p>\n",
        esc(f.rule.as_str()),
        esc(&f.message)
    );
    if let Some(label) = f.labels.first() {
        let loc = locate(sources, label);
        let text = &sources.get(label.source).text;
        let _ = write!(
            out,
            "<p class=\"where\">{}, line {}</p>\n<pre class=\"snippet\">",
            esc(loc.source),
            loc.line
        );
        let first = loc.line.saturating_sub(CONTEXT_LINES).max(1);
        for (i, line) in text
            .lines()
            .enumerate()
            .skip(first - 1)
            .take(loc.end_line + CONTEXT_LINES + 1 - first)
        {
            let n = i + 1;
            let mark = if (loc.line..=loc.end_line).contains(&n) {
                " class=\"hit\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<span{mark}><span class=\"ln\">{n:>5}</span> {}</span>",
                esc(&truncate(line, 200))
            );
        }
        let _ = writeln!(out, "</pre>\n<p class=\"label\">↑ {}</p>", esc(&label.text));
    }
    let _ = writeln!(
        out,
        "<p class=\"fix\"><b>What to do:</b> {}.</p>",
        esc(&capitalise(&rule.plain_fix))
    );
    if let Some(help) = &f.help {
        let _ = writeln!(
            out,
            "<details><summary>Details</summary><p>{}</p><p>More: <code>bulklint explain {}</code></p></details>",
            esc(help),
            esc(f.rule.as_str())
        );
    }
    out.push_str("</li>\n");
}

/// The command that prepares this send for a bulk-mail service.
fn export_section(out: &mut String, o: &Outcome) {
    let lists: Vec<String> = o
        .send
        .recipients
        .lists()
        .iter()
        .map(|l| {
            format!(
                " --recipients {}",
                shell_word(&o.send.sources.get(l.source).file)
            )
        })
        .collect();
    let _ = write!(
        out,
        "<h2>Send it through a newsletter service</h2>\n<p>This prepares your list and your email for \
         Mailchimp (or <code>--to brevo</code>, <code>sendgrid</code>, <code>csv</code>):</p>\n\
         <pre class=\"command\">bulklint export --to mailchimp -o export {}{}</pre>\n",
        esc(&shell_word(draft_file(o))),
        esc(&lists.concat())
    );
}

/// A path as one shell word: quoted when it holds anything but plain characters.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '/' | '.' | '-' | '_' | '+' | ',' | ':'))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn truncate(line: &str, max: usize) -> String {
    match line.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

const STYLE: &str = "
:root{--fg:#1d2330;--muted:#5b6475;--bg:#f6f7f9;--card:#fff;--err:#b42318;--warn:#9a6700;--note:#2f5fb3;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:56rem;margin:0 auto;padding:1rem}
h1{font-size:1.1rem;word-break:break-all;color:var(--muted);font-weight:600}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.draft{margin-bottom:3rem}
.verdict{background:var(--card);border-left:.4rem solid var(--ok);border-radius:.5rem;padding:1rem 1.25rem;box-shadow:0 1px 2px #0002}
.verdict.fail{border-left-color:var(--err)}
.verdict p{margin:.35rem 0}
.verdict .outcome{font-size:1.3rem;font-weight:700}
.risk{display:inline-block;font-size:.8rem;font-weight:700;letter-spacing:.05em;padding:.1rem .5rem;border-radius:1rem;color:#fff;background:var(--ok)}
.risk-medium{background:var(--warn)}.risk-high{background:var(--err)}
.counts{color:var(--muted);font-size:.9rem}
.chart{width:100%;height:1.5rem;border-radius:.3rem;background:#e5e7eb}
.external{fill:#2f5fb3;background:#2f5fb3}.internal{fill:#6aa84f;background:#6aa84f}
.invalid{fill:#b42318;background:#b42318}.duplicate{fill:#9a6700;background:#9a6700}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem 1.25rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:.2rem;margin-right:.35rem;vertical-align:-.05rem}
.findings{list-style:none;padding:0}
.finding{background:var(--card);border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0;border-left:.3rem solid var(--note);box-shadow:0 1px 2px #0002}
.finding.error{border-left-color:var(--err)}.finding.warning{border-left-color:var(--warn)}
.head{margin:.2rem 0;font-weight:600}
.badge{font-size:.75rem;text-transform:uppercase;letter-spacing:.05em;color:#fff;background:var(--note);border-radius:.3rem;padding:.05rem .4rem}
.error .badge{background:var(--err)}.warning .badge{background:var(--warn)}
.where,.label{color:var(--muted);font-size:.85rem;margin:.2rem 0}
pre{background:#f0f2f5;border-radius:.4rem;padding:.5rem;overflow-x:auto;font-size:.8rem;line-height:1.4}
pre>span{display:block;white-space:pre}
pre .hit{background:#fff3c4}
.ln{color:var(--muted);user-select:none}
.fix{margin:.4rem 0}
details{font-size:.9rem;color:var(--muted)}
.command{white-space:pre-wrap;word-break:break-all}
@media (max-width:30rem){main{padding:.5rem}.verdict .outcome{font-size:1.1rem}}
";

#[cfg(test)]
mod tests {
    #[test]
    fn paths_become_one_shell_word() {
        assert_eq!(super::shell_word("examples/a.eml"), "examples/a.eml");
        assert_eq!(super::shell_word("my list's.csv"), r"'my list'\''s.csv'");
    }
}
