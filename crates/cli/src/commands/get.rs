//! `weft get hosts|inventory|links|config`: what the lattice has.

use crate::args::GetCommand;
use crate::commands::client::Client;
use crate::commands::config::{key_values, owner};
use crate::commands::state::Endpoint;
use crate::commands::{config, link};
use crate::output::Output;

/// Runs one `weft get` subcommand.
pub fn execute(command: GetCommand, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    match command {
        GetCommand::Hosts => {
            let hosts: Vec<serde_json::Value> = client.get("/v1/hosts")?;
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| since.as_millis() as u64);
            let text = hosts
                .iter()
                .map(|host| {
                    let up_s =
                        now_ms.saturating_sub(host["started_at_ms"].as_u64().unwrap_or(0)) / 1000;
                    format!(
                        "{} (weft {}) up {up_s}s: {} components, {} capabilities; labels {}",
                        host["id"].as_str().unwrap_or_default(),
                        host["version"].as_str().unwrap_or_default(),
                        host["components"],
                        host["capabilities"],
                        key_values(&host["labels"], ",")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            output.result(&text, &serde_json::json!({ "hosts": hosts }));
        }
        GetCommand::Inventory => {
            let hosts: Vec<serde_json::Value> = client.get("/v1/inventory")?;
            let mut lines = Vec::new();
            for host in &hosts {
                lines.push(format!("host {}", host["id"].as_str().unwrap_or_default()));
                for component in host["components"].as_array().into_iter().flatten() {
                    lines.push(format!(
                        "  component {} x{} {} ({})",
                        component["id"].as_str().unwrap_or_default(),
                        component["count"],
                        component["image"].as_str().unwrap_or_default(),
                        owner(&component["app"])
                    ));
                }
                for capability in host["capabilities"].as_array().into_iter().flatten() {
                    lines.push(format!(
                        "  capability {} {} ({})",
                        capability["id"].as_str().unwrap_or_default(),
                        capability["image"].as_str().unwrap_or_default(),
                        owner(&capability["app"])
                    ));
                }
            }
            output.result(&lines.join("\n"), &serde_json::json!({ "hosts": hosts }));
        }
        GetCommand::Links => link::show_all(&client, output)?,
        GetCommand::Config { name: Some(name) } => config::show_one(&client, &name, output)?,
        GetCommand::Config { name: None } => config::show_all(&client, output)?,
    }
    Ok(())
}
