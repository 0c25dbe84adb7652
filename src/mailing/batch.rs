//! Batches of already-merged messages (mail-merge output, a Sent folder export) judged as one
//! send, and the readers for the mailbox formats they come in: mbox, Maildir, a folder of `.eml`.

use std::collections::HashMap;

use crate::load::draft;
use crate::load::input_limits::InputLimits;
use crate::load::mailbox::{guard, message_date, Location, MailboxKind, RawMessage};
use crate::load::recipients::is_internal;
use crate::mailing::fingerprint::{self, Fingerprint};
use crate::mailing::minhash::{self, Signature};
use crate::mailing::Mailing;
use crate::model::input::Input;
use crate::model::source::Sources;

/// One merged message of a batch, reduced to what volume and body checks need.
#[derive(Debug, Clone)]
pub struct BatchMessage {
    pub location: Location,
    pub from: Option<String>,
    /// To, Cc and Bcc addresses as written.
    pub recipients: Vec<String>,
    /// The Date header in UTC seconds, when it has one that parses.
    pub date: Option<i64>,
    pub subject: Option<String>,
    pub fingerprint: Option<Fingerprint>,
    pub signature: Option<Signature>,
}

/// Already-merged messages judged as one send.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The path as given.
    pub name: String,
    pub kind: MailboxKind,
    pub messages: Vec<BatchMessage>,
    /// Messages that could not be read, with why: reported, never dropped silently.
    pub problems: Vec<(Location, String)>,
}

/// Messages of a batch that share one body (same fingerprint, or near-duplicates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Indexes into [`Batch::messages`], in batch order; the first is the representative.
    pub members: Vec<usize>,
}

/// The busiest minute of a batch by its Date headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peak {
    /// Messages dated within 60 seconds of `start`.
    pub messages: u64,
    pub start: i64,
}

impl Batch {
    /// Reads each raw message as a draft would be read, keeping what the batch checks need.
    pub fn build(name: impl Into<String>, kind: MailboxKind, raw: &[RawMessage]) -> Batch {
        Batch::build_with(name, kind, raw, &InputLimits::default())
    }

    /// [`Batch::build`] under the given input limits (`[input]` in bulklint.toml): a message
    /// past them is a problem of the batch, like any unreadable message.
    pub fn build_with(
        name: impl Into<String>,
        kind: MailboxKind,
        raw: &[RawMessage],
        limits: &InputLimits,
    ) -> Batch {
        let mut messages = Vec::with_capacity(raw.len());
        let mut problems = Vec::new();
        for m in raw {
            let mut sources = Sources::default();
            let label = m.location.to_string();
            let loaded = guard(|| draft::load_with(&mut sources, &label, m.bytes.clone(), limits));
            match loaded {
                Ok(d) if d.format == draft::DraftFormat::Message => {
                    let body = d.visible_text();
                    let has_body = !body.trim().is_empty();
                    messages.push(BatchMessage {
                        location: m.location.clone(),
                        from: d.from_address().map(|a| a.to_lowercase()),
                        recipients: d.recipients.iter().map(|r| r.address.clone()).collect(),
                        date: message_date(&m.bytes).ok().flatten(),
                        subject: d.header_value("Subject").map(|s| s.trim().to_string()),
                        fingerprint: has_body.then(|| fingerprint::fingerprint(body)),
                        signature: minhash::signature(body),
                    });
                }
                Ok(_) => problems.push((
                    m.location.clone(),
                    "not a message: no header fields".to_string(),
                )),
                Err(e) => problems.push((m.location.clone(), e.message)),
            }
        }
        Batch {
            name: name.into(),
            kind,
            messages,
            problems,
        }
    }

    /// Recipients across messages, each message counting its own (providers count a recipient
    /// of two messages twice).
    pub fn recipient_total(&self) -> u64 {
        self.messages
            .iter()
            .map(|m| m.recipients.len() as u64)
            .sum()
    }

    /// External recipients across messages, counted the same way.
    pub fn external_total(&self, org_domains: &[String]) -> u64 {
        self.messages
            .iter()
            .flat_map(|m| &m.recipients)
            .filter(|a| {
                !is_internal(
                    &crate::model::address::domain(a).unwrap_or_default(),
                    org_domains,
                )
            })
            .count() as u64
    }

    /// The message with the most recipients.
    pub fn largest_message(&self) -> Option<&BatchMessage> {
        self.messages.iter().max_by_key(|m| m.recipients.len())
    }

