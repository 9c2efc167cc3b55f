//! Logs over OTLP: [`LogBridge`] hands the process's `tracing` events (weft's own lines and
//! the guests') to an OpenTelemetry logger once the process's telemetry exports logs; each
//! record carries the trace and span that its `trace_id` and `span_id` fields name.

use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use opentelemetry::Key;
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, Severity};
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::logs::{SdkLogRecord, SdkLogger};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;

/// Targets whose events stay out of OTLP: the exporters' own machinery, whose events about
/// sending logs would otherwise be sent as logs, and so on.
const NOT_EXPORTED: [&str; 9] = [
    "weft_telemetry",
    "opentelemetry",
    "hyper",
    "h2",
    "tonic",
    "tower",
    "reqwest",
    "rustls",
    "tokio_rustls",
];

/// Where the process's log events go over OTLP; cheap to clone. It is made before logging
/// starts (its [`Self::layer`] joins the log subscriber) and connected once the process's
/// telemetry knows where logs go ([`crate::Telemetry::connect_logs`]); until then, or when
/// logs are not exported, an event costs one atomic load.
#[derive(Clone, Default)]
pub struct LogBridge(Arc<OnceLock<SdkLogger>>);

impl std::fmt::Debug for LogBridge {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_tuple("LogBridge")
            .field(&self.0.get().is_some())
            .finish()
    }
}

impl LogBridge {
    /// A bridge connected to nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The `tracing` layer that forwards every event to the bridge.
    pub fn layer(&self) -> LogLayer {
        LogLayer(self.clone())
    }

    /// From now on, events go to `logger` (the first connection stays).
    pub(crate) fn connect(&self, logger: SdkLogger) {
        let _ = self.0.set(logger);
    }
}

/// A `tracing` layer that turns events into OpenTelemetry log records ([`LogBridge`]).
pub struct LogLayer(LogBridge);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for LogLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _context: Context<'_, S>) {
        let Some(logger) = self.0.0.get() else {
            return;
        };
        let metadata = event.metadata();
        if NOT_EXPORTED
            .iter()
            .any(|prefix| metadata.target().starts_with(prefix))
        {
            return;
        }
        let mut record = logger.create_log_record();
        record.set_target(metadata.target());
        record.set_timestamp(SystemTime::now());
        record.set_observed_timestamp(SystemTime::now());
        record.set_severity_text(metadata.level().as_str());
        record.set_severity_number(severity(*metadata.level()));
        let mut fields = RecordFields {
            record: &mut record,
            trace_id: None,
            span_id: None,
        };
        event.record(&mut fields);
        if let (Some(trace_id), Some(span_id)) = (fields.trace_id, fields.span_id) {
            record.set_trace_context(trace_id, span_id, None);
        }
        logger.emit(record);
    }
}

/// The OpenTelemetry severity of a `tracing` level.
fn severity(level: tracing::Level) -> Severity {
    match level {
        tracing::Level::TRACE => Severity::Trace,
        tracing::Level::DEBUG => Severity::Debug,
        tracing::Level::INFO => Severity::Info,
        tracing::Level::WARN => Severity::Warn,
        tracing::Level::ERROR => Severity::Error,
    }
}

/// Copies an event's fields into a record: `message` is its body, `trace_id` and `span_id`
/// its trace context, every other field an attribute.
struct RecordFields<'a> {
    record: &'a mut SdkLogRecord,
    trace_id: Option<TraceId>,
    span_id: Option<SpanId>,
}

impl RecordFields<'_> {
    fn keep(&mut self, field: &Field, value: AnyValue) {
        if field.name() == "message" {
            self.record.set_body(value);
        } else {
            self.record
                .add_attribute(Key::from_static_str(field.name()), value);
        }
    }
}

impl Visit for RecordFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "trace_id" => self.trace_id = TraceId::from_hex(value).ok(),
            "span_id" => self.span_id = SpanId::from_hex(value).ok(),
            _ => self.keep(field, AnyValue::from(value.to_owned())),
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.keep(field, AnyValue::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match i64::try_from(value) {
            Ok(value) => self.keep(field, AnyValue::from(value)),
            Err(_) => self.keep(field, AnyValue::from(value.to_string())),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.keep(field, AnyValue::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.keep(field, AnyValue::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}
