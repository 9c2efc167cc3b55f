//! An app's status in wadm's shape, and its publication on `wadm.status.{lattice}.{name}`
//! whenever it changes.

use std::collections::HashMap;
use std::sync::Arc;

use crate::wadm::wire::{ModelSummary, ScalerStatus, Status, StatusInfo};
use crate::{AppView, ControlPlane, PartView};

/// `view`'s status as wadm reports it: the type, the reasons as its message, and each scaler.
pub fn status_of(view: &AppView) -> Status {
    Status {
        status: StatusInfo {
            kind: status_type(&view.status),
            message: view.reasons.join(", "),
        },
        scalers: view.parts.iter().map(scaler_status).collect(),
        version: String::new(),
        components: Vec::new(),
    }
}

fn scaler_status(part: &PartView) -> ScalerStatus {
    ScalerStatus {
        id: part.id.clone(),
        kind: part.kind.clone(),
        name: part.name.clone(),
        status: StatusInfo {
            kind: status_type(&part.status),
            message: part.reasons.join(", "),
        },
    }
}

/// wadm's status type for one of weft's status words.
fn status_type(status: &str) -> &'static str {
    match status {
        "deployed" => "deployed",
        "reconciling" => "reconciling",
        "failed" => "failed",
        _ => "undeployed",
    }
}

/// `view` in a list, with the latest version's `description` annotation.
pub fn summary_of(view: &AppView, description: Option<String>) -> ModelSummary {
    let detailed_status = status_of(view);
    ModelSummary {
        name: view.name.clone(),
        version: view.versions.last().cloned().unwrap_or_default(),
        description,
        deployed_version: view.deployed.clone(),
        status: detailed_status.status.kind,
        status_message: Some(detailed_status.status.message.clone()),
        detailed_status,
    }
}

/// The subject an app's status is published on.
pub fn status_subject(lattice: &str, name: &str) -> String {
    format!("wadm.status.{lattice}.{name}")
}

/// Publishes each app's status when it changes (never the same one twice in a row) until
/// the task is aborted.
pub fn publish_statuses(
    client: async_nats::Client,
    lattice: String,
    control: Arc<ControlPlane>,
) -> tokio::task::JoinHandle<()> {
    let mut changes = control.changes();
    tokio::spawn(async move {
        let mut last: HashMap<String, Status> = HashMap::new();
        loop {
            let names = match changes.recv().await {
                Ok(name) => vec![name],
                // Some changes were missed: look at every app.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => control
                    .list()
                    .await
                    .map(|views| views.into_iter().map(|view| view.name).collect())
                    .unwrap_or_default(),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            for name in names {
                let Ok(view) = control.view(&name).await else {
                    last.remove(&name);
                    continue;
                };
                let status = status_of(&view);
                if last.get(&name) == Some(&status) {
                    continue;
                }
                let subject = status_subject(&lattice, &name);
                let payload = weft_lattice::json_bytes(&status);
                if let Err(error) = client.publish(subject, payload.into()).await {
                    tracing::warn!(%error, app = %name, "cannot publish the app's status");
                }
                last.insert(name, status);
            }
        }
    })
}
