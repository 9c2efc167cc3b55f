//! OTLP export on the process's own Tokio runtime: ended spans queue in a bounded buffer
//! and a task sends them in batches, woken only when a batch is full, its delay has passed
//! or a flush asks (never once per span); metrics are collected and sent on an interval. No
//! thread or runtime of the SDK's own, so the async HTTP and gRPC clients always have a
//! reactor, and a full queue drops spans instead of slowing requests.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter as _;
use opentelemetry_sdk::metrics::reader::MetricReader as _;
use opentelemetry_sdk::trace::{SpanData, SpanExporter as _, SpanProcessor};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::export_config::{Destination, Protocol};
use crate::reader::SharedReader;

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
    /// Export needs a Tokio runtime and none is running.
    #[error("OTLP export runs on the Tokio runtime, and telemetry was set up outside one")]
    NoRuntime,
}

/// Batching knobs, from `OTEL_BSP_*` and `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batching {
    /// How long ended spans may wait before they are sent (`OTEL_BSP_SCHEDULE_DELAY`).
    pub(crate) delay: Duration,
    /// Spans queued at most; more are dropped (`OTEL_BSP_MAX_QUEUE_SIZE`).
    pub(crate) queue: usize,
    /// Spans per export at most (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`).
    pub(crate) batch: usize,
    /// How often metrics are sent (`OTEL_METRIC_EXPORT_INTERVAL`).
    pub(crate) metric_interval: Duration,
}

impl Batching {
    /// The spec's defaults, overridden by whatever `lookup` sets to a positive number.
    pub(crate) fn read(lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str, default: u64| {
            lookup(name)
                .and_then(|value| value.trim().parse::<u64>().ok())
                .filter(|value| *value > 0)
                .unwrap_or(default)
        };
        let queue = usize::try_from(number("OTEL_BSP_MAX_QUEUE_SIZE", 2048)).unwrap_or(2048);
        let batch = usize::try_from(number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512)).unwrap_or(512);
        Self {
            delay: Duration::from_millis(number("OTEL_BSP_SCHEDULE_DELAY", 5000)),
            queue,
            batch: batch.min(queue),
            metric_interval: Duration::from_millis(number("OTEL_METRIC_EXPORT_INTERVAL", 60_000)),
        }
    }
}

/// What the export tasks are told besides spans.
enum Command {
    /// Send what is queued now, then answer.
    Flush(oneshot::Sender<()>),
}

/// Ended spans waiting to be sent: at most `capacity`; the export task is woken when
/// `batch` of them wait.
#[derive(Debug)]
struct SpanQueue {
    spans: Mutex<Vec<SpanData>>,
    capacity: usize,
    batch: usize,
    full_batch: Notify,
    /// Whether dropping spans on a full queue was said in the log (once per process).
    said_full: AtomicBool,
}

impl SpanQueue {
    /// Queues `span`, or drops it when the queue is full.
    fn push(&self, span: SpanData) {
        let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        if spans.len() >= self.capacity {
            drop(spans);
            if !self.said_full.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "spans are being dropped: the export queue is full (the collector is slower than the traffic); raise OTEL_BSP_MAX_QUEUE_SIZE or sample fewer (OTEL_TRACES_SAMPLER=parentbased_traceidratio)"
                );
            }
            return;
        }
        spans.push(span);
        let batch_ready = spans.len().is_multiple_of(self.batch);
        drop(spans);
        if batch_ready {
            self.full_batch.notify_one();
        }
    }

    /// Every queued span, in batches of at most `batch`.
    fn take(&self) -> Vec<Vec<SpanData>> {
        let taken = std::mem::take(&mut *self.spans.lock().unwrap_or_else(PoisonError::into_inner));
        let mut batches = Vec::with_capacity(taken.len().div_ceil(self.batch));
        let mut rest = taken.into_iter().peekable();
        while rest.peek().is_some() {
            batches.push(rest.by_ref().take(self.batch).collect());
        }
        batches
    }
}

/// Hands ended spans to the export task; the SDK calls it for every span.
#[derive(Debug)]
pub(crate) struct QueueingProcessor {
    queue: Arc<SpanQueue>,
}

