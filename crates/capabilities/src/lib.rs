//! weft's built-in capabilities.
//!
//! Each capability is one module of the same small shape (design.md §5): its per-instance
//! state, the `add_to_linker` that wires its interfaces, and the host-side machinery it needs.
//! The HTTP server turns requests on a shared listener into `wasi:http/incoming-handler`
//! calls on a fresh instance per request. `wasi:keyvalue` ([`keyvalue`]), `wasi:config/store`
//! and `wasi:logging` are answered from the component's [`ComponentLinks`], which the host
//! resolves from links and configs and publishes in a [`LinkSlot`].

mod bindings;
pub mod blobstore;
mod bus;
pub mod call_context;
pub mod component_calls;
mod config;
mod http_client;
pub mod http_server;
mod instance_state;
pub mod keyvalue;
mod links;
mod logging;
pub mod messaging;
mod nats;
mod outgoing_http;
mod secrets;
mod settings_error;
mod stdio;
pub mod wire_val;

pub use http_client::HttpClientSettings;
pub use instance_state::HttpInstanceState;
pub use links::{CapabilitiesView, ComponentLinks, DEFAULT_LINK, LinkSlot, add_to_linker};
pub use logging::LogLimiter;
pub use outgoing_http::{InvalidRule, OutgoingHttpPolicy};
pub use settings_error::SettingsError;
pub use stdio::GuestLogStream;
