//! An OTLP receiver (a stand-in for an OpenTelemetry collector's receiver) on one loopback
//! port that speaks both OTLP/HTTP with protobuf bodies (`POST /v1/traces`, `/v1/metrics`,
//! `/v1/logs`)
//! and OTLP/gRPC (HTTP/2 without TLS), decoding with the `opentelemetry-proto` types. It keeps
//! what it received and counts every connection, so a test can also show none was made.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message as _;

/// gRPC paths of the three services.
const GRPC_TRACES: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const GRPC_METRICS: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
const GRPC_LOGS: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// One log record as received, ids in lowercase hex (empty when it names no span).
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedLog {
    /// The body, as text.
    pub body: String,
    /// The severity as text (`INFO`, `WARN`, …).
    pub severity: String,
    /// The trace it belongs to.
    pub trace_id: String,
    /// The span it belongs to.
    pub span_id: String,
    /// Attributes, values rendered as text.
    pub attributes: BTreeMap<String, String>,
    /// The resource's attributes, values rendered as text.
    pub resource: BTreeMap<String, String>,
    /// `grpc` or `http/protobuf`: how it arrived.
    pub protocol: &'static str,
}

/// One span as received, ids in lowercase hex.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    /// The span's name.
    pub name: String,
    /// `SpanKind` as the protocol numbers it (2 server, 3 client, …).
    pub kind: i32,
    /// The trace id.
    pub trace_id: String,
    /// The span id.
    pub span_id: String,
    /// The parent's span id; empty for a root.
    pub parent_span_id: String,
    /// Attributes, values rendered as text.
    pub attributes: BTreeMap<String, String>,
    /// Status code (0 unset, 1 ok, 2 error).
    pub status: i32,
    /// The resource's attributes, values rendered as text.
    pub resource: BTreeMap<String, String>,
    /// `grpc` or `http/protobuf`: how it arrived.
    pub protocol: &'static str,
}

#[derive(Default)]
struct Received {
    spans: Mutex<Vec<ReceivedSpan>>,
    metrics: Mutex<Vec<String>>,
    logs: Mutex<Vec<ReceivedLog>>,
    connections: AtomicUsize,
}

