//! Reading inputs: discovery of draft files, size limits, draft loaders (eml, html, mjml, text,
//! msg), recipient loaders (csv, vcard, text) and mailboxes (mbox, Maildir).

pub mod charset;
pub mod draft;
pub mod input_limits;
pub mod inputs;
pub mod mailbox;
pub mod recipients;
