//! Spans: one [`Tracing`] per process starts them (or nothing, when traces are off), each
//! under the W3C trace context it continues, and every [`Span`] hands its own context on so
//! the next hop (a component, a capability, another host) becomes its child.

use std::borrow::Cow;

use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt as _, TraceFlags, TraceId,
    TraceState, Tracer as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{Span as SdkSpan, Tracer as SdkTracer};

use crate::TraceContext;

/// Starts spans, or nothing at all when traces are off; cheap to clone.
#[derive(Clone, Default)]
pub struct Tracing(Option<Tracer>);

#[derive(Clone)]
struct Tracer {
    sdk: SdkTracer,
    /// The sampler keeps a parent's decision, so the child of a sampled-out span is not
    /// worth starting.
    follows_parent: bool,
}

impl std::fmt::Debug for Tracing {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_tuple("Tracing")
            .field(&self.0.is_some())
            .finish()
    }
}

impl Tracing {
    /// Tracing that starts no spans and costs a branch.
    pub fn disabled() -> Self {
        Self(None)
    }

    /// Spans from `sdk`, whose sampler keeps the parent's decision when `follows_parent`.
    pub(crate) fn new(sdk: SdkTracer, follows_parent: bool) -> Self {
        Self(Some(Tracer {
            sdk,
            follows_parent,
        }))
    }

    /// Whether spans are recorded.
    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// Starts a `kind` span continuing `parent` (a new trace when there is none), named
    /// and attributed by what `describe` returns, called only when the span starts. When the trace is sampled out the span records nothing but
    /// still hands the trace on; under a sampler that keeps the parent's decision, a
    /// sampled-out parent's child is not started at all, and the parent's context is what
    /// goes on.
    pub fn start<Name: Into<Cow<'static, str>>>(
        &self,
        kind: SpanKind,
        parent: Option<&TraceContext>,
        describe: impl FnOnce() -> (Name, Vec<KeyValue>),
    ) -> Span {
        let Some(Tracer {
            sdk: tracer,
            follows_parent,
        }) = &self.0
        else {
            return Span(None);
        };
        let parent = parent.and_then(remote_context);
        if *follows_parent && parent.as_ref().is_some_and(|parent| !parent.is_sampled()) {
            return Span(None);
        }
        let parent = parent.map_or_else(Context::new, |context| {
            Context::new().with_remote_span_context(context)
        });
        let (name, attributes) = describe();
        let span = tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(attributes)
            .start_with_context(tracer, &parent);
        Span(Some(span))
    }
}

/// One span in flight (or none); it ends when dropped.
#[derive(Debug, Default)]
pub struct Span(Option<SdkSpan>);

impl Span {
    /// No span: every method does nothing.
    pub fn none() -> Self {
        Self(None)
    }

    /// Whether this is a real span (traces are on), sampled or not.
    pub fn exists(&self) -> bool {
        self.0.is_some()
    }

    /// Sets one attribute.
    pub fn set(&mut self, attribute: KeyValue) {
        if let Some(span) = &mut self.0 {
            span.set_attribute(attribute);
        }
    }

    /// Renames the span (for names known only once the work is underway, like a route).
    pub fn rename(&mut self, name: impl Into<Cow<'static, str>>) {
        if let Some(span) = &mut self.0 {
            span.update_name(name);
        }
    }

    /// Marks the span failed: error status with `description`, and `error.type`.
    pub fn fail(&mut self, error_type: impl Into<opentelemetry::Value>, description: String) {
        if let Some(span) = &mut self.0 {
            span.set_attribute(KeyValue::new("error.type", error_type));
            span.set_status(Status::error(description));
        }
    }

    /// This span's own W3C context, to hand on so what it causes nests under it.
    pub fn context(&self) -> Option<TraceContext> {
        let context = self.0.as_ref()?.span_context();
        if !context.is_valid() {
            return None;
        }
        let traceparent = TraceContext::traceparent(
            context.trace_id().to_bytes(),
            context.span_id().to_bytes(),
            context.trace_flags().to_u8(),
        );
        let tracestate = context.trace_state().header();
        Some(TraceContext {
            traceparent,
            tracestate: (!tracestate.is_empty()).then_some(tracestate),
        })
    }

    /// The context to hand on: this span's when there is one, else `incoming` unchanged (so
    /// with traces off a caller's trace still flows through).
    pub fn hand_on(&self, incoming: Option<TraceContext>) -> Option<TraceContext> {
        self.context().or(incoming)
    }
}

/// The remote span `trace` names; `None` when it does not parse.
fn remote_context(trace: &TraceContext) -> Option<SpanContext> {
    let mut fields = trace.traceparent.trim().split('-');
    let _version = fields.next()?;
    let trace_id = TraceId::from_hex(fields.next()?).ok()?;
    let span_id = SpanId::from_hex(fields.next()?).ok()?;
    let flags = u8::from_str_radix(fields.next()?.get(..2)?, 16).ok()?;
    let state = trace
        .tracestate
        .as_deref()
        .map(lenient_trace_state)
        .unwrap_or_default();
    Some(SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(flags) & TraceFlags::SAMPLED,
        true,
        state,
    ))
}

/// `header`'s valid `key=value` members (spaces around commas allowed, as W3C says); an
/// invalid member is dropped alone, not the whole header.
fn lenient_trace_state(header: &str) -> TraceState {
    let members: Vec<(&str, &str)> = header
        .split(',')
        .filter_map(|member| member.trim().split_once('='))
        .filter(|member| TraceState::from_key_value([*member]).is_ok())
        .collect();
    TraceState::from_key_value(members).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanProcessor};

    use super::*;

    /// Keeps every ended span.
    #[derive(Debug, Clone, Default)]
    struct Kept(Arc<Mutex<Vec<SpanData>>>);

    impl SpanProcessor for Kept {
        fn on_start(&self, _span: &mut SdkSpan, _cx: &Context) {}
        fn on_end(&self, span: SpanData) {
            if let Ok(mut kept) = self.0.lock() {
                kept.push(span);
            }
        }
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
            Ok(())
        }
    }

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_span_continues_its_parent_and_hands_its_own_context_on() {
        let kept = Kept::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(kept.clone())
            .build();
        let tracing = Tracing::new(provider.tracer("test"), true);
        let parent = TraceContext {
            traceparent: PARENT.into(),
            tracestate: Some("vendor=1, bad member,other=2".into()),
        };
        let span = tracing.start(SpanKind::Server, Some(&parent), || ("GET /", Vec::new()));
        let handed = span.context().unwrap_or_else(|| parent.clone());
        assert!(
            handed
                .traceparent
                .starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")
        );
        assert!(handed.traceparent.ends_with("-01"));
        assert_ne!(handed.traceparent, PARENT);
        assert_eq!(handed.tracestate.as_deref(), Some("vendor=1,other=2"));
        drop(span);
        let spans = kept.0.lock().map(|spans| spans.clone()).unwrap_or_default();
        assert_eq!(spans.len(), 1);
        assert_eq!(
            spans[0].parent_span_id,
            SpanId::from_hex("00f067aa0ba902b7").unwrap_or(SpanId::INVALID)
        );
    }

    #[test]
    fn with_traces_off_the_incoming_context_flows_through() {
        let parent = TraceContext {
            traceparent: PARENT.into(),
            tracestate: None,
        };
        let span =
            Tracing::disabled().start(SpanKind::Server, Some(&parent), || ("GET /", Vec::new()));
        assert!(!span.exists());
        assert_eq!(span.hand_on(Some(parent.clone())), Some(parent));
    }
}
