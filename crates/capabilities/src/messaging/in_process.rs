//! The in-process broker of a messaging capability that names no NATS servers:
//! subscriptions by pattern, and reply inboxes for requests.

use crate::call_context::TraceContext;
use std::collections::HashMap;
use std::hash::BuildHasher as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;

use super::subject::matches;
use super::{BrokerMessage, MessageSink, MessagingError};

struct Subscription {
    pattern: String,
    owner: String,
    sink: Arc<dyn MessageSink>,
}

#[derive(Default)]
struct State {
    subscriptions: Vec<Subscription>,
    inboxes: HashMap<String, oneshot::Sender<BrokerMessage>>,
}

/// Subjects to subscribers, in this process.
#[derive(Default)]
pub struct InProcessBroker {
    state: Mutex<State>,
}

impl InProcessBroker {
    /// An empty broker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Delivers messages on `patterns` to `sink` from now on, replacing what `owner` (a link)
    /// subscribed before.
    pub fn subscribe(&self, owner: &str, patterns: &[String], sink: Arc<dyn MessageSink>) {
        let mut state = self.lock();
        state
            .subscriptions
            .retain(|subscription| subscription.owner != owner);
        for pattern in patterns {
            state.subscriptions.push(Subscription {
                pattern: pattern.clone(),
                owner: owner.to_owned(),
                sink: Arc::clone(&sink),
            });
        }
    }

    /// Stops `owner`'s subscriptions.
    pub fn unsubscribe(&self, owner: &str) {
        self.lock()
            .subscriptions
            .retain(|subscription| subscription.owner != owner);
    }

    /// Sends `message` to a waiting request's inbox or to every matching subscription (each
    /// handled in its own task). With no subscriber the message is dropped, as NATS does.
    pub fn publish(&self, message: BrokerMessage, trace: Option<&TraceContext>) {
        let (inbox, sinks) = {
            let mut state = self.lock();
            let inbox = state.inboxes.remove(&message.subject);
            let sinks: Vec<Arc<dyn MessageSink>> = state
                .subscriptions
                .iter()
                .filter(|subscription| matches(&subscription.pattern, &message.subject))
                .map(|subscription| Arc::clone(&subscription.sink))
                .collect();
            (inbox, sinks)
        };
        if let Some(inbox) = inbox {
            let _ = inbox.send(message.clone());
        }
        for sink in sinks {
            let (message, trace) = (message.clone(), trace.cloned());
            let subject = message.subject.clone();
            tokio::spawn(async move {
                if let Err(error) = sink.deliver(message, trace).await {
                    tracing::warn!(%subject, %error, "a message was not handled");
                }
            });
        }
    }

    /// Publishes `body` on `subject` with a fresh reply inbox and waits up to `timeout` for
    /// the reply. Fails at once when nothing subscribes to `subject`.
    pub async fn request(
        &self,
        subject: &str,
        body: Vec<u8>,
        timeout: Duration,
        trace: Option<&TraceContext>,
    ) -> Result<BrokerMessage, MessagingError> {
        let inbox = format!(
            "_INBOX.{:016x}",
            std::collections::hash_map::RandomState::new().hash_one(subject)
        );
        let (reply, replied) = oneshot::channel();
        {
            let mut state = self.lock();
            if !state
                .subscriptions
                .iter()
                .any(|subscription| matches(&subscription.pattern, subject))
            {
                return Err(MessagingError::NoSubscriber {
                    subject: subject.to_owned(),
                });
            }
            state.inboxes.insert(inbox.clone(), reply);
        }
        self.publish(
            BrokerMessage {
                subject: subject.to_owned(),
                body,
                reply_to: Some(inbox.clone()),
            },
            trace,
        );
        let outcome = tokio::time::timeout(timeout, replied).await;
        self.lock().inboxes.remove(&inbox);
        match outcome {
            Ok(Ok(message)) => Ok(message),
            Ok(Err(_)) => Err(MessagingError::Dropped {
                subject: subject.to_owned(),
            }),
            Err(_) => Err(MessagingError::NoReply {
                subject: subject.to_owned(),
                timeout_ms: timeout.as_millis(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replies to every message with its body reversed, through the broker.
    struct Reverser(std::sync::Weak<InProcessBroker>);

    #[async_trait::async_trait]
    impl MessageSink for Reverser {
        async fn deliver(
            &self,
            message: BrokerMessage,
            trace: Option<TraceContext>,
        ) -> Result<(), MessagingError> {
            let (Some(broker), Some(reply_to)) = (self.0.upgrade(), message.reply_to) else {
                return Ok(());
            };
            let mut body = message.body;
            body.reverse();
            broker.publish(
                BrokerMessage {
                    subject: reply_to,
                    body,
                    reply_to: None,
                },
                trace.as_ref(),
            );
            Ok(())
        }
    }

    #[tokio::test]
    async fn requests_get_replies_and_unsubscribed_subjects_fail_fast() {
        let broker = Arc::new(InProcessBroker::new());
        let sink = Arc::new(Reverser(Arc::downgrade(&broker)));
        broker.subscribe("link", &["reverse.>".to_owned()], sink);
        let reply = broker
            .request(
                "reverse.text",
                b"abc".to_vec(),
                Duration::from_secs(5),
                None,
            )
            .await
            .unwrap();
        assert_eq!(reply.body, b"cba");
        let error = broker
            .request("other", Vec::new(), Duration::from_secs(5), None)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("no subscriber for `other`"),
            "{error}"
        );
        broker.unsubscribe("link");
        assert!(
            broker
                .request("reverse.text", Vec::new(), Duration::from_secs(5), None)
                .await
                .is_err()
        );
    }
}
