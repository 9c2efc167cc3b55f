//! Why a message was not published, answered or handled, in the component's terms.

/// A messaging call or delivery that failed. Components receive the message as the
/// `wasmcloud:messaging` error string; the cause stays the source where there is one.
#[derive(Debug, thiserror::Error)]
pub enum MessagingError {
    /// The component has no messaging link under the name it uses.
    #[error(
        "component {component} has no wasmcloud:messaging link named `{link}`; link it to a messaging capability in its manifest"
    )]
    NotLinked {
        /// The component.
        component: String,
        /// The link name it uses.
        link: String,
    },
    /// A request on a subject nothing subscribes to.
    #[error("no subscriber for `{subject}`, so no one can reply")]
    NoSubscriber {
        /// The subject.
        subject: String,
    },
    /// A request whose reply did not come in time.
    #[error("no reply on `{subject}` within {timeout_ms} ms")]
    NoReply {
        /// The subject.
        subject: String,
        /// How long the request waited.
        timeout_ms: u128,
    },
    /// A request the broker dropped before its reply.
    #[error("the request on `{subject}` was dropped")]
    Dropped {
        /// The subject.
        subject: String,
    },
    /// NATS refused or failed.
    #[error("{what} to NATS at {servers}: {source}")]
    Nats {
        /// What was tried (`cannot publish on `x``, `the request on `x` failed`).
        what: String,
        /// The servers, comma separated.
        servers: String,
        /// The client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The target component does not handle messages.
    #[error("component {component} does not export {interface}")]
    NoHandler {
        /// The component.
        component: String,
        /// The handler interface.
        interface: &'static str,
    },
    /// The target component is not running where the message arrived.
    #[error("component {component} is not running on this host")]
    NotRunning {
        /// The component.
        component: String,
    },
    /// The handler answered with an error (its own words).
    #[error("{reason}")]
    Refused {
        /// What the component said.
        reason: String,
    },
    /// The handler trapped, ran out of time or memory, could not start, or was not let in
    /// (`denied`: it ran its max-concurrency for as long as its timeout).
    #[error("component {component} failed ({reason})")]
    Failed {
        /// The component.
        component: String,
        /// A one-word reason (`deadline`, `memory`, `trap`, …).
        reason: &'static str,
    },
    /// Delivery through another host of the lattice failed; the text is that host's or says
    /// why it was not reached.
    #[error("{0}")]
    Remote(String),
}
