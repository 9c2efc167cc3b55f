//! The HTTP server capability's shape: its images. Components import nothing from it; it
//! calls their `wasi:http/incoming-handler` export through links from it (the host serves
//! those, see [`super::HttpServer`]).

use wasmtime::component::Linker;

use crate::capability::{Capability, HostEnv, Kind, LinkError, LinkRequest};
use crate::instance_state::HttpInstanceState;

/// wasmCloud's `http-server`.
pub const HTTP_SERVER: Kind = Kind {
    name: "http-server",
    images: &[
        "ghcr.io/wasmcloud/http-server",
        "wasmcloud.azurecr.io/httpserver",
        "weft+builtin://http-server",
        "wasmcloud+builtin://http-server",
    ],
};

/// Serves HTTP to components linked from it over `wasi:http/incoming-handler`.
pub struct HttpServerCapability;

impl Capability for HttpServerCapability {
    type Settings = ();
    type Backend = ();

    const KINDS: &'static [Kind] = &[HTTP_SERVER];
    const PACKAGE: Option<&'static str> = None;
    const OFFERS: &'static str = "nothing (it calls components over wasi:http/incoming-handler)";

    /// Nothing: the incoming handler is an export, called by the server.
    fn add_to_linker(_linker: &mut Linker<HttpInstanceState>) -> wasmtime::Result<()> {
        Ok(())
    }

    fn on_link(_request: &LinkRequest<'_>) -> Result<(), LinkError> {
        Ok(())
    }

    async fn open(_capability_id: &str, _settings: &(), _env: &HostEnv) -> Result<(), LinkError> {
        Ok(())
    }
}
