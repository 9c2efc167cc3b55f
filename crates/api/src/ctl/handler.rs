//! Carrying out one of the lattice's control requests (configs and links) on the control
//! plane: the same checks and effects as the HTTP API, answered as a [`CtlResponse`].

use std::collections::BTreeMap;

use weft_lattice::{BadCtlBody, CtlResponse, Link, LinkDelete, Operation, parse_ctl_body};
use weft_manager::LinkSpec;

use crate::ControlPlane;
use crate::control::ControlError;

/// Why the control plane did not carry out a control request.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    /// This manager stands by; the text names the acting one.
    #[error("{0}")]
    StandingBy(String),
    /// The body is not what the request takes.
    #[error(transparent)]
    Body(#[from] BadCtlBody),
    /// The control plane refused it.
    #[error(transparent)]
    Control(#[from] ControlError),
    /// Hosts answer it, not the manager.
    #[error("the manager does not answer {0:?}; hosts answer their own requests")]
    NotHere(Operation),
}

/// Answers `operation` with `body`.
pub async fn handle(control: &ControlPlane, operation: Operation, body: &[u8]) -> CtlResponse {
    match answer(control, operation, body).await {
        Ok(response) => response,
        Err(refusal) => CtlResponse::failed(refusal.to_string()),
    }
}

async fn answer(
    control: &ControlPlane,
    operation: Operation,
    body: &[u8],
) -> Result<CtlResponse, Refusal> {
    let changes = !matches!(operation, Operation::ConfigGet(_) | Operation::LinkGet);
    if changes && let Some(reason) = control.standing_by() {
        return Err(Refusal::StandingBy(reason));
    }
    Ok(match operation {
        Operation::ConfigPut(name) => {
            let values: BTreeMap<String, String> =
                parse_ctl_body(body, r#"{"KEY": "VALUE", ...} (string values only)"#)?;
            control.put_config(&name, values).await?;
            CtlResponse::done()
        }
        Operation::ConfigGet(name) => CtlResponse::ok(control.config(&name)?.values),
        Operation::ConfigDel(name) => {
            control.delete_config(&name).await?;
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
                    target_secrets: Vec::new(),
                })
                .await?;
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
                .await?;
            CtlResponse::done()
        }
        Operation::LinkGet => CtlResponse::ok(
            control
                .links()
                .iter()
                .map(LinkSpec::to_wire)
                .collect::<Vec<_>>(),
        ),
        other => return Err(Refusal::NotHere(other)),
    })
}
