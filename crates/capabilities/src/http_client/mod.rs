//! Outgoing HTTP as a capability: a component linked to the HTTP client over `wasi:http` may
//! reach what the link's target config allows ([`HttpClientSettings`]); one that is not
//! linked reaches what its handler's [`OutgoingHttpPolicy`] allows (nothing under `weft up`).

mod capability;
mod policy;
mod settings;

pub use capability::{HTTP_CLIENT, HttpClientCapability};
pub use policy::{InvalidRule, OutgoingHttpPolicy};
pub(crate) use policy::{LINK_HINT, OutgoingHooks, RUN_HINT, UNLINKED_HINT};
pub use settings::HttpClientSettings;
