//! weft's telemetry: OpenTelemetry metrics and spans named and labelled after the semantic
//! conventions (durations in seconds, labels bounded to methods, route templates, manifest
//! names and outcomes), held by one [`Telemetry`] per process, read out as Prometheus text
//! and exported over OTLP where the `OTEL_*` variables say.
//!
//! Nothing here is global: a process makes one [`Telemetry`] and hands each part the group it
//! records ([`HttpServerTelemetry`], [`ComponentTelemetry`], [`ReconcilerMetrics`]). A
//! [`Telemetry::disabled`] one records nothing at the cost of a branch.

mod bound_series;
mod capability_calls;
mod components;
mod export;
mod export_config;
mod export_headers;
mod export_queue;
mod http_client;
mod http_server;
mod lattice_hops;
mod logs;
mod otlp_http_client;
mod otlp_spans;
mod prometheus;
mod protobuf;
mod reader;
mod reconciler;
mod sampling;
mod span_ids;
mod span_transport;
mod spans;
mod trace_context;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Meter, MeterProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader as _;

pub use capability_calls::{CapabilityCall, CapabilityOperation, CapabilityTelemetry};
pub use components::{
    ComponentRecorder, ComponentTelemetry, HTTP_HANDLER_FUNCTION, Invocation,
    MESSAGE_HANDLER_FUNCTION, Outcome, Trigger,
};
pub use export::ExportError;
pub use export_config::{Destination, ExportConfig, ExportConfigError, Protocol};
pub use http_client::{HttpClientTelemetry, OutgoingRequest};
pub use http_server::{ActiveRequest, HttpServerTelemetry, RouteLabels};
pub use lattice_hops::Hop;
pub use logs::{LogBridge, LogLayer};
pub use opentelemetry::KeyValue as Attribute;
pub use opentelemetry::trace::SpanKind;
pub use otlp_spans::SpanAttributes;
pub use reconciler::ReconcilerMetrics;
pub use spans::{Span, Tracing};
pub use trace_context::{TRACE_HEADERS, TraceContext};

use export::{Batching, Exports};
use reader::SharedReader;
use sampling::Sampling;

/// The instrumentation scope every instrument belongs to.
const SCOPE: &str = "weft";

/// Why telemetry could not be set up or read out.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// An `OTEL_*` (or wasmCloud) variable says something weft cannot use.
    #[error(transparent)]
    Config(#[from] ExportConfigError),
    /// An OTLP exporter could not be started.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The SDK refused to collect (it was shut down).
    #[error("the metrics could not be collected (is the process shutting down? try again)")]
    Collect(#[source] OTelSdkError),
    /// This process was started with metrics off.
    #[error(
        "metrics are off in this process (OTEL_SDK_DISABLED=true); start it without OTEL_SDK_DISABLED to serve them"
    )]
    Disabled,
}

/// Who records: the resource attributes every metric carries.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// The host's id (`service.instance.id`).
    pub host_id: Option<String>,
    /// The lattice (`weft.lattice`).
    pub lattice: Option<String>,
    /// weft's version (`service.version`).
    pub version: Option<String>,
}

/// Every instrument and the tracer of one process; cheap to clone (clones share them).
#[derive(Clone, Default)]
pub struct Telemetry {
    /// The provider and its reader; `None` when metrics are off.
    recording: Option<(SdkMeterProvider, SharedReader)>,
    /// The logger provider; `None` when no log exporter is configured.
    logging: Option<SdkLoggerProvider>,
    exports: Exports,
    /// Starts the spans of hops between hosts (and nothing when traces are off).
    spans: Tracing,
    http_server: HttpServerTelemetry,
    components: ComponentTelemetry,
    reconciler: ReconcilerMetrics,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Telemetry")
            .field("metrics", &self.recording.is_some())
            .field("traces", &self.spans.is_enabled())
            .finish_non_exhaustive()
    }
}

impl Telemetry {
    /// Metrics that record, read out by [`Self::prometheus_text`]; no spans, no export. The
    /// resource follows the OpenTelemetry spec's `OTEL_SERVICE_NAME` /
    /// `OTEL_RESOURCE_ATTRIBUTES` (service name `weft` when neither names one) plus
    /// `identity`.
    pub fn new(identity: &Identity) -> Self {
        let reader = SharedReader::default();
        let provider = SdkMeterProvider::builder()
            .with_resource(resource(identity))
            .with_reader(reader.clone())
            .build();
        let meter: Meter = provider.meter(SCOPE);
        Self {
            http_server: HttpServerTelemetry::new(&meter, Tracing::disabled()),
            components: ComponentTelemetry::new(&meter, Tracing::disabled()),
            reconciler: ReconcilerMetrics::new(&meter),
            recording: Some((provider, reader)),
            logging: None,
            spans: Tracing::disabled(),
            exports: Exports::default(),
        }
    }

    /// Telemetry as the process environment configures it ([`Self::configure`]).
    pub fn from_environment(identity: &Identity) -> Result<Self, TelemetryError> {
        Self::configure(identity, &|name| std::env::var(name).ok())
    }

