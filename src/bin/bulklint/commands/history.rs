//! `bulklint history`: the last 24 hours per sender and provider, or per sender of the tenant.

use std::io::Write;
use std::path::Path;

use bulklint::app::batch::near_duplicate_similarity;
use bulklint::app::options::ConfigSource;
use bulklint::app::session::{ledger_path, open_to_read, Settings};
use bulklint::ledger;
use bulklint::model::format::DAY;
use bulklint::InputError;

use crate::args::{HistoryArgs, HistoryFormat};
use crate::{system_now, EXIT_CLEAN};

pub fn run(args: HistoryArgs) -> Result<u8, InputError> {
    let now = args.now.unwrap_or_else(system_now);
    let config = ConfigSource::new(args.isolated, args.config.as_deref())?;
    let here = config.at(Path::new("."))?;
    let settings = Settings::read(&config)?;
    let path = ledger_path(args.ledger.as_deref(), &settings)?;
    let name = match path.to_str().filter(|p| ledger::is_url(p)) {
        Some(url) => ledger::redact(url),
        None => path.display().to_string(),
    };
    let tenant = if args.tenant {
        Some(settings.tenant.clone().ok_or_else(|| {
            InputError::new(
                "--tenant",
                "no [tenant] in bulklint.toml: name its provider, licences and domains",
            )
        })?)
    } else {
        None
    };
    let limits = here
        .map(|c| c.limits.entries().into_iter().collect())
        .unwrap_or_default();
    let sends = match open_to_read(&path, &settings)? {
        Some(mut ledger) => {
            super::print_notes(&mut ledger);
            if tenant.is_some() {
                ledger.tenant_window(now)?
            } else {
                ledger.window(
                    now,
                    args.sender.as_deref().map(str::to_lowercase).as_deref(),
                )?
            }
        }
        None => Vec::new(),
    };
    let (human, senders) = match &tenant {
        Some(t) => {
            let usage = ledger::summarize_tenant(&sends, t, now);
            (
                ledger::render_tenant(&name, now, &usage),
                serde_json::json!({ "tenant": usage }),
            )
        }
        None => {
            let senders = ledger::summarize(&sends, now, &limits, near_duplicate_similarity());
            (
                ledger::render_history(&name, now, &senders),
                serde_json::json!({ "senders": senders }),
            )
        }
    };
    let text = match args.format {
        HistoryFormat::Human => human,
        HistoryFormat::Json => {
            let mut doc = serde_json::json!({
                "version": 1,
                "ledger": name,
                "now": now,
                "window-start": now - DAY,
            });
            if let (Some(doc), Some(extra)) = (doc.as_object_mut(), senders.as_object()) {
                doc.extend(extra.clone());
            }
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(EXIT_CLEAN)
}
