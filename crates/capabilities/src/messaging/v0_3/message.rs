//! The `message` resource: what a guest built (data, content type, metadata) or what a broker
//! delivered (topic and reply subject too).

use wasmtime::component::Resource;

use crate::bindings::wasmcloud::messaging0_2_0::types::BrokerMessage;
use crate::bindings::wasmcloud::messaging0_3_0::types::{self, Error, Metadata};
use crate::links::CapabilitiesView;

/// One message, as a guest sees it through `wasmcloud:messaging/types@0.3.0.message`.
#[derive(Debug, Default, Clone)]
pub struct Message {
    topic: Option<String>,
    reply_to: Option<String>,
    data: Vec<u8>,
    content_type: Option<String>,
    metadata: Option<Metadata>,
}

impl Message {
    /// A message a broker delivered.
    pub fn received(message: BrokerMessage) -> Self {
        Self {
            topic: Some(message.subject),
            reply_to: message.reply_to,
            data: message.body,
            ..Self::default()
        }
    }

    /// The topic it arrived on, if a broker delivered it.
    pub fn topic(&self) -> Option<&str> {
        self.topic.as_deref()
    }

    /// Where a reply to it goes, if it was sent as a request.
    pub fn reply_to(&self) -> Option<&str> {
        self.reply_to.as_deref()
    }

    /// What a broker carries of it to `subject`: its data (moved, not copied). Metadata
    /// cannot travel, so a message that has some is refused; a content type is dropped, as
    /// wasmCloud's NATS provider drops it.
    pub fn outgoing(self, subject: &str) -> Result<BrokerMessage, Error> {
        if self
            .metadata
            .as_ref()
            .is_some_and(|metadata| !metadata.is_empty())
        {
            return Err(Error::Other(format!(
                "cannot send to `{subject}`: weft's messaging brokers carry a message's data but not its metadata; send it without metadata"
            )));
        }
        if let Some(content_type) = &self.content_type {
            tracing::debug!(
                subject,
                content_type,
                "the message's content type is not sent"
            );
        }
        Ok(BrokerMessage {
            subject: subject.to_owned(),
            body: self.data,
            reply_to: None,
        })
    }
}

impl CapabilitiesView<'_> {
    /// The message behind `resource`; a handle the table does not hold traps the guest.
    pub(super) fn message(
        &mut self,
        resource: &Resource<Message>,
    ) -> wasmtime::Result<&mut Message> {
        Ok(self.table.get_mut(resource)?)
    }
}

impl types::HostMessage for CapabilitiesView<'_> {
    async fn new(&mut self, data: Vec<u8>) -> wasmtime::Result<Resource<Message>> {
        let message = Message {
            data,
            ..Message::default()
        };
        Ok(self.table.push(message)?)
    }

    async fn topic(&mut self, message: Resource<Message>) -> wasmtime::Result<String> {
        Ok(self.message(&message)?.topic.clone().unwrap_or_default())
    }

    async fn content_type(
        &mut self,
        message: Resource<Message>,
    ) -> wasmtime::Result<Option<String>> {
        Ok(self.message(&message)?.content_type.clone())
    }

    async fn set_content_type(
        &mut self,
        message: Resource<Message>,
        content_type: String,
    ) -> wasmtime::Result<()> {
        self.message(&message)?.content_type = Some(content_type);
        Ok(())
    }

    async fn data(&mut self, message: Resource<Message>) -> wasmtime::Result<Vec<u8>> {
        Ok(self.message(&message)?.data.clone())
    }

    async fn set_data(
        &mut self,
        message: Resource<Message>,
        data: Vec<u8>,
    ) -> wasmtime::Result<()> {
        self.message(&message)?.data = data;
        Ok(())
    }

    async fn metadata(&mut self, message: Resource<Message>) -> wasmtime::Result<Option<Metadata>> {
        Ok(self.message(&message)?.metadata.clone())
    }

    async fn add_metadata(
        &mut self,
        message: Resource<Message>,
        key: String,
        value: String,
    ) -> wasmtime::Result<()> {
        let metadata = self.message(&message)?.metadata.get_or_insert_default();
        metadata.retain(|(existing, _)| *existing != key);
        metadata.push((key, value));
        Ok(())
    }

    async fn set_metadata(
        &mut self,
        message: Resource<Message>,
        metadata: Metadata,
    ) -> wasmtime::Result<()> {
        self.message(&message)?.metadata = Some(metadata);
        Ok(())
    }

    async fn remove_metadata(
        &mut self,
        message: Resource<Message>,
        key: String,
    ) -> wasmtime::Result<()> {
        if let Some(metadata) = &mut self.message(&message)?.metadata {
            metadata.retain(|(existing, _)| *existing != key);
        }
        Ok(())
    }

    async fn drop(&mut self, message: Resource<Message>) -> wasmtime::Result<()> {
        self.table.delete(message)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_received_message_keeps_its_topic_and_reply_subject() {
        let message = Message::received(BrokerMessage {
            subject: "echo.hi".into(),
            body: b"hello".to_vec(),
            reply_to: Some("_INBOX.1".into()),
        });
        assert_eq!(message.topic(), Some("echo.hi"));
        assert_eq!(message.reply_to(), Some("_INBOX.1"));
        let sent = message.clone().outgoing("elsewhere").unwrap();
        assert_eq!(
            (sent.subject.as_str(), sent.body.as_slice()),
            ("elsewhere", &b"hello"[..])
        );
        assert_eq!(sent.reply_to, None);
    }

    #[test]
    fn metadata_is_refused_rather_than_lost_and_a_content_type_is_dropped() {
        let mut message = Message {
            data: b"x".to_vec(),
            content_type: Some("text/plain".into()),
            ..Message::default()
        };
        assert!(message.clone().outgoing("a").is_ok());
        message.metadata = Some(vec![("k".into(), "v".into())]);
        let Err(Error::Other(reason)) = message.clone().outgoing("a") else {
            panic!("metadata must be refused");
        };
        assert!(reason.contains("metadata"), "{reason}");
        message.metadata = Some(Vec::new());
        assert!(
            message.outgoing("a").is_ok(),
            "empty metadata is no metadata"
        );
    }
}
