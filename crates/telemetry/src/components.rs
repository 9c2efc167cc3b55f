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

/// The invocation instruments.
#[derive(Clone)]
pub struct ComponentMetrics {
    duration: Histogram<f64>,
    instantiation: Histogram<f64>,
    active: UpDownCounter<i64>,
}

/// One component's label, made once when it is prepared.
#[derive(Debug, Clone)]
pub struct ComponentLabels {
    component: Value,
}

impl ComponentMetrics {
    /// Instruments that record nothing.
    pub fn disabled() -> Self {
        crate::Metrics::disabled().components()
    }

    pub(crate) fn new(meter: &Meter) -> Self {
        Self {
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
        }
    }

    /// The label of component `id`.
    pub fn labels(&self, id: &str) -> ComponentLabels {
        ComponentLabels {
            component: Value::String(StringValue::from(Arc::<str>::from(id))),
        }
    }

    /// An invocation of `component` begins; its instance counts as active until the guard is
    /// finished or dropped.
    pub fn begin(&self, component: &ComponentLabels, trigger: Trigger) -> Invocation {
        let label = [KeyValue::new(
            "weft.component.id",
            component.component.clone(),
        )];
        self.active.add(1, &label);
        Invocation {
            metrics: self.clone(),
            component: component.component.clone(),
            trigger,
            started: Instant::now(),
        }
    }
}

/// One invocation under way.
pub struct Invocation {
    metrics: ComponentMetrics,
    component: Value,
    trigger: Trigger,
    started: Instant,
}

impl Invocation {
    /// The instance is ready: records how long instantiating took.
    pub fn instantiated(&self) {
        let label = [KeyValue::new("weft.component.id", self.component.clone())];
        self.metrics
            .instantiation
            .record(self.started.elapsed().as_secs_f64(), &label);
    }

    /// The invocation ended with `outcome`.
    pub fn finish(self, outcome: Outcome) {
        let labels = [
            KeyValue::new("weft.component.id", self.component.clone()),
            KeyValue::new("weft.invocation.trigger", self.trigger.as_str()),
            KeyValue::new("weft.invocation.outcome", outcome.as_str()),
        ];
        self.metrics
            .duration
            .record(self.started.elapsed().as_secs_f64(), &labels);
    }
}

impl Drop for Invocation {
    fn drop(&mut self) {
        let label = [KeyValue::new("weft.component.id", self.component.clone())];
        self.metrics.active.add(-1, &label);
    }
}

#[cfg(test)]
mod tests {
    use crate::{Identity, Metrics, Outcome, Trigger};

    #[test]
    fn invocations_count_by_outcome_and_instances_while_they_run() {
        let metrics = Metrics::new(&Identity::default());
        let components = metrics.components();
        let hello = components.labels("hello-http_component");
        let first = components.begin(&hello, Trigger::Http);
        first.instantiated();
        let running = components.begin(&hello, Trigger::Message);
        first.finish(Outcome::Ok);
        components
            .begin(&hello, Trigger::Http)
            .finish(Outcome::Timeout);
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
