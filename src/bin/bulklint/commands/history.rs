//! `bulklint history`: the last 24 hours per sender and provider.

use std::io::Write;
use std::path::Path;

use bulklint::app::batch::near_duplicate_similarity;
use bulklint::app::options::ConfigSource;
use bulklint::app::session::{ledger_path, open_to_read};
use bulklint::ledger;
use bulklint::model::format::DAY;
use bulklint::InputError;

use crate::args::{HistoryArgs, HistoryFormat};
use crate::{system_now, EXIT_CLEAN};

pub fn run(args: HistoryArgs) -> Result<u8, InputError> {
    let now = args.now.unwrap_or_else(system_now);
    let path = ledger_path(args.ledger.as_deref())?;
    let limits = ConfigSource::new(args.isolated, args.config.as_deref())?
        .at(Path::new("."))?
        .map(|c| c.limits.entries().into_iter().collect())
        .unwrap_or_default();
    let sends = match open_to_read(&path)? {
        Some(mut ledger) => {
            super::print_notes(&mut ledger);
            ledger.window(
                now,
                args.sender.as_deref().map(str::to_lowercase).as_deref(),
            )?
        }
        None => Vec::new(),
    };
    let senders = ledger::summarize(&sends, now, &limits, near_duplicate_similarity());
    let text = match args.format {
        HistoryFormat::Human => ledger::render_history(&path.display().to_string(), now, &senders),
        HistoryFormat::Json => {
            let doc = serde_json::json!({
                "version": 1,
                "ledger": path.display().to_string(),
                "now": now,
                "window-start": now - DAY,
                "senders": senders,
            });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(EXIT_CLEAN)
}
