//! `wasmcloud:messaging/consumer` calls from a component, answered by the broker its link
//! points at.

use std::time::Duration;

use super::{BrokerMessage, MessagingError};
use crate::bindings::wasmcloud::messaging::{consumer, types};
use crate::links::CapabilitiesView;

impl CapabilitiesView<'_> {
    fn broker(&self) -> Result<&std::sync::Arc<super::Broker>, MessagingError> {
        let name = self.link_name("wasmcloud:messaging/consumer");
        self.links
            .linked
            .get::<super::MessagingCapability>(name)
            .ok_or_else(|| MessagingError::NotLinked {
                component: self.links.component_id.to_string(),
                link: name.to_owned(),
            })
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
