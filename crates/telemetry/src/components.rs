//! Component invocations: how long each took and how it ended
//! (`weft.component.invocation.duration`), how long instantiation took
//! (`weft.component.instantiation.duration`) and how many run now
//! (`weft.component.instances.active`), by component id (derived from manifest names); and
//! a span per invocation under the trace that caused it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Instant;

use opentelemetry::metrics::{AsyncInstrument, Counter, Histogram, Meter, ObservableUpDownCounter};
use opentelemetry::trace::SpanKind;
use opentelemetry::{KeyValue, StringValue, Value};

use crate::bound_series::IndexedSeries;
use crate::capability_calls::{CapabilityCall, CapabilityOperation, CapabilityTelemetry};
use crate::http_client::{HttpClientTelemetry, OutgoingRequest};
use crate::http_server::DURATION_BOUNDS;
use crate::{Span, TraceContext, Tracing};

/// What called a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// An HTTP request (`wasi:http/incoming-handler`).
    Http,
    /// Another component or `weft call`.
    Call,
    /// A message (`wasmcloud:messaging` handler).
    Message,
}

/// The function an HTTP request invokes, as spans name it.
pub const HTTP_HANDLER_FUNCTION: &str = "wasi:http/incoming-handler.handle";

/// The function a message invokes, as spans name it.
pub const MESSAGE_HANDLER_FUNCTION: &str = "wasmcloud:messaging/handler.handle-message";

/// How many [`Trigger`]s there are.
const TRIGGERS: usize = 3;

/// How many [`Outcome`]s there are.
const OUTCOMES: usize = 6;

const _: () = assert!(Trigger::Message as usize + 1 == TRIGGERS);
const _: () = assert!(Outcome::Denied as usize + 1 == OUTCOMES);

impl Trigger {
    /// Its place among the triggers, for the bound series.
    fn index(self) -> usize {
        self as usize
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Call => "call",
            Self::Message => "message",
        }
    }
}

/// How an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It returned normally.
    Ok,
    /// It returned an error, or the host failed it.
    Error,
    /// It trapped (or overflowed its stack).
    Trap,
    /// It ran past its deadline.
    Timeout,
    /// It asked for more memory than its limit.
    Memory,
    /// It never ran: the component already ran as many invocations as its limit allows.
    Denied,
}

impl Outcome {
    /// Its place among the outcomes, for the bound series.
    fn index(self) -> usize {
        self as usize
    }

    /// The label value, also used as an HTTP request's `error.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Trap => "trap",
            Self::Timeout => "timeout",
            Self::Memory => "memory",
            Self::Denied => "denied",
        }
    }
}

/// The invocation instruments and spans; [`Self::disabled`] ones do no work at all.
#[derive(Clone, Default)]
pub struct ComponentTelemetry {
    instruments: Option<ComponentInstruments>,
    client: HttpClientTelemetry,
    capabilities: CapabilityTelemetry,
    tracing: Tracing,
}

#[derive(Clone)]
struct ComponentInstruments {
    duration: Histogram<f64>,
    instantiation: Histogram<f64>,
    running: Arc<RunningInstances>,
    /// Keeps `weft.component.instances.active` registered.
    _active: ObservableUpDownCounter<i64>,
    moves: Counter<u64>,
}

/// Every recorder's count of instances running an invocation now: an atomic add per
/// invocation, read only when the metrics are collected. A component's series goes when its
/// last recorder does.
#[derive(Default)]
struct RunningInstances(Mutex<Vec<(StringValue, Weak<AtomicI64>)>>);

impl RunningInstances {
    /// A new count for component `id`.
    fn register(&self, id: &StringValue) -> Arc<AtomicI64> {
        let count = Arc::new(AtomicI64::new(0));
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        counts.retain(|(_, count)| count.strong_count() > 0);
        counts.push((id.clone(), Arc::downgrade(&count)));
        count
    }

    /// Each component's count (the sum of its recorders').
    fn observe(&self, observer: &dyn AsyncInstrument<i64>) {
        let mut by_component: BTreeMap<String, (StringValue, i64)> = BTreeMap::new();
        let counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (id, count) in counts.iter() {
            if let Some(count) = count.upgrade() {
                let (_, running) = by_component
                    .entry(id.as_str().to_owned())
                    .or_insert_with(|| (id.clone(), 0));
                *running += count.load(Ordering::Relaxed);
            }
        }
        drop(counts);
        for (id, running) in by_component.into_values() {
            observer.observe(
                running,
                &[KeyValue::new("weft.component.id", Value::String(id))],
            );
        }
    }
}

/// One component's instruments, labelled with its id, and its spans; cheap to clone (one
/// shared allocation), and nothing at all when telemetry is off.
#[derive(Clone, Default)]
pub struct ComponentRecorder(Option<Arc<Recorder>>);