    /// Telemetry as the variables `lookup` reads say, by the OpenTelemetry spec:
    /// `OTEL_SDK_DISABLED=true` turns everything off; metrics are always kept for
    /// [`Self::prometheus_text`] and exported when an endpoint is set; spans are recorded
    /// only when a trace endpoint is set ([`ExportConfig`]), sampled by `OTEL_TRACES_SAMPLER`
    /// and `OTEL_TRACES_SAMPLER_ARG` (parent-based always-on by default). Must run inside a
    /// Tokio runtime when anything is exported: the export tasks run on it.
    pub fn configure(
        identity: &Identity,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, TelemetryError> {
        let off = lookup("OTEL_SDK_DISABLED")
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
        if off {
            return Ok(Self::disabled());
        }
        let config = ExportConfig::read(lookup)?;
        let batching = Batching::read(lookup);
        let mut telemetry = Self::new(identity);
        if let (Some(destination), Some((_, reader))) = (&config.metrics, &telemetry.recording) {
            telemetry.exports.start_metrics(
                destination,
                reader.clone(),
                batching.metric_interval,
            )?;
        }
        if let Some(destination) = &config.traces {
            let sampling = Sampling::read(lookup)?;
            let queue =
                telemetry
                    .exports
                    .start_traces(destination, &resource(identity), batching.spans)?;
            let tracing = Tracing::new(sampling, queue);
            telemetry.http_server = telemetry.http_server.traced(tracing.clone());
            telemetry.components = telemetry.components.traced(tracing.clone());
            telemetry.spans = tracing;
        }
        if let Some(destination) = &config.logs {
            let resource = resource(identity);
            let processor = telemetry
                .exports
                .start_logs(destination, &resource, batching.logs)?;
            telemetry.logging = Some(
                SdkLoggerProvider::builder()
                    .with_resource(resource)
                    .with_log_processor(processor)
                    .build(),
            );
        }
        Ok(telemetry)
    }

    /// Records nothing and costs nothing: no provider, no labels built, no spans.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// The HTTP server's instruments and spans.
    pub fn http_server(&self) -> HttpServerTelemetry {
        self.http_server.clone()
    }

    /// The component invocations' instruments and spans.
    pub fn components(&self) -> ComponentTelemetry {
        self.components.clone()
    }

    /// What starts spans that belong to no group (the hops between hosts); it starts none
    /// when traces are off.
    pub fn tracing(&self) -> Tracing {
        self.spans.clone()
    }

    /// Sends the events `bridge` forwards (the process's log lines) as OTLP log records, when
    /// a log exporter is configured; otherwise the bridge stays unconnected.
    pub fn connect_logs(&self, bridge: &LogBridge) {
        if let Some(provider) = &self.logging {
            bridge.connect(opentelemetry::logs::LoggerProvider::logger(provider, SCOPE));
        }
    }

    /// Whether spans are recorded (a trace exporter is configured).
    pub fn traces_enabled(&self) -> bool {
        self.spans.is_enabled()
    }

    /// Sends every span and metric recorded so far to the configured collectors and waits
    /// until they are sent (or failed); call it before the process exits.
    pub async fn flush(&self) {
        self.exports.flush().await;
    }

    /// The deployment manager's instruments.
    pub fn reconciler(&self) -> ReconcilerMetrics {
        self.reconciler.clone()
    }

    /// Whether this process records metrics.
    pub fn is_enabled(&self) -> bool {
        self.recording.is_some()
    }

    /// Everything recorded so far, in Prometheus' text exposition format (0.0.4).
    pub fn prometheus_text(&self) -> Result<String, TelemetryError> {
        let (_, reader) = self.recording.as_ref().ok_or(TelemetryError::Disabled)?;
        let mut collected = ResourceMetrics::default();
        reader
            .collect(&mut collected)
            .map_err(TelemetryError::Collect)?;
        Ok(prometheus::encode(&collected))
    }
}

/// The spec's resource (environment variables included), named `weft` unless the
/// environment names it, with `identity` added.
fn resource(identity: &Identity) -> Resource {
    let detected = Resource::builder().build();
    let unnamed = detected
        .get(&opentelemetry::Key::from_static_str("service.name"))
        .is_none_or(|name| name.as_str().starts_with("unknown_service"));
    let mut attributes = Vec::new();
    if unnamed {
        attributes.push(KeyValue::new("service.name", "weft"));
    }
    let optional = [
        ("service.instance.id", &identity.host_id),
        ("weft.lattice", &identity.lattice),
        ("service.version", &identity.version),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            attributes.push(KeyValue::new(key, value.clone()));
        }
    }
    Resource::builder().with_attributes(attributes).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_metrics_say_so_and_record_nothing() {
        let metrics = Telemetry::disabled();
        metrics.reconciler().hosts(3);
        assert!(!metrics.is_enabled());
        assert!(matches!(
            metrics.prometheus_text(),
            Err(TelemetryError::Disabled)
        ));
    }

    #[test]
    fn the_resource_names_weft_and_who_records() {
        let metrics = Telemetry::new(&Identity {
            host_id: Some("NABC".into()),
            lattice: Some("default".into()),
            version: Some("0.1.0".into()),
        });
        metrics.reconciler().hosts(2);
        let text = metrics.prometheus_text().unwrap_or_default();
        let target = text
            .lines()
            .find(|line| line.starts_with("target_info{"))
            .unwrap_or_default();
        assert!(target.contains(r#"service_instance_id="NABC""#), "{text}");
        assert!(target.contains(r#"weft_lattice="default""#), "{text}");
        assert!(target.contains(r#"service_name="#), "{text}");
        assert!(text.contains("weft_lattice_hosts 2"), "{text}");
    }
}
