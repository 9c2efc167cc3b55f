//! `client`, `producer` and `request-reply` calls from a component, answered by the broker of
//! the messaging link its client names.

use std::sync::Arc;

use wasmtime::component::Resource;

use super::{Client, DEFAULT_REQUEST_TIMEOUT, Message, RequestOptions};
use crate::bindings::wasmcloud::messaging0_3_0::types::{self, Error, Topic};
use crate::bindings::wasmcloud::messaging0_3_0::{producer, request_reply};
use crate::links::CapabilitiesView;
use crate::messaging::MessagingError;
use crate::recorded::ended;

/// The interfaces whose chosen link name a client connected with `""` or a reply uses.
const PRODUCER: &str = "wasmcloud:messaging/producer";
const REQUEST_REPLY: &str = "wasmcloud:messaging/request-reply";

/// `error` in 0.3.0's terms: a reply that did not come is a `timeout`, NATS trouble a
/// `connection` error, the rest `other`; the text is weft's message either way.
fn to_guest(error: MessagingError) -> Error {
    match error {
        MessagingError::NoReply { .. } => Error::Timeout,
        MessagingError::Nats { .. } | MessagingError::NotLinked { .. } => {
            Error::Connection(error.to_string())
        }
        other => Error::Other(other.to_string()),
    }
}

impl types::Host for CapabilitiesView<'_> {}

impl types::HostClient for CapabilitiesView<'_> {
    async fn connect(&mut self, name: String) -> wasmtime::Result<Result<Resource<Client>, Error>> {
        let link = if name.is_empty() {
            self.link_name(PRODUCER).to_owned()
        } else {
            name
        };
        let broker = match self.linked_broker(&link) {
            Ok(broker) => Arc::clone(broker),
            Err(error) => return Ok(Err(to_guest(error))),
        };
        Ok(Ok(self.table.push(Client { link, broker })?))
    }

    /// The broker is the link's, shared by every instance: there is nothing to close.
    async fn disconnect(
        &mut self,
        _client: Resource<Client>,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(Ok(()))
    }

    async fn drop(&mut self, client: Resource<Client>) -> wasmtime::Result<()> {
        self.table.delete(client)?;
        Ok(())
    }
}

impl producer::Host for CapabilitiesView<'_> {
    async fn send(
        &mut self,
        client: Resource<Client>,
        topic: Topic,
        message: Resource<Message>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let message = self.table.delete(message)?;
        let broker = Arc::clone(&self.table.get(&client)?.broker);
        let outgoing = match message.outgoing(&topic) {
            Ok(outgoing) => outgoing,
            Err(error) => return Ok(Err(error)),
        };
        let (call, trace) = self.messaging_call(&broker, "send", &topic);
        let sent = broker.publish(outgoing, trace.as_ref()).await;
        Ok(ended(call, sent).map_err(to_guest))
    }
}

impl request_reply::Host for CapabilitiesView<'_> {
    async fn request(
        &mut self,
        client: Resource<Client>,
        message: Resource<Message>,
        options: Option<Resource<RequestOptions>>,
    ) -> wasmtime::Result<Result<Vec<Resource<Message>>, Error>> {
        let options = match options {
            Some(options) => self.table.delete(options)?,
            None => RequestOptions::default(),
        };
        if options.expected_replies.is_some_and(|replies| replies > 1) {
            return Ok(Err(Error::Other(
                "weft answers a request with its first reply; leave expected-replies unset or set it to 1".into(),
            )));
        }
        let client = self.table.get(&client)?;
        let (broker, link) = (Arc::clone(&client.broker), client.link.clone());
        let message = self.message(&message)?;
        let Some(topic) = message.topic().map(str::to_owned) else {
            return Ok(Err(Error::Other(format!(
                "the message has no topic to send the request to (link `{link}`): request-reply@0.3.0 sends a message on the topic it arrived on, so pass a received message"
            ))));
        };
        // The guest keeps its message (it is borrowed): its data is copied once, here.
        let outgoing = match message.clone().outgoing(&topic) {
            Ok(outgoing) => outgoing,
            Err(error) => return Ok(Err(error)),
        };
        let timeout = options.timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
        let (call, trace) = self.messaging_call(&broker, "request", &topic);
        let reply = broker
            .request(&topic, outgoing.body, timeout, trace.as_ref())
            .await;
        let reply = ended(call, reply);
        Ok(match reply {
            Ok(reply) => Ok(vec![self.table.push(Message::received(reply))?]),
            Err(error) => Err(to_guest(error)),
        })
    }

    async fn reply(
        &mut self,
        reply_to: Resource<Message>,
        message: Resource<Message>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let message = self.table.delete(message)?;
        let Some(subject) = self.message(&reply_to)?.reply_to().map(str::to_owned) else {
            return Ok(Err(Error::Other(
                "the message has no reply subject: it was published, not sent as a request, so no one waits for a reply".into(),
            )));
        };
        let broker = match self.linked_broker(self.link_name(REQUEST_REPLY)) {
            Ok(broker) => Arc::clone(broker),
            Err(error) => return Ok(Err(to_guest(error))),
        };
        let outgoing = match message.outgoing(&subject) {
            Ok(outgoing) => outgoing,
            Err(error) => return Ok(Err(error)),
        };
        let (call, trace) = self.messaging_call(&broker, "reply", &subject);
        let sent = broker.publish(outgoing, trace.as_ref()).await;
        Ok(ended(call, sent).map_err(to_guest))
    }
}

impl request_reply::HostRequestOptions for CapabilitiesView<'_> {
    async fn new(&mut self) -> wasmtime::Result<Resource<RequestOptions>> {
        Ok(self.table.push(RequestOptions::default())?)
    }

    async fn set_timeout_ms(
        &mut self,
        options: Resource<RequestOptions>,
        timeout_ms: u32,
    ) -> wasmtime::Result<()> {
        self.table.get_mut(&options)?.timeout =
            Some(std::time::Duration::from_millis(u64::from(timeout_ms)));
        Ok(())
    }

    async fn set_expected_replies(
        &mut self,
        options: Resource<RequestOptions>,
        expected_replies: u32,
    ) -> wasmtime::Result<()> {
        self.table.get_mut(&options)?.expected_replies = Some(expected_replies);
        Ok(())
    }

    async fn drop(&mut self, options: Resource<RequestOptions>) -> wasmtime::Result<()> {
        self.table.delete(options)?;
        Ok(())
    }
}
