//! The caniemail data (https://www.caniemail.com, MIT): which email clients support which HTML
//! and CSS features. A dated snapshot lives in `vendor/caniemail/` (`scripts/refresh-caniemail.sh`
//! renews it); build.rs turns it into the statics below, so nothing is parsed at run time.
//!
//! A client is a family (`gmail`) on a platform (`android`); each feature keeps the support of
//! each client's latest tested version only, since that is the client readers have.

/// How a client supports a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Support {
    No,
    Partial,
    Yes,
}

/// One caniemail feature.
#[derive(Debug)]
pub struct Feature {
    /// caniemail's id; the page is `https://www.caniemail.com/features/<slug>/`.
    pub slug: &'static str,
    pub title: &'static str,
    /// (index into [`CLIENTS`], support, caniemail's notes on it), sorted by client. A client
    /// not listed was not tested.
    pub support: &'static [(usize, Support, &'static str)],
}

include!(concat!(env!("OUT_DIR"), "/caniemail.rs"));

impl Feature {
    pub fn url(&self) -> String {
        format!("https://www.caniemail.com/features/{}/", self.slug)
    }

    /// The support in client `client` (an index into [`CLIENTS`]), with its note; `None` when
    /// it was not tested.
    pub fn in_client(&self, client: usize) -> Option<(Support, &'static str)> {
        self.support
            .binary_search_by_key(&client, |&(c, _, _)| c)
            .ok()
            .map(|i| (self.support[i].1, self.support[i].2))
    }
}

/// A client's name for people: "Outlook Windows", "Gmail Android". Every finding names
/// several, so the names are made once.
pub fn client_name(client: usize) -> &'static str {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let name = |table: &[(&'static str, &'static str)], id: &'static str| {
            table
                .binary_search_by_key(&id, |&(k, _)| k)
                .map_or(id, |i| table[i].1)
        };
        CLIENTS
            .iter()
            .map(|&(family, platform)| {
                format!("{} {}", name(FAMILIES, family), name(PLATFORMS, platform))
            })
            .collect()
    });
    &names[client]
}

/// The clients a target names: a family (`gmail`: all its platforms) or a family and platform
/// joined by a hyphen (`outlook-windows`, `apple-mail-ios`). `None` for a name the data does
/// not know.
pub fn target(name: &str) -> Option<Vec<usize>> {
    let all: Vec<usize> = (0..CLIENTS.len())
        .filter(|&i| {
            let (family, platform) = CLIENTS[i];
            name == family
                || name
                    .strip_prefix(family)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|p| p == platform)
        })
        .collect();
    (!all.is_empty()).then_some(all)
}

/// Every name [`target`] accepts, for error messages and docs.
pub fn target_names() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for &(family, platform) in CLIENTS {
        if names.last().map(String::as_str) != Some(family) && !names.iter().any(|n| n == family) {
            names.push(family.to_string());
        }
        names.push(format!("{family}-{platform}"));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_is_sorted_and_its_constants_point_at_their_features() {
        assert!(FEATURES.windows(2).all(|w| w[0].slug < w[1].slug));
        assert!(CLIENTS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(FEATURES[slug::CSS_DISPLAY_FLEX].slug, "css-display-flex");
        for f in FEATURES {
            assert!(f.support.windows(2).all(|w| w[0].0 < w[1].0), "{}", f.slug);
        }
    }

    #[test]
    fn targets_name_families_or_one_platform() {
        let outlook = target("outlook").unwrap();
        assert!(outlook.len() > 1);
        let windows = target("outlook-windows").unwrap();
        assert_eq!(windows.len(), 1);
        assert_eq!(client_name(windows[0]), "Outlook Windows");
        assert_eq!(target("apple-mail-ios").unwrap().len(), 1);
        assert!(target("outlook-").is_none() && target("lotus").is_none());
        assert!(target_names().contains(&"samsung-email-android".to_string()));
        let flex = &FEATURES[slug::CSS_DISPLAY_FLEX];
        assert_eq!(flex.in_client(windows[0]).map(|s| s.0), Some(Support::No));
    }
}
