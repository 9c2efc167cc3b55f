//! weft's built-in capabilities.
//!
//! Each capability is one module of the same small shape (design.md §5): its per-instance
//! state, the `add_to_linker` that wires its interfaces, and the host-side machinery it needs.
//! The first is the HTTP server, which turns requests on a shared listener into
//! `wasi:http/incoming-handler` calls on a fresh instance per request.

pub mod http_server;
mod instance_state;
mod outgoing_http;
mod stdio;

pub use instance_state::HttpInstanceState;
pub use outgoing_http::{InvalidRule, OutgoingHttpPolicy};
pub use stdio::GuestLogStream;
