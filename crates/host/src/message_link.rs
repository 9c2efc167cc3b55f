//! Messaging capability → component links: the subjects the link subscribes to are delivered
//! to the target component's `wasmcloud:messaging` handler (0.2.0 or 0.3.0), looked up when each message
//! arrives: in process when it runs here, otherwise on a host of the lattice that runs it.

use weft_capabilities::messaging::{BrokerMessage, MessageSink, MessagingError};
use weft_lattice::LinkSpec;

use weft_capabilities::call_context::TraceContext;
use weft_capabilities::component_calls::ComponentDirectory;

use crate::remote_http::RemoteCalls;

/// Whether `link` delivers messages to its target (a `wasmcloud:messaging` handler link):
/// its interfaces name 0.2.0's `handler` (what wasmCloud's manifests say for 0.3.0
/// components too) or 0.3.0's `incoming-handler`.
pub(crate) fn is_handler_link(link: &LinkSpec) -> bool {
    link.namespace == "wasmcloud"
        && link.package == "messaging"
        && (link.interfaces.is_empty()
            || link
                .interfaces
                .iter()
                .any(|i| i == "handler" || i == "incoming-handler"))
}

/// Delivers to the link's target component.
pub(crate) struct LinkedHandler {
    pub(crate) directory: ComponentDirectory,
    pub(crate) target_id: String,
    /// The way to the lattice's other hosts, and the messaging capability's id.
    pub(crate) remote: Option<(RemoteCalls, String)>,
}

#[async_trait::async_trait]
impl MessageSink for LinkedHandler {
    async fn deliver(
        &self,
        message: BrokerMessage,
        trace: Option<TraceContext>,
    ) -> Result<(), MessagingError> {
        let handler = self.directory.get(&self.target_id);
        match (handler, &self.remote) {
            (Some(handler), _) => handler.handle_message(message, trace).await,
            (None, Some((remote, source_id))) => {
                remote
                    .deliver(source_id, &self.target_id, message, trace)
                    .await
            }
            (None, None) => Err(MessagingError::NotRunning {
                component: self.target_id.clone(),
            }),
        }
    }
}
