//! `weft config put|get|del`: named configs.

use std::collections::BTreeMap;

use anyhow::anyhow;

use crate::args::ConfigCommand;
use crate::commands::client::{Client, segment};
use crate::commands::state::Endpoint;
use crate::output::Output;

/// Runs one `weft config` subcommand.
pub fn execute(command: ConfigCommand, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    match command {
        ConfigCommand::Put { name, values } => {
            let values = parse_values(&values)?;
            let _: serde_json::Value = client.put(
                &format!("/v1/configs/{}", segment(&name)),
                serde_json::json!({ "values": values }),
            )?;
            output.result(
                &format!("config {name} set ({} values)", values.len()),
                &serde_json::json!({ "name": name, "values": values }),
            );
        }
        ConfigCommand::Get { name } => show_one(&client, &name, output)?,
        ConfigCommand::Del { name } => {
            let deleted: serde_json::Value =
                client.delete(&format!("/v1/configs/{}", segment(&name)))?;
            output.result(&format!("deleted config {name}"), &deleted);
        }
    }
    Ok(())
}

/// Prints one config's values, a `KEY=VALUE` line each.
pub fn show_one(client: &Client, name: &str, output: &Output) -> anyhow::Result<()> {
    let config: serde_json::Value = client.get(&format!("/v1/configs/{}", segment(name)))?;
    let text = key_values(&config["values"], "\n");
    output.result(
        &text,
        &serde_json::json!({ "name": name, "config": config }),
    );
    Ok(())
}

/// Prints every config: name, owner and keys.
pub fn show_all(client: &Client, output: &Output) -> anyhow::Result<()> {
    let configs: BTreeMap<String, serde_json::Value> = client.get("/v1/configs")?;
    let text = if configs.is_empty() {
        "no configs (create one with `weft config put NAME KEY=VALUE`)".to_owned()
    } else {
        configs
            .iter()
            .map(|(name, config)| {
                let keys: Vec<&str> = config["values"]
                    .as_object()
                    .map(|values| values.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                format!("{name} ({}): {}", owner(&config["app"]), keys.join(", "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    output.result(&text, &serde_json::json!({ "configs": configs }));
    Ok(())
}

/// A JSON object of strings as `KEY=VALUE`s joined by `separator`.
pub fn key_values(object: &serde_json::Value, separator: &str) -> String {
    object
        .as_object()
        .map(|entries| {
            entries
                .iter()
                .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(separator)
        })
        .unwrap_or_default()
}

/// "app NAME" for what a manifest owns, "by hand" for the rest.
pub fn owner(app: &serde_json::Value) -> String {
    // Components and capabilities run by hand (`component.scale`) have an empty app.
    app.as_str()
        .filter(|app| !app.is_empty())
        .map_or_else(|| "by hand".to_owned(), |app| format!("app {app}"))
}

/// `KEY=VALUE` arguments as a map; a later key replaces an earlier one.
pub fn parse_values(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| {
            let (key, value) = pair.split_once('=').ok_or_else(|| {
                anyhow!("`{pair}` is not KEY=VALUE (e.g. `address=127.0.0.1:8080`)")
            })?;
            anyhow::ensure!(
                !key.is_empty(),
                "`{pair}` has an empty key; write KEY=VALUE"
            );
            Ok((key.to_owned(), value.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_the_first_equals_sign() {
        let values = parse_values(&["url=redis://h/?a=b".into(), "empty=".into()]).unwrap();
        assert_eq!(values["url"], "redis://h/?a=b");
        assert_eq!(values["empty"], "");
        assert!(parse_values(&["novalue".into()]).is_err());
        assert!(parse_values(&["=x".into()]).is_err());
    }
}
