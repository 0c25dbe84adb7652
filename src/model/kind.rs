//! What kind of message a draft is. CASL's unsubscribe and identification duties and Gmail's
//! one-click rule apply to commercial mail only; the volume rules apply to every bulk send.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Encourages participation in a commercial activity: offers, products or services for
    /// sale, promotions, a business's newsletter (CASL s. 1(2)).
    Commercial,
    /// A receipt, an order, account or security notice, a confirmation the reader asked for.
    Transactional,
    /// Person to person, a reply, a mailing-list discussion, an automated notice, a bounce.
    NotCommercial,
    /// Nothing in the message tells; the user can say with `--kind`.
    #[serde(skip_deserializing)]
    Unknown,
}

impl Kind {
    /// The kinds a user can set, with their names on the command line and in config.
    pub const CHOICES: &'static [(Kind, &'static str, &'static str)] = &[
        (Kind::Commercial, "commercial", ""),
        (Kind::Transactional, "transactional", ""),
        (Kind::NotCommercial, "not-commercial", ""),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Commercial => "commercial",
            Kind::Transactional => "transactional",
            Kind::NotCommercial => "not-commercial",
            Kind::Unknown => "unknown",
        }
    }
}

/// The kind a draft was judged to be, and the evidence, in words for the verdict.
#[derive(Debug, Clone)]
pub struct KindChoice {
    pub kind: Kind,
    pub reason: String,
}
