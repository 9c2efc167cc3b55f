//! What serves a routed request, and the plain-text responses the server itself produces.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// The body type of every response the server writes.
pub type ResponseBody = HyperOutgoingBody;

/// A boxed response future.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Response<ResponseBody>> + Send>>;

/// Serves requests a route hands it. Never fails: failures become error responses.
pub trait RequestHandler: Send + Sync + 'static {
    /// Serves one request.
    fn handle(&self, request: Request<Incoming>) -> ResponseFuture;
}

/// A body that arrives in parts (from another host): `parts` yields them in order, or why
/// the rest cannot be read, which the reader of the body then sees as its failure.
pub fn body_from_parts<Parts, E>(parts: Parts) -> ResponseBody
where
    Parts: futures_util::Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: std::fmt::Display,
{
    use futures_util::StreamExt as _;
    http_body_util::StreamBody::new(parts.map(|part| {
        part.map(hyper::body::Frame::data)
            .map_err(|reason| wasmtime_wasi_http::Error::InternalError(Some(reason.to_string())))
    }))
    .boxed_unsync()
}

/// A short plain-text response, e.g. `404 no route for host x` or a 503 after a guest failure.
pub fn text_response(status: StatusCode, message: impl Into<String>) -> Response<ResponseBody> {
    let mut text = message.into();
    text.push('\n');
    let body = Full::new(Bytes::from(text))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A handler that answers with its name; for routing tests.
    pub(crate) struct NamedHandler(pub(crate) String);

    impl RequestHandler for NamedHandler {
        fn handle(&self, _request: Request<Incoming>) -> ResponseFuture {
            let name = self.0.clone();
            Box::pin(async move { text_response(StatusCode::OK, name) })
        }
    }
}
