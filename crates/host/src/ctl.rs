//! A host's side of the control interface on NATS: `host.ping`, `host.get.{id}`,
//! `label.put|del.{id}`, `component.scale.{id}`, `provider.start|stop.{id}` (shaped like
//! wasmCloud's), and `weft.execute.{id}`, which carries
//! the manager's [`FencedCommand`]s and answers with what the host runs afterwards. A
//! command older than the newest fence seen is refused, so a manager that lost its lease
//! cannot act.

use std::sync::Arc;

use futures_util::StreamExt as _;
use weft_lattice::{
    CtlResponse, LabelChange, Operation, ctl_prefix, parse_ctl_body, parse_ctl_subject,
};
use weft_lattice::{FencedCommand, HostReport, ObservedHost};

use crate::Host;
use crate::ctl_unmanaged;
use crate::fence::Fence;

/// Answers one host's control requests until dropped.
pub struct HostCtl {
    task: tokio::task::JoinHandle<()>,
}

impl HostCtl {
    /// Answers the requests for `host` in `lattice` on `client`.
    pub async fn start(
        client: async_nats::Client,
        lattice: &str,
        host: Arc<Host>,
    ) -> Result<Self, async_nats::SubscribeError> {
        let prefix = ctl_prefix(lattice);
        let mut pings = client.subscribe(format!("{prefix}host.ping")).await?;
        let mut own = client
            .subscribe(format!("{prefix}*.*.{}", host.id()))
            .await?;
        let responder = Responder {
            lattice: lattice.to_owned(),
            prefix,
            host,
            fence: Fence::default(),
        };
        let task = tokio::spawn(async move {
            loop {
                let message = tokio::select! {
                    Some(message) = pings.next() => message,
                    Some(message) = own.next() => message,
                    else => return,
                };
                let Some(reply) = message.reply.clone() else {
                    continue;
                };
                let answer = responder.answer(&message.subject, &message.payload).await;
                let payload = weft_lattice::json_bytes(&answer);
                if let Err(error) = client.publish(reply, payload.into()).await {
                    tracing::warn!(%error, subject = %message.subject, "cannot answer a control request");
                }
            }
        });
        Ok(Self { task })
    }
}

impl Drop for HostCtl {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Responder {
    lattice: String,
    prefix: String,
    host: Arc<Host>,
    fence: Fence,
}

impl Responder {
    async fn answer(&self, subject: &str, body: &[u8]) -> CtlResponse {
        let Some(operation) = parse_ctl_subject(subject, &self.prefix, self.host.id()) else {
            return CtlResponse::failed(format!("`{subject}` is not a control request weft knows"));
        };
        match operation {
            Operation::HostPing => CtlResponse::ok(self.host.summary(&self.lattice)),
            Operation::HostGet => CtlResponse::ok(self.host.inventory()),
            Operation::LabelPut | Operation::LabelDel => {
                let change: LabelChange =
                    match parse_ctl_body(body, r#"{"key": "...", "value": "..."}"#) {
                        Ok(change) => change,
                        Err(message) => return CtlResponse::failed(message.to_string()),
                    };
                if change.key.is_empty() || change.key.starts_with("hostcore.") {
                    return CtlResponse::failed(format!(
                        "label key `{}` cannot be changed: it is empty or a built-in `hostcore.*` label",
                        change.key
                    ));
                }
                let value = match (operation, change.value) {
                    (Operation::LabelPut, Some(value)) => Some(value),
                    (Operation::LabelPut, None) => {
                        return CtlResponse::failed(
                            "`label.put` needs a `value`; `label.del` removes a label",
                        );
                    }
                    _ => None,
                };
                self.host.set_label(&change.key, value.as_deref());
                CtlResponse::done()
            }
            Operation::Execute => {
                let fenced: FencedCommand = match parse_ctl_body(
                    body,
                    r#"{"fence": N, "command": {...}} from a weft manager"#,
                ) {
                    Ok(fenced) => fenced,
                    Err(message) => return CtlResponse::failed(message.to_string()),
                };
                if let Err(stale) = self.fence.admit(fenced.fence) {
                    return CtlResponse::failed(stale.to_string());
                }
                match self.host.execute(&fenced.command).await {
                    Ok(()) => CtlResponse::ok(self.report()),
                    Err(error) => CtlResponse::command_failed(&error),
                }
            }
            Operation::Observe => CtlResponse::ok(self.report()),
            Operation::ComponentScale => ctl_unmanaged::scale_component(&self.host, body),
            Operation::ProviderStart => ctl_unmanaged::start_provider(&self.host, body),
            Operation::ProviderStop => ctl_unmanaged::stop_provider(&self.host, body).await,
            Operation::Unsupported(operation) => CtlResponse::failed(format!(
                "weft does not take `{operation}` requests; deploy a manifest (`weft app deploy FILE`), or run a component by hand with `component.scale`"
            )),
            // The lattice's requests are the manager's.
            _ => CtlResponse::failed(format!("a host does not answer `{subject}`")),
        }
    }

    fn report(&self) -> HostReport {
        HostReport {
            summary: self.host.summary(&self.lattice),
            observed: self.observed(),
        }
    }

    fn observed(&self) -> ObservedHost {
        self.host.observe().hosts.pop().unwrap_or_default()
    }
}
