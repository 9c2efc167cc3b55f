//! Component invocations: how long each took and how it ended
//! (`weft.component.invocation.duration`), how long instantiation took
//! (`weft.component.instantiation.duration`) and how many run now
//! (`weft.component.instances.active`), by component id (derived from manifest names).

use std::sync::Arc;
use std::time::Instant;

use opentelemetry::metrics::{Histogram, Meter, UpDownCounter};
use opentelemetry::{KeyValue, StringValue, Value};

use crate::http_server::DURATION_BOUNDS;

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

impl Trigger {
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
}

impl Outcome {
    /// The label value, also used as an HTTP request's `error.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Trap => "trap",
            Self::Timeout => "timeout",
            Self::Memory => "memory",
        }
    }
}

/// The invocation instruments; [`Self::disabled`] ones do no work at all.
#[derive(Clone, Default)]
pub struct ComponentMetrics(Option<ComponentInstruments>);

#[derive(Clone)]
struct ComponentInstruments {
    duration: Histogram<f64>,
    instantiation: Histogram<f64>,
    active: UpDownCounter<i64>,
}

/// The instruments of one component, its label made once when it is prepared.
#[derive(Clone, Default)]
pub struct ComponentRecorder(Option<(ComponentInstruments, KeyValue)>);

impl ComponentMetrics {
    /// Instruments that record nothing.
    pub fn disabled() -> Self {
        Self(None)
    }

    pub(crate) fn new(meter: &Meter) -> Self {
        Self(Some(ComponentInstruments {
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
            active: meter
                .i64_up_down_counter("weft.component.instances.active")
                .with_unit("{instance}")
                .with_description("Component instances running an invocation now.")
                .build(),
        }))
    }

    /// What records the invocations of component `id`.
    pub fn of(&self, id: &str) -> ComponentRecorder {
        ComponentRecorder(self.0.clone().map(|instruments| {
            let id = Value::String(StringValue::from(Arc::<str>::from(id)));
            (instruments, KeyValue::new("weft.component.id", id))
        }))
    }
}

impl ComponentRecorder {
    /// A recorder that records nothing.
    pub fn disabled() -> Self {
        Self(None)
    }

    /// An invocation begins; its instance counts as active until the guard is finished or
    /// dropped.
    pub fn begin(&self, trigger: Trigger) -> Invocation {
        Invocation(self.0.as_ref().map(|(instruments, component)| {
            instruments.active.add(1, std::slice::from_ref(component));
            Running {
                instruments: instruments.clone(),
                component: component.clone(),
                trigger,
                started: Instant::now(),
            }
        }))
    }
}

/// One invocation under way (nothing, when metrics are off).
pub struct Invocation(Option<Running>);

struct Running {
    instruments: ComponentInstruments,
    component: KeyValue,
    trigger: Trigger,
    started: Instant,
}

impl Invocation {
    /// The instance is ready: records how long instantiating took.
    pub fn instantiated(&self) {
        if let Some(running) = &self.0 {
            running.instruments.instantiation.record(
                running.started.elapsed().as_secs_f64(),
                std::slice::from_ref(&running.component),
            );
        }
    }

    /// The invocation ended with `outcome`.
    pub fn finish(self, outcome: Outcome) {
        let Some(running) = &self.0 else {
            return;
        };
        let labels = [
            running.component.clone(),
            KeyValue::new("weft.invocation.trigger", running.trigger.as_str()),
            KeyValue::new("weft.invocation.outcome", outcome.as_str()),
        ];
        running
            .instruments
            .duration
            .record(running.started.elapsed().as_secs_f64(), &labels);
    }
}

impl Drop for Invocation {
    fn drop(&mut self) {
        if let Some(running) = &self.0 {
            running
                .instruments
                .active
                .add(-1, std::slice::from_ref(&running.component));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Identity, Metrics, Outcome, Trigger};

    #[test]
    fn invocations_count_by_outcome_and_instances_while_they_run() {
        let metrics = Metrics::new(&Identity::default());
        let hello = metrics.components().of("hello-http_component");
        let first = hello.begin(Trigger::Http);
        first.instantiated();
        let running = hello.begin(Trigger::Message);
        first.finish(Outcome::Ok);
        hello.begin(Trigger::Http).finish(Outcome::Timeout);
        let text = metrics.prometheus_text().unwrap_or_default();
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
