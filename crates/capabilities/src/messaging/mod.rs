//! `wasmcloud:messaging@0.2.0`: components publish and request through the consumer
//! interface; a messaging capability delivers messages on the subjects a link subscribes to
//! to the linked component's `handler` export. In the embedded default the broker runs in
//! process ([`Broker`]).

mod broker;
mod host;
mod settings;
mod subject;

pub use crate::bindings::wasmcloud::messaging::types::BrokerMessage;
pub use broker::{Broker, MessageSink};
pub use settings::MessagingLinkSettings;
pub use subject::{matches, valid_pattern};
