//! `image-src`: images whose source a reader's mail client cannot (or should not) fetch.

use std::ops::Range;

use crate::analysis::url::{self, Shape};
use crate::analysis::{css, merge_tags};
use crate::load::draft::html::Element;
use crate::load::draft::DraftFormat;
use crate::model::finding::{Finding, Severity};
use crate::rules::checks::{attribute_place, counted, designed_html, first_of_each, shortened};
use crate::rules::Rule;
use crate::rules::Subject;

/// What is wrong with an image's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Relative,
    SchemeRelative,
    File,
    Private,
    Empty,
    Cid,
    Http,
    Data,
}

impl Problem {
    /// What the source does, after "the image source `x` …" / "N image sources …".
    fn what(self) -> &'static str {
        match self {
            Problem::Relative => "is a relative URL: no mail client can fetch it, an email has no page address to resolve it against",
            Problem::SchemeRelative => "starts with `//` and has no scheme: an email has no page to take one from",
            Problem::File => "points at a file on the author's computer",
            Problem::Private => "points at a local or private-network host that readers cannot reach",
            Problem::Empty => "is empty: the reader sees a broken image",
            Problem::Cid => "is a `cid:` reference, but a template carries no attached parts",
            Problem::Http => "loads over plain `http:`: some clients block or warn about insecure images in a page served over https",
            Problem::Data => "is a `data:` URI, which Gmail and Outlook do not show (https://www.caniemail.com/features/image-base64/)",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Problem::Relative | Problem::SchemeRelative | Problem::File | Problem::Private | Problem::Cid => {
                "Upload the images (to your web server or your sending service's file manager) and use absolute https:// URLs. A template kit that ships its images beside the HTML still needs them uploaded before it is sent."
            }
            Problem::Empty => "Give the image its URL, or remove the element.",
            Problem::Http => "Serve the images over https:// (most image hosts and CDNs do) and change the URLs.",
            Problem::Data => "Host the image and link it with an https:// URL; an image that must travel with the message can be attached and referenced with `cid:`.",
        }
    }

    fn severity(self, rule: &Rule) -> Severity {
        match self {
            Problem::Data => Severity::Info,
            _ => rule.severity,
        }
    }
}

/// Longest `data:` URI taken for a spacer pixel.
const SPACER_URI_MAX: usize = 128;

/// The problem with image source `src`, if any. `message`: the draft is a message, whose
/// `cid:` references name its own parts.
fn judge(src: &str, message: bool) -> Option<Problem> {
    if url::is_placeholder(src) {
        return None;
    }
    let problem = match url::shape(src) {
        Shape::Empty => Problem::Empty,
        Shape::Relative => Problem::Relative,
        Shape::SchemeRelative if url::host(src).is_some_and(url::is_private_host) => {
            Problem::Private
        }
        Shape::SchemeRelative => Problem::SchemeRelative,
        Shape::Scheme(s) if s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http") => {
            if url::host(src).is_some_and(url::is_private_host) {
                Problem::Private
            } else if s.eq_ignore_ascii_case("http") {
                Problem::Http
            } else {
                return None;
            }
        }
        Shape::Scheme(s) if s.eq_ignore_ascii_case("file") => Problem::File,
        // A short one is a spacer (a transparent 1×1 GIF is 42 bytes, 70 characters as a URI)
        // whose absence nobody sees.
        Shape::Scheme(s) if s.eq_ignore_ascii_case("data") && src.len() > SPACER_URI_MAX => {
            Problem::Data
        }
        Shape::Scheme(s) if s.eq_ignore_ascii_case("data") => return None,
        Shape::Scheme(s) if s.eq_ignore_ascii_case("cid") && !message => Problem::Cid,
        Shape::Scheme(_) => return None,
    };
    // A merge tag is filled in at send time (`{{ logo_url }}`, `*|BRAND_LOGO|*`,
    // `{{ asset_host }}/logo.png`): its value is not known here.
    merge_tags::find(src).is_empty().then_some(problem)
}

/// The `url(…)` inside a CSS value, unquoted, if any.
fn css_url(value: &str) -> Option<&str> {
    let at = value
        .as_bytes()
        .windows(4)
        .position(|w| w.eq_ignore_ascii_case(b"url("))?;
    let inner = &value[at + 4..];
    let inner = &inner[..inner.find(')').unwrap_or(inner.len())];
    let inner = inner.trim();
    let inner = inner
        .strip_prefix("&quot;")
        .and_then(|s| s.strip_suffix("&quot;"))
        .unwrap_or(inner);
    Some(inner.trim_matches(['"', '\'']).trim())
}

/// One image source met in the markup.
struct Hit {
    src: String,
    span: Range<usize>,
}

