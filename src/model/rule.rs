//! Rule identities as plain data: which rule a finding came from, the family it belongs to, and
//! the level a user set for it. The rules themselves (docs, parameters, checks) live in
//! `crate::rules`; this layer only names them, so every layer can speak of a rule.

use std::fmt;
use std::str::FromStr;

macro_rules! rule_ids {
    ($($variant:ident = $id:literal),* $(,)?) => {
        /// A rule's id, typed: a misspelt id is a compile error in code and a load-time error
        /// in configuration.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum RuleId {
            $($variant),*
        }

        impl RuleId {
            /// Every rule, in catalogue order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id),*
                }
            }
        }
    };
}

rule_ids! {
    RecipientLimit = "recipient-limit",
    BulkFromMailbox = "bulk-from-mailbox",
    IdenticalBody = "identical-body",
    VisibleRecipients = "visible-recipients",
    UnsubscribeMissing = "unsubscribe-missing",
    UnsubscribePlaceholder = "unsubscribe-placeholder",
    RecipientInvalid = "recipient-invalid",
    RecipientDuplicate = "recipient-duplicate",
    SenderIdentification = "sender-identification",
    ListUnsubscribeHeader = "list-unsubscribe-header",
    UnrenderedMergeTag = "unrendered-merge-tag",
    MergeTagSyntax = "merge-tag-syntax",
    ConsentMissing = "consent-missing",
    ConsentExpired = "consent-expired",
    InputProblem = "input-problem",
    UnusedSuppression = "unused-suppression",
    // Template checks: rendering.
    GmailClipping = "gmail-clipping",
    ClientSupport = "client-support",
    DarkMode = "dark-mode",
    // Template checks: accessibility.
    HtmlLang = "html-lang",
    LayoutTableRole = "layout-table-role",
    ImageAlt = "image-alt",
    LinkText = "link-text",
    ColorContrast = "color-contrast",
    // Template checks: images, links and parts.
    ImageSrc = "image-src",
    ImageOnly = "image-only",
    LinkTarget = "link-target",
    TextPart = "text-part",
    Preheader = "preheader",
}

impl RuleId {
    /// The ids as text, for "known: …" messages.
    pub fn names() -> Vec<&'static str> {
        RuleId::ALL.iter().map(|r| r.as_str()).collect()
    }
}

/// An id that names no rule, with the list to choose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(pub String);

impl fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown rule `{}`; known: {}",
            self.0,
            RuleId::names().join(", ")
        )
    }
}

impl std::error::Error for UnknownRule {}

impl FromStr for RuleId {
    type Err = UnknownRule;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleId::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRule(s.to_string()))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// Ordered and hashed as its text, so maps keyed by rule can be looked up by `&str` too.
impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::hash::Hash for RuleId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::borrow::Borrow<str> for RuleId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The family a rule belongs to; the verdict weighs volume and compliance findings. The
/// template families (rendering, accessibility, links) are about how the mail shows and reads,
/// not whether it may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Volume,
    Compliance,
    Content,
    Hygiene,
    Input,
    Privacy,
    Recipients,
    Rendering,
    Accessibility,
    Links,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Volume => "volume",
            Category::Compliance => "compliance",
            Category::Content => "content",
            Category::Hygiene => "hygiene",
            Category::Input => "input",
            Category::Privacy => "privacy",
            Category::Recipients => "recipients",
            Category::Rendering => "rendering",
            Category::Accessibility => "accessibility",
            Category::Links => "links",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's level after overrides: a severity, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}
