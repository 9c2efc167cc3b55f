//! Carrying out one control request on the control plane: the same checks and effects as
//! the HTTP API, answered as a [`CtlResponse`].

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use weft_manager::LinkSpec;

use super::payloads::{
    ComponentDescription, CtlResponse, HostInventory, HostSummary, LabelChange, Link, LinkDelete,
    ProviderDescription, human_uptime,
};
use super::subjects::Operation;
use crate::ControlPlane;

/// Answers `operation` with `body`, for host `host_id` of `lattice`.
pub async fn handle(
    control: &ControlPlane,
    lattice: &str,
    host_id: &str,
    operation: Operation,
    body: &[u8],
) -> CtlResponse {
    match answer(control, lattice, host_id, operation, body).await {
        Ok(response) => response,
        Err(message) => CtlResponse::failed(message),
    }
}

async fn answer(
    control: &ControlPlane,
    lattice: &str,
    host_id: &str,
    operation: Operation,
    body: &[u8],
) -> Result<CtlResponse, String> {
    let changes = !matches!(
        operation,
        Operation::HostPing | Operation::HostGet | Operation::ConfigGet(_) | Operation::LinkGet
    );
    if changes && let Some(reason) = control.standing_by() {
        return Err(reason);
    }
    Ok(match operation {
        Operation::HostPing => CtlResponse::ok(summary(control, lattice, host_id)?),
        Operation::HostGet => CtlResponse::ok(inventory(control, lattice, host_id)?),
        Operation::LabelPut => {
            let change: LabelChange = parse(body, r#"{"key": "...", "value": "..."}"#)?;
            let Some(value) = change.value else {
                return Err("`label.put` needs a `value`; `label.del` removes a label".into());
            };
            control
                .set_label(host_id, &change.key, Some(&value))
                .await
                .map_err(|error| error.to_string())?;
            CtlResponse::done()
        }
        Operation::LabelDel => {
            let change: LabelChange = parse(body, r#"{"key": "..."}"#)?;
            control
                .set_label(host_id, &change.key, None)
                .await
                .map_err(|error| error.to_string())?;
            CtlResponse::done()
        }
        Operation::ConfigPut(name) => {
            let values: BTreeMap<String, String> =
                parse(body, r#"{"KEY": "VALUE", ...} (string values only)"#)?;
            control
                .put_config(&name, values)
                .await
                .map_err(|error| error.to_string())?;
            CtlResponse::done()
        }
        Operation::ConfigGet(name) => CtlResponse::ok(
            control
                .config(&name)
                .map_err(|error| error.to_string())?
                .values,
        ),
        Operation::ConfigDel(name) => {
            control
                .delete_config(&name)
                .await
                .map_err(|error| error.to_string())?;
            CtlResponse::done()
        }
        Operation::LinkPut => {
            let link: Link = parse(
                body,
                r#"{"source_id", "target", "wit_namespace", "wit_package", "interfaces": [...], "name"?, "source_config"?, "target_config"?}"#,
            )?;
            control
                .put_link(LinkSpec {
                    source_id: link.source_id,
                    target_id: link.target,
                    name: link.name,
                    namespace: link.wit_namespace,
                    package: link.wit_package,
                    interfaces: link.interfaces,
                    source_config: link.source_config,
                    target_config: link.target_config,
                    app: None,
                })
                .await
                .map_err(|error| error.to_string())?;
            CtlResponse::done()
        }
        Operation::LinkDel => {
            let link: LinkDelete = parse(
                body,
                r#"{"source_id", "wit_namespace", "wit_package", "name"?}"#,
            )?;
            control
                .delete_link((
                    &link.source_id,
                    &link.wit_namespace,
                    &link.wit_package,
                    &link.name,
                ))
                .await
                .map_err(|error| error.to_string())?;
            CtlResponse::done()
        }
        Operation::LinkGet => CtlResponse::ok(
            control
                .links()
                .into_iter()
                .map(|link| Link {
                    source_id: link.source_id,
                    target: link.target_id,
                    name: link.name,
                    wit_namespace: link.namespace,
                    wit_package: link.package,
                    interfaces: link.interfaces,
                    source_config: link.source_config,
                    target_config: link.target_config,
                })
                .collect::<Vec<_>>(),
        ),
        Operation::Unsupported(operation) => {
            return Err(format!(
                "weft does not take `{operation}` requests: components and capabilities run as parts of applications; deploy a manifest (`weft app deploy FILE`)"
            ));
        }
    })
}

/// `body` as `T`, or an error showing the expected shape.
fn parse<T: DeserializeOwned>(body: &[u8], shape: &str) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|error| {
        format!("the request body is not what this request takes ({error}); send JSON {shape}")
    })
}

fn uptime_seconds(started_at_ms: u64) -> u64 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or(started_at_ms);
    now_ms.saturating_sub(started_at_ms) / 1000
}

fn summary(control: &ControlPlane, lattice: &str, host_id: &str) -> Result<HostSummary, String> {
    let info = control
        .hosts()
        .into_iter()
        .find(|info| info.id == host_id)
        .ok_or_else(|| format!("host {host_id} is not in this process"))?;
    let uptime = uptime_seconds(info.started_at_ms);
    Ok(HostSummary {
        friendly_name: info.id.clone(),
        id: info.id,
        labels: info.labels,
        lattice: lattice.to_owned(),
        version: info.version,
        uptime_seconds: uptime,
        uptime_human: human_uptime(uptime),
    })
}

fn inventory(
    control: &ControlPlane,
    lattice: &str,
    host_id: &str,
) -> Result<HostInventory, String> {
    let summary = summary(control, lattice, host_id)?;
    let observed = control
        .inventory()
        .into_iter()
        .find(|host| host.id == host_id)
        .unwrap_or_default();
    let annotations = |app: &str| BTreeMap::from([("weft.app".to_owned(), app.to_owned())]);
    Ok(HostInventory {
        host_id: summary.id,
        friendly_name: summary.friendly_name,
        labels: summary.labels,
        version: summary.version,
        uptime_seconds: summary.uptime_seconds,
        uptime_human: summary.uptime_human,
        components: observed
            .components
            .iter()
            .map(|component| ComponentDescription {
                id: component.id.clone(),
                image_ref: component.image.clone(),
                name: component.id.clone(),
                annotations: annotations(&component.app),
                max_instances: component.count,
                revision: 0,
            })
            .collect(),
        providers: observed
            .capabilities
            .iter()
            .map(|capability| ProviderDescription {
                id: capability.id.clone(),
                image_ref: capability.image.clone(),
                name: capability.id.clone(),
                annotations: annotations(&capability.app),
                revision: 0,
            })
            .collect(),
    })
}
