//! `merge-tag-syntax`: in a template for an ESP, tags written wrong for that ESP's dialect, or
//! written in another ESP's dialect, which the ESP will not replace.

use crate::analysis::merge_tags;
use crate::mailing::provider::ProviderKind;
use crate::model::finding::{Finding, Label};
use crate::rules::Rule;
use crate::rules::Subject;

pub fn check(send: &Subject, rule: &Rule, _params: &crate::rules::Params, out: &mut Vec<Finding>) {
    if send.provider.profile.kind != ProviderKind::Esp {
        return;
    }
    for region in merge_tags::readable_regions(&send.draft, &send.sources) {
        let source = region.source;
        let at = region.span.start;
        let whole = &send.sources.get(source).text;
        let is_whole = region.span == (0..whole.len());
        let text = &whole[region.span];
        // A template's region is its whole source, whose tags were found already.
        let found;
        let tags = match send.body_tags.get(source).filter(|_| is_whole) {
            Some(tags) => tags,
            None => {
                found = merge_tags::find(text);
                &found
            }
        };
        let Some(main) = merge_tags::main_dialect(tags) else {
            continue;
        };
        // Percent signs are too common in prose to call a lone one an unclosed tag.
        if main.open != "%" {
            for m in merge_tags::malformed(text, tags, main) {
                out.push(
                    rule.finding(format!("malformed {} merge tag: {}", main.name, m.why))
                        .with_label(Some(Label {
                            source,
                            span: at + m.span.start..at + m.span.end,
                            text: "this tag".into(),
                        }))
                        .help(format!(
                            "{} merge tags look like `{}`.",
                            main.name, main.example
                        )),
                );
            }
        }
        for tag in tags {
            let Some(d) = merge_tags::dialect(tag.dialect) else {
                continue;
            };
            if d.family() == main.family() || d.open.starts_with('<') && d.open.len() > 2 {
                continue;
            }
            out.push(
                rule.finding(format!(
                    "`{}` is {} syntax, but this template's merge tags are {}",
                    &text[tag.span.clone()],
                    d.name,
                    main.name
                ))
                .with_label(Some(Label {
                    source,
                    span: at + tag.span.start..at + tag.span.end,
                    text: "the ESP will not replace this".into(),
                }))
                .help(format!(
                    "Write it as the template's other tags are written (like `{}`), or recipients will see it literally.",
                    main.example
                )),
            );
        }
    }
}