    /// The most common From address.
    pub fn sender(&self) -> Option<String> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for f in self.messages.iter().filter_map(|m| m.from.as_deref()) {
            *counts.entry(f).or_default() += 1;
        }
        let mut best: Vec<_> = counts.into_iter().collect();
        best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        best.first().map(|(f, _)| f.to_string())
    }

    /// Groups messages by body: the same exact fingerprint, or a MinHash similarity of at least
    /// `threshold` to a group's first message. Largest group first; bodiless messages are left
    /// out. Greedy leader clustering: each message joins the first group it matches.
    pub fn clusters(&self, threshold: f64) -> Vec<Cluster> {
        let mut clusters: Vec<Cluster> = Vec::new();
        let mut by_print: HashMap<&Fingerprint, usize> = HashMap::new();
        for (i, m) in self.messages.iter().enumerate() {
            let Some(print) = &m.fingerprint else {
                continue;
            };
            if let Some(&c) = by_print.get(print) {
                clusters[c].members.push(i);
                continue;
            }
            let near = m.signature.as_ref().and_then(|sig| {
                clusters.iter().position(|c| {
                    self.messages[c.members[0]]
                        .signature
                        .as_ref()
                        .is_some_and(|rep| rep.similarity(sig) >= threshold)
                })
            });
            let c = near.unwrap_or_else(|| {
                clusters.push(Cluster {
                    members: Vec::new(),
                });
                clusters.len() - 1
            });
            clusters[c].members.push(i);
            by_print.insert(print, c);
        }
        clusters.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(a.members[0].cmp(&b.members[0]))
        });
        clusters
    }

    /// The largest number of messages dated within any 60 seconds, when at least two messages
    /// carry a Date.
    pub fn peak_per_minute(&self) -> Option<Peak> {
        let mut dates: Vec<i64> = self.messages.iter().filter_map(|m| m.date).collect();
        if dates.len() < 2 {
            return None;
        }
        dates.sort_unstable();
        let mut best = Peak {
            messages: 0,
            start: dates[0],
        };
        let mut lo = 0;
        for hi in 0..dates.len() {
            while dates[hi] - dates[lo] >= 60 {
                lo += 1;
            }
            let n = (hi - lo + 1) as u64;
            if n > best.messages {
                best = Peak {
                    messages: n,
                    start: dates[lo],
                };
            }
        }
        Some(best)
    }

    /// The recipients of every message but `skip` (the one loaded as the draft, whose own
    /// headers already name its recipients), as a CSV list with the message each came from, so
    /// recipient findings point at a line that names the message.
    pub fn recipients_list(&self, skip: Option<usize>) -> Input {
        let mut text = String::from("email,message\n");
        for (i, m) in self.messages.iter().enumerate() {
            if Some(i) == skip {
                continue;
            }
            for r in &m.recipients {
                text.push_str(&csv_field(r));
                text.push(',');
                text.push_str(&csv_field(&m.location.to_string()));
                text.push('\n');
            }
        }
        Input {
            name: format!(
                "{} (recipients of {} messages)",
                self.name,
                self.messages.len()
            ),
            bytes: text.into_bytes(),
        }
    }
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// The volume of a send as providers count it: one message to its unique recipients, or a
/// batch of messages each counting its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub recipients: u64,
    pub external: u64,
    pub messages: u64,
    /// Recipients of the message with the most (per-message limits apply to it).
    pub largest_message: u64,
    /// Which message that is, in a batch.
    pub largest_message_at: Option<Location>,
}

impl Volume {
    pub fn internal(&self) -> u64 {
        self.recipients - self.external
    }
}

pub fn volume(send: &Mailing) -> Volume {
    match &send.batch {
        Some(batch) => {
            let largest = batch.largest_message();
            Volume {
                recipients: batch.recipient_total(),
                external: batch.external_total(&send.org_domains),
                messages: batch.messages.len() as u64,
                largest_message: largest.map_or(0, |m| m.recipients.len() as u64),
                largest_message_at: largest.map(|m| m.location.clone()),
            }
        }
        None => Volume {
            recipients: send.recipient_count() as u64,
            external: send.external_count() as u64,
            messages: 1,
            largest_message: send.recipient_count() as u64,
            largest_message_at: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_minute_uses_a_sliding_window() {
        let m = |date| BatchMessage {
            location: Location::file("x"),
            from: None,
            recipients: vec![],
            date: Some(date),
            subject: None,
            fingerprint: None,
            signature: None,
        };
        let batch = Batch {
            name: "b".into(),
            kind: MailboxKind::Folder,
            messages: vec![m(0), m(50), m(70), m(100), m(109), m(200)],
            problems: vec![],
        };
        assert_eq!(
            batch.peak_per_minute(),
            Some(Peak {
                messages: 4,
                start: 50
            })
        );
    }
}
