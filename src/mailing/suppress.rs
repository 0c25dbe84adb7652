//! Inline suppressions in drafts: `<!-- bulklint-disable-next-line rule-id -- reason -->`
//! silences a rule on the next line, `<!-- bulklint-disable rule-id -- reason -->` in the whole
//! file. Applied in one place after the checks; a suppression that silences nothing is
//! reported, so stale ones do not pile up.

use std::ops::Range;

use crate::model::finding::{Finding, Label};
use crate::model::source::{SourceId, Sources};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    NextLine,
    File,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub scope: Scope,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub source: SourceId,
    /// The directive itself.
    pub span: Range<usize>,
    /// 1-based line of the directive.
    pub line: usize,
}

const NEXT_LINE: &str = "bulklint-disable-next-line";
const FILE: &str = "bulklint-disable";

/// Directives in a source: inside HTML comments, or alone on a line of a text draft.
pub fn parse(sources: &Sources, source: SourceId) -> Vec<Directive> {
    let file = sources.get(source);
    let text = &file.text;
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(text.as_bytes(), FILE) {
        let rest = &text[at..];
        let end = rest
            .find("-->")
            .or_else(|| rest.find('\n'))
            .unwrap_or(rest.len());
        let body = rest[..end].trim_end();
        let (scope, args) = match body.strip_prefix(NEXT_LINE) {
            Some(args) => (Scope::NextLine, args),
            None => match body.strip_prefix(FILE) {
                Some(args) if args.starts_with(char::is_whitespace) || args.is_empty() => {
                    (Scope::File, args)
                }
                _ => continue,
            },
        };
        let (ids, reason) = match args.split_once("--") {
            Some((ids, reason)) => (
                ids,
                Some(reason.trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (args, None),
        };
        let rules = ids
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let (line, _) = file.line_col(at);
        out.push(Directive {
            scope,
            rules,
            reason,
            source,
            span: at..at + body.len(),
            line,
        });
    }
    out
}

/// Removes suppressed findings; returns the directives that silenced nothing.
pub fn apply(
    findings: &mut Vec<Finding>,
    directives: &[Directive],
    sources: &Sources,
) -> Vec<Directive> {
    if directives.is_empty() {
        return Vec::new();
    }
    let mut used = vec![false; directives.len()];
    findings.retain(|f| {
        let at = f
            .labels
            .first()
            .map(|l| (l.source, sources.get(l.source).line_col(l.span.start).0));
        let hit = directives.iter().position(|d| {
            let covers_rule = d.rules.is_empty() || d.rules.iter().any(|r| f.rule == r.as_str());
            covers_rule
                && match d.scope {
                    Scope::File => true,
                    Scope::NextLine => at == Some((d.source, d.line + 1)),
                }
        });
        match hit {
            Some(i) => {
                used[i] = true;
                false
            }
            None => true,
        }
    });
    directives
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(d, _)| d.clone())
        .collect()
}

/// A label on a directive, for findings about it.
pub fn label(d: &Directive, text: impl Into<String>) -> Label {
    Label {
        source: d.source,
        span: d.span.clone(),
        text: text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_with_reasons() {
        let mut sources = Sources::default();
        let id = sources.add(
            "t.html",
            "<p>x</p>\n<!-- bulklint-disable-next-line unsubscribe-placeholder -- ESP rewrites it -->\n<a href=\"#\">u</a>\n<!-- bulklint-disable identical-body, visible-recipients -->\n".into(),
        );
        let d = parse(&sources, id);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].scope, Scope::NextLine);
        assert_eq!(d[0].rules, ["unsubscribe-placeholder"]);
        assert_eq!(d[0].reason.as_deref(), Some("ESP rewrites it"));
        assert_eq!(d[0].line, 2);
        assert_eq!(d[1].scope, Scope::File);
        assert_eq!(d[1].rules, ["identical-body", "visible-recipients"]);
        assert_eq!(d[1].reason, None);
    }
}
