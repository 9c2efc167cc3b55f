//! The event bus over NATS: each event goes to this process's subscribers at once and to the
//! lattice as a [`CloudEvent`]; events other processes publish arrive the same way. A bus
//! knows its own events on the wire by an origin header and does not deliver them twice.

use std::sync::Arc;

use async_nats::HeaderMap;
use futures_util::StreamExt as _;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::bus::BACKLOG;
use crate::cloud_event::{CloudEvent, events_subject};
use crate::{EventBus, LatticeEvent, LatticeName, Subscription};

/// The header naming the bus that published an event.
const ORIGIN: &str = "weft-origin";

/// What the publishing task is handed.
enum Outgoing {
    /// An event to publish.
    Event(LatticeEvent),
    /// Say so once everything before has reached the server.
    Flush(oneshot::Sender<()>),
}

/// A lattice's event bus on NATS.
pub struct NatsBus {
    local: broadcast::Sender<LatticeEvent>,
    outgoing: mpsc::UnboundedSender<Outgoing>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl NatsBus {
    /// Starts the bus of `lattice` on `client`; events it publishes name `source` (a host id)
    /// as their CloudEvent source. Needs a Tokio runtime.
    pub async fn start(
        client: async_nats::Client,
        lattice: LatticeName,
        source: &str,
    ) -> Result<Self, async_nats::SubscribeError> {
        let (local, _) = broadcast::channel(BACKLOG);
        let origin: Arc<str> = Arc::from(ulid::Ulid::new().to_string());
        let mut incoming = client.subscribe(events_subject(&lattice)).await?;
        let (outgoing, mut to_send) = mpsc::unbounded_channel::<Outgoing>();

        let publisher = {
            let (client, origin, source, lattice) = (
                client.clone(),
                Arc::clone(&origin),
                source.to_owned(),
                lattice.clone(),
            );
            tokio::spawn(async move {
                while let Some(outgoing) = to_send.recv().await {
                    let event = match outgoing {
                        Outgoing::Event(event) => event,
                        Outgoing::Flush(done) => {
                            let _ = client.flush().await;
                            let _ = done.send(());
                            continue;
                        }
                    };
                    let cloud = CloudEvent::new(event, &source);
                    let mut headers = HeaderMap::new();
                    headers.insert(ORIGIN, &*origin);
                    let payload = crate::json_bytes(&cloud);
                    if let Err(error) = client
                        .publish_with_headers(cloud.subject(&lattice), headers, payload.into())
                        .await
                    {
                        tracing::warn!(%error, event = %cloud.kind, "cannot publish a lattice event on NATS");
                    }
                }
            })
        };
        let receiver = {
            let local = local.clone();
            tokio::spawn(async move {
                while let Some(message) = incoming.next().await {
                    let from_here = message
                        .headers
                        .as_ref()
                        .and_then(|headers| headers.get(ORIGIN))
                        .is_some_and(|value| value.as_str() == &*origin);
                    if from_here {
                        continue;
                    }
                    match serde_json::from_slice::<CloudEvent>(&message.payload) {
                        Ok(cloud) => {
                            let _ = local.send(cloud.data);
                        }
                        // Other tools publish on these subjects too; what weft cannot read is
                        // not for it.
                        Err(error) => {
                            tracing::debug!(subject = %message.subject, %error, "ignored an event weft does not know")
                        }
                    }
                }
            })
        };
        Ok(Self {
            local,
            outgoing,
            tasks: vec![publisher, receiver],
        })
    }
}

impl NatsBus {
    /// Waits (up to a second) until every event published so far has reached the server, so
    /// a process's last events (a host stopping) are not lost when it exits.
    pub async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        if self.outgoing.send(Outgoing::Flush(done)).is_ok() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), flushed).await;
        }
    }
}

impl EventBus for NatsBus {
    fn publish(&self, event: LatticeEvent) {
        tracing::debug!(event = event.kind(), "lattice event");
        let _ = self.local.send(event.clone());
        let _ = self.outgoing.send(Outgoing::Event(event));
    }

    fn subscribe(&self) -> Subscription {
        Subscription::new(self.local.subscribe())
    }
}

impl Drop for NatsBus {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
