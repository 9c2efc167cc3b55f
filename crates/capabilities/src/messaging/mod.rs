//! `wasmcloud:messaging@0.2.0`: components publish and request through the consumer
//! interface; a messaging capability delivers messages on the subjects a link subscribes to
//! to the linked component's `handler` export. The broker runs in process unless the link
//! names NATS servers (`cluster_uris`), then on NATS ([`Broker`]).

mod broker;
mod capability;
mod error;
mod host;
mod in_process;
mod nats_broker;
mod settings;
mod subject;

pub use crate::bindings::wasmcloud::messaging::types::BrokerMessage;
pub use broker::{Broker, MessageSink};
pub use capability::{MESSAGING, MESSAGING_NATS, MessagingCapability, link_settings};
pub use error::MessagingError;
pub use in_process::InProcessBroker;
pub use nats_broker::{NatsBroker, SubscribeError};
pub use settings::{MessagingLinkSettings, SubjectSubscription};
pub use subject::{matches, valid_pattern};