struct Recorder {
    instruments: Option<(ComponentInstruments, KeyValue)>,
    /// Its invocation durations by trigger and outcome, bound when first recorded.
    durations: IndexedSeries<{ TRIGGERS * OUTCOMES }>,
    /// Its instantiation times, bound when first recorded.
    instantiations: IndexedSeries<1>,
    /// Its instances running an invocation now.
    running: Arc<AtomicI64>,
    client: HttpClientTelemetry,
    capabilities: CapabilityTelemetry,
    tracing: Tracing,
    id: StringValue,
    /// The span names of the two handler functions, made once rather than per invocation.
    handler_span_names: [(&'static str, StringValue); 2],
}

impl Recorder {
    /// The span name and function attribute of an invocation of `function`.
    fn span_name(&self, function: &str) -> (StringValue, StringValue) {
        let known = self
            .handler_span_names
            .iter()
            .find(|(handler, _)| *handler == function);
        match known {
            Some((handler, name)) => (name.clone(), StringValue::from(*handler)),
            None => (
                format!("{} {function}", self.id.as_str()).into(),
                function.to_owned().into(),
            ),
        }
    }
}

impl ComponentTelemetry {
    /// Records nothing.
    pub fn disabled() -> Self {
        Self::default()
    }

    pub(crate) fn new(meter: &Meter, tracing: Tracing) -> Self {
        let running = Arc::new(RunningInstances::default());
        let observed = Arc::clone(&running);
        Self {
            instruments: Some(ComponentInstruments {
                duration: meter
                    .f64_histogram("weft.component.invocation.duration")
                    .with_unit("s")
                    .with_description("Duration of component invocations, instantiation included.")
                    .with_boundaries(DURATION_BOUNDS.to_vec())
                    .build(),
                instantiation: meter
                    .f64_histogram("weft.component.instantiation.duration")
                    .with_unit("s")
                    .with_description("Time to instantiate a component for one invocation.")
                    .with_boundaries(DURATION_BOUNDS.to_vec())
                    .build(),
                running,
                _active: meter
                    .i64_observable_up_down_counter("weft.component.instances.active")
                    .with_unit("{instance}")
                    .with_description("Component instances running an invocation now.")
                    .with_callback(move |observer| observed.observe(observer))
                    .build(),
                moves: meter
                    .u64_counter("weft.component.busy_lane.moves")
                    .with_unit("{invocation}")
                    .with_description(
                        "Invocations that computed past the busy lane's slice and moved to its low-priority threads.",
                    )
                    .build(),
            }),
            client: HttpClientTelemetry::new(meter, tracing.clone()),
            capabilities: CapabilityTelemetry::new(meter).traced(tracing.clone()),
            tracing,
        }
    }

    /// The same instruments, with spans from `tracing`.
    pub(crate) fn traced(self, tracing: Tracing) -> Self {
        Self {
            client: self.client.traced(tracing.clone()),
            capabilities: self.capabilities.traced(tracing.clone()),
            tracing,
            ..self
        }
    }

    /// The recorder of component `id` (its lattice id, derived from manifest names).
    pub fn of(&self, id: &str) -> ComponentRecorder {
        if self.instruments.is_none() && !self.tracing.is_enabled() {
            return ComponentRecorder::disabled();
        }
        let id = StringValue::from(Arc::<str>::from(id));
        let running = match &self.instruments {
            Some(instruments) => instruments.running.register(&id),
            None => Arc::default(),
        };
        ComponentRecorder(Some(Arc::new(Recorder {
            running,
            durations: IndexedSeries::default(),
            instantiations: IndexedSeries::default(),
            instruments: self.instruments.clone().map(|instruments| {
                (
                    instruments,
                    KeyValue::new("weft.component.id", Value::String(id.clone())),
                )
            }),
            client: self.client.clone(),
            capabilities: self.capabilities.clone(),
            tracing: self.tracing.clone(),
            handler_span_names: [HTTP_HANDLER_FUNCTION, MESSAGE_HANDLER_FUNCTION]
                .map(|handler| (handler, format!("{} {handler}", id.as_str()).into())),
            id,
        })))
    }
}

impl ComponentRecorder {
    /// Records nothing.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// One of its invocations computed past the busy lane's slice and moved to the lane's
    /// low-priority threads (rare, so recorded unbound).
    pub fn moved_to_busy_lane(&self) {
        let instruments = self
            .0
            .as_ref()
            .and_then(|shared| shared.instruments.as_ref());
        if let Some((instruments, id)) = instruments {
            instruments.moves.add(1, std::slice::from_ref(id));
        }
    }

    /// An invocation of `function` (`wasi:http/incoming-handler.handle`, …) begins, caused
    /// by `trigger` within the trace `incoming`. Its instance counts as active, and its span
    /// stays open, until the returned guard is finished or dropped.
    pub fn begin(
        &self,
        trigger: Trigger,
        function: &str,
        incoming: Option<&TraceContext>,
    ) -> Invocation {
        let Some(shared) = &self.0 else {
            return Invocation {
                running: None,
                span: Span::none(),
                started: Instant::now(),
            };
        };
        let recorder = shared.as_ref();
        let running = recorder.instruments.is_some().then(|| {
            recorder.running.fetch_add(1, Ordering::Relaxed);
            Running {
                recorder: Arc::clone(shared),
                trigger,
            }
        });
        let kind = match trigger {
            Trigger::Message => SpanKind::Consumer,
            Trigger::Http | Trigger::Call => SpanKind::Internal,
        };
        let span = recorder.tracing.start(kind, incoming, |attributes| {
            let (name, function) = recorder.span_name(function);
            attributes.string("weft.component.id", recorder.id.as_str());
            attributes.string("weft.invocation.trigger", trigger.as_str());
            attributes.string("weft.invocation.function", function.as_str());
            name
        });
        Invocation {
            running,
            span,
            started: Instant::now(),
        }
    }

    /// An outgoing `method` request to `uri` this component makes begins, within the trace
    /// `incoming` ([`HttpClientTelemetry`]); `named_destination` says whether its host and
    /// port may label metrics (a rule names them, so they are few).
    pub fn outgoing(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        named_destination: bool,
        incoming: Option<&TraceContext>,
    ) -> OutgoingRequest {
        match self.0.as_deref() {
            Some(recorder) => recorder
                .client
                .start(method, uri, named_destination, incoming),
            None => OutgoingRequest::default(),
        }
    }

    /// A call into a capability doing `operation` begins, within the trace `incoming`
    /// ([`CapabilityTelemetry`]).
    pub fn capability_call(
        &self,
        operation: &CapabilityOperation<'_>,
        incoming: Option<&TraceContext>,
    ) -> CapabilityCall {
        match self.0.as_deref() {
            Some(recorder) => recorder.capabilities.start(operation, incoming),
            None => CapabilityCall::default(),
        }
    }
}

/// One invocation: its instruments (when metrics are on) and its span.
pub struct Invocation {
    running: Option<Running>,
    span: Span,
    started: Instant,
}

/// An invocation counted by a recorder with instruments.
struct Running {
    recorder: Arc<Recorder>,
    trigger: Trigger,
}

impl Running {
    fn instruments(&self) -> Option<&(ComponentInstruments, KeyValue)> {
        self.recorder.instruments.as_ref()
    }
}

impl Invocation {
    /// The trace context to hand to what the invocation causes: its span's when there is
    /// one, else `incoming` unchanged.
    pub fn hand_on(&self, incoming: Option<TraceContext>) -> Option<TraceContext> {
        self.span.hand_on(incoming)
    }

    /// The instance is ready: records how long instantiating took.
    pub fn instantiated(&self) {
        let Some(running) = &self.running else {
            return;
        };
        if let Some((instruments, component)) = running.instruments() {
            running.recorder.instantiations.record(
                &instruments.instantiation,
                0,
                self.started.elapsed().as_secs_f64(),
                || vec![component.clone()],
            );
        }
    }

    /// The invocation ended with `outcome`.
    pub fn finish(mut self, outcome: Outcome) {
        if self.span.exists() {
            self.span
                .set_string("weft.invocation.outcome", outcome.as_str());
            if outcome != Outcome::Ok {
                self.span.fail(
                    outcome.as_str(),
                    format!("the invocation ended: {}", outcome.as_str()),
                );
            }
        }
        let Some(running) = &self.running else {
            return;
        };
        let Some((instruments, component)) = running.instruments() else {
            return;
        };
        let trigger = running.trigger;
        running.recorder.durations.record(
            &instruments.duration,
            trigger.index() * OUTCOMES + outcome.index(),
            self.started.elapsed().as_secs_f64(),
            || {
                vec![
                    component.clone(),
                    KeyValue::new("weft.invocation.trigger", trigger.as_str()),
                    KeyValue::new("weft.invocation.outcome", outcome.as_str()),
                ]
            },
        );
    }
}

impl Drop for Invocation {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            running.recorder.running.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Identity, Outcome, Telemetry, Trigger};

    #[test]
    fn invocations_count_by_outcome_and_instances_while_they_run() {
        let metrics = Telemetry::new(&Identity::default());
        let hello = metrics.components().of("hello-http_component");
        let first = hello.begin(Trigger::Http, "handle", None);
        first.instantiated();
        let running = hello.begin(Trigger::Message, "handle-message", None);
        first.finish(Outcome::Ok);
        hello
            .begin(Trigger::Http, "handle", None)
            .finish(Outcome::Timeout);
        hello.moved_to_busy_lane();
        let text = metrics.prometheus_text().unwrap_or_default();
        assert!(
            text.contains(
                r#"weft_component_busy_lane_moves_total{weft_component_id="hello-http_component"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"weft_component_invocation_duration_seconds_count{weft_component_id="hello-http_component",weft_invocation_outcome="timeout",weft_invocation_trigger="http"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"weft_component_instantiation_duration_seconds_count{weft_component_id="hello-http_component"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"weft_component_instances_active{weft_component_id="hello-http_component"} 1"#
            ),
            "{text}"
        );
        drop(running);
    }
}
