//! The HTTP server's instruments, after OpenTelemetry's HTTP semantic conventions:
//! `http.server.request.duration` (seconds) and `http.server.active_requests`, labelled with
//! the method (known methods only), the route template, the app and the status, never the
//! path.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Instant;

use opentelemetry::metrics::{Histogram, Meter, ObservableUpDownCounter};
use opentelemetry::trace::SpanKind;
use opentelemetry::{KeyValue, StringValue, Value};

use crate::bound_series::KeyedSeries;
use crate::{Span, TraceContext, Tracing};

/// Bucket bounds in seconds: the conventions' advice, with finer ones below 5 ms, where a
/// component served from a warm pool answers.
pub(crate) const DURATION_BOUNDS: [f64; 20] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75,
    1.0, 2.5, 5.0, 7.5, 10.0, 60.0,
];

/// The methods the conventions name, then `_OTHER` for any other, so a client cannot mint
/// series.
const METHODS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER",
];

/// The HTTP server's instruments and spans; [`Self::disabled`] ones do no work at all.
#[derive(Clone, Default)]
pub struct HttpServerTelemetry {
    instruments: Option<HttpInstruments>,
    tracing: Tracing,
}

#[derive(Clone)]
struct HttpInstruments {
    duration: Histogram<f64>,
    active: Arc<ActiveByMethod>,
    /// Keeps `http.server.active_requests` registered.
    _active_requests: ObservableUpDownCounter<i64>,
}

/// The requests being served, by method (indexes of [`METHODS`]): an atomic add per request,
/// read only when the metrics are collected. A method shows once a request has used it.
#[derive(Default)]
struct ActiveByMethod {
    serving: [AtomicI64; METHODS.len()],
    used: [AtomicBool; METHODS.len()],
}

impl ActiveByMethod {
    fn add(&self, method: usize, change: i64) {
        if !self.used[method].load(Ordering::Relaxed) {
            self.used[method].store(true, Ordering::Relaxed);
        }
        self.serving[method].fetch_add(change, Ordering::Relaxed);
    }

    /// Each used method's count, with its labels.
    fn observe(&self, observer: &dyn opentelemetry::metrics::AsyncInstrument<i64>) {
        for (method, name) in METHODS.iter().enumerate() {
            if self.used[method].load(Ordering::Relaxed) {
                let count = self.serving[method].load(Ordering::Relaxed);
                observer.observe(count, &method_labels(name));
            }
        }
    }
}

/// What a matched route adds to a request's labels (its path template and its
/// application) and its SERVER spans' names; cheap to clone (one shared allocation).
#[derive(Debug, Clone, PartialEq)]
pub struct RouteLabels(Arc<RouteText>);

#[derive(Debug, PartialEq)]
struct RouteText {
    route: StringValue,
    app: Option<Value>,
    /// `"{METHOD} {route}"` for each of [`METHODS`], made once rather than per request.
    span_names: [StringValue; METHODS.len()],
    /// Its `http.server.request.duration` series.
    series: RouteSeries,
}

/// A route's request-duration series by method, status and error type, bound to the
/// instruments of the first server that records them (a route belongs to one server; any
/// other records unbound).
#[derive(Default)]
struct RouteSeries {
    /// The server's active-request counts, standing for its instruments.
    owner: OnceLock<Weak<ActiveByMethod>>,
    bound: KeyedSeries<RequestKey>,
}

/// What, besides the route, labels one request's duration.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RequestKey {
    /// An index of [`METHODS`].
    method: usize,
    status: u16,
    error_type: Option<&'static str>,
}

impl RequestKey {
    /// The request's `error.type`: the failure's kind, or the status code of a 5xx without
    /// one; made only where a span or a new series needs it.
    fn error_type(self) -> Option<Value> {
        match self.error_type {
            Some(kind) => Some(kind.into()),
            None if self.status >= 500 => Some(self.status.to_string().into()),
            None => None,
        }
    }
}

