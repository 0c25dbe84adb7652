//! `sender-identification`: a commercial message that does not say who sent it (a name, a
//! mailing address, and a telephone number, email address or web address).

use crate::model::finding::{Finding, Label, Severity};
use std::sync::OnceLock;

use crate::analysis::identification::{self, Detectors, Identification};
use crate::analysis::merge_tags;
use crate::model::kind::Kind;
use crate::model::law::Law;
use crate::rules::Subject;
use crate::rules::{self, Rule};

/// The detectors compiled from this rule's parameters (and what counts as a placeholder
/// link), once per process.
pub fn detectors() -> &'static Detectors {
    static DETECTORS: OnceLock<Detectors> = OnceLock::new();
    DETECTORS.get_or_init(|| {
        let params = rules::params();
        Detectors::build(
            &params.sender_identification,
            &params.unsubscribe_placeholder,
        )
    })
}

pub fn check(send: &Subject, rule: &Rule, _params: &crate::rules::Params, out: &mut Vec<Finding>) {
    if send.kind.kind != Kind::Commercial {
        return;
    }
    let need = Needs::under(&send.laws);
    let found = identification::identify(detectors(), &send.draft, &send.sources, &send.body_tags);
    if need.met_by(&found) && found.unfilled.is_empty() {
        return;
    }
    let label = send
        .draft
        .body_end_label(&send.sources, "the footer should identify the sender here")
        .or_else(|| {
            send.draft
                .header_label("From", "the message has no body to identify the sender in")
        })
        .unwrap_or(Label {
            source: send.draft.source,
            span: 0..0,
            text: "the message has no body to identify the sender in".into(),
        });
    // A name is the weakest of the three to recognise (any capitalised words may be one, and
    // a footer's address block usually holds it unlabelled): with the address and the contact
    // details found, a name not recognised is a note to check, not an error.
    let firm = Needs {
        name: false,
        ..need.clone()
    };
    let only_a_note = found.unfilled.is_empty() && firm.met_by(&found);
    let message = if only_a_note {
        "no sender name recognised in the message: make sure the footer names who sends it, with the mailing address".to_string()
    } else if need.met_by(&found) {
        let quoted: Vec<String> = found.unfilled.iter().map(|u| format!("\"{u}\"")).collect();
        format!(
            "the sender's details are a template's placeholders, not filled in: {}",
            quoted.join(", ")
        )
    } else {
        missing_message(&found, &need)
    };
    let mut finding = rule
        .finding(format!("{message} ({})", need.cite))
        .with_label(Some(label))
        .help(help(&found, &send.kind.reason));
    if only_a_note {
        finding.severity = Severity::Info;
    }
    out.push(finding);
}

/// What the laws in force require the message to carry, and how to cite them.
#[derive(Clone)]
struct Needs {
    name: bool,
    address: bool,
    contact: bool,
    cite: String,
}

impl Needs {
    fn under(laws: &[Law]) -> Needs {
        let name = laws.iter().any(|l| l.requires_name_and_contact());
        let address = laws.iter().any(|l| l.requires_postal_address());
        let cite = laws
            .iter()
            .map(|l| match l {
                Law::Casl => "CASL s. 6(2)",
                Law::CanSpam => "CAN-SPAM",
                Law::SpamAct => "Spam Act 2003 s. 17",
                Law::Pecr => "PECR reg. 23",
            })
            .collect::<Vec<_>>()
            .join(", ");
        Needs {
            name,
            address,
            contact: name,
            cite,
        }
    }

    fn met_by(&self, found: &Identification) -> bool {
        (!self.name || found.name.is_some())
            && (!self.address || found.address.is_some())
            && (!self.contact || found.contact.is_some())
    }
}

/// Says exactly what is missing: "no mailing address in the message".
fn missing_message(found: &Identification, need: &Needs) -> String {
    let name_missing = need.name && found.name.is_none();
    let address_missing = need.address && found.address.is_none();
    let contact_missing = need.contact && found.contact.is_none();
    if !name_missing && !address_missing {
        return "no telephone number, email address or web address in the message".into();
    }
    let missing: Vec<&str> = [
        (name_missing, "sender name"),
        (address_missing, "mailing address"),
        (contact_missing, "contact details"),
    ]
    .into_iter()
    .filter_map(|(missing, what)| missing.then_some(what))
    .collect();
    let list = match missing.as_slice() {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    };
    format!("no {list} in the message")
}

fn help(found: &Identification, kind_reason: &str) -> String {
    let seen: Vec<&str> = [&found.name, &found.address, &found.contact]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let seen = if seen.is_empty() {
        String::new()
    } else {
        format!(" Found: {}.", seen.join("; "))
    };
    let tags = address_tag_examples(2);
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!(" ({}, ...)", tags.join(", "))
    };
    format!(
        "CASL requires the sender's name, a mailing address, and a telephone number, email address or web address that still works 60 days after sending; CAN-SPAM requires a valid postal address.{seen} Add what is missing to the footer; your ESP's address merge tag can fill in the address{tags}. Treated as commercial: {kind_reason} (--kind transactional if it is not)."
    )
}

/// "ESP `tag`" for the first few ESPs whose address merge tag gives a postal address.
fn address_tag_examples(max: usize) -> Vec<String> {
    let d = detectors();
    merge_tags::table()
        .esps
        .iter()
        .filter_map(|esp| {
            esp.address
                .iter()
                .find(|tag| {
                    merge_tags::find(tag)
                        .first()
                        .is_some_and(|t| !d.is_name_only_tag(&t.key))
                })
                // "SendGrid", not "SendGrid Marketing Campaigns": an example, not a catalogue.
                .map(|tag| {
                    format!(
                        "{} `{tag}`",
                        esp.name.split_whitespace().next().unwrap_or(&esp.name)
                    )
                })
        })
        .take(max)
        .collect()
}
