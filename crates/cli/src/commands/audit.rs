//! `weft audit`: who changed what in the lattice and when, from its audit log (changes made
//! through the API, control requests and wadm's API), oldest first.

use std::time::{SystemTime, UNIX_EPOCH};

use weft_lattice::AuditEntry;

use crate::args::AuditArgs;
use crate::commands::client::Client;
use crate::commands::state::Endpoint;
use crate::output::Output;

/// Runs `weft audit`.
pub fn execute(args: &AuditArgs, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let entries: Vec<AuditEntry> = Client::connect(endpoint)?.get(&path(args))?;
    let text = if entries.is_empty() {
        if args.since.is_some() {
            "no changes recorded in the time --since covers".to_owned()
        } else {
            "no changes recorded yet".to_owned()
        }
    } else {
        entries.iter().map(line).collect::<Vec<_>>().join("\n")
    };
    output.result(&text, &serde_json::json!({ "entries": entries }));
    Ok(())
}

/// `/v1/audit` with the window and count `args` ask for.
fn path(args: &AuditArgs) -> String {
    let mut query = vec![format!("limit={}", args.limit)];
    if let Some(since) = args.since {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let since_ms = now.saturating_sub(since).as_millis();
        query.push(format!("since_ms={since_ms}"));
    }
    format!("/v1/audit?{}", query.join("&"))
}

/// `TIME WHO@FROM VIA ACTION -> OUTCOME (answered by PROCESS)`.
fn line(entry: &AuditEntry) -> String {
    let from = if entry.from.is_empty() {
        String::new()
    } else {
        format!("@{}", entry.from)
    };
    format!(
        "{} {}{from} {} {} -> {} (answered by {})",
        entry.at_text(),
        entry.who,
        entry.via,
        entry.action,
        entry.outcome,
        entry.answered_by
    )
}
