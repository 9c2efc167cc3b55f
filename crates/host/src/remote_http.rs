//! HTTP requests for a component that runs on another host of the lattice, over NATS.
//!
//! A host serves every HTTP component it runs on `weft.{lattice}.http.{component_id}` in the
//! queue group `weft-http`, so requests spread over all hosts running it. A host whose HTTP
//! server routes to a component it does not run sends the request there and relays the
//! answer. The message is `[u32 big-endian head length][JSON head][body bytes]`; the head of
//! a request is `{method, uri, headers}`, of a response `{status, headers}`. Bodies travel
//! in one message when they fit (the server's `max_payload`, 1 MiB unless configured, less
//! room for the head: 900 KiB by default), in parts beyond that (`remote_body.rs`). The
//! NATS headers carry `source-id` (the calling capability) and the request's W3C
//! `traceparent`/`tracestate`.

use crate::served_remotely::CurrentHandler;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde::{Deserialize, Serialize};
use weft_capabilities::call_context::TraceContext;
use weft_capabilities::http_server::{ResponseBody, body_from_parts, text_response};
use weft_telemetry::{Hop, Tracing};

use crate::remote_body::{FirstPart, PARTS_HEADER, first_part};
use crate::remote_serve::{Reply, header};
use async_nats::RequestErrorKind;

/// Room kept in each message for the NATS headers and the frame's head: a message carries
/// up to the server's `max_payload` less this of a body (900 KiB of NATS's default 1 MiB).
const HEAD_ROOM: usize = 124 * 1024;
/// How long a call to another host may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// The queue group hosts serve components in.
const SERVERS: &str = "weft-http";

#[derive(Serialize, Deserialize)]
struct RequestHead {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
}

