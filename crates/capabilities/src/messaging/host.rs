//! `wasmcloud:messaging/consumer@0.2.0` calls from a component, answered by the broker its link
//! points at.

use std::time::Duration;

use super::{BrokerMessage, MessagingError};
use crate::bindings::wasmcloud::messaging0_2_0::{consumer, types};
use crate::links::CapabilitiesView;

impl CapabilitiesView<'_> {
    /// The broker of the component's messaging link named `link`.
    pub(super) fn linked_broker(
        &self,
        link: &str,
    ) -> Result<&std::sync::Arc<super::Broker>, MessagingError> {
        self.links
            .linked
            .get::<super::MessagingCapability>(link)
            .ok_or_else(|| MessagingError::NotLinked {
                component: self.links.component_id.to_string(),
                link: link.to_owned(),
            })
    }

    fn broker(&self) -> Result<&std::sync::Arc<super::Broker>, MessagingError> {
        self.linked_broker(self.link_name("wasmcloud:messaging/consumer"))
    }
}

impl types::Host for CapabilitiesView<'_> {}

impl consumer::Host for CapabilitiesView<'_> {
    async fn request(
        &mut self,
        subject: String,
        body: Vec<u8>,
        timeout_ms: u32,
    ) -> wasmtime::Result<Result<BrokerMessage, String>> {
        let broker = match self.broker() {
            Ok(broker) => std::sync::Arc::clone(broker),
            Err(error) => return Ok(Err(error.to_string())),
        };
        Ok(broker
            .request(
                &subject,
                body,
                Duration::from_millis(u64::from(timeout_ms)),
                self.trace,
            )
            .await
            .map_err(|error| error.to_string()))
    }

    async fn publish(&mut self, message: BrokerMessage) -> wasmtime::Result<Result<(), String>> {
        let broker = match self.broker() {
            Ok(broker) => std::sync::Arc::clone(broker),
            Err(error) => return Ok(Err(error.to_string())),
        };
        Ok(broker
            .publish(message, self.trace)
            .await
            .map_err(|error| error.to_string()))
    }
}
