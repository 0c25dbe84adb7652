//! `layout-table-role`: tables that lay the email out, without `role="presentation"`, which
//! screen readers announce as data ("table with 3 rows and 2 columns") before every block.

use crate::load::draft::html::Element;
use crate::load::draft::DraftFormat;
use crate::model::finding::Finding;
use crate::rules::checks::{at_places, designed_html, subject};
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, _: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    // MJML lays out with tables it renders with `role="presentation"`; the one it does not,
    // `<mj-table>`, is meant for data.
    if send.draft.format == DraftFormat::Mjml {
        return;
    }
    let elements = &doc.elements;
    // The nearest table each element stands in, computed in one pass: a parent always comes
    // before its children.
    let mut table_of: Vec<Option<usize>> = Vec::with_capacity(elements.len());
    let mut data = vec![false; elements.len()];
    let mut tables = 0usize;
    for (i, e) in elements.iter().enumerate() {
        let nearest = e.parent.and_then(|p| {
            if &*elements[p].name == "table" {
                Some(p)
            } else {
                table_of.get(p).copied().flatten()
            }
        });
        table_of.push(nearest);
        if &*e.name == "table" {
            tables += 1;
            data[i] |= says_data(e);
        } else if let Some(t) = nearest {
            data[t] |= marks_data(e);
        }
    }
    let places: Vec<_> = elements
        .iter()
        .enumerate()
        .filter(|&(i, e)| &*e.name == "table" && !data[i] && !presentational(e))
        .map(|(_, e)| e.span.clone())
        .collect();
    if places.is_empty() {
        return;
    }
    let message = format!(
        "{} no `role=\"presentation\"` ({tables} tables in all): screen readers announce the rows and columns as data",
        subject(places.len(), "a table used for layout has", "tables used for layout have")
    );
    out.push(at_places(
        rule.finding(message).help(
            "Add `role=\"presentation\"` to every `<table>` that only places content (no header cells, no caption), so screen readers read its content as plain text.",
        ),
        doc.markup.0,
        &places,
        "layout table without `role=\"presentation\"`",
    ));
}

/// A table that says it holds data: a `summary`, or `role="table"` or `"grid"`.
fn says_data(table: &Element) -> bool {
    table.attr("summary").is_some_and(|s| !s.trim().is_empty())
        || table.attr("role").is_some_and(|r| {
            let r = r.trim();
            r.eq_ignore_ascii_case("table") || r.eq_ignore_ascii_case("grid")
        })
}

/// An element that makes its table a data table: a header cell, a caption, or a cell tied to
/// headers.
fn marks_data(e: &Element) -> bool {
    matches!(e.name.as_str(), "th" | "caption" | "thead")
        || (&*e.name == "td" && (e.attr("headers").is_some() || e.attr("scope").is_some()))
}

fn presentational(table: &Element) -> bool {
    table.attr("role").is_some_and(|r| {
        let r = r.trim();
        r.eq_ignore_ascii_case("presentation") || r.eq_ignore_ascii_case("none")
    }) || table
        .attr("aria-hidden")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}
