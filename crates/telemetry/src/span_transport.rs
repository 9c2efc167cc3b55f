//! Sends encoded span export requests ([`crate::otlp_spans`]) to the collector: a POST of
//! the protobuf body for OTLP/HTTP, a unary `TraceService/Export` call for OTLP/gRPC. Both
//! carry the configured headers and give up after the configured timeout.

use bytes::{Buf as _, BufMut as _, Bytes};
use http::uri::PathAndQuery;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::MetadataMap;
use tonic::transport::{Channel, Endpoint};

use crate::export::ExportError;
use crate::export_config::{Destination, Protocol};
use crate::otlp_http_client::OtlpHttpClient;

/// The gRPC method OTLP/gRPC exports spans through.
const GRPC_EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// A connection (or connection pool) to one collector.
#[derive(Debug, Clone)]
pub(crate) enum SpanTransport {
    /// OTLP/HTTP.
    Http {
        client: OtlpHttpClient,
        url: String,
        headers: http::HeaderMap,
    },
    /// OTLP/gRPC; connects on first use and again after the collector went away.
    Grpc {
        channel: tonic::client::Grpc<Channel>,
        headers: http::HeaderMap,
    },
}

impl SpanTransport {
    /// The transport `destination` asks for; nothing connects until the first export.
    /// Runs inside a Tokio runtime.
    pub(crate) fn new(destination: &Destination) -> Result<Self, ExportError> {
        let unusable = |reason: String| ExportError::Endpoint {
            endpoint: destination.endpoint.clone(),
            reason,
        };
        Ok(match destination.protocol {
            Protocol::HttpProtobuf => Self::Http {
                client: OtlpHttpClient::new(destination)?,
                url: destination.endpoint.clone(),
                headers: destination.headers.clone(),
            },
            Protocol::Grpc => {
                let endpoint = Endpoint::from_shared(destination.endpoint.clone())
                    .map_err(|error| unusable(error.to_string()))?
                    .timeout(destination.timeout);
                Self::Grpc {
                    channel: tonic::client::Grpc::new(endpoint.connect_lazy()),
                    headers: destination.headers.clone(),
                }
            }
        })
    }

    /// Sends one encoded `ExportTraceServiceRequest`.
    pub(crate) async fn send(&self, request: Vec<u8>) -> OTelSdkResult {
        match self {
            Self::Http {
                client,
                url,
                headers,
            } => {
                let response = client
                    .reqwest()
                    .post(url)
                    .headers(headers.clone())
                    .header(http::header::CONTENT_TYPE, "application/x-protobuf")
                    .body(request)
                    .send()
                    .await
                    .map_err(|error| failure(format!("{error}")))?;
                let status = response.status();
                if status.is_success() {
                    return Ok(());
                }
                let said = response.text().await.unwrap_or_default();
                Err(failure(format!(
                    "the collector answered {status}: {}",
                    said.chars().take(200).collect::<String>()
                )))
            }
            Self::Grpc { channel, headers } => {
                let mut channel = channel.clone();
                channel
                    .ready()
                    .await
                    .map_err(|error| failure(format!("could not connect: {error}")))?;
                let mut call = tonic::Request::new(Bytes::from(request));
                *call.metadata_mut() = MetadataMap::from_headers(headers.clone());
                channel
                    .unary(call, PathAndQuery::from_static(GRPC_EXPORT), Passthrough)
                    .await
                    .map(drop)
                    .map_err(|status| failure(format!("{status}")))
            }
        }
    }
}

fn failure(message: String) -> OTelSdkError {
    OTelSdkError::InternalFailure(message)
}

/// A gRPC codec for messages that are already protobuf: sends the bytes as they are and
/// reads the answer (an `ExportTraceServiceResponse`, whose partial-success counts weft
/// does not act on) without decoding it.
#[derive(Debug, Clone, Copy, Default)]
struct Passthrough;

impl Codec for Passthrough {
    type Encode = Bytes;
    type Decode = ();
    type Encoder = Passthrough;
    type Decoder = Passthrough;

    fn encoder(&mut self) -> Self::Encoder {
        Passthrough
    }

    fn decoder(&mut self) -> Self::Decoder {
        Passthrough
    }
}

impl Encoder for Passthrough {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for Passthrough {
    type Item = ();
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<()>, Self::Error> {
        src.advance(src.remaining());
        Ok(Some(()))
    }
}
