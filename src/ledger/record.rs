//! What is written for one send: counts, hashed recipients, body fingerprints.

use crate::load::recipients::is_internal;
use crate::mailing::fingerprint::{self, Fingerprint};
use std::collections::HashSet;

use crate::mailing::batch;
use crate::mailing::minhash::{self, Signature};
use crate::mailing::Mailing;

/// How a send came to be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `bulklint check --record`.
    Check,
    /// `bulklint record`.
    Record,
    /// `bulklint ledger import`.
    Import,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Check => "check",
            Origin::Record => "record",
            Origin::Import => "import",
        }
    }
}

/// One send to write.
#[derive(Debug, Clone)]
pub struct SendRecord {
    pub at: i64,
    pub sender: Option<String>,
    pub provider: String,
    pub recipients: u64,
    pub internal: u64,
    pub external: u64,
    pub messages: u64,
    /// Hashed on write; never stored in clear.
    pub addresses: Vec<String>,
    pub fingerprint: Option<Fingerprint>,
    pub signature: Option<Signature>,
    pub subject: Option<String>,
    pub origin: Origin,
    /// Set for imports, so importing the same mailbox twice does not count it twice.
    pub import_key: Option<String>,
}

impl SendRecord {
    /// The records of a checked send made at `at`: one for a single message; for a batch, one
    /// per body (near-duplicate cluster, at `similarity`), so later body checks can match each.
    pub fn from_send(send: &Mailing, at: i64, origin: Origin, similarity: f64) -> Vec<SendRecord> {
        let sender = send.draft.from_address().map(|a| a.trim().to_lowercase());
        let provider = send.provider.profile.id.clone();
        let subject = send
            .draft
            .header_value("Subject")
            .map(|s| s.trim().to_string());
        if let Some(batch) = &send.batch {
            let clusters = batch.clusters(similarity);
            let mut records: Vec<SendRecord> = clusters
                .iter()
                .map(|c| {
                    let first = &batch.messages[c.members[0]];
                    let addresses: Vec<String> = c
                        .members
                        .iter()
                        .flat_map(|&i| batch.messages[i].recipients.iter().cloned())
                        .collect();
                    let external = addresses
                        .iter()
                        .filter(|a| {
                            !is_internal(
                                &crate::model::address::domain(a).unwrap_or_default(),
                                &send.org_domains,
                            )
                        })
                        .count() as u64;
                    SendRecord {
                        at,
                        sender: first.from.clone().or_else(|| sender.clone()),
                        provider: provider.clone(),
                        recipients: addresses.len() as u64,
                        internal: addresses.len() as u64 - external,
                        external,
                        messages: c.members.len() as u64,
                        addresses,
                        fingerprint: first.fingerprint.clone(),
                        signature: first.signature.clone(),
                        subject: first.subject.clone(),
                        origin,
                        import_key: None,
                    }
                })
                .collect();
            // Messages without a body still went out and still count against limits.
            let clustered: HashSet<usize> = clusters
                .iter()
                .flat_map(|c| c.members.iter().copied())
                .collect();
            let rest: Vec<&batch::BatchMessage> = batch
                .messages
                .iter()
                .enumerate()
                .filter(|(i, _)| !clustered.contains(i))
                .map(|(_, m)| m)
                .collect();
            if !rest.is_empty() {
                let addresses: Vec<String> = rest
                    .iter()
                    .flat_map(|m| m.recipients.iter().cloned())
                    .collect();
                let external = addresses
                    .iter()
                    .filter(|a| {
                        !is_internal(
                            &crate::model::address::domain(a).unwrap_or_default(),
                            &send.org_domains,
                        )
                    })
                    .count() as u64;
                records.push(SendRecord {
                    at,
                    sender: rest[0].from.clone().or_else(|| sender.clone()),
                    provider: provider.clone(),
                    recipients: addresses.len() as u64,
                    internal: addresses.len() as u64 - external,
                    external,
                    messages: rest.len() as u64,
                    addresses,
                    fingerprint: None,
                    signature: None,
                    subject: rest[0].subject.clone(),
                    origin,
                    import_key: None,
                });
            }
            return records;
        }
        let body = send.draft.visible_text();
        let recipients = send.recipient_count() as u64;
        let external = send.external_count() as u64;
        vec![SendRecord {
            at,
            sender,
            provider,
            recipients,
            internal: recipients - external,
            external,
            messages: 1,
            addresses: send
                .recipients
                .unique()
                .map(|r| r.address.to_string())
                .collect(),
            fingerprint: (!body.trim().is_empty()).then(|| fingerprint::fingerprint(body)),
            signature: minhash::signature(body),
            subject,
            origin,
            import_key: None,
        }]
    }
}

// ---------------------------------------------------------------------------------------------
