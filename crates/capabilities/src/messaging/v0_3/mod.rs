//! `wasmcloud:messaging@0.3.0` on the same brokers as 0.2.0: a component sends through
//! `producer`, asks and answers through `request-reply`, and takes messages in its
//! `incoming-handler` export. Its resources are host-side values in the instance's table.
//!
//! A client names a messaging link (`connect("")` is the link the component chose for the
//! interface, else `default`), so wasmCloud's link interface names (`consumer`, `handler`)
//! and 0.3.0's own (`producer`, `request-reply`, `incoming-handler`) reach the same broker.
//! Brokers carry a subject, a body and a reply subject: content types are ignored, as
//! wasmCloud's NATS provider ignores them, and a message with metadata is refused rather
//! than sent without it.

mod handler;
mod host;
mod message;

use std::sync::Arc;
use std::time::Duration;

pub use handler::deliver;
pub use message::Message;

use super::Broker;

/// A `client` resource: the messaging link it was connected to, and that link's broker.
pub struct Client {
    link: String,
    broker: Arc<Broker>,
}

/// A `request-options` resource, as the guest set it.
#[derive(Debug, Default)]
pub struct RequestOptions {
    timeout: Option<Duration>,
    expected_replies: Option<u32>,
}

/// How long a request waits for its reply when the guest sets no timeout. The contract says
/// "until a reply comes"; the invocation's own deadline ends the wait sooner when it is
/// shorter.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
