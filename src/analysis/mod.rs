//! Judgements about one message's content: its kind, its unsubscribe mechanisms, how it
//! identifies its sender, the merge tags it carries; and the CSS and URLs its template checks
//! read.

pub mod color;
pub mod css;
pub mod footer;
pub mod identification;
pub mod kind;
pub mod merge_tags;
pub mod unsubscribe;
pub mod url;
