//! The HTTP server's instruments, after OpenTelemetry's HTTP semantic conventions:
//! `http.server.request.duration` (seconds) and `http.server.active_requests`, labelled with
//! the method (known methods only), the route template, the app and the status, never the
//! path.

use std::sync::Arc;
use std::time::Instant;

use opentelemetry::metrics::{Histogram, Meter, UpDownCounter};
use opentelemetry::{KeyValue, StringValue, Value};

/// Bucket bounds in seconds: the conventions' advice, with finer ones below 5 ms, where a
/// component served from a warm pool answers.
pub(crate) const DURATION_BOUNDS: [f64; 20] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75,
    1.0, 2.5, 5.0, 7.5, 10.0, 60.0,
];

/// The methods the conventions name; any other is `_OTHER`, so a client cannot mint series.
const KNOWN_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// The HTTP server's instruments; [`Self::disabled`] ones do no work at all.
#[derive(Clone, Default)]
pub struct HttpServerMetrics(Option<HttpInstruments>);

#[derive(Clone)]
struct HttpInstruments {
    duration: Histogram<f64>,
    active: UpDownCounter<i64>,
}

/// What a matched route adds to a request's labels: its path template and its application.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteLabels {
    route: Value,
    app: Option<Value>,
}

impl RouteLabels {
    /// A route whose path template is `route` (`/*`, `/api/*`), owned by application `app`
    /// (`None` for one put by hand).
    pub fn new(route: &str, app: Option<&str>) -> Self {
        let text = |text: &str| Value::String(StringValue::from(Arc::<str>::from(text)));
        Self {
            route: text(route),
            app: app.map(text),
        }
    }
}

impl HttpServerMetrics {
    /// Instruments that record nothing.
    pub fn disabled() -> Self {
        Self(None)
    }

    pub(crate) fn new(meter: &Meter) -> Self {
        Self(Some(HttpInstruments {
            duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of HTTP server requests, until the response head.")
                .with_boundaries(DURATION_BOUNDS.to_vec())
                .build(),
            active: meter
                .i64_up_down_counter("http.server.active_requests")
                .with_unit("{request}")
                .with_description("Number of HTTP server requests being served.")
                .build(),
        }))
    }

    /// A request with method `method` begins; it counts as active until the returned guard
    /// is finished or dropped.
    pub fn start(&self, method: &str) -> ActiveRequest {
        ActiveRequest(self.0.as_ref().map(|instruments| {
            let method = known_method(method);
            instruments.active.add(1, &method_labels(method));
            Recording {
                instruments: instruments.clone(),
                method,
                started: Instant::now(),
            }
        }))
    }
}

/// One request being served (nothing, when metrics are off).
pub struct ActiveRequest(Option<Recording>);

struct Recording {
    instruments: HttpInstruments,
    method: &'static str,
    started: Instant,
}

impl ActiveRequest {
    /// The request was answered with `status` through `route` (`None`: no route matched);
    /// `error_type` says why it failed when the answer is an error (`timeout`, `trap`, …;
    /// the status code stands in for it on a 5xx without one).
    pub fn finish(
        self,
        route: Option<&RouteLabels>,
        status: u16,
        error_type: Option<&'static str>,
    ) {
        let Some(recording) = &self.0 else {
            return;
        };
        let elapsed = recording.started.elapsed().as_secs_f64();
        let mut labels = Vec::with_capacity(6);
        labels.extend(method_labels(recording.method));
        labels.push(KeyValue::new(
            "http.response.status_code",
            i64::from(status),
        ));
        if let Some(route) = route {
            labels.push(KeyValue::new("http.route", route.route.clone()));
            if let Some(app) = &route.app {
                labels.push(KeyValue::new("weft.app", app.clone()));
            }
        }
        match error_type {
            Some(kind) => labels.push(KeyValue::new("error.type", kind)),
            None if status >= 500 => labels.push(KeyValue::new("error.type", status.to_string())),
            None => {}
        }
        recording.instruments.duration.record(elapsed, &labels);
        // Dropping `self` ends it as an active request.
    }
}

impl Drop for ActiveRequest {
    fn drop(&mut self) {
        if let Some(recording) = &self.0 {
            let labels = method_labels(recording.method);
            recording.instruments.active.add(-1, &labels);
        }
    }
}

/// The labels every request instrument carries: its method and scheme.
fn method_labels(method: &'static str) -> [KeyValue; 2] {
    [
        KeyValue::new("http.request.method", method),
        KeyValue::new("url.scheme", "http"),
    ]
}

/// `method` if the conventions know it, else `_OTHER`.
fn known_method(method: &str) -> &'static str {
    KNOWN_METHODS
        .iter()
        .find(|known| **known == method)
        .copied()
        .unwrap_or("_OTHER")
}

#[cfg(test)]
mod tests {
    use crate::{Identity, Metrics};

    use super::RouteLabels;

    #[test]
    fn requests_are_labelled_by_template_and_unknown_methods_fold_into_other() {
        let metrics = Metrics::new(&Identity::default());
        let server = metrics.http_server();
        let route = RouteLabels::new("/api/*", Some("shop"));
        server.start("GET").finish(Some(&route), 200, None);
        server.start("GET").finish(Some(&route), 200, None);
        server.start("BREW").finish(None, 404, None);
        server
            .start("POST")
            .finish(Some(&route), 503, Some("timeout"));
        server.start("PUT").finish(Some(&route), 500, None);
        let in_flight = server.start("GET");
        let text = metrics.prometheus_text().unwrap_or_default();
        assert!(
            text.contains(r#"http_server_request_duration_seconds_count{error_type="timeout",http_request_method="POST",http_response_status_code="503",http_route="/api/*",url_scheme="http",weft_app="shop"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/api/*",url_scheme="http",weft_app="shop"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"http_request_method="_OTHER",http_response_status_code="404""#),
            "{text}"
        );
        assert!(text.contains(r#"error_type="500""#), "{text}");
        assert!(
            text.contains(
                r#"http_server_active_requests{http_request_method="GET",url_scheme="http"} 1"#
            ),
            "{text}"
        );
        drop(in_flight);
        let text = metrics.prometheus_text().unwrap_or_default();
        assert!(
            text.contains(
                r#"http_server_active_requests{http_request_method="GET",url_scheme="http"} 0"#
            ),
            "{text}"
        );
    }
}
