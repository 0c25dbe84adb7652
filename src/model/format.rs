//! Numbers and times as bulklint writes them: `1,234`, `2025-03-05 09:00 UTC`, and the
//! rolling-window units providers count in.

/// The rolling window providers count daily limits over.
pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;

/// `2025-03-05 09:00 UTC`.
pub fn format_utc(ts: i64) -> String {
    let d = mail_parser::DateTime::from_timestamp(ts);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        d.year, d.month, d.day, d.hour, d.minute
    )
}

/// `09:00 UTC` when `ts` falls on the same UTC day as `reference`, else the full form.
pub fn format_utc_near(ts: i64, reference: i64) -> String {
    if ts.div_euclid(DAY) == reference.div_euclid(DAY) {
        let d = mail_parser::DateTime::from_timestamp(ts);
        format!("{:02}:{:02} UTC", d.hour, d.minute)
    } else {
        format_utc(ts)
    }
}

/// Reads a time given on the command line: Unix seconds, or RFC 3339
/// (`2025-03-05T09:00:00Z`, `2025-03-05T10:00:00+01:00`).
pub fn parse_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<i64>() {
        return Ok(secs);
    }
    let bad = || {
        format!("`{text}` is not a time (use RFC 3339, e.g. 2025-03-05T09:00:00Z, or Unix seconds)")
    };
    if t.len() < 19 || !t.as_bytes()[10].eq_ignore_ascii_case(&b't') && t.as_bytes()[10] != b' ' {
        return Err(bad());
    }
    let dt = mail_parser::DateTime::parse_rfc3339(t)
        .filter(|d| d.is_valid())
        .ok_or_else(bad)?;
    Ok(dt.to_timestamp())
}

/// At most `max` characters of `text`, for quoting input in a message: a hostile file can put
/// a megabyte where a header name belongs, and the message should still be one line to read.
/// Longer text is cut on a character boundary and says how much was left out.
pub fn excerpt(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!(
            "{}… ({} more bytes)",
            &text[..cut],
            group((text.len() - cut) as u64)
        )),
    }
}

/// `1 recipient`, `1,200 recipients`.
pub fn recipients(n: u64) -> String {
    format!("{} recipient{}", group(n), if n == 1 { "" } else { "s" })
}

/// `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_on_characters_and_say_what_is_left() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("ééééé", 2), "éé… (6 more bytes)");
        assert_eq!(excerpt(&"x".repeat(5000), 3), "xxx… (4,997 more bytes)");
    }

    #[test]
    fn times_parse_and_format() {
        assert_eq!(parse_time("2025-03-05T09:00:00Z"), Ok(1_741_165_200));
        assert_eq!(parse_time("2025-03-05T10:00:00+01:00"), Ok(1_741_165_200));
        assert_eq!(parse_time("1741165200"), Ok(1_741_165_200));
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2025-03-05").is_err());
        assert_eq!(format_utc(1_741_165_200), "2025-03-05 09:00 UTC");
        assert_eq!(
            format_utc_near(1_741_165_200, 1_741_165_200 + 3 * HOUR),
            "09:00 UTC"
        );
        assert_eq!(group(8_700), "8,700");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(group(999), "999");
    }
}
