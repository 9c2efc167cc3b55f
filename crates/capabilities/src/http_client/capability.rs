//! The HTTP client capability's shape: its images, `wasi:http`, and a link's settings.

use wasmtime::component::Linker;

use super::HttpClientSettings;
use crate::capability::{Capability, HostEnv, Kind, LinkError, LinkRequest};
use crate::instance_state::HttpInstanceState;

/// wasmCloud's `http-client`.
pub const HTTP_CLIENT: Kind = Kind {
    name: "http-client",
    images: &[
        "ghcr.io/wasmcloud/http-client",
        "wasmcloud.azurecr.io/httpclient",
        "weft+builtin://http-client",
        "wasmcloud+builtin://http-client",
    ],
};

/// Lets components linked to it make outgoing HTTP requests to what the link allows.
pub struct HttpClientCapability;

impl Capability for HttpClientCapability {
    type Settings = HttpClientSettings;
    type Backend = HttpClientSettings;

    const KINDS: &'static [Kind] = &[HTTP_CLIENT];
    const PACKAGE: Option<&'static str> = Some("wasi:http");
    const OFFERS: &'static str = "wasi:http/outgoing-handler";

    /// `wasi:http` (its types and `outgoing-handler`) for every component: the types are what
    /// incoming handlers use too, and an unlinked component's requests meet its handler's
    /// policy instead of a link's.
    fn add_to_linker(linker: &mut Linker<HttpInstanceState>) -> wasmtime::Result<()> {
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)
    }

    fn on_link(request: &LinkRequest<'_>) -> Result<HttpClientSettings, LinkError> {
        Ok(HttpClientSettings::from_config(request.link_config)?)
    }

    async fn open(
        _capability_id: &str,
        settings: &HttpClientSettings,
        _env: &HostEnv,
    ) -> Result<HttpClientSettings, LinkError> {
        Ok(settings.clone())
    }
}
