//! `weft secret put|del|list`: secrets components read through `wasmcloud:secrets`. Values go
//! from standard input or a file straight to the API; they are never arguments, never printed.

use std::io::{IsTerminal as _, Read as _};

use anyhow::{Context as _, bail};

use crate::args::SecretCommand;
use crate::commands::client::{Client, segment};
use crate::commands::state::Endpoint;
use crate::output::Output;

/// Runs one `weft secret` subcommand.
pub fn execute(command: SecretCommand, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    match command {
        SecretCommand::Put { name, from_file } => {
            let value = read_value(&name, from_file.as_deref())?;
            let client = Client::connect(endpoint)?;
            let info: serde_json::Value =
                client.put_bytes(&format!("/v1/secrets/{}", segment(&name)), value)?;
            output.result(
                &format!(
                    "secret {name} stored (version {})",
                    info["version"].as_u64().unwrap_or_default()
                ),
                &info,
            );
        }
        SecretCommand::Del { name } => {
            let client = Client::connect(endpoint)?;
            let deleted: serde_json::Value =
                client.delete(&format!("/v1/secrets/{}", segment(&name)))?;
            output.result(&format!("deleted secret {name}"), &deleted);
        }
        SecretCommand::List => {
            let client = Client::connect(endpoint)?;
            let secrets: Vec<serde_json::Value> = client.get("/v1/secrets")?;
            let text = if secrets.is_empty() {
                "no secrets (store one with `weft secret put NAME < FILE`)".to_owned()
            } else {
                secrets
                    .iter()
                    .map(|secret| {
                        format!(
                            "{} (version {})",
                            secret["name"].as_str().unwrap_or_default(),
                            secret["version"].as_u64().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            output.result(&text, &serde_json::json!({ "secrets": secrets }));
        }
    }
    Ok(())
}

/// The value from `file` or standard input, without one trailing newline (what `echo` and
/// editors add). A terminal on standard input is refused: typing would echo the value.
fn read_value(name: &str, file: Option<&std::path::Path>) -> anyhow::Result<Vec<u8>> {
    let mut value = match file {
        Some(path) => std::fs::read(path).with_context(|| {
            format!(
                "cannot read the value of secret {name} from {}",
                path.display()
            )
        })?,
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                bail!(
                    "pipe the value of secret {name} in (`weft secret put {name} < FILE`) or use `--from-file FILE`; weft does not read it from a terminal, where it would be shown"
                );
            }
            let mut value = Vec::new();
            stdin.lock().read_to_end(&mut value).with_context(|| {
                format!("cannot read the value of secret {name} from standard input")
            })?;
            value
        }
    };
    if value.ends_with(b"\n") {
        value.pop();
        if value.ends_with(b"\r") {
            value.pop();
        }
    }
    Ok(value)
}