/// The receiver; it stops when dropped.
pub struct OtlpReceiver {
    addr: SocketAddr,
    received: Arc<Received>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl OtlpReceiver {
    /// Listens on a free loopback port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Received::default());
        let task = tokio::spawn(accept(listener, Arc::clone(&received)));
        Self {
            addr,
            received,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`, for `OTEL_EXPORTER_OTLP_ENDPOINT` (either protocol).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.received.spans.lock().unwrap().clone()
    }

    /// The names of every metric received so far (repeats included).
    pub fn metric_names(&self) -> Vec<String> {
        self.received.metrics.lock().unwrap().clone()
    }

    /// Every log record received so far.
    pub fn logs(&self) -> Vec<ReceivedLog> {
        self.received.logs.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until a received log record `matches`, and returns it; panics with
    /// the bodies that did arrive when none does.
    pub async fn wait_for_log(&self, matches: impl Fn(&ReceivedLog) -> bool) -> ReceivedLog {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let logs = self.logs();
            if let Some(found) = logs.iter().find(|log| matches(log)) {
                return found.clone();
            }
            if Instant::now() > deadline {
                let bodies: Vec<_> = logs.iter().map(|log| log.body.as_str()).collect();
                panic!("the log record never arrived; received: {bodies:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many connections were ever opened to it.
    pub fn connections(&self) -> usize {
        self.received.connections.load(Ordering::SeqCst)
    }

    /// Waits up to `timeout` until `done` holds for the spans received, and returns them;
    /// panics with what did arrive when it never does.
    pub async fn wait_for_spans(
        &self,
        timeout: Duration,
        done: impl Fn(&[ReceivedSpan]) -> bool,
    ) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if done(&spans) {
                return spans;
            }
            if Instant::now() > deadline {
                let names: Vec<_> = spans
                    .iter()
                    .map(|span| format!("{} ({})", span.name, span.trace_id))
                    .collect();
                panic!("the spans never arrived; received: {names:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl OtlpReceiver {
    /// Waits (up to 20 s) until `done` holds for the spans of trace `trace_id` received,
    /// and returns them.
    pub async fn wait_for_trace(
        &self,
        trace_id: &str,
        done: impl Fn(&[ReceivedSpan]) -> bool,
    ) -> Vec<ReceivedSpan> {
        let of_trace = |spans: &[ReceivedSpan]| -> Vec<ReceivedSpan> {
            spans
                .iter()
                .filter(|span| span.trace_id == trace_id)
                .cloned()
                .collect()
        };
        let spans = self
            .wait_for_spans(Duration::from_secs(20), |spans| done(&of_trace(spans)))
            .await;
        of_trace(&spans)
    }
}

async fn accept(listener: tokio::net::TcpListener, received: Arc<Received>) {
    while let Ok((stream, _)) = listener.accept().await {
        received.connections.fetch_add(1, Ordering::SeqCst);
        let received = Arc::clone(&received);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let received = Arc::clone(&received);
                async move { Ok::<_, Infallible>(answer(&received, request).await) }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

async fn answer(received: &Received, request: Request<Incoming>) -> Response<Body> {
    let path = request.uri().path().to_owned();
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return status(StatusCode::BAD_REQUEST),
    };
    match path.as_str() {
        "/v1/traces" => match ExportTraceServiceRequest::decode(body) {
            Ok(export) => {
                keep_spans(received, export, "http/protobuf");
                protobuf(ExportTraceServiceResponse::default().encode_to_vec())
            }
            Err(_) => status(StatusCode::BAD_REQUEST),
        },
        "/v1/metrics" => match ExportMetricsServiceRequest::decode(body) {
            Ok(export) => {
                keep_metrics(received, &export);
                protobuf(ExportMetricsServiceResponse::default().encode_to_vec())
            }
            Err(_) => status(StatusCode::BAD_REQUEST),
        },
        "/v1/logs" => match ExportLogsServiceRequest::decode(body) {
            Ok(export) => {
                keep_logs(received, export, "http/protobuf");
                protobuf(ExportLogsServiceResponse::default().encode_to_vec())
            }
            Err(_) => status(StatusCode::BAD_REQUEST),
        },
        GRPC_LOGS => match grpc_message(&body).map(ExportLogsServiceRequest::decode) {
            Some(Ok(export)) => {
                keep_logs(received, export, "grpc");
                grpc(ExportLogsServiceResponse::default().encode_to_vec())
            }
            _ => status(StatusCode::BAD_REQUEST),
        },
        GRPC_TRACES => match grpc_message(&body).map(ExportTraceServiceRequest::decode) {
            Some(Ok(export)) => {
                keep_spans(received, export, "grpc");
                grpc(ExportTraceServiceResponse::default().encode_to_vec())
            }
            _ => status(StatusCode::BAD_REQUEST),
        },
        GRPC_METRICS => match grpc_message(&body).map(ExportMetricsServiceRequest::decode) {
            Some(Ok(export)) => {
                keep_metrics(received, &export);
                grpc(ExportMetricsServiceResponse::default().encode_to_vec())
            }
            _ => status(StatusCode::BAD_REQUEST),
        },
        _ => status(StatusCode::NOT_FOUND),
    }
}

fn keep_spans(received: &Received, export: ExportTraceServiceRequest, protocol: &'static str) {
    let mut kept = received.spans.lock().unwrap();
    for resource_spans in export.resource_spans {
        let resource = resource_spans
            .resource
            .map(|resource| text_attributes(&resource.attributes))
            .unwrap_or_default();
        for span in resource_spans
            .scope_spans
            .into_iter()
            .flat_map(|scope| scope.spans)
        {
            kept.push(ReceivedSpan {
                name: span.name,
                kind: span.kind,
                trace_id: hex(&span.trace_id),
                span_id: hex(&span.span_id),
                parent_span_id: hex(&span.parent_span_id),
                attributes: text_attributes(&span.attributes),
                status: span.status.map_or(0, |status| status.code),
                resource: resource.clone(),
                protocol,
            });
        }
    }
}

fn keep_logs(received: &Received, export: ExportLogsServiceRequest, protocol: &'static str) {
    let mut kept = received.logs.lock().unwrap();
    for resource_logs in export.resource_logs {
        let resource = resource_logs
            .resource
            .map(|resource| text_attributes(&resource.attributes))
            .unwrap_or_default();
        for record in resource_logs
            .scope_logs
            .into_iter()
            .flat_map(|scope| scope.log_records)
        {
            kept.push(ReceivedLog {
                body: text(record.body.as_ref()),
                severity: record.severity_text,
                trace_id: hex(&record.trace_id),
                span_id: hex(&record.span_id),
                attributes: text_attributes(&record.attributes),
                resource: resource.clone(),
                protocol,
            });
        }
    }
}

fn keep_metrics(received: &Received, export: &ExportMetricsServiceRequest) {
    let mut kept = received.metrics.lock().unwrap();
    for scope in export
        .resource_metrics
        .iter()
        .flat_map(|resource| &resource.scope_metrics)
    {
        kept.extend(scope.metrics.iter().map(|metric| metric.name.clone()));
    }
}

fn text_attributes(attributes: &[KeyValue]) -> BTreeMap<String, String> {
    attributes
        .iter()
        .map(|attribute| (attribute.key.clone(), text(attribute.value.as_ref())))
        .collect()
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|value| value.value.as_ref()) {
        Some(any_value::Value::StringValue(text)) => text.clone(),
        Some(any_value::Value::IntValue(number)) => number.to_string(),
        Some(any_value::Value::DoubleValue(number)) => number.to_string(),
        Some(any_value::Value::BoolValue(flag)) => flag.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The message in a gRPC frame (uncompressed flag, 4-byte length, message).
fn grpc_message(body: &[u8]) -> Option<&[u8]> {
    let (&compressed, rest) = body.split_first()?;
    let length = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    (compressed == 0).then_some(())?;
    rest.get(4..4 + length)
}

fn status(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::new()).boxed());
    *response.status_mut() = status;
    response
}

fn protobuf(message: Vec<u8>) -> Response<Body> {
    Response::builder()
        .header("content-type", "application/x-protobuf")
        .body(Full::new(Bytes::from(message)).boxed())
        .unwrap()
}

fn grpc(message: Vec<u8>) -> Response<Body> {
    let mut framed = BytesMut::with_capacity(message.len() + 5);
    framed.extend_from_slice(&[0]);
    framed.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    framed.extend_from_slice(&message);
    let mut trailers = hyper::HeaderMap::new();
    trailers.insert("grpc-status", hyper::header::HeaderValue::from_static("0"));
    let frames = futures_util::stream::iter([
        Ok::<_, Infallible>(Frame::data(framed.freeze())),
        Ok(Frame::trailers(trailers)),
    ]);
    Response::builder()
        .header("content-type", "application/grpc")
        .body(StreamBody::new(frames).boxed())
        .unwrap()
}
