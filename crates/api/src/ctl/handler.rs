//! Carrying out one of the lattice's control requests (configs and links) on the control
//! plane: the same checks and effects as the HTTP API, answered as a [`CtlResponse`].

use std::collections::BTreeMap;

use weft_lattice::{CtlResponse, Link, LinkDelete, Operation, parse_ctl_body};
use weft_manager::LinkSpec;

use crate::ControlPlane;

/// Answers `operation` with `body`.
pub async fn handle(control: &ControlPlane, operation: Operation, body: &[u8]) -> CtlResponse {
    match answer(control, operation, body).await {
        Ok(response) => response,
        Err(message) => CtlResponse::failed(message),
    }
}

async fn answer(
    control: &ControlPlane,
    operation: Operation,
    body: &[u8],
) -> Result<CtlResponse, String> {
    let changes = !matches!(operation, Operation::ConfigGet(_) | Operation::LinkGet);
    if changes && let Some(reason) = control.standing_by() {
        return Err(reason);
    }
    Ok(match operation {
        Operation::ConfigPut(name) => {
            let values: BTreeMap<String, String> =
                parse_ctl_body(body, r#"{"KEY": "VALUE", ...} (string values only)"#)?;
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
            let link: Link = parse_ctl_body(
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
                    target_image: None,
                })
                .await
                .map_err(|error| error.to_string())?;
            CtlResponse::done()
        }
        Operation::LinkDel => {
            let link: LinkDelete = parse_ctl_body(
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
                .iter()
                .map(LinkSpec::to_wire)
                .collect::<Vec<_>>(),
        ),
        other => {
            return Err(format!(
                "the manager does not answer {other:?}; hosts answer their own requests"
            ));
        }
    })
}