/// The `background` attribute and inline-style background images of `el`, judged.
fn backgrounds(
    el: &Element,
    text: &str,
    message: bool,
    push: &mut impl FnMut(Problem, &str, Range<usize>),
) {
    // `background="#ffffff"` is a common mistake for `bgcolor`: a colour, not a URL.
    if let Some(src) = el
        .attr("background")
        .filter(|v| v.contains(['.', '/', ':']))
    {
        if let Some(problem) = judge(src, message) {
            let span =
                attribute_place(text, &el.span, "background").map_or(el.span.clone(), |p| p.0);
            push(problem, src, span);
        }
    }
    let Some(style) = el.attr("style") else {
        return;
    };
    if !style
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"url("))
    {
        return;
    }
    // The markup's own value, so each declaration's place is in source offsets.
    let Some(value) = attribute_place(text, &el.span, "style").map(|p| p.1) else {
        return;
    };
    let Some(raw) = text.get(value.clone()) else {
        return;
    };
    for decl in css::declarations(raw) {
        if !matches!(&*decl.property, "background" | "background-image") {
            continue;
        }
        let Some(src) = css_url(decl.value) else {
            continue;
        };
        if let Some(problem) = judge(src, message) {
            push(
                problem,
                src,
                value.start + decl.span.start..value.start + decl.span.end,
            );
        }
    }
}

pub fn check(send: &Subject, rule: &Rule, _params: &crate::rules::Params, out: &mut Vec<Finding>) {
    let Some(doc) = designed_html(send) else {
        return;
    };
    let message = send.draft.format == DraftFormat::Message;
    let text = &send.sources.get(doc.source).text;
    let mut hits: Vec<(Problem, Hit)> = Vec::new();
    let mut push = |problem: Problem, src: &str, span: Range<usize>| {
        hits.push((
            problem,
            Hit {
                src: src.to_string(),
                span,
            },
        ));
    };
    // `images` carry spans in the draft's own source (an `.mjml` file's `<mj-image>` too).
    for image in &doc.images {
        let src = image.src.as_deref().unwrap_or("");
        if let Some(problem) = judge(src, message) {
            let span =
                attribute_place(text, &image.span, "src").map_or(image.span.clone(), |p| p.0);
            push(problem, src, span);
        }
    }
    // Backgrounds are read from the elements, whose spans are in the HTML parsed: an MJML
    // template's rendered HTML is not its source, so there only images are read.
    if send.draft.format != DraftFormat::Mjml {
        for el in &doc.elements {
            backgrounds(el, text, message, &mut push);
        }
    }
    hits.sort_by_key(|(_, h)| h.span.start);
    for (problem, first, n) in first_of_each(hits) {
        let src = shortened(&first.src, 60);
        let subject = if n == 1 {
            format!("the image source `{src}`")
        } else {
            format!(
                "{}, the first `{src}`: each",
                counted(n, "image source", "image sources")
            )
        };
        let mut finding = rule
            .finding(format!("{subject} {}", problem.what()))
            .label(
                doc.source,
                first.span,
                if n == 1 {
                    "this image".to_string()
                } else {
                    format!("the first of {n}")
                },
            )
            .help(problem.help());
        finding.severity = problem.severity(rule);
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_sources() {
        assert_eq!(judge("https://cdn.shop.com/a.png", false), None);
        assert_eq!(
            judge("http://cdn.shop.com/a.png", false),
            Some(Problem::Http)
        );
        assert_eq!(judge("images/a.png", false), Some(Problem::Relative));
        assert_eq!(judge("/a.png", false), Some(Problem::Relative));
        assert_eq!(
            judge("//cdn.shop.com/a.png", false),
            Some(Problem::SchemeRelative)
        );
        assert_eq!(
            judge("http://localhost:8080/a.png", false),
            Some(Problem::Private)
        );
        assert_eq!(
            judge("https://192.168.1.4/a.png", false),
            Some(Problem::Private)
        );
        assert_eq!(judge("file:///C:/a.png", false), Some(Problem::File));
        assert_eq!(judge(" ", false), Some(Problem::Empty));
        assert_eq!(judge("cid:logo", false), Some(Problem::Cid));
        assert_eq!(judge("cid:logo", true), None);
        let photo = format!("data:image/png;base64,{}", "A".repeat(200));
        assert_eq!(judge(&photo, true), Some(Problem::Data));
        let spacer =
            "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
        assert_eq!(judge(spacer, true), None);
        assert_eq!(judge("{{ logo_url }}", false), None);
        assert_eq!(judge("*|BRAND_LOGO|*", false), None);
        assert_eq!(judge("{{ asset_host }}/logo.png", false), None);
        assert_eq!(judge("{shop_logo}", false), None);
        assert_eq!(judge("[logo]", false), None);
    }

    #[test]
    fn reads_css_urls() {
        assert_eq!(css_url("#fff url('a.png') no-repeat"), Some("a.png"));
        assert_eq!(css_url("URL(&quot;b.png&quot;)"), Some("b.png"));
        assert_eq!(css_url("url(c.png"), Some("c.png"));
        assert_eq!(css_url("#fff"), None);
    }
}
