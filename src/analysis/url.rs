//! URLs as templates write them in `src`, `href` and CSS `url()`: their scheme, host and site,
//! read without allocating, so image and link checks can judge where a URL leads.

/// What a URL's first characters say about where it leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape<'a> {
    /// Nothing but blanks.
    Empty,
    /// `scheme:rest`, the scheme as written (compare it ignoring case).
    Scheme(&'a str),
    /// `//host/path`: takes the scheme of a page, and an email has none.
    SchemeRelative,
    /// `images/x.png`, `/x.png`, `../x.png`: relative to a page, and an email has none.
    Relative,
}

/// The shape of `url` (trimmed).
pub fn shape(url: &str) -> Shape<'_> {
    let url = url.trim();
    if url.is_empty() {
        return Shape::Empty;
    }
    if url.starts_with("//") {
        return Shape::SchemeRelative;
    }
    // RFC 3986 §3.1: a scheme is a letter, then letters, digits, `+`, `-` or `.`, then `:`.
    let end = url
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(url.len());
    if end > 0 && url.as_bytes()[0].is_ascii_alphabetic() && url.as_bytes().get(end) == Some(&b':')
    {
        Shape::Scheme(&url[..end])
    } else {
        Shape::Relative
    }
}

/// Whether `value` is a placeholder a template engine fills (`{shop_logo}`, `[mail]`, `%logo%`,
/// `${logo}`, `<%= logo %>`) rather than a URL or an address: none starts with these characters.
/// Complements the merge-tag dialects, which do not list every shop system's braces.
pub fn is_placeholder(value: &str) -> bool {
    value.trim_start().starts_with(['{', '[', '%', '$', '<'])
}

/// The host of an `http:`/`https:` (or scheme-relative) URL, as written: without user info,
/// port, path, query or fragment; `None` for other URLs or an empty host.
pub fn host(url: &str) -> Option<&str> {
    let url = url.trim();
    let rest = match shape(url) {
        Shape::Scheme(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {
            url[s.len() + 1..].strip_prefix("//")?
        }
        Shape::SchemeRelative => &url[2..],
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#', '\\']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if authority.starts_with('[') {
        // An IPv6 literal keeps its colons.
        authority.split_inclusive(']').next()?
    } else {
        authority.split(':').next()?
    };
    let host = host.trim_end_matches('.');
    (!host.is_empty()).then_some(host)
}

/// Whether `host` can only be reached from the author's own machine or network: `localhost`,
/// loopback and private addresses (RFC 1918, RFC 4193, RFC 6890), and the names reserved for
/// local or test use (`.localhost`, `.local`, `.test`, `.invalid`, `.example`, `.internal`:
/// RFC 2606, RFC 6761, RFC 6762).
pub fn is_private_host(host: &str) -> bool {
    let lower = host.trim_end_matches('.');
    if let Ok(v4) = lower.parse::<std::net::Ipv4Addr>() {
        return v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified();
    }
    if let Some(v6) = lower
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<std::net::Ipv6Addr>().ok())
    {
        // fc00::/7 is the unique local range.
        return v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00;
    }
    let tld = lower.rsplit('.').next().unwrap_or(lower);
    lower.eq_ignore_ascii_case("localhost")
        || [
            "localhost",
            "local",
            "test",
            "invalid",
            "example",
            "internal",
        ]
        .iter()
        .any(|t| tld.eq_ignore_ascii_case(t))
}

/// The site a host belongs to: its last two labels, or three under a two-letter country code
/// with a short second level (`news.shop.example.co.uk` → `example.co.uk`). An approximation of
/// the public suffix list, enough to tell one organisation's hosts from another's.
pub fn site(host: &str) -> &str {
    let host = host.trim_end_matches('.');
    let mut dots = host.match_indices('.').map(|(i, _)| i).rev();
    let (last, second) = (dots.next(), dots.next());
    let Some(second) = second else {
        return host;
    };
    let tld = &host[last.map_or(0, |l| l + 1)..];
    let second_level = &host[second + 1..last.unwrap_or(host.len())];
    match dots.next() {
        Some(third) if tld.len() == 2 && second_level.len() <= 3 => &host[third + 1..],
        None if tld.len() == 2 && second_level.len() <= 3 => host,
        _ => &host[second + 1..],
    }
}

/// Whether `host` is `domain` or one of its subdomains, ignoring case.
pub fn is_within(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.');
    let Some(at) = host.len().checked_sub(domain.len()) else {
        return false;
    };
    host.get(at..)
        .is_some_and(|tail| tail.eq_ignore_ascii_case(domain))
        && (at == 0 || host.as_bytes()[at - 1] == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape("  "), Shape::Empty);
        assert_eq!(shape("https://a.b/x"), Shape::Scheme("https"));
        assert_eq!(shape("HTTP://a.b/x"), Shape::Scheme("HTTP"));
        assert_eq!(shape("cid:logo@01"), Shape::Scheme("cid"));
        assert_eq!(shape("//cdn.a.b/x.png"), Shape::SchemeRelative);
        assert_eq!(shape("images/x.png"), Shape::Relative);
        assert_eq!(shape("/x.png"), Shape::Relative);
        assert_eq!(shape("x.png?a=b:c"), Shape::Relative);
        assert_eq!(shape("1a:b"), Shape::Relative);
    }

    #[test]
    fn hosts() {
        assert_eq!(
            host("https://user@Shop.Example.com:8080/x?y#z"),
            Some("Shop.Example.com")
        );
        assert_eq!(host("http://localhost/x"), Some("localhost"));
        assert_eq!(host("//cdn.a.b"), Some("cdn.a.b"));
        assert_eq!(host("http://[::1]:80/"), Some("[::1]"));
        assert_eq!(host("mailto:a@b.c"), None);
        assert_eq!(host("https:///x"), None);
        assert_eq!(host("images/a.png"), None);
    }

    #[test]
    fn private_hosts() {
        for h in [
            "localhost",
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.10",
            "172.20.1.1",
            "[::1]",
            "shop.local",
            "app.test",
            "x.localhost",
        ] {
            assert!(is_private_host(h), "{h}");
        }
        for h in [
            "example.com",
            "8.8.8.8",
            "172.32.0.1",
            "shop.co.uk",
            "localhost.com",
        ] {
            assert!(!is_private_host(h), "{h}");
        }
    }

    #[test]
    fn sites() {
        assert_eq!(site("news.shop.example.co.uk"), "example.co.uk");
        assert_eq!(site("example.co.uk"), "example.co.uk");
        assert_eq!(site("www.shop.com"), "shop.com");
        assert_eq!(site("shop.com"), "shop.com");
        assert_eq!(site("localhost"), "localhost");
        assert_eq!(site("a.b.shop.de"), "shop.de");
    }

    #[test]
    fn within() {
        assert!(is_within("www.Example.com", "example.com"));
        assert!(is_within("example.com", "example.com"));
        assert!(!is_within("notexample.com", "example.com"));
        assert!(!is_within("com", "example.com"));
        assert!(!is_within("пример.рф", "bit.ly"));
    }
}