impl RequestHead {
    /// The head a sending host frames for a request with `method`, `uri` and `headers`.
    fn of(method: &hyper::Method, uri: &hyper::Uri, headers: &hyper::HeaderMap) -> Self {
        Self {
            method: method.to_string(),
            uri: uri.to_string(),
            headers: header_pairs(headers),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct ResponseHead {
    status: u16,
    headers: Vec<(String, String)>,
}

/// Calls between the hosts of one lattice.
#[derive(Clone)]
pub struct RemoteCalls {
    client: async_nats::Client,
    lattice: String,
    /// The largest request or response body a call to another host carries.
    max_body: usize,
    /// Starts the spans of each hop (none when traces are off).
    tracing: Tracing,
}

impl RemoteCalls {
    /// Calls over `client` within `lattice`; each message carries as much of a body as the
    /// server's `max_payload` allows.
    pub fn new(client: async_nats::Client, lattice: &str) -> Self {
        let max_payload = client.server_info().max_payload;
        Self {
            max_body: max_payload - HEAD_ROOM.min(max_payload / 8),
            client,
            lattice: lattice.to_owned(),
            tracing: Tracing::disabled(),
        }
    }

    /// The same calls, each hop traced by `tracing` (a CLIENT span where a request leaves,
    /// a SERVER span where it is answered).
    pub fn traced(self, tracing: Tracing) -> Self {
        Self { tracing, ..self }
    }

    pub(crate) fn tracing(&self) -> &Tracing {
        &self.tracing
    }

    pub(crate) fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// The most body one message carries.
    pub(crate) fn max_body(&self) -> usize {
        self.max_body
    }

    pub(crate) fn lattice(&self) -> &str {
        &self.lattice
    }

    fn subject(&self, component_id: &str) -> String {
        format!("weft.{}.http.{component_id}", self.lattice)
    }

    /// Serves `handler` (component `component_id`) to the other hosts until the returned
    /// task is aborted.
    pub(crate) async fn serve(
        &self,
        component_id: &str,
        handler: CurrentHandler,
    ) -> Result<tokio::task::JoinHandle<()>, async_nats::SubscribeError> {
        let remote = self.clone();
        let subject = self.subject(component_id);
        self.serve_queue(subject, SERVERS, Hop::Http, move |message, trace| {
            let (handler, remote) = (handler.get(), remote.clone());
            async move {
                let rest = header(&message, PARTS_HEADER);
                let response = match decode_request(&message.payload) {
                    Ok(mut request) => {
                        if let Some(trace) = trace {
                            trace.write_to(request.headers_mut());
                        }
                        let request = request.map(|first| match rest {
                            Some(subject) => body_from_parts(remote.take_parts(first, subject)),
                            None => whole_body(first),
                        });
                        handler.handle_in_parts(request).await
                    }
                    Err(reason) => text_response(StatusCode::BAD_REQUEST, reason.to_string()),
                };
                remote.encode_response(response).await
            }
        })
        .await
    }

    /// Sends `request` for component `component_id` to a host that runs it and returns its
    /// answer (an error response saying why when there is none).
    pub(crate) async fn call(
        &self,
        component_id: &str,
        source_id: &str,
        request: Request<Incoming>,
    ) -> Response<ResponseBody> {
        let (parts, body) = request.into_parts();
        let (body, rest) = match first_part(body, self.max_body).await {
            Ok(FirstPart::Whole(body)) => (body, None),
            Ok(FirstPart::Partial { first, rest }) => match self.offer_rest(rest).await {
                Ok(subject) => (first, Some(subject)),
                Err(error) => {
                    return text_response(
                        StatusCode::BAD_GATEWAY,
                        format!(
                            "component {component_id} runs on another host, and the request body cannot be offered there: {error}"
                        ),
                    );
                }
            },
            Err(reason) => {
                return text_response(
                    StatusCode::BAD_REQUEST,
                    format!("the request body could not be read: {reason}"),
                );
            }
        };
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("source-id", source_id);
        if let Some(subject) = &rest {
            headers.insert(PARTS_HEADER, subject.as_str());
        }
        let head = RequestHead::of(&parts.method, &parts.uri, &parts.headers);
        let payload = frame(&head, &body);
        let subject = self.subject(component_id);
        let trace = TraceContext::carried(&parts.extensions, &parts.headers);
        let answer = self
            .ask_host(
                Hop::Http,
                subject,
                headers,
                payload.into(),
                CALL_TIMEOUT,
                trace.as_ref(),
            )
            .await;
        match answer {
            Err(error) if error.kind() == RequestErrorKind::TimedOut => text_response(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "component {component_id} on another host did not answer within {CALL_TIMEOUT:?}"
                ),
            ),
            Err(error) if error.kind() == RequestErrorKind::NoResponders => text_response(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("component {component_id} runs on no host of the lattice"),
            ),
            Err(error) => text_response(
                StatusCode::BAD_GATEWAY,
                format!("calling component {component_id} on another host failed: {error}"),
            ),
            Ok(message) => match decode_response(&message.payload) {
                Ok(response) => response.map(|first| match header(&message, PARTS_HEADER) {
                    Some(subject) => body_from_parts(self.take_parts(first, subject)),
                    None => whole_body(first),
                }),
                Err(reason) => text_response(
                    StatusCode::BAD_GATEWAY,
                    format!(
                        "component {component_id} on another host answered what weft cannot read: {reason}"
                    ),
                ),
            },
        }
    }
}

fn header_pairs(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect()
}

fn frame(head: &impl Serialize, body: &[u8]) -> Vec<u8> {
    let head = weft_lattice::json_bytes(head);
    let mut framed = Vec::with_capacity(4 + head.len() + body.len());
    framed.extend_from_slice(&u32::try_from(head.len()).unwrap_or(u32::MAX).to_be_bytes());
    framed.extend_from_slice(&head);
    framed.extend_from_slice(body);
    framed
}

/// A message from another host that is not a framed request or response.
#[derive(Debug, thiserror::Error)]
enum FrameError {
    /// Fewer than the 4 bytes of the head's length.
    #[error("the message is shorter than its frame")]
    NoFrame,
    /// Fewer bytes than the head's length says.
    #[error("the message is shorter than its head")]
    ShortHead,
    /// The head is not the JSON it should be.
    #[error("{0}")]
    Head(#[source] serde_json::Error),
    /// The head names what HTTP does not allow (a bad method, header or status).
    #[error("{0}")]
    Http(#[source] hyper::http::Error),
}

fn unframe<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<(T, Bytes), FrameError> {
    let (length, rest) = payload
        .split_first_chunk::<4>()
        .ok_or(FrameError::NoFrame)?;
    let length = u32::from_be_bytes(*length) as usize;
    if rest.len() < length {
        return Err(FrameError::ShortHead);
    }
    let (head, body) = rest.split_at(length);
    let head = serde_json::from_slice(head).map_err(FrameError::Head)?;
    Ok((head, Bytes::copy_from_slice(body)))
}

fn decode_request(payload: &[u8]) -> Result<Request<Bytes>, FrameError> {
    let (head, body): (RequestHead, Bytes) = unframe(payload)?;
    let mut request = Request::builder()
        .method(head.method.as_str())
        .uri(head.uri.as_str());
    for (name, value) in &head.headers {
        request = request.header(name, value);
    }
    request.body(body).map_err(FrameError::Http)
}

impl RemoteCalls {
    /// `response` as the answer to a request from another host: whole in one message, or its
    /// first part with the rest offered in parts.
    async fn encode_response(&self, response: Response<ResponseBody>) -> Reply {
        let (parts, body) = response.into_parts();
        let head = ResponseHead {
            status: parts.status.as_u16(),
            headers: header_pairs(&parts.headers),
        };
        let failed = |reason: String| {
            let head = ResponseHead {
                status: StatusCode::BAD_GATEWAY.as_u16(),
                headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            };
            (
                async_nats::HeaderMap::new(),
                frame(&head, format!("{reason}\n").as_bytes()),
            )
        };
        match first_part(body, self.max_body).await {
            Ok(FirstPart::Whole(body)) => (async_nats::HeaderMap::new(), frame(&head, &body)),
            Ok(FirstPart::Partial { first, rest }) => match self.offer_rest(rest).await {
                Ok(subject) => {
                    let mut headers = async_nats::HeaderMap::new();
                    headers.insert(PARTS_HEADER, subject.as_str());
                    (headers, frame(&head, &first))
                }
                Err(error) => failed(format!(
                    "the component's response could not be offered to the calling host: {error}"
                )),
            },
            Err(reason) => failed(format!("the component's response failed: {reason}")),
        }
    }
}

/// A body that is all there in `bytes`.
fn whole_body(bytes: Bytes) -> ResponseBody {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

fn decode_response(payload: &[u8]) -> Result<Response<Bytes>, FrameError> {
    let (head, body): (ResponseHead, Bytes) = unframe(payload)?;
    let mut response = Response::builder().status(head.status);
    for (name, value) in &head.headers {
        response = response.header(name, value);
    }
    response.body(body).map_err(FrameError::Http)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_a_head_and_a_body() {
        let head = ResponseHead {
            status: 201,
            headers: vec![("x-a".into(), "b".into())],
        };
        let framed = frame(&head, b"body bytes");
        let (back, body): (ResponseHead, Bytes) = unframe(&framed).unwrap();
        assert_eq!((back.status, body.as_ref()), (201, &b"body bytes"[..]));
        assert!(unframe::<ResponseHead>(&framed[..3]).is_err());
        assert!(unframe::<ResponseHead>(&[0, 0, 0, 9, b'{']).is_err());
    }

    /// What the sending host frames for `request`.
    fn framed_request(request: &Request<Bytes>) -> Vec<u8> {
        let head = RequestHead::of(request.method(), request.uri(), request.headers());
        frame(&head, request.body())
    }

    /// A request built from fuzz bytes, when HTTP allows what they name.
    fn arbitrary_request(
        bytes: &mut weft_fuzz::Unstructured,
    ) -> weft_fuzz::arbitrary::Result<Option<Request<Bytes>>> {
        const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
        let method: String = if bytes.ratio(1, 4)? {
            bytes.arbitrary()?
        } else {
            (*bytes.choose(METHODS)?).to_owned()
        };
        let uri: String = bytes.arbitrary()?;
        let headers: Vec<(String, String)> = bytes.arbitrary()?;
        let body: Vec<u8> = bytes.arbitrary()?;
        let mut request = Request::builder().method(method.as_str()).uri(uri.as_str());
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        Ok(request.body(Bytes::from(body)).ok())
    }

    /// Fuzz target `http-frames`: any bytes a host receives as a request or response from
    /// another host decode or fail without a panic, and a request a host sends reads back
    /// the same (method, URI, headers, body) on the other side.
    #[test]
    fn fuzz_http_frames() {
        let seed = framed_request(
            &Request::builder()
                .method("POST")
                .uri("/shop/cart?item=7")
                .header("content-type", "application/json")
                .header(
                    "traceparent",
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                )
                .body(Bytes::from_static(b"{\"qty\": 2}"))
                .unwrap(),
        );
        let response = frame(
            &ResponseHead {
                status: 200,
                headers: vec![("x-a".into(), "b".into())],
            },
            b"ok",
        );
        weft_fuzz::Target::new("http-frames")
            .cases(50_000)
            .seed(seed)
            .seed(response)
            .dictionary(["\"", ",", "[", "]", "{", "}", "\\u0000", "\r\n", ":"])
            .run(|input| {
                let decoded = decode_request(input).is_ok() | decode_response(input).is_ok();
                let mut bytes = weft_fuzz::Unstructured::new(input);
                let Ok(Some(request)) = arbitrary_request(&mut bytes) else {
                    return decoded;
                };
                let back = decode_request(&framed_request(&request))
                    .expect("a request one host sends, the other reads");
                assert_eq!(back.method(), request.method());
                assert_eq!(back.uri(), request.uri());
                assert_eq!(
                    header_pairs(back.headers()),
                    header_pairs(request.headers())
                );
                assert_eq!(back.body(), request.body());
                true
            });
    }
}
