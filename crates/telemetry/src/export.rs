//! OTLP export on the process's own Tokio runtime: ended spans and log records queue in
//! bounded buffers that tasks send in batches ([`crate::export_queue`]; spans encoded by
//! [`crate::otlp_spans`] and sent by [`crate::span_transport`], logs through the SDK's
//! exporter); metrics are collected and sent on an interval. No
//! thread or runtime of the SDK's own, so the async HTTP and gRPC clients always have a
//! reactor, and a full queue drops spans instead of slowing requests.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::InstrumentationScope;
use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _, WithTonicConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter as _, LogProcessor, SdkLogRecord};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter as _;
use opentelemetry_sdk::metrics::reader::MetricReader as _;
use tokio::sync::{mpsc, oneshot};

use crate::export_config::{Destination, Protocol};
use crate::export_queue::{Command, ExportQueue, QueueLimits, send_batches};
use crate::otlp_http_client::OtlpHttpClient;
use crate::otlp_spans::{EncodedSpans, SpanEncoder};
use crate::reader::SharedReader;
use crate::span_transport::SpanTransport;

/// Why an exporter could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The OTLP exporter refused its configuration.
    #[error("the OTLP {signal} exporter for {endpoint} could not be built: {source}")]
    Build {
        /// `traces` or `metrics`.
        signal: &'static str,
        /// The endpoint it was for.
        endpoint: String,
        /// What the exporter said.
        #[source]
        source: opentelemetry_otlp::ExporterBuildError,
    },
    /// The collector's endpoint cannot be used.
    #[error(
        "the OTLP endpoint {endpoint} cannot be used: {reason}; give the collector's URL, e.g. http://127.0.0.1:4318/v1/traces (http/protobuf) or http://127.0.0.1:4317 (grpc), in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT"
    )]
    Endpoint {
        /// The endpoint.
        endpoint: String,
        /// What was wrong with it.
        reason: String,
    },
    /// Export needs a Tokio runtime and none is running.
    #[error("OTLP export runs on the Tokio runtime, and telemetry was set up outside one")]
    NoRuntime,
}

/// Batching knobs: `OTEL_BSP_*` for spans, `OTEL_BLRP_*` for logs and
/// `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batching {
    pub(crate) spans: QueueLimits,
    pub(crate) logs: QueueLimits,
    /// How often metrics are sent.
    pub(crate) metric_interval: Duration,
}

impl Batching {
    /// The spec's defaults, overridden by whatever `lookup` sets to a positive number.
    pub(crate) fn read(lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        let interval = lookup("OTEL_METRIC_EXPORT_INTERVAL")
            .and_then(|value| value.trim().parse::<u64>().ok())
            .filter(|value| *value > 0)
            .unwrap_or(60_000);
        Self {
            spans: QueueLimits::read(lookup, "OTEL_BSP", 5000),
            logs: QueueLimits::read(lookup, "OTEL_BLRP", 1000),
            metric_interval: Duration::from_millis(interval),
        }
    }
}

/// Hands emitted log records to the export task; the SDK calls it for every record.
#[derive(Debug)]
pub(crate) struct QueueingLogProcessor {
    queue: Arc<ExportQueue<Vec<SdkLogRecord>>>,
}

impl LogProcessor for QueueingLogProcessor {
    fn emit(&self, record: &mut SdkLogRecord, _scope: &InstrumentationScope) {
        self.queue.push(record.clone());
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
}

/// The running export tasks, told to flush through these.
#[derive(Debug, Clone, Default)]
pub(crate) struct Exports {
    traces: Option<mpsc::Sender<Command>>,
    metrics: Option<mpsc::Sender<Command>>,
    logs: Option<mpsc::Sender<Command>>,
}

impl Exports {
    /// Starts the span export task for `destination`; ended spans go into the returned
    /// queue.
    pub(crate) fn start_traces(
        &mut self,
        destination: &Destination,
        resource: &Resource,
        limits: QueueLimits,
    ) -> Result<Arc<ExportQueue<EncodedSpans>>, ExportError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ExportError::NoRuntime)?;
        let _entered = runtime.enter();
        let transport = SpanTransport::new(destination)?;
        let encoder = Arc::new(SpanEncoder::new(resource));
        let queue = Arc::new(ExportQueue::with_lanes(
            limits,
            "spans are being dropped: the export queue is full (the collector is slower than the traffic); raise OTEL_BSP_MAX_QUEUE_SIZE or sample fewer (OTEL_TRACES_SAMPLER=parentbased_traceidratio)",
            span_lanes(),
        ));
        let (commands, told) = mpsc::channel(4);
        let mut health = Health::new("spans", destination.endpoint.clone());
        runtime.spawn(send_batches(
            Arc::clone(&queue),
            told,
            move |batch: EncodedSpans| {
                let request = encoder.request(&batch);
                drop(batch);
                let transport = transport.clone();
                async move { transport.send(request).await }
            },
            move |result| health.saw(result),
        ));
        self.traces = Some(commands);
        Ok(queue)
    }

    /// Starts the log export task for `destination`; the returned processor feeds it.
    pub(crate) fn start_logs(
        &mut self,
        destination: &Destination,
        resource: &Resource,
        limits: QueueLimits,
    ) -> Result<QueueingLogProcessor, ExportError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ExportError::NoRuntime)?;
        let mut exporter = log_exporter(destination)?;
        exporter.set_resource(resource);
        let exporter = Arc::new(exporter);
        let queue = Arc::new(ExportQueue::new(
            limits,
            "log records are being dropped: the export queue is full (the collector is slower than the logs); raise OTEL_BLRP_MAX_QUEUE_SIZE or log less (WEFT_LOG)",
        ));
        let (commands, told) = mpsc::channel(4);
        let mut health = Health::new("logs", destination.endpoint.clone());
        let scope = InstrumentationScope::builder(crate::SCOPE).build();
        runtime.spawn(send_batches(
            Arc::clone(&queue),
            told,
            move |batch: Vec<SdkLogRecord>| {
                let (exporter, scope) = (Arc::clone(&exporter), scope.clone());
                async move {
                    let records: Vec<(&SdkLogRecord, &InstrumentationScope)> =
                        batch.iter().map(|record| (record, &scope)).collect();
                    exporter.export(LogBatch::new(&records)).await
                }
            },
            move |result| health.saw(result),
        ));
        self.logs = Some(commands);
        Ok(QueueingLogProcessor { queue })
    }

    /// Starts the task that sends what `reader` collects to `destination` on an interval.
    pub(crate) fn start_metrics(
        &mut self,
        destination: &Destination,
        reader: SharedReader,
        interval: Duration,
    ) -> Result<(), ExportError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ExportError::NoRuntime)?;
        let exporter = metric_exporter(destination)?;
        let (commands, told) = mpsc::channel(4);
        runtime.spawn(send_metrics(
            exporter,
            reader,
            told,
            interval,
            destination.endpoint.clone(),
        ));
        self.metrics = Some(commands);
        Ok(())
    }

    /// Sends everything recorded so far and waits until it has been sent (or failed).
    pub(crate) async fn flush(&self) {
        for commands in [&self.traces, &self.metrics, &self.logs]
            .into_iter()
            .flatten()
        {
            let (done, sent) = oneshot::channel();
            if commands.send(Command::Flush(done)).await.is_ok() {
                let _ = sent.await;
            }
        }
    }
}

