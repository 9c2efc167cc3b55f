//! `weft label put|del`: host labels.

use crate::args::LabelCommand;
use crate::commands::client::{Client, segment};
use crate::commands::config::parse_values;
use crate::commands::state::Endpoint;
use crate::output::Output;

/// Runs one `weft label` subcommand.
pub fn execute(command: LabelCommand, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    match command {
        LabelCommand::Put { labels, host } => {
            let labels = parse_values(&labels)?;
            for (key, value) in &labels {
                let _: serde_json::Value = client.put(
                    &format!("/v1/hosts/{}/labels/{}", segment(&host), segment(key)),
                    serde_json::json!({ "value": value }),
                )?;
            }
            let text = labels
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect::<Vec<_>>()
                .join(", ");
            output.result(
                &format!("host {host}: set {text}"),
                &serde_json::json!({ "host": host, "labels": labels }),
            );
        }
        LabelCommand::Del { keys, host } => {
            for key in &keys {
                let _: serde_json::Value = client.delete(&format!(
                    "/v1/hosts/{}/labels/{}",
                    segment(&host),
                    segment(key)
                ))?;
            }
            output.result(
                &format!("host {host}: removed {}", keys.join(", ")),
                &serde_json::json!({ "host": host, "removed": keys }),
            );
        }
    }
    Ok(())
}
