//! HTTP server → component links: the route a link asks for, and the handler that finds the
//! target component when a request arrives.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::RwLock;

use hyper::body::Incoming;
use weft_capabilities::component_calls::ComponentDirectory;
use weft_capabilities::http_server::{RequestHandler, ResponseFuture, RouteSpec, text_response};
use weft_manager::LinkSpec;

use crate::remote_http::RemoteCalls;

/// Where the HTTP server listens when the link's config names no `address`.
pub(crate) const DEFAULT_ADDRESS: &str = "127.0.0.1:8000";

/// Whether `link` is one the HTTP server serves: `wasi:http/incoming-handler`.
pub(crate) fn is_incoming_http(link: &LinkSpec) -> bool {
    link.namespace == "wasi"
        && link.package == "http"
        && link.interfaces.iter().any(|i| i == "incoming-handler")
}

/// The address and route a link's source config asks for (`address`, `host`, `path`).
pub(crate) fn route_of(
    config: &BTreeMap<String, String>,
) -> Result<(SocketAddr, RouteSpec), String> {
    let address = config
        .get("address")
        .map_or(DEFAULT_ADDRESS, String::as_str);
    let addr: SocketAddr = address.parse().map_err(|_| {
        format!("`address: {address}` is not an IP address and port like 127.0.0.1:8000")
    })?;
    let spec = RouteSpec {
        host: config.get("host").cloned(),
        path_prefix: config.get("path").cloned(),
    };
    Ok((addr, spec))
}

/// Calls the link's target component, looked up when each request arrives. The target can
/// be switched while requests flow (an upgrade that renames a component).
pub(crate) struct LinkedComponent {
    directory: ComponentDirectory,
    target_id: RwLock<String>,
    /// The lattice's other hosts, and the calling capability's id, for a target that runs
    /// elsewhere.
    remote: Option<(RemoteCalls, String)>,
}

impl LinkedComponent {
    /// Routes to `target_id`, found in `directory`, or on another host through `remote`.
    pub(crate) fn new(
        directory: ComponentDirectory,
        target_id: &str,
        remote: Option<(RemoteCalls, String)>,
    ) -> Self {
        Self {
            directory,
            target_id: RwLock::new(target_id.to_owned()),
            remote,
        }
    }

    /// Sends every request from now on to `target_id`.
    pub(crate) fn retarget(&self, target_id: &str) {
        *self
            .target_id
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = target_id.to_owned();
    }

    fn target(&self) -> String {
        self.target_id
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl RequestHandler for LinkedComponent {
    fn handle(&self, request: hyper::Request<Incoming>) -> ResponseFuture {
        let target = self.target();
        let handler = self.directory.get(&target);
        match (handler, &self.remote) {
            (Some(handler), _) => handler.handle(request),
            (None, Some((remote, source_id))) => {
                let (remote, source_id) = (remote.clone(), source_id.clone());
                Box::pin(async move { remote.call(&target, &source_id, request).await })
            }
            (None, None) => Box::pin(async move {
                text_response(
                    hyper::StatusCode::SERVICE_UNAVAILABLE,
                    format!("component {target} is not running on this host"),
                )
            }),
        }
    }
}
