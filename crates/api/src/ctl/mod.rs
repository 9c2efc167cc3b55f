//! The lattice's side of the control interface on NATS, shaped like wasmCloud 1.x's: the
//! acting manager answers `config.put|get|del.{name}` and `link.put|del|get` on
//! `wasmbus.ctl.v1.{lattice}.…` with `{success, message, response}` (in a queue group, so
//! exactly one manager does). A request that cannot be read changes nothing and is answered
//! with what was expected. Hosts answer their own requests (`weft_host::HostCtl`).

mod handler;

use std::sync::Arc;

use futures_util::StreamExt as _;
use weft_lattice::{AuditChannel, AuditEntry, CtlResponse, ctl_prefix, parse_ctl_subject};

use crate::ControlPlane;

/// The queue group managers answer lattice-wide requests in.
const MANAGERS: &str = "weft-managers";

/// Answers the lattice's config and link requests until dropped.
pub struct LatticeCtl {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl LatticeCtl {
    /// Answers for `control` in `lattice` on `client` (start it once this process acts as
    /// the lattice's manager).
    pub async fn start(
        client: async_nats::Client,
        lattice: &str,
        control: Arc<ControlPlane>,
    ) -> Result<Self, async_nats::SubscribeError> {
        let prefix = ctl_prefix(lattice);
        let mut tasks = Vec::new();
        for subject in [format!("{prefix}config.>"), format!("{prefix}link.*")] {
            let mut subscription = client.queue_subscribe(subject, MANAGERS.to_owned()).await?;
            let (client, prefix, control) = (client.clone(), prefix.clone(), Arc::clone(&control));
            tasks.push(tokio::spawn(async move {
                while let Some(message) = subscription.next().await {
                    let Some(reply) = message.reply.clone() else {
                        continue;
                    };
                    let answer = answer(&control, &prefix, &message).await;
                    let payload = weft_lattice::json_bytes(&answer);
                    if let Err(error) = client.publish(reply, payload.into()).await {
                        tracing::warn!(%error, subject = %message.subject, "cannot answer a control request");
                    }
                }
            }));
        }
        Ok(Self { tasks })
    }
}

/// Answers one control request, recording it in the audit log when it asks for a change.
async fn answer(
    control: &ControlPlane,
    prefix: &str,
    message: &async_nats::Message,
) -> CtlResponse {
    // No host answers here, so no host id matches.
    let Some(operation) = parse_ctl_subject(&message.subject, prefix, "") else {
        return CtlResponse::failed(format!(
            "`{}` is not a control request weft knows",
            message.subject
        ));
    };
    if !operation.is_audited() {
        return handler::handle(control, operation, &message.payload).await;
    }
    let entry = AuditEntry::nats_request(AuditChannel::Ctl, message, prefix);
    let answer = handler::handle(control, operation, &message.payload).await;
    control
        .audit()
        .record_or_warn(entry.answered(&answer))
        .await;
    answer
}

impl Drop for LatticeCtl {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
