//! CASL consent status of each recipient with a consent record: express consent lasts until
//! withdrawn; implied consent lapses 2 years after a purchase and 6 months after an inquiry
//! (figures and kind names in `rules/consent-expired.toml`).

use crate::load::recipients::Consent;
use crate::model::date::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Purchase,
    Inquiry,
}

impl Basis {
    pub fn describe(self) -> &'static str {
        match self {
            Basis::Purchase => "implied consent from a purchase",
            Basis::Inquiry => "implied consent from an inquiry",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Express consent, or implied consent still inside its window.
    Valid,
    /// No usable consent record, with the reason.
    Missing(String),
    /// Implied consent whose window closed on `lapsed`.
    Expired {
        basis: Basis,
        given: Date,
        lapsed: Date,
    },
}

/// `rules/consent-expired.toml`'s `[params]`: how long implied consent lasts, and the words
/// exports use for each kind of consent.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Windows {
    pub purchase_months: u64,
    pub inquiry_months: u64,
    pub express_kinds: Vec<String>,
    pub purchase_kinds: Vec<String>,
    pub inquiry_kinds: Vec<String>,
}

/// Judges one record against `as_of` and the consent windows.
pub fn assess(consent: Option<&Consent>, as_of: Date, windows: &Windows) -> Status {
    let Some(consent) = consent else {
        return Status::Missing("no consent record".into());
    };
    let kind = consent.kind.as_deref().map(normalize).unwrap_or_default();
    let date = consent
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let is = |kinds: &[String]| kinds.iter().any(|k| normalize(k) == kind);
    let basis = if kind.is_empty() {
        return Status::Missing(match date {
            Some(_) => "a consent date but no consent type".into(),
            None => "blank consent columns".into(),
        });
    } else if is(&windows.express_kinds) {
        return Status::Valid;
    } else if is(&windows.purchase_kinds) {
        Basis::Purchase
    } else if is(&windows.inquiry_kinds) {
        Basis::Inquiry
    } else {
        return Status::Missing(format!(
            "consent type `{}` is not one bulklint knows",
            consent.kind.as_deref().unwrap_or_default()
        ));
    };
    let Some(raw) = date else {
        return Status::Missing(format!(
            "{} with no date: it cannot be shown to be current",
            basis.describe()
        ));
    };
    let Some(given) = Date::parse_prefix(raw) else {
        return Status::Missing(format!(
            "consent date `{raw}` is not a date (use YYYY-MM-DD)"
        ));
    };
    let months = match basis {
        Basis::Purchase => windows.purchase_months,
        Basis::Inquiry => windows.inquiry_months,
    };
    let lapsed = given.add_months(u32::try_from(months).unwrap_or(u32::MAX));
    if lapsed < as_of {
        Status::Expired {
            basis,
            given,
            lapsed,
        }
    } else {
        Status::Valid
    }
}

/// `Implied - Purchase`, `implied_purchase` and `implied purchase` are one kind.
fn normalize(kind: &str) -> String {
    kind.trim()
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
