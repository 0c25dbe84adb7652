//! The anti-spam laws a send is judged under (`--law`, config `laws`); they decide which
//! duties apply: consent records, sender identification, unsubscribe.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Law {
    /// Canada's Anti-Spam Legislation.
    Casl,
    /// The US CAN-SPAM Act.
    CanSpam,
    /// Australia's Spam Act 2003.
    SpamAct,
    /// The UK Privacy and Electronic Communications Regulations.
    Pecr,
}

/// Judged under when nothing is said: the two laws of North American senders.
pub const DEFAULT: &[Law] = &[Law::Casl, Law::CanSpam];

impl Law {
    /// Each law with its name on the command line and in config, and what it is.
    pub const CHOICES: &'static [(Law, &'static str, &'static str)] = &[
        (Law::Casl, "casl", "Canada's Anti-Spam Legislation"),
        (Law::CanSpam, "can-spam", "The US CAN-SPAM Act"),
        (Law::SpamAct, "spam-act", "Australia's Spam Act 2003"),
        (
            Law::Pecr,
            "pecr",
            "The UK Privacy and Electronic Communications Regulations",
        ),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Law::Casl => "CASL",
            Law::CanSpam => "CAN-SPAM",
            Law::SpamAct => "Spam Act 2003",
            Law::Pecr => "PECR",
        }
    }

    /// Whether the law requires the recipient's consent before commercial mail (CAN-SPAM is
    /// opt-out: it does not).
    pub fn requires_consent(self) -> bool {
        !matches!(self, Law::CanSpam)
    }

    /// Whether the law requires a postal address in the message.
    pub fn requires_postal_address(self) -> bool {
        matches!(self, Law::Casl | Law::CanSpam)
    }

    /// Whether the law requires the sender's name and a way to contact them.
    pub fn requires_name_and_contact(self) -> bool {
        !matches!(self, Law::CanSpam)
    }
}

/// The laws in force for a send: the given ones, or [`DEFAULT`].
pub fn effective(given: &[Law]) -> Vec<Law> {
    if given.is_empty() {
        DEFAULT.to_vec()
    } else {
        let mut laws = given.to_vec();
        laws.sort();
        laws.dedup();
        laws
    }
}

/// "CASL and CAN-SPAM", for messages.
pub fn names(laws: &[Law]) -> String {
    let names: Vec<&str> = laws.iter().map(|l| l.name()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