/// Lanes of the span queue: two per core, so threads ending spans at once rarely share one.
fn span_lanes() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .saturating_mul(2)
        .min(16)
}

fn metric_exporter(
    destination: &Destination,
) -> Result<opentelemetry_otlp::MetricExporter, ExportError> {
    let endpoint = destination.endpoint.clone();
    let built = match destination.protocol {
        Protocol::Grpc => opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .with_timeout(destination.timeout)
            .with_metadata(tonic::metadata::MetadataMap::from_headers(
                destination.headers.clone(),
            ))
            .build(),
        Protocol::HttpProtobuf => opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_http_client(OtlpHttpClient::new(destination)?)
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(endpoint.clone())
            .with_timeout(destination.timeout)
            .with_headers(header_strings(&destination.headers))
            .build(),
    };
    built.map_err(|source| ExportError::Build {
        signal: "metrics",
        endpoint,
        source,
    })
}

fn log_exporter(destination: &Destination) -> Result<opentelemetry_otlp::LogExporter, ExportError> {
    let endpoint = destination.endpoint.clone();
    let built = match destination.protocol {
        Protocol::Grpc => opentelemetry_otlp::LogExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .with_timeout(destination.timeout)
            .with_metadata(tonic::metadata::MetadataMap::from_headers(
                destination.headers.clone(),
            ))
            .build(),
        Protocol::HttpProtobuf => opentelemetry_otlp::LogExporter::builder()
            .with_http()
            .with_http_client(OtlpHttpClient::new(destination)?)
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(endpoint.clone())
            .with_timeout(destination.timeout)
            .with_headers(header_strings(&destination.headers))
            .build(),
    };
    built.map_err(|source| ExportError::Build {
        signal: "logs",
        endpoint,
        source,
    })
}

/// `headers` as the SDK's HTTP exporters take them.
fn header_strings(headers: &http::HeaderMap) -> std::collections::HashMap<String, String> {
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect()
}

/// Collects from `reader` and sends every `interval`, and when a flush asks.
async fn send_metrics(
    exporter: opentelemetry_otlp::MetricExporter,
    reader: SharedReader,
    mut told: mpsc::Receiver<Command>,
    interval: Duration,
    endpoint: String,
) {
    let mut health = Health::new("metrics", endpoint);
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        let done = tokio::select! {
            command = told.recv() => match command {
                Some(Command::Flush(done)) => Some(done),
                None => break,
            },
            _ = tick.tick() => None,
        };
        let mut collected = ResourceMetrics::default();
        if reader.collect(&mut collected).is_ok() {
            health.saw(exporter.export(&collected).await);
        }
        if let Some(done) = done {
            let _ = done.send(());
        }
    }
}

/// Says in the log when export starts failing and when it works again, once each.
struct Health {
    signal: &'static str,
    endpoint: String,
    failing: bool,
}

impl Health {
    fn new(signal: &'static str, endpoint: String) -> Self {
        Self {
            signal,
            endpoint,
            failing: false,
        }
    }

    fn saw(&mut self, result: OTelSdkResult) {
        match result {
            Err(error) if !self.failing => {
                self.failing = true;
                tracing::warn!(
                    signal = self.signal,
                    endpoint = %self.endpoint,
                    %error,
                    "OTLP export failed; is the collector running at that address and speaking that protocol? (set OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_PROTOCOL)"
                );
            }
            Ok(()) if self.failing => {
                self.failing = false;
                tracing::info!(signal = self.signal, endpoint = %self.endpoint, "OTLP export works again");
            }
            _ => {}
        }
    }
}
