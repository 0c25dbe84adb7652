//! Commercial or transactional: CASL's unsubscribe and identification duties and Gmail's
//! one-click rule apply to commercial mail only.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Commercial,
    Transactional,
}

impl Kind {
    /// Each kind with its name on the command line and in config (no further help).
    pub const CHOICES: &'static [(Kind, &'static str, &'static str)] = &[
        (Kind::Commercial, "commercial", ""),
        (Kind::Transactional, "transactional", ""),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Commercial => "commercial",
            Kind::Transactional => "transactional",
        }
    }
}

#[derive(Debug, Clone)]
pub struct KindChoice {
    pub kind: Kind,
    pub reason: String,
}
