//! A messaging capability's broker: in process, or NATS when the link names servers. Both
//! deliver subscribed subjects to a [`MessageSink`] and answer publish and request the same
//! way, so components cannot tell them apart.

use std::sync::Arc;
use std::time::Duration;

use super::in_process::InProcessBroker;
use super::nats_broker::NatsBroker;
use super::{BrokerMessage, MessagingError, SubjectSubscription};
use crate::call_context::TraceContext;

/// Where a subscription's messages go (the host calls the linked component's handler).
#[async_trait::async_trait]
pub trait MessageSink: Send + Sync {
    /// Delivers one message, sent in the trace `trace`; the error says why it was not
    /// handled.
    async fn deliver(
        &self,
        message: BrokerMessage,
        trace: Option<TraceContext>,
    ) -> Result<(), MessagingError>;
}

/// One messaging capability's broker.
pub enum Broker {
    /// Subjects to subscribers in this process.
    InProcess(InProcessBroker),
    /// A NATS connection.
    Nats(NatsBroker),
}

impl Broker {
    /// A broker in this process.
    pub fn in_process() -> Self {
        Self::InProcess(InProcessBroker::new())
    }

    /// A broker on the NATS servers `urls`; the error names them.
    pub async fn nats(urls: &[String]) -> Result<Self, crate::capability::NatsConnectError> {
        Ok(Self::Nats(NatsBroker::connect(urls).await?))
    }

    /// The system behind it, as spans name it (`messaging.system`).
    pub fn system(&self) -> &'static str {
        match self {
            Self::InProcess(_) => "weft",
            Self::Nats(_) => "nats",
        }
    }

    /// Delivers messages on `subjects` to `sink` from now on, replacing what `owner` (a link)
    /// subscribed before.
    pub async fn subscribe(
        &self,
        owner: &str,
        subjects: &[SubjectSubscription],
        sink: Arc<dyn MessageSink>,
    ) -> Result<(), super::SubscribeError> {
        match self {
            Self::InProcess(broker) => {
                let patterns: Vec<String> = subjects
                    .iter()
                    .map(|subscription| subscription.subject.clone())
                    .collect();
                broker.subscribe(owner, &patterns, sink);
                Ok(())
            }
            Self::Nats(broker) => broker.subscribe(owner, subjects, sink).await,
        }
    }

    /// Stops `owner`'s subscriptions.
    pub fn unsubscribe(&self, owner: &str) {
        match self {
            Self::InProcess(broker) => broker.unsubscribe(owner),
            Self::Nats(broker) => broker.unsubscribe(owner),
        }
    }

    /// Publishes `message`, sent in the trace `trace`.
    pub async fn publish(
        &self,
        message: BrokerMessage,
        trace: Option<&TraceContext>,
    ) -> Result<(), MessagingError> {
        match self {
            Self::InProcess(broker) => {
                broker.publish(message, trace);
                Ok(())
            }
            Self::Nats(broker) => broker.publish(message, trace).await,
        }
    }

    /// Sends a request on `subject` and waits up to `timeout` for the reply; fails at once
    /// when nothing subscribes to `subject`.
    pub async fn request(
        &self,
        subject: &str,
        body: Vec<u8>,
        timeout: Duration,
        trace: Option<&TraceContext>,
    ) -> Result<BrokerMessage, MessagingError> {
        match self {
            Self::InProcess(broker) => broker.request(subject, body, timeout, trace).await,
            Self::Nats(broker) => broker.request(subject, body, timeout, trace).await,
        }
    }
}