impl SpanProcessor for QueueingProcessor {
    fn on_start(&self, _span: &mut opentelemetry_sdk::trace::Span, _cx: &opentelemetry::Context) {}

    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            self.queue.push(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// The running export tasks, told to flush through these.
#[derive(Debug, Clone, Default)]
pub(crate) struct Exports {
    traces: Option<mpsc::Sender<Command>>,
    metrics: Option<mpsc::Sender<Command>>,
}

impl Exports {
    /// Starts the span export task for `destination`; the returned processor feeds it.
    pub(crate) fn start_traces(
        &mut self,
        destination: &Destination,
        resource: &Resource,
        batching: Batching,
    ) -> Result<QueueingProcessor, ExportError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ExportError::NoRuntime)?;
        let mut exporter = span_exporter(destination)?;
        exporter.set_resource(resource);
        let queue = Arc::new(SpanQueue {
            spans: Mutex::new(Vec::with_capacity(batching.batch)),
            capacity: batching.queue,
            batch: batching.batch,
            full_batch: Notify::new(),
            said_full: AtomicBool::new(false),
        });
        let (commands, told) = mpsc::channel(4);
        runtime.spawn(send_spans(
            exporter,
            Arc::clone(&queue),
            told,
            batching.delay,
            destination.endpoint.clone(),
        ));
        self.traces = Some(commands);
        Ok(QueueingProcessor { queue })
    }

    /// Starts the task that sends what `reader` collects to `destination` on an interval.
    pub(crate) fn start_metrics(
        &mut self,
        destination: &Destination,
        reader: SharedReader,
        batching: Batching,
    ) -> Result<(), ExportError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ExportError::NoRuntime)?;
        let exporter = metric_exporter(destination)?;
        let (commands, told) = mpsc::channel(4);
        runtime.spawn(send_metrics(
            exporter,
            reader,
            told,
            batching.metric_interval,
            destination.endpoint.clone(),
        ));
        self.metrics = Some(commands);
        Ok(())
    }

    /// Sends everything recorded so far and waits until it has been sent (or failed).
    pub(crate) async fn flush(&self) {
        for commands in [&self.traces, &self.metrics].into_iter().flatten() {
            let (done, sent) = oneshot::channel();
            if commands.send(Command::Flush(done)).await.is_ok() {
                let _ = sent.await;
            }
        }
    }
}

fn span_exporter(
    destination: &Destination,
) -> Result<opentelemetry_otlp::SpanExporter, ExportError> {
    let endpoint = destination.endpoint.clone();
    let built = match destination.protocol {
        Protocol::Grpc => opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .build(),
        Protocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(endpoint.clone())
            .build(),
    };
    built.map_err(|source| ExportError::Build {
        signal: "traces",
        endpoint,
        source,
    })
}

fn metric_exporter(
    destination: &Destination,
) -> Result<opentelemetry_otlp::MetricExporter, ExportError> {
    let endpoint = destination.endpoint.clone();
    let built = match destination.protocol {
        Protocol::Grpc => opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .build(),
        Protocol::HttpProtobuf => opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(endpoint.clone())
            .build(),
    };
    built.map_err(|source| ExportError::Build {
        signal: "metrics",
        endpoint,
        source,
    })
}

/// Sends queued spans whenever a batch is full, `delay` has passed, or a flush asks; ends
/// when the process's telemetry is dropped.
async fn send_spans(
    exporter: opentelemetry_otlp::SpanExporter,
    queue: Arc<SpanQueue>,
    mut told: mpsc::Receiver<Command>,
    delay: Duration,
    endpoint: String,
) {
    let mut health = Health::new("spans", endpoint);
    let mut tick = tokio::time::interval(delay);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let flushed = tokio::select! {
            () = queue.full_batch.notified() => None,
            _ = tick.tick() => None,
            command = told.recv() => match command {
                Some(Command::Flush(done)) => Some(done),
                None => break,
            },
        };
        for batch in queue.take() {
            health.saw(exporter.export(batch).await);
        }
        if let Some(done) = flushed {
            let _ = done.send(());
        }
    }
    for batch in queue.take() {
        health.saw(exporter.export(batch).await);
    }
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
