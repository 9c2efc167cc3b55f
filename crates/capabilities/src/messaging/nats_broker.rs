//! The broker of a messaging capability whose link names NATS servers: publish, request and
//! subscriptions go through a NATS connection, so other processes on the same NATS take part.

use crate::call_context::TraceContext;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::task::JoinHandle;

use super::{BrokerMessage, MessageSink, MessagingError, SubjectSubscription};

/// A subscription NATS refused.
#[derive(Debug, thiserror::Error)]
#[error("cannot subscribe to `{subject}` on NATS at {servers}: {source}")]
pub struct SubscribeError {
    /// The subject.
    pub subject: String,
    /// The servers, comma separated.
    pub servers: String,
    /// The client's error.
    #[source]
    pub source: async_nats::SubscribeError,
}

/// A NATS connection and the subscriptions links made on it.
pub struct NatsBroker {
    servers: String,
    client: async_nats::Client,
    /// The delivery task of each subscription, by the link that made it.
    subscriptions: Mutex<HashMap<String, Vec<JoinHandle<()>>>>,
}

impl NatsBroker {
    /// Connects to `urls`; the error names them.
    pub async fn connect(urls: &[String]) -> Result<Self, crate::capability::NatsConnectError> {
        Ok(Self {
            servers: urls.join(","),
            client: crate::nats::connect(urls).await?,
            subscriptions: Mutex::new(HashMap::new()),
        })
    }

    /// Delivers messages on `subjects` (in their queue groups) to `sink` from now on,
    /// replacing what `owner` subscribed before.
    pub async fn subscribe(
        &self,
        owner: &str,
        subjects: &[SubjectSubscription],
        sink: Arc<dyn MessageSink>,
    ) -> Result<(), SubscribeError> {
        let mut tasks = Vec::with_capacity(subjects.len());
        for subscription in subjects {
            let subject = subscription.subject.clone();
            let subscribed = match &subscription.queue {
                Some(queue) => {
                    self.client
                        .queue_subscribe(subject.clone(), queue.clone())
                        .await
                }
                None => self.client.subscribe(subject.clone()).await,
            };
            let mut subscriber = match subscribed {
                Ok(subscriber) => subscriber,
                Err(error) => {
                    tasks.iter().for_each(JoinHandle::abort);
                    return Err(SubscribeError {
                        subject,
                        servers: self.servers.clone(),
                        source: error,
                    });
                }
            };
            let sink = Arc::clone(&sink);
            tasks.push(tokio::spawn(async move {
                while let Some(message) = subscriber.next().await {
                    let trace = TraceContext::read(|name| {
                        message
                            .headers
                            .as_ref()
                            .and_then(|headers| headers.get(name))
                            .map(|value| value.as_str().to_owned())
                    });
                    let message = BrokerMessage {
                        subject: message.subject.to_string(),
                        body: message.payload.to_vec(),
                        reply_to: message.reply.map(|reply| reply.to_string()),
                    };
                    let sink = Arc::clone(&sink);
                    tokio::spawn(async move {
                        let subject = message.subject.clone();
                        if let Err(error) = sink.deliver(message, trace).await {
                            tracing::warn!(%subject, %error, "a message was not handled");
                        }
                    });
                }
            }));
        }
        if let Some(previous) = self.lock().insert(owner.to_owned(), tasks) {
            previous.iter().for_each(JoinHandle::abort);
        }
        Ok(())
    }

    /// Stops `owner`'s subscriptions.
    pub fn unsubscribe(&self, owner: &str) {
        if let Some(tasks) = self.lock().remove(owner) {
            tasks.iter().for_each(JoinHandle::abort);
        }
    }

    /// Publishes `message` (with its reply subject, if any) and the trace context `trace`
    /// in its headers.
    pub async fn publish(
        &self,
        message: BrokerMessage,
        trace: Option<&TraceContext>,
    ) -> Result<(), MessagingError> {
        let headers = trace_headers(trace);
        let published = match message.reply_to {
            Some(reply) => {
                self.client
                    .publish_with_reply_and_headers(
                        message.subject.clone(),
                        reply,
                        headers,
                        message.body.into(),
                    )
                    .await
            }
            None => {
                self.client
                    .publish_with_headers(message.subject.clone(), headers, message.body.into())
                    .await
            }
        };
        published.map_err(|error| MessagingError::Nats {
            what: format!("cannot publish on `{}`", message.subject),
            servers: self.servers.clone(),
            source: Box::new(error),
        })
    }

    /// Sends a request on `subject` and waits up to `timeout` for the reply.
    pub async fn request(
        &self,
        subject: &str,
        body: Vec<u8>,
        timeout: Duration,
        trace: Option<&TraceContext>,
    ) -> Result<BrokerMessage, MessagingError> {
        let request = async_nats::Request::new()
            .payload(body.into())
            .headers(trace_headers(trace))
            .timeout(Some(timeout));
        match self.client.send_request(subject.to_owned(), request).await {
            Ok(reply) => Ok(BrokerMessage {
                subject: reply.subject.to_string(),
                body: reply.payload.to_vec(),
                reply_to: None,
            }),
            Err(error) => Err(match error.kind() {
                async_nats::RequestErrorKind::NoResponders => MessagingError::NoSubscriber {
                    subject: subject.to_owned(),
                },
                async_nats::RequestErrorKind::TimedOut => MessagingError::NoReply {
                    subject: subject.to_owned(),
                    timeout_ms: timeout.as_millis(),
                },
                async_nats::RequestErrorKind::Other => MessagingError::Nats {
                    what: format!("the request on `{subject}` failed"),
                    servers: self.servers.clone(),
                    source: Box::new(error),
                },
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<JoinHandle<()>>>> {
        self.subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// NATS headers carrying `trace`, if any.
fn trace_headers(trace: Option<&TraceContext>) -> async_nats::HeaderMap {
    let mut headers = async_nats::HeaderMap::new();
    for (name, value) in trace.into_iter().flat_map(TraceContext::headers) {
        headers.insert(name, value);
    }
    headers
}

impl Drop for NatsBroker {
    fn drop(&mut self) {
        for tasks in self.lock().values() {
            tasks.iter().for_each(JoinHandle::abort);
        }
    }
}
