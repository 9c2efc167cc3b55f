//! The HTTP client the SDK's OTLP/HTTP metric and log exporters send through: the same
//! `reqwest` the span transport and the rest of weft use, so one HTTP stack is built, with
//! the destination's timeout covering the whole exchange.

use bytes::Bytes;
use opentelemetry_http::{HttpClient, HttpError};

use crate::export::ExportError;
use crate::export_config::Destination;

/// The largest collector answer read; an export response is an empty or tiny message.
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// A `reqwest` client that gives up after the configured export timeout.
#[derive(Debug, Clone)]
pub(crate) struct OtlpHttpClient(reqwest::Client);

impl OtlpHttpClient {
    /// A client for `destination`, whose requests end after its timeout, the body read
    /// included.
    pub(crate) fn new(destination: &Destination) -> Result<Self, ExportError> {
        reqwest::Client::builder()
            .timeout(destination.timeout)
            .build()
            .map(Self)
            .map_err(|error| ExportError::Endpoint {
                endpoint: destination.endpoint.clone(),
                reason: error.to_string(),
            })
    }

    /// The client itself, for requests made here.
    pub(crate) fn reqwest(&self) -> &reqwest::Client {
        &self.0
    }
}

#[async_trait::async_trait]
impl HttpClient for OtlpHttpClient {
    async fn send_bytes(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, HttpError> {
        let response = self.0.execute(reqwest::Request::try_from(request)?).await?;
        let mut answer = http::Response::builder().status(response.status());
        if let Some(headers) = answer.headers_mut() {
            headers.extend(response.headers().clone());
        }
        let body = response.bytes().await?;
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(format!(
                "the collector answered with {} bytes; an export response is at most {MAX_RESPONSE_BYTES}",
                body.len()
            )
            .into());
        }
        Ok(answer.body(body)?)
    }
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

    /// A one-shot HTTP server answering `answer` to the first request; returns its URL
    /// and the request it read.
    async fn answer_once(answer: &'static [u8]) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}/v1/metrics", listener.local_addr().expect("addr"));
        let served = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut read = vec![0; 4096];
            let length = stream.read(&mut read).await.expect("read");
            stream.write_all(answer).await.expect("write");
            read.truncate(length);
            read
        });
        (url, served)
    }

    #[tokio::test]
    async fn sends_the_body_and_returns_status_headers_and_body() {
        let (url, served) =
            answer_once(b"HTTP/1.1 400 Bad Request\r\nx-why: no\r\ncontent-length: 3\r\n\r\nbad")
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
    async fn a_collector_that_never_answers_fails_after_the_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}/v1/logs", listener.local_addr().expect("addr"));
        let client = client(Duration::from_millis(200));
        let request = http::Request::post(url)
            .body(bytes::Bytes::new())
            .expect("request");
        let failed = client.send_bytes(request).await;
        assert!(failed.is_err(), "{failed:?}");
        drop(listener);
    }
}
