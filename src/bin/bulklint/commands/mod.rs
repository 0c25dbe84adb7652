//! One module per command.

pub mod check;
pub mod export;
pub mod fix;
pub mod history;
pub mod ledger;
pub mod record;
pub mod rules;

use bulklint::app::options::Flags;

use crate::args::SenderArgs;

/// The flags that describe the send, shared by `check` and `record`.
fn sender_flags(sender: &SenderArgs) -> Flags {
    Flags {
        provider: sender.provider.clone(),
        org_domains: sender.org_domains.clone(),
        column: sender.column.clone(),
        ..Flags::default()
    }
}