impl RouteSeries {
    /// Whether `instruments` are the ones this route's series are bound to (the first to
    /// ask are).
    fn belongs_to(&self, instruments: &HttpInstruments) -> bool {
        let owner = self
            .owner
            .get_or_init(|| Arc::downgrade(&instruments.active));
        owner.strong_count() > 0 && std::ptr::eq(owner.as_ptr(), Arc::as_ptr(&instruments.active))
    }
}

impl std::fmt::Debug for RouteSeries {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RouteSeries")
    }
}

/// Series are a cache: two routes with the same text are equal.
impl PartialEq for RouteSeries {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl RouteLabels {
    /// A route whose path template is `route` (`/*`, `/api/*`), owned by application `app`
    /// (`None` for one put by hand).
    pub fn new(route: &str, app: Option<&str>) -> Self {
        let text = |text: &str| StringValue::from(Arc::<str>::from(text));
        Self(Arc::new(RouteText {
            route: text(route),
            app: app.map(|app| Value::String(text(app))),
            span_names: METHODS.map(|method| text(&format!("{} {route}", shown_method(method)))),
            series: RouteSeries::default(),
        }))
    }
}

/// How a span names `method`: itself, or `HTTP` for one the conventions do not know.
fn shown_method(method: &'static str) -> &'static str {
    if method == "_OTHER" { "HTTP" } else { method }
}

impl HttpServerTelemetry {
    /// Records nothing.
    pub fn disabled() -> Self {
        Self::default()
    }

    pub(crate) fn new(meter: &Meter, tracing: Tracing) -> Self {
        let active = Arc::new(ActiveByMethod::default());
        let observed = Arc::clone(&active);
        Self {
            instruments: Some(HttpInstruments {
                duration: meter
                    .f64_histogram("http.server.request.duration")
                    .with_unit("s")
                    .with_description("Duration of HTTP server requests, until the response head.")
                    .with_boundaries(DURATION_BOUNDS.to_vec())
                    .build(),
                active,
                _active_requests: meter
                    .i64_observable_up_down_counter("http.server.active_requests")
                    .with_unit("{request}")
                    .with_description("Number of HTTP server requests being served.")
                    .with_callback(move |observer| observed.observe(observer))
                    .build(),
            }),
            tracing,
        }
    }

    /// The same instruments, with spans from `tracing`.
    pub(crate) fn traced(self, tracing: Tracing) -> Self {
        Self { tracing, ..self }
    }

    /// A request with method `method` for `path` begins, served through `route` (`None`:
    /// no route matched), continuing the caller's trace `incoming`. It counts as active and
    /// its SERVER span (`"{METHOD} {route}"`) stays open until the returned guard is
    /// finished or dropped.
    pub fn start(
        &self,
        method: &str,
        path: &str,
        route: Option<&RouteLabels>,
        incoming: Option<&TraceContext>,
    ) -> ActiveRequest<'_> {
        let method = method_index(method);
        let recording = self.instruments.as_ref().map(|instruments| {
            instruments.active.add(method, 1);
            Recording {
                instruments,
                started: Instant::now(),
            }
        });
        let span = server_span(&self.tracing, method, path, route, incoming);
        ActiveRequest {
            recording,
            method,
            route: route.cloned(),
            span,
        }
    }
}

/// The SERVER span of one request, named and attributed as the HTTP conventions say.
fn server_span(
    tracing: &Tracing,
    method: usize,
    path: &str,
    route: Option<&RouteLabels>,
    incoming: Option<&TraceContext>,
) -> Span {
    tracing.start(SpanKind::Server, incoming, |attributes| {
        let name = match route {
            Some(route) => route.0.span_names[method].clone(),
            None => StringValue::from(shown_method(METHODS[method])),
        };
        attributes.string("http.request.method", METHODS[method]);
        attributes.string("url.scheme", "http");
        attributes.string("url.path", path);
        if let Some(RouteLabels(route)) = route {
            attributes.string("http.route", route.route.as_str());
            if let Some(Value::String(app)) = &route.app {
                attributes.string("weft.app", app.as_str());
            }
        }
        name
    })
}

/// One request being served: its instruments (when metrics are on, borrowed from the
/// server's: no reference counts touched per request) and its span.
pub struct ActiveRequest<'server> {
    recording: Option<Recording<'server>>,
    /// An index of [`METHODS`].
    method: usize,
    route: Option<RouteLabels>,
    span: Span,
}

