//! The checks, one module per rule; each is a pure function of the send.

pub mod bulk_from_mailbox;
pub mod identical_body;
pub mod input_problem;
pub mod recipient_duplicate;
pub mod recipient_invalid;
pub mod recipient_limit;
pub mod unsubscribe_missing;
pub mod unsubscribe_placeholder;
pub mod visible_recipients;
