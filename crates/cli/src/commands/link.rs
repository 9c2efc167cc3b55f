//! `weft link put|get|del`: links made by hand.

use crate::args::LinkCommand;
use crate::commands::client::{Client, segment};
use crate::commands::config::owner;
use crate::commands::state::Endpoint;
use crate::output::Output;

/// Runs one `weft link` subcommand.
pub fn execute(command: LinkCommand, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    match command {
        LinkCommand::Put {
            source,
            target,
            namespace,
            package,
            interfaces,
            link_name,
            source_config,
            target_config,
        } => {
            let link: serde_json::Value = client.put(
                "/v1/links",
                serde_json::json!({
                    "source_id": source,
                    "target_id": target,
                    "name": link_name,
                    "namespace": namespace,
                    "package": package,
                    "interfaces": interfaces,
                    "source_config": source_config,
                    "target_config": target_config,
                    "app": null,
                }),
            )?;
            output.result(&format!("link set: {}", describe(&link)), &link);
        }
        LinkCommand::Get => show_all(&client, output)?,
        LinkCommand::Del {
            source,
            namespace,
            package,
            link_name,
        } => {
            let deleted: serde_json::Value = client.delete(&format!(
                "/v1/links/{}/{}/{}/{}",
                segment(&source),
                segment(&namespace),
                segment(&package),
                segment(&link_name)
            ))?;
            output.result(
                &format!("deleted link {source} {namespace}:{package} (name {link_name})"),
                &deleted,
            );
        }
    }
    Ok(())
}

/// Prints every link, one line each.
pub fn show_all(client: &Client, output: &Output) -> anyhow::Result<()> {
    let links: Vec<serde_json::Value> = client.get("/v1/links")?;
    let text = if links.is_empty() {
        "no links".to_owned()
    } else {
        links.iter().map(describe).collect::<Vec<_>>().join("\n")
    };
    output.result(&text, &serde_json::json!({ "links": links }));
    Ok(())
}

/// `SOURCE -(ns:pkg/ifaces, name N)-> TARGET (owner)`.
fn describe(link: &serde_json::Value) -> String {
    let text = |field: &str| link[field].as_str().unwrap_or_default().to_owned();
    let interfaces: Vec<&str> = link["interfaces"]
        .as_array()
        .map(|list| list.iter().filter_map(|i| i.as_str()).collect())
        .unwrap_or_default();
    format!(
        "{} -({}:{}/{}, name {})-> {} ({})",
        text("source_id"),
        text("namespace"),
        text("package"),
        interfaces.join(","),
        text("name"),
        text("target_id"),
        owner(&link["app"])
    )
}
