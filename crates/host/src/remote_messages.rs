//! Messages for a component that runs on another host of the lattice, over NATS. A host
//! serves every component it runs that exports a `wasmcloud:messaging` handler on
//! `weft.{lattice}.msg.{component_id}` in the queue group `weft-msg` (so deliveries spread over
//! all hosts running it). A messaging capability whose subscription's target runs elsewhere
//! sends each message there: the payload is the message's body, the NATS headers carry its
//! `subject`, `reply-to` (when it has one), `source-id` (the capability) and the trace context
//! the message was sent in (`traceparent`, `tracestate`). The answer is
//! empty when the handler took the message, or the reason it did not.

use crate::served_remotely::CurrentHandler;
use std::time::Duration;

use weft_capabilities::call_context::TraceContext;
use weft_capabilities::messaging::{BrokerMessage, MessagingError};

use crate::remote_http::RemoteCalls;
use crate::remote_serve::header;
use async_nats::RequestErrorKind;
use weft_telemetry::Hop;

/// How long a delivery to a component on another host may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);
/// The queue group hosts take deliveries in.
const RECEIVERS: &str = "weft-msg";
/// The header naming the message's subject.
const SUBJECT_HEADER: &str = "subject";
/// The header naming the subject a reply goes to.
const REPLY_TO_HEADER: &str = "reply-to";
/// The header an answer carries when the handler did not take the message.
const ERROR_HEADER: &str = "weft-error";

impl RemoteCalls {
    fn message_subject(&self, component_id: &str) -> String {
        format!("weft.{}.msg.{component_id}", self.lattice())
    }

    /// Takes messages for `handler` (component `component_id`) from messaging capabilities
    /// on other hosts until the returned task is aborted.
    pub(crate) async fn serve_messages(
        &self,
        component_id: &str,
        handler: CurrentHandler,
    ) -> Result<tokio::task::JoinHandle<()>, async_nats::SubscribeError> {
        self.serve_queue(
            self.message_subject(component_id),
            RECEIVERS,
            Hop::Message,
            move |delivery, trace| {
                let handler = handler.get();
                async move {
                    let header = |name: &str| header(&delivery, name);
                    let outcome = match header(SUBJECT_HEADER) {
                        Some(subject) => {
                            let message = BrokerMessage {
                                subject,
                                body: delivery.payload.to_vec(),
                                reply_to: header(REPLY_TO_HEADER),
                            };
                            handler.handle_message(message, trace).await
                        }
                        None => Err(MessagingError::Remote(format!(
                            "the delivery has no `{SUBJECT_HEADER}` header"
                        ))),
                    };
                    let mut headers = async_nats::HeaderMap::new();
                    if let Err(reason) = &outcome {
                        // A header value is one line.
                        let line = reason.to_string().replace(['\r', '\n'], " ");
                        headers.insert(ERROR_HEADER, line.as_str());
                    }
                    (headers, Vec::new())
                }
            },
        )
        .await
    }

    /// Delivers `message` to component `target_id` on a host that runs it, for the messaging
    /// capability `source_id`; why it was not handled otherwise.
    pub(crate) async fn deliver(
        &self,
        source_id: &str,
        target_id: &str,
        message: BrokerMessage,
        trace: Option<TraceContext>,
    ) -> Result<(), MessagingError> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("source-id", source_id);
        headers.insert(SUBJECT_HEADER, message.subject.as_str());
        if let Some(reply_to) = &message.reply_to {
            headers.insert(REPLY_TO_HEADER, reply_to.as_str());
        }
        let subject = self.message_subject(target_id);
        let answer = self
            .ask_host(
                Hop::Message,
                subject,
                headers,
                message.body.into(),
                DELIVERY_TIMEOUT,
                trace.as_ref(),
            )
            .await
        .map_err(|error| MessagingError::Remote(match error.kind() {
            RequestErrorKind::NoResponders => format!(
                "component {target_id} runs on no host of the lattice that takes messages for it"
            ),
            RequestErrorKind::TimedOut => format!(
                "component {target_id} on another host did not answer within {DELIVERY_TIMEOUT:?}"
            ),
            RequestErrorKind::Other => {
                format!("delivering to component {target_id} on another host failed: {error}")
            }
        }))?;
        match answer
            .headers
            .as_ref()
            .and_then(|headers| headers.get(ERROR_HEADER))
        {
            Some(reason) => Err(MessagingError::Remote(reason.as_str().to_owned())),
            None => Ok(()),
        }
    }
}
