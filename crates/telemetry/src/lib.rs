//! weft's metrics: OpenTelemetry instruments named and labelled after the semantic
//! conventions (durations in seconds, labels bounded to methods, route templates, manifest
//! names and outcomes), held by one [`Metrics`] per process and read out as Prometheus text.
//!
//! Nothing here is global: a process makes one [`Metrics`] and hands each part the group of
//! instruments it records ([`HttpServerMetrics`], [`ComponentMetrics`],
//! [`ReconcilerMetrics`]). A [`Metrics::disabled`] one records nothing at the cost of a
//! branch.

mod components;
mod http_server;
mod prometheus;
mod reader;
mod reconciler;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Meter, MeterProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader as _;

pub use components::{ComponentMetrics, ComponentRecorder, Invocation, Outcome, Trigger};
pub use http_server::{ActiveRequest, HttpServerMetrics, RouteLabels};
pub use reconciler::ReconcilerMetrics;

use reader::SharedReader;

/// The instrumentation scope every instrument belongs to.
const SCOPE: &str = "weft";

/// Why the metrics could not be read out.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
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

/// Every instrument of one process; cheap to clone (clones share the instruments).
#[derive(Clone, Default)]
pub struct Metrics {
    /// The provider and its reader; `None` when metrics are off.
    recording: Option<(SdkMeterProvider, SharedReader)>,
    http_server: HttpServerMetrics,
    components: ComponentMetrics,
    reconciler: ReconcilerMetrics,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Metrics")
            .field("enabled", &self.recording.is_some())
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// Instruments that record, read out by [`Self::prometheus_text`]. The resource follows
    /// the OpenTelemetry spec's `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` (service
    /// name `weft` when neither names one) plus `identity`.
    pub fn new(identity: &Identity) -> Self {
        let reader = SharedReader::default();
        let provider = SdkMeterProvider::builder()
            .with_resource(resource(identity))
            .with_reader(reader.clone())
            .build();
        let meter: Meter = provider.meter(SCOPE);
        Self {
            http_server: HttpServerMetrics::new(&meter),
            components: ComponentMetrics::new(&meter),
            reconciler: ReconcilerMetrics::new(&meter),
            recording: Some((provider, reader)),
        }
    }

    /// [`Self::new`], unless the environment turns the SDK off as the OpenTelemetry spec
    /// says (`OTEL_SDK_DISABLED=true`): then [`Self::disabled`].
    pub fn from_environment(identity: &Identity) -> Self {
        let off = std::env::var("OTEL_SDK_DISABLED")
            .is_ok_and(|value| value.trim().eq_ignore_ascii_case("true"));
        if off {
            Self::disabled()
        } else {
            Self::new(identity)
        }
    }

    /// Instruments that record nothing and cost nothing: no provider, no labels built.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// The HTTP server's instruments.
    pub fn http_server(&self) -> HttpServerMetrics {
        self.http_server.clone()
    }

    /// The component invocations' instruments.
    pub fn components(&self) -> ComponentMetrics {
        self.components.clone()
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
        let metrics = Metrics::disabled();
        metrics.reconciler().hosts(3);
        assert!(!metrics.is_enabled());
        assert!(matches!(
            metrics.prometheus_text(),
            Err(TelemetryError::Disabled)
        ));
    }

    #[test]
    fn the_resource_names_weft_and_who_records() {
        let metrics = Metrics::new(&Identity {
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
