//! HTTP server → component links: the route a link asks for, and the handler that finds the
//! target component when a request arrives.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::RwLock;

use hyper::body::Incoming;
use weft_capabilities::component_calls::ComponentDirectory;
use weft_capabilities::http_server::{RequestHandler, ResponseFuture, RouteSpec, text_response};
use weft_lattice::LinkSpec;

use crate::error::RouteProblem;
use crate::remote_http::RemoteCalls;

/// Where the HTTP server listens when the link's config names no `address`.
pub(crate) const DEFAULT_ADDRESS: &str = "127.0.0.1:8000";

/// Whether `link` is one the HTTP server serves: `wasi:http/incoming-handler`.
pub(crate) fn is_incoming_http(link: &LinkSpec) -> bool {
    link.namespace == "wasi"
        && link.package == "http"
        && link.interfaces.iter().any(|i| i == "incoming-handler")
}

/// The address and route a link's source config asks for (`address`, `host`, `path`; keys
/// compared case-insensitively, as wasmCloud's HTTP server does).
pub(crate) fn route_of(
    config: &BTreeMap<String, String>,
) -> Result<(SocketAddr, RouteSpec), RouteProblem> {
    let value = |wanted: &str| {
        config
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value.clone())
    };
    if let Some(key) = ["tls_cert_file", "tls_priv_key_file"]
        .into_iter()
        .find(|key| value(key).is_some())
    {
        return Err(RouteProblem::Https(key));
    }
    let address = value("address").unwrap_or_else(|| DEFAULT_ADDRESS.to_owned());
    let addr: SocketAddr = address
        .parse()
        .map_err(|_| RouteProblem::BadAddress(address.clone()))?;
    let spec = RouteSpec {
        host: value("host"),
        path_prefix: value("path"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn keys_are_case_insensitive_and_the_address_has_a_default() {
        let (addr, spec) =
            route_of(&config(&[("ADDRESS", "0.0.0.0:8000"), ("Path", "/api")])).unwrap();
        assert_eq!(addr.to_string(), "0.0.0.0:8000");
        assert_eq!(spec.path_prefix.as_deref(), Some("/api"));
        assert_eq!(
            route_of(&config(&[])).unwrap().0.to_string(),
            DEFAULT_ADDRESS
        );
    }

    #[test]
    fn https_and_bad_addresses_are_refused_with_the_reason() {
        let error = route_of(&config(&[("tls_cert_file", "/c.pem")])).unwrap_err();
        assert!(error.to_string().contains("HTTPS"), "{error}");
        let error = route_of(&config(&[("address", "localhost")])).unwrap_err();
        assert!(error.to_string().contains("127.0.0.1:8000"), "{error}");
    }
}