struct Recording<'server> {
    instruments: &'server HttpInstruments,
    started: Instant,
}

impl ActiveRequest<'_> {
    /// The trace context to hand to whatever serves the request: the SERVER span's, or
    /// `None` when no span is recorded.
    pub fn context(&self) -> Option<TraceContext> {
        self.span.context()
    }

    /// The request was answered with `status`; `error_kind` says why it failed when the
    /// answer is an error (`timeout`, `trap`, …; the status code stands in for it on a 5xx
    /// without one).
    pub fn finish(mut self, status: u16, error_kind: Option<&'static str>) {
        let key = RequestKey {
            method: self.method,
            status,
            error_type: error_kind,
        };
        if self.span.exists() {
            self.span
                .set_int("http.response.status_code", i64::from(status));
            if let Some(kind) = key.error_type() {
                self.span
                    .fail(kind, format!("answered with status {status}"));
            }
        }
        let Some(recording) = &self.recording else {
            return;
        };
        let elapsed = recording.started.elapsed().as_secs_f64();
        let labels = || request_labels(key, self.route.as_ref());
        let duration = &recording.instruments.duration;
        match &self.route {
            Some(RouteLabels(route)) if route.series.belongs_to(recording.instruments) => {
                route.series.bound.record(duration, key, elapsed, labels);
            }
            _ => duration.record(elapsed, &labels()),
        }
    }
}

/// The labels of a request's duration: method, scheme, status, route, app, error type.
fn request_labels(key: RequestKey, route: Option<&RouteLabels>) -> Vec<KeyValue> {
    let mut labels = Vec::with_capacity(6);
    labels.extend(method_labels(METHODS[key.method]));
    labels.push(KeyValue::new(
        "http.response.status_code",
        i64::from(key.status),
    ));
    if let Some(RouteLabels(route)) = route {
        labels.push(KeyValue::new("http.route", route.route.clone()));
        if let Some(app) = &route.app {
            labels.push(KeyValue::new("weft.app", app.clone()));
        }
    }
    if let Some(kind) = key.error_type() {
        labels.push(KeyValue::new("error.type", kind));
    }
    labels
}

impl Drop for ActiveRequest<'_> {
    fn drop(&mut self) {
        if let Some(recording) = &self.recording {
            recording.instruments.active.add(self.method, -1);
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
pub(crate) fn known_method(method: &str) -> &'static str {
    METHODS[method_index(method)]
}

/// The index of `method` in [`METHODS`] (`_OTHER`'s when the conventions do not name it).
fn method_index(method: &str) -> usize {
    METHODS[..METHODS.len() - 1]
        .iter()
        .position(|known| *known == method)
        .unwrap_or(METHODS.len() - 1)
}

#[cfg(test)]
mod tests {
    use crate::{Identity, Telemetry};

    use super::RouteLabels;

    #[test]
    fn requests_are_labelled_by_template_and_unknown_methods_fold_into_other() {
        let metrics = Telemetry::new(&Identity::default());
        let server = metrics.http_server();
        let route = RouteLabels::new("/api/*", Some("shop"));
        server
            .start("GET", "/", Some(&route), None)
            .finish(200, None);
        server
            .start("GET", "/", Some(&route), None)
            .finish(200, None);
        server.start("BREW", "/", None, None).finish(404, None);
        server
            .start("POST", "/", Some(&route), None)
            .finish(503, Some("timeout"));
        server
            .start("PUT", "/", Some(&route), None)
            .finish(500, None);
        let in_flight = server.start("GET", "/", None, None);
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
