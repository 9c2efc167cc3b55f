//! Components' outgoing HTTP requests, after OpenTelemetry's HTTP client conventions:
//! `http.client.request.duration` (seconds, by method, server address and port, status) and
//! a CLIENT span whose context the request carries on.

use std::time::Instant;

use opentelemetry::metrics::{Histogram, Meter};
use opentelemetry::trace::SpanKind;
use opentelemetry::{KeyValue, Value};

use crate::http_server::{DURATION_BOUNDS, known_method};
use crate::{Span, TraceContext, Tracing};

/// The HTTP client's instrument and spans; [`Self::default`] does no work at all.
#[derive(Clone, Default)]
pub struct HttpClientTelemetry {
    duration: Option<Histogram<f64>>,
    tracing: Tracing,
}

impl HttpClientTelemetry {
    pub(crate) fn new(meter: &Meter, tracing: Tracing) -> Self {
        Self {
            duration: Some(
                meter
                    .f64_histogram("http.client.request.duration")
                    .with_unit("s")
                    .with_description(
                        "Duration of components' outgoing HTTP requests, until the response head.",
                    )
                    .with_boundaries(DURATION_BOUNDS.to_vec())
                    .build(),
            ),
            tracing,
        }
    }

    /// The same instrument, with spans from `tracing`.
    pub(crate) fn traced(self, tracing: Tracing) -> Self {
        Self { tracing, ..self }
    }

    /// A `method` request to `uri` is about to be sent, within the trace `incoming`. Its
    /// metric names the server only when `named_destination` (else `_OTHER`, so a component
    /// fetching whatever URL it is given cannot mint series); its span always does.
    pub(crate) fn start(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        named_destination: bool,
        incoming: Option<&TraceContext>,
    ) -> OutgoingRequest {
        if self.duration.is_none() && !self.tracing.is_enabled() {
            return OutgoingRequest::default();
        }
        let method = known_method(method.as_str());
        let https = uri.scheme_str() == Some("https");
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let address = KeyValue::new("server.address", uri.host().unwrap_or_default().to_owned());
        let port = KeyValue::new("server.port", i64::from(port));
        let labels = if named_destination {
            vec![
                KeyValue::new("http.request.method", method),
                address.clone(),
                port.clone(),
            ]
        } else {
            vec![
                KeyValue::new("http.request.method", method),
                KeyValue::new("server.address", "_OTHER"),
            ]
        };
        let span = self
            .tracing
            .start(SpanKind::Client, incoming, |attributes| {
                attributes.string("http.request.method", method);
                attributes.extend([&address, &port]);
                // The URL without its query, which may carry tokens.
                attributes.string(
                    "url.full",
                    &format!(
                        "{}://{}{}",
                        if https { "https" } else { "http" },
                        uri.authority().map_or("", |authority| authority.as_str()),
                        uri.path()
                    ),
                );
                if method == "_OTHER" { "HTTP" } else { method }
            });
        OutgoingRequest {
            duration: self.duration.clone(),
            labels,
            span,
            started: Some(Instant::now()),
        }
    }
}

/// One outgoing request in flight.
#[derive(Default)]
pub struct OutgoingRequest {
    duration: Option<Histogram<f64>>,
    labels: Vec<KeyValue>,
    span: Span,
    started: Option<Instant>,
}

impl OutgoingRequest {
    /// The context the request should carry: the CLIENT span's, else `incoming`.
    pub fn hand_on(&self, incoming: Option<TraceContext>) -> Option<TraceContext> {
        self.span.hand_on(incoming)
    }

    /// The response head arrived with `status`.
    pub fn answered(self, status: u16) {
        let error = (status >= 400).then(|| Value::from(status.to_string()));
        self.end(Some(status), error);
    }

    /// The request failed before a response: `error_type` says how (`denied`, `timeout`,
    /// `connection`, …).
    pub fn failed(self, error_type: &'static str) {
        self.end(None, Some(Value::from(error_type)));
    }

    fn end(mut self, status: Option<u16>, error: Option<Value>) {
        let mut labels = std::mem::take(&mut self.labels);
        if let Some(status) = status {
            labels.push(KeyValue::new(
                "http.response.status_code",
                i64::from(status),
            ));
        }
        if let Some(error) = error {
            labels.push(KeyValue::new("error.type", error.clone()));
            let description = match status {
                Some(status) => format!("answered with status {status}"),
                None => format!("failed: {error}"),
            };
            self.span.fail(error, description);
        }
        if let Some(status) = status {
            self.span.set(KeyValue::new(
                "http.response.status_code",
                i64::from(status),
            ));
        }
        if let (Some(duration), Some(started)) = (&self.duration, self.started) {
            duration.record(started.elapsed().as_secs_f64(), &labels);
        }
    }
}
