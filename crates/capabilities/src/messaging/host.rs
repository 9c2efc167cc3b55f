//! `wasmcloud:messaging/consumer@0.2.0` calls from a component, answered by the broker its link
//! points at.

use std::time::Duration;

use super::{BrokerMessage, MessagingError};
use crate::bindings::wasmcloud::messaging0_2_0::{consumer, types};
use crate::call_context::TraceContext;
use crate::links::CapabilitiesView;
use crate::recorded::ended;
use weft_telemetry::{CapabilityCall, CapabilityOperation};

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

    /// Begins the PRODUCER span and duration of `operation` on `subject` through `broker`;
    /// with the trace context the message should carry.
    pub(in crate::messaging) fn messaging_call(
        &self,
        broker: &super::Broker,
        operation: &'static str,
        subject: &str,
    ) -> (CapabilityCall, Option<TraceContext>) {
        let recorded = self.record(&CapabilityOperation {
            capability: "messaging",
            system: broker.system(),
            operation,
            target: subject,
        });
        let trace = recorded.hand_on(self.trace.cloned());
        (recorded, trace)
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
        let (call, trace) = self.messaging_call(&broker, "request", &subject);
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        let reply = broker
            .request(&subject, body, timeout, trace.as_ref())
            .await;
        Ok(ended(call, reply).map_err(|error| error.to_string()))
    }

    async fn publish(&mut self, message: BrokerMessage) -> wasmtime::Result<Result<(), String>> {
        let broker = match self.broker() {
            Ok(broker) => std::sync::Arc::clone(broker),
            Err(error) => return Ok(Err(error.to_string())),
        };
        let (call, trace) = self.messaging_call(&broker, "publish", &message.subject);
        let sent = broker.publish(message, trace.as_ref()).await;
        Ok(ended(call, sent).map_err(|error| error.to_string()))
    }
}
