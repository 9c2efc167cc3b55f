//! The HTTP client the SDK's OTLP/HTTP metric and log exporters send through: the same
//! `reqwest` the span transport and the rest of weft use, so one HTTP stack is built, with
//! the destination's timeout covering the whole exchange.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use opentelemetry_http::{HttpClient, HttpError, ResponseBodyTooLarge};

use crate::export::ExportError;
use crate::export_config::Destination;

/// The largest collector answer read (as the SDK's own clients do); an export response is
/// an empty or tiny message.
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// A `reqwest` client that gives up after the configured export timeout, and says in the
/// log why requests fail (the SDK's exporter reports only that one did), once per outage.
#[derive(Debug, Clone)]
pub(crate) struct OtlpHttpClient {
    client: reqwest::Client,
    /// Whether the last request failed (its cause has been logged).
    failing: Arc<AtomicBool>,
}

impl OtlpHttpClient {
    /// A client for `destination`, whose requests end after its timeout, the body read
    /// included.
    pub(crate) fn new(destination: &Destination) -> Result<Self, ExportError> {
        let client = reqwest::Client::builder()
            .timeout(destination.timeout)
            .build()
            .map_err(|error| ExportError::Endpoint {
                endpoint: destination.endpoint.clone(),
                reason: error.to_string(),
            })?;
        Ok(Self {
            client,
            failing: Arc::default(),
        })
    }

    /// The client itself, for requests made here.
    pub(crate) fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request` and reads the answer, at most [`MAX_RESPONSE_BYTES`] of it.
    async fn exchange(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, HttpError> {
        let mut response = self
            .client
            .execute(reqwest::Request::try_from(request)?)
            .await?;
        let mut answer = http::Response::builder().status(response.status());
        if let Some(headers) = answer.headers_mut() {
            headers.extend(response.headers().clone());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(Box::new(ResponseBodyTooLarge::new()));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(answer.body(Bytes::from(body))?)
    }
}

#[async_trait::async_trait]
impl HttpClient for OtlpHttpClient {
    async fn send_bytes(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, HttpError> {
        let url = request.uri().to_string();
        let result = self.exchange(request).await;
        match &result {
            Err(error) if !self.failing.swap(true, Ordering::Relaxed) => {
                let error = with_causes(&**error);
                tracing::warn!(%url, %error, "an OTLP export request failed");
            }
            Ok(_) => self.failing.store(false, Ordering::Relaxed),
            Err(_) => {}
        }
        result
    }
}

/// `error` and every cause under it, joined: reqwest's own message leaves out why (a
/// refused connection, a name that does not resolve).
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    std::iter::successors(Some(error), |error| error.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use opentelemetry_http::HttpClient as _;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::OtlpHttpClient;
    use crate::export_config::{Destination, Protocol};

    fn client(timeout: Duration) -> OtlpHttpClient {
        let destination = Destination {
            endpoint: "http://127.0.0.1:4318/v1/metrics".to_owned(),
            protocol: Protocol::HttpProtobuf,
            headers: http::HeaderMap::new(),
            timeout,
        };
        OtlpHttpClient::new(&destination).expect("client")
    }

    /// A listener on a free loopback port and the OTLP metrics URL that reaches it.
    async fn loopback() -> (tokio::net::TcpListener, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}/v1/metrics", listener.local_addr().expect("addr"));
        (listener, url)
    }

    /// A one-shot HTTP server answering `answer` to the first request (the client may hang
    /// up before it is all written); returns its URL and the request it read.
    async fn answer_once(answer: Vec<u8>) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
        let (listener, url) = loopback().await;
        let served = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut read = vec![0; 4096];
            let length = stream.read(&mut read).await.expect("read");
            let _ = stream.write_all(&answer).await;
            read.truncate(length);
            read
        });
        (url, served)
    }

    #[tokio::test]
    async fn sends_the_body_and_returns_status_headers_and_body() {
        let (url, served) = answer_once(
            b"HTTP/1.1 400 Bad Request\r\nx-why: no\r\ncontent-length: 3\r\n\r\nbad".to_vec(),
        )
        .await;
        let client = client(Duration::from_secs(5));
        let request = http::Request::post(url)
            .header("content-type", "application/x-protobuf")
            .body(bytes::Bytes::from_static(b"payload"))
            .expect("request");
        let response = client.send_bytes(request).await.expect("an answer");
        assert_eq!(response.status(), 400);
        assert_eq!(response.headers()["x-why"], "no");
        assert_eq!(response.body().as_ref(), b"bad");
        let sent = String::from_utf8(served.await.expect("served")).expect("text");
        assert!(sent.starts_with("POST /v1/metrics"), "{sent}");
        assert!(sent.ends_with("payload"), "{sent}");
    }

    #[tokio::test]
    async fn an_answer_past_the_limit_is_refused_as_too_large() {
        let length = super::MAX_RESPONSE_BYTES + 1;
        let mut answer =
            format!("HTTP/1.1 200 OK\r\ncontent-length: {length}\r\n\r\n").into_bytes();
        answer.resize(answer.len() + length, 0);
        let (url, _served) = answer_once(answer).await;
        let request = http::Request::post(url)
            .body(bytes::Bytes::new())
            .expect("request");
        let refused = client(Duration::from_secs(5)).send_bytes(request).await;
        let error = refused.expect_err("a 4 MiB + 1 answer is refused");
        assert!(
            error
                .downcast_ref::<opentelemetry_http::ResponseBodyTooLarge>()
                .is_some(),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_collector_that_never_answers_fails_after_the_timeout() {
        let (listener, url) = loopback().await;
        let client = client(Duration::from_millis(200));
        let request = http::Request::post(url)
            .body(bytes::Bytes::new())
            .expect("request");
        let failed = client.send_bytes(request).await;
        assert!(failed.is_err(), "{failed:?}");
        drop(listener);
    }

    #[tokio::test]
    async fn a_failure_is_told_with_its_causes() {
        let (listener, url) = loopback().await;
        drop(listener);
        let request = http::Request::post(url)
            .body(bytes::Bytes::new())
            .expect("request");
        let failed = client(Duration::from_secs(5)).send_bytes(request).await;
        let error = failed.expect_err("nothing listens there");
        let told = super::with_causes(&*error);
        assert!(told.len() > error.to_string().len(), "{told}");
        assert!(told.to_lowercase().contains("refused"), "{told}");
    }
}
