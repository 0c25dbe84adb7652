//! The checks, one module per rule; each is a pure function of the send.

pub mod bulk_from_mailbox;
pub mod consent_expired;
pub mod consent_missing;
pub mod identical_body;
pub mod input_problem;
pub mod list_unsubscribe_header;
pub mod merge_tag_syntax;
pub mod recipient_duplicate;
pub mod recipient_invalid;
pub mod recipient_limit;
pub mod sender_identification;
pub mod unsubscribe_missing;
pub mod unrendered_merge_tag;
pub mod unsubscribe_placeholder;
pub mod unused_suppression;
pub mod visible_recipients;
