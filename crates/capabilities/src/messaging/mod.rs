//! `wasmcloud:messaging@0.2.0` and `@0.3.0` ([`v0_3`]): components publish and request
//! through 0.2.0's consumer interface or 0.3.0's producer and request-reply; a messaging
//! capability delivers messages on the subjects a link subscribes to to the linked
//! component's `handler` (0.2.0) or `incoming-handler` (0.3.0) export. The broker runs in process unless the link
//! names NATS servers (`cluster_uris`), then on NATS ([`Broker`]).

mod broker;
mod capability;
mod error;
mod host;
mod in_process;
mod nats_broker;
mod settings;
mod subject;
pub mod v0_3;

pub use crate::bindings::wasmcloud::messaging0_2_0::types::BrokerMessage;
pub use broker::{Broker, MessageSink};
pub use capability::{MESSAGING, MESSAGING_NATS, MessagingCapability, link_settings};
pub use error::MessagingError;
pub use in_process::InProcessBroker;
pub use nats_broker::{NatsBroker, SubscribeError};
pub use settings::{MessagingLinkSettings, SubjectSubscription};
pub use subject::{matches, valid_pattern};
