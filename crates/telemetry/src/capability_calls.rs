//! Components' calls into capabilities (key-value, messaging, …): a CLIENT (or PRODUCER)
//! span per call named after the database or messaging conventions, and
//! `weft.capability.call.duration` by capability, system and operation. Spans name the
//! bucket or subject; never keys, values or payloads.

use std::time::Instant;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Histogram, Meter};
use opentelemetry::trace::SpanKind;

use crate::http_server::DURATION_BOUNDS;
use crate::{Span, TraceContext, Tracing};

/// What a capability call does, as its span and metric name it.
#[derive(Debug, Clone, Copy)]
pub struct CapabilityOperation<'a> {
    /// The capability (`keyvalue`, `messaging`, `blobstore`, `postgres`, `secrets`).
    pub capability: &'static str,
    /// The backend system (`redis`, `nats`, `postgresql`, `weft`), as `db.system.name` or
    /// `messaging.system`.
    pub system: &'static str,
    /// The operation (`get`, `set`, `publish`, …).
    pub operation: &'static str,
    /// The bucket, container, subject or database it works on; empty when there is none
    /// to name (a secret's name is never recorded).
    pub target: &'a str,
}

impl CapabilityOperation<'_> {
    fn is_messaging(&self) -> bool {
        self.capability == "messaging"
    }

    /// A reply goes to a one-off inbox subject, which must not name the span.
    fn is_reply(&self) -> bool {
        self.is_messaging() && self.operation == "reply"
    }

    /// The span's name: operation and target (`get counter`, `publish orders.new`), or
    /// capability and operation when there is no target (`secrets get`).
    fn span_name(&self) -> String {
        if self.is_reply() {
            "reply (temporary)".to_owned()
        } else if self.target.is_empty() {
            format!("{} {}", self.capability, self.operation)
        } else {
            format!("{} {}", self.operation, self.target)
        }
    }

    /// The attribute the target goes in: a Postgres link names a database, the others a
    /// collection (bucket, container).
    fn database_target_key(&self) -> &'static str {
        if self.capability == "postgres" {
            "db.namespace"
        } else {
            "db.collection.name"
        }
    }

    fn span_attributes(&self) -> Vec<KeyValue> {
        if self.is_messaging() {
            let mut attributes = vec![
                KeyValue::new("messaging.system", self.system),
                KeyValue::new("messaging.operation.name", self.operation),
                KeyValue::new("messaging.destination.name", self.target.to_owned()),
            ];
            if self.is_reply() {
                attributes.push(KeyValue::new("messaging.destination.temporary", true));
            }
            attributes
        } else {
            let mut attributes = vec![
                KeyValue::new("db.system.name", self.system),
                KeyValue::new("db.operation.name", self.operation),
            ];
            if !self.target.is_empty() {
                attributes.push(KeyValue::new(
                    self.database_target_key(),
                    self.target.to_owned(),
                ));
            }
            attributes
        }
    }
}

/// The capability calls' instrument and spans; [`Self::default`] does no work at all.
#[derive(Clone, Default)]
pub struct CapabilityTelemetry {
    duration: Option<Histogram<f64>>,
    tracing: Tracing,
}

impl CapabilityTelemetry {
    pub(crate) fn new(meter: &Meter) -> Self {
        Self {
            duration: Some(
                meter
                    .f64_histogram("weft.capability.call.duration")
                    .with_unit("s")
                    .with_description("Duration of components' calls into capabilities.")
                    .with_boundaries(DURATION_BOUNDS.to_vec())
                    .build(),
            ),
            tracing: Tracing::disabled(),
        }
    }

    /// The same instrument, with spans from `tracing`.
    pub(crate) fn traced(self, tracing: Tracing) -> Self {
        Self { tracing, ..self }
    }

    /// A call doing `operation` begins within the trace `incoming`.
    pub(crate) fn start(
        &self,
        operation: &CapabilityOperation<'_>,
        incoming: Option<&TraceContext>,
    ) -> CapabilityCall {
        if self.duration.is_none() && !self.tracing.is_enabled() {
            return CapabilityCall::default();
        }
        let kind = if operation.is_messaging() {
            SpanKind::Producer
        } else {
            SpanKind::Client
        };
        let span = self.tracing.start(kind, incoming, |attributes| {
            attributes.extend(&operation.span_attributes());
            operation.span_name()
        });
        CapabilityCall {
            duration: self.duration.clone().map(|duration| {
                let labels = vec![
                    KeyValue::new("weft.capability", operation.capability),
                    KeyValue::new("weft.capability.system", operation.system),
                    KeyValue::new("weft.capability.operation", operation.operation),
                ];
                (duration, labels, Instant::now())
            }),
            span,
        }
    }
}

/// One capability call in flight.
#[derive(Default)]
pub struct CapabilityCall {
    duration: Option<(Histogram<f64>, Vec<KeyValue>, Instant)>,
    span: Span,
}

impl CapabilityCall {
    /// The context what the call sends on should carry (a message's headers): its span's,
    /// else `incoming`.
    pub fn hand_on(&self, incoming: Option<TraceContext>) -> Option<TraceContext> {
        self.span.hand_on(incoming)
    }

    /// The call ended; `failure` describes it when it failed.
    pub fn finish(mut self, failure: Option<String>) {
        if let Some(description) = &failure {
            self.span.fail("error", description.clone());
        }
        if let Some((duration, mut labels, started)) = self.duration.take() {
            if failure.is_some() {
                labels.push(KeyValue::new("error.type", "error"));
            }
            duration.record(started.elapsed().as_secs_f64(), &labels);
        }
    }
}
