//! The control interface on NATS, shaped like wasmCloud 1.x's: requests on
//! `wasmbus.ctl.v1.{lattice}.…` answered with `{success, message, response}`. Each host
//! answers `host.ping` and its own `host.get.{id}` and `label.put|del.{id}`; the acting
//! manager answers the lattice's `config.put|get|del.{name}` and `link.put|del|get` (in a
//! queue group, so exactly one does). A request that cannot be read changes nothing and is
//! answered with what was expected.

mod handler;
mod payloads;
mod subjects;

use std::sync::Arc;

use futures_util::StreamExt as _;

pub use payloads::{
    ComponentDescription, CtlResponse, HostInventory, HostSummary, Link, ProviderDescription,
};

use crate::ControlPlane;

/// The queue group managers answer lattice-wide requests in.
const MANAGERS: &str = "weft-managers";

/// The control interface of one process: its host's subjects, and once it acts, the
/// lattice's.
pub struct CtlServer {
    client: async_nats::Client,
    lattice: String,
    host_id: String,
    control: Arc<ControlPlane>,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl CtlServer {
    /// Answers the requests for host `host_id` of `lattice` on `client`.
    pub async fn start(
        client: async_nats::Client,
        lattice: &str,
        host_id: &str,
        control: Arc<ControlPlane>,
    ) -> Result<Self, async_nats::SubscribeError> {
        let server = Self {
            client,
            lattice: lattice.to_owned(),
            host_id: host_id.to_owned(),
            control,
            tasks: std::sync::Mutex::default(),
        };
        let prefix = subjects::prefix(lattice);
        for subject in [
            format!("{prefix}host.ping"),
            format!("{prefix}*.*.{host_id}"),
        ] {
            let subscription = server.client.subscribe(subject).await?;
            server.serve(subscription);
        }
        Ok(server)
    }

    /// Also answers the lattice's config and link requests (call once this process acts as
    /// its manager).
    pub async fn serve_lattice(&self) -> Result<(), async_nats::SubscribeError> {
        let prefix = subjects::prefix(&self.lattice);
        for subject in [format!("{prefix}config.>"), format!("{prefix}link.*")] {
            let subscription = self
                .client
                .queue_subscribe(subject, MANAGERS.to_owned())
                .await?;
            self.serve(subscription);
        }
        Ok(())
    }

    fn serve(&self, mut subscription: async_nats::Subscriber) {
        // The task holds what it needs, not the server, so dropping the server ends it.
        let server = Responder {
            client: self.client.clone(),
            lattice: self.lattice.clone(),
            host_id: self.host_id.clone(),
            control: Arc::clone(&self.control),
        };
        let task = tokio::spawn(async move {
            let prefix = subjects::prefix(&server.lattice);
            while let Some(message) = subscription.next().await {
                let Some(reply) = message.reply.clone() else {
                    continue;
                };
                let answer = match subjects::parse(&message.subject, &prefix, &server.host_id) {
                    Some(operation) => {
                        handler::handle(
                            &server.control,
                            &server.lattice,
                            &server.host_id,
                            operation,
                            &message.payload,
                        )
                        .await
                    }
                    None => CtlResponse::failed(format!(
                        "`{}` is not a control request weft knows",
                        message.subject
                    )),
                };
                let payload = serde_json::to_vec(&answer).unwrap_or_default();
                if let Err(error) = server.client.publish(reply, payload.into()).await {
                    tracing::warn!(%error, subject = %message.subject, "cannot answer a control request");
                }
            }
        });
        self.tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(task);
    }
}

/// What a subscription's task answers with.
struct Responder {
    client: async_nats::Client,
    lattice: String,
    host_id: String,
    control: Arc<ControlPlane>,
}

impl Drop for CtlServer {
    fn drop(&mut self) {
        for task in self
            .tasks
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
    }
}
