//! The one way a host takes requests from the lattice's other hosts: a queue-group
//! subscription whose every message is answered in a task of its own.

use std::future::Future;

use futures_util::StreamExt as _;
use weft_capabilities::call_context::TraceContext;
use weft_telemetry::Hop;

use crate::remote_http::RemoteCalls;

/// The value of `message`'s header `name`, if it has one.
pub(crate) fn header(message: &async_nats::Message, name: &str) -> Option<String> {
    message
        .headers
        .as_ref()
        .and_then(|headers| headers.get(name))
        .map(|value| value.as_str().to_owned())
}

/// A request on `subject` with `headers` and `payload` that waits up to `timeout` for its
/// answer (the client's own default, 10 s, would cut slow components short).
pub(crate) async fn ask(
    client: &async_nats::Client,
    subject: String,
    headers: async_nats::HeaderMap,
    payload: bytes::Bytes,
    timeout: std::time::Duration,
) -> Result<async_nats::Message, async_nats::RequestError> {
    let request = async_nats::Request::new()
        .headers(headers)
        .payload(payload)
        .timeout(Some(timeout));
    client.send_request(subject, request).await
}

/// An answer: its NATS headers and payload.
pub(crate) type Reply = (async_nats::HeaderMap, Vec<u8>);

impl RemoteCalls {
    /// Asks another host on `subject` (a `hop` within the trace `trace`) with `headers` and
    /// `payload`, waiting up to `timeout`; the request carries its CLIENT span's context.
    pub(crate) async fn ask_host(
        &self,
        hop: Hop,
        subject: String,
        mut headers: async_nats::HeaderMap,
        payload: bytes::Bytes,
        timeout: std::time::Duration,
        trace: Option<&TraceContext>,
    ) -> Result<async_nats::Message, async_nats::RequestError> {
        let mut span = self.tracing().lattice_request(hop, &subject, trace);
        for (name, value) in span
            .hand_on(trace.cloned())
            .iter()
            .flat_map(TraceContext::headers)
        {
            headers.insert(name, value);
        }
        let answer = ask(self.client(), subject, headers, payload, timeout).await;
        if let Err(error) = &answer {
            span.fail(request_error_type(error), error.to_string());
        }
        answer
    }

    /// Takes every message on `subject` in queue group `queue` (so each goes to one of the
    /// hosts serving it) and answers it, when it asks for an answer, with what `answer`
    /// makes of it and the trace context to continue (the `hop`'s SERVER span's);
    /// until the returned task is aborted.
    pub(crate) async fn serve_queue<Answer, Answering>(
        &self,
        subject: String,
        queue: &str,
        hop: Hop,
        answer: Answer,
    ) -> Result<tokio::task::JoinHandle<()>, async_nats::SubscribeError>
    where
        Answer: Fn(async_nats::Message, Option<TraceContext>) -> Answering + Send + 'static,
        Answering: Future<Output = Reply> + Send + 'static,
    {
        let mut messages = self
            .client()
            .queue_subscribe(subject, queue.to_owned())
            .await?;
        let (client, tracing) = (self.client().clone(), self.tracing().clone());
        Ok(tokio::spawn(async move {
            while let Some(message) = messages.next().await {
                let reply = message.reply.clone();
                let incoming = TraceContext::read(|name| header(&message, name));
                let span = tracing.lattice_answer(hop, &message.subject, incoming.as_ref());
                let answering = answer(message, span.hand_on(incoming));
                let client = client.clone();
                tokio::spawn(async move {
                    let (headers, payload) = answering.await;
                    drop(span);
                    let Some(reply) = reply else {
                        return;
                    };
                    if let Err(error) = client
                        .publish_with_headers(reply, headers, payload.into())
                        .await
                    {
                        tracing::warn!(%error, "cannot answer a request from another host");
                    }
                });
            }
        }))
    }
}

/// A failed request's `error.type`.
fn request_error_type(error: &async_nats::RequestError) -> &'static str {
    match error.kind() {
        async_nats::RequestErrorKind::TimedOut => "timeout",
        async_nats::RequestErrorKind::NoResponders => "no_responders",
        async_nats::RequestErrorKind::Other => "error",
    }
}
