//! Calendar dates without a clock: parsing the dates that list exports write, and calendar
//! arithmetic for consent windows. "Today" is always passed in, never read.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        (1..=12)
            .contains(&month)
            .then_some(())
            .filter(|_| day >= 1 && day <= days_in_month(year, month))
            .map(|_| Date { year, month, day })
    }

    /// The same day `months` later, clamped to the month's end (Feb 29 + 12 months = Feb 28).
    pub fn add_months(self, months: u32) -> Date {
        let total = self.year * 12 + (self.month as i32 - 1) + months as i32;
        let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
        Date {
            year,
            month,
            day: self.day.min(days_in_month(year, month)),
        }
    }

    /// Days since 1970-01-01 (negative before), for comparisons and differences.
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Reads the date at the start of `text`: `2024-03-05`, `2024/03/05`, `2024-03-05 14:02:11`
    /// (Mailchimp), `2024-03-05T14:02:11Z`. Day-first and month-first forms are ambiguous and
    /// refused rather than guessed.
    pub fn parse_prefix(text: &str) -> Option<Date> {
        let t = text.trim();
        let date_part = t.split([' ', 'T']).next()?;
        let mut parts = date_part.split(['-', '/', '.']);
        let y = parts.next()?;
        let m = parts.next()?;
        let d = parts.next()?;
        if parts.next().is_some() || y.len() != 4 {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let d =
            Date::parse_prefix(s).ok_or_else(|| format!("`{s}` is not a date (use YYYY-MM-DD)"))?;
        if s.trim().len() != 10 {
            return Err(format!("`{s}` is not a date (use YYYY-MM-DD)"));
        }
        Ok(d)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_export_formats() {
        let d = Date::new(2024, 3, 5).unwrap();
        assert_eq!(Date::parse_prefix("2024-03-05"), Some(d));
        assert_eq!(Date::parse_prefix("2024/03/05"), Some(d));
        assert_eq!(Date::parse_prefix("2024-03-05 14:02:11"), Some(d));
        assert_eq!(Date::parse_prefix("2024-03-05T14:02:11Z"), Some(d));
        assert_eq!(Date::parse_prefix("05/03/2024"), None);
        assert_eq!(Date::parse_prefix("2024-02-30"), None);
        assert!("2024-03-05x".parse::<Date>().is_err());
    }

    #[test]
    fn calendar_arithmetic() {
        let leap = Date::new(2024, 2, 29).unwrap();
        assert_eq!(leap.add_months(12), Date::new(2025, 2, 28).unwrap());
        assert_eq!(
            Date::new(2024, 11, 30).unwrap().add_months(3),
            Date::new(2025, 2, 28).unwrap()
        );
        assert_eq!(Date::new(1970, 1, 1).unwrap().days(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days(), 11_017);
    }
}

impl Date {
    /// The date `days` after 1970-01-01 (Howard Hinnant's civil_from_days).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

#[cfg(test)]
mod round_trip {
    use super::*;

    #[test]
    fn from_days_inverts_days() {
        for days in [-1000, 0, 11_017, 19_000, 20_000, 60_000] {
            assert_eq!(Date::from_days(days).days(), days);
        }
    }
}
