//! weft's built-in capabilities.
//!
//! Each capability is one module of the same shape ([`capability::Capability`]): the images
//! that run it, its `add_to_linker`, how a link's config becomes its settings, and how settings
//! open the backend instances use. [`capability::compose`] lists them; the linker and the
//! host's [`capability::Registry`] are built from that list. The HTTP server turns requests on
//! a shared listener into `wasi:http/incoming-handler` calls on a fresh instance per request.
//! Every instance answers its capability calls from its component's [`ComponentLinks`], which
//! the host resolves from links and configs and publishes in a [`LinkSlot`].

mod bindings;
pub mod blobstore;
mod bus;
pub mod call_context;
pub mod capability;
pub mod component_calls;
pub mod component_invoke;
pub mod component_limits;
mod config;
pub mod http_client;
pub mod http_server;
mod instance_state;
pub mod json_val;
pub mod keyvalue;
mod links;
mod logging;
pub mod messaging;
mod nats;
pub mod postgres;
mod recorded;
mod secrets;
mod settings_error;
mod stdio;
pub mod wire_val;

pub use http_client::HttpClientSettings;
pub use http_client::{InvalidRule, OutgoingHttpPolicy};
pub use instance_state::HttpInstanceState;
pub use links::{
    CapabilitiesView, ComponentLinks, DEFAULT_LINK, LinkSlot, SecretUnavailable, add_to_linker,
};
pub use logging::LogLimiter;
pub use settings_error::SettingsError;
pub use stdio::GuestLogStream;
