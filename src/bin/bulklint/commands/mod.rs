//! One module per command.

pub mod check;
pub mod export;
pub mod fix;
pub mod history;
pub mod ledger;
pub mod record;
pub mod rules;

use bulklint::app::options::Flags;
use bulklint::ledger::Ledger;

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

/// Says what opening the ledger did or found (an upgrade, an old format).
fn print_notes(ledger: &mut Ledger) {
    for note in ledger.take_notes() {
        eprintln!("warning: {note}");
    }
}
