//! Spans: one [`Tracing`] per process starts them (or nothing, when traces are off), each
//! under the W3C trace context it continues, and every [`Span`] hands its own context on so
//! the next hop (a component, a capability, another host) becomes its child.
//!
//! weft records spans itself rather than through the OpenTelemetry SDK: a span is one plain
//! value ([`SpanRecord`]) that, when it ends, is written as OTLP into the export queue's
//! batch ([`crate::otlp_spans`]). That keeps always-on tracing cheap.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanId, SpanKind, TraceId, TraceState};
use opentelemetry::{KeyValue, StringValue};

use crate::TraceContext;
use crate::export_queue::ExportQueue;
use crate::otlp_spans::{EncodedSpans, SpanAttributes};
use crate::sampling::Sampling;
use crate::span_ids::IdSource;

/// Starts spans, or nothing at all when traces are off; cheap to clone.
#[derive(Clone, Default)]
pub struct Tracing(Option<Arc<Recorder>>);

/// What a process's spans share: the sampler, the id source and the queue ended spans go to.
struct Recorder {
    sampling: Sampling,
    ids: IdSource,
    queue: Arc<ExportQueue<EncodedSpans>>,
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

    /// Spans sampled by `sampling` whose ended, sampled ones go to `queue`.
    pub(crate) fn new(sampling: Sampling, queue: Arc<ExportQueue<EncodedSpans>>) -> Self {
        Self(Some(Arc::new(Recorder {
            sampling,
            ids: IdSource::new(),
            queue,
        })))
    }

    /// Whether spans are recorded.
    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// Starts a `kind` span continuing `parent` (a new trace when there is none), named by
    /// what `describe` returns after writing the span's attributes; it is called only when
    /// the span is recorded.
    /// When the trace is sampled out the span records nothing but still hands the trace
    /// on; under a sampler that keeps the parent's decision, a sampled-out parent's child
    /// is not started at all, and the parent's context is what goes on.
    pub fn start<Name: Into<StringValue>>(
        &self,
        kind: SpanKind,
        parent: Option<&TraceContext>,
        describe: impl FnOnce(&mut SpanAttributes) -> Name,
    ) -> Span {
        let Some(recorder) = &self.0 else {
            return Span(None);
        };
        let parent = parent.and_then(RemoteParent::read);
        let parent_sampled = parent.as_ref().map(|parent| parent.sampled);
        if recorder.sampling.follows_parent && parent_sampled == Some(false) {
            return Span(None);
        }
        let trace_id = parent
            .as_ref()
            .map_or_else(|| recorder.ids.trace_id(), |parent| parent.trace_id);
        let sampled = recorder.sampling.samples(&trace_id, parent_sampled);
        let (parent_span_id, trace_state) = parent
            .map(|parent| (Some(parent.span_id), parent.trace_state))
            .unwrap_or_default();
        let ids = SpanIds {
            trace_id,
            span_id: recorder.ids.span_id(),
            sampled,
            trace_state,
        };
        let (name, attributes) = if sampled {
            let mut attributes = SpanAttributes::with_room();
            let name = describe(&mut attributes);
            (name.into(), attributes)
        } else {
            (StringValue::from(""), SpanAttributes::default())
        };
        Span(Some(OpenSpan {
            record: SpanRecord {
                ids,
                parent_span_id,
                name,
                kind,
                start: if sampled { unix_nanos() } else { 0 },
                end: 0,
                attributes,
                error: None,
            },
            queue: Arc::clone(&recorder.queue),
        }))
    }
}

/// The ids that place a span in its trace, and what its context hands on.
#[derive(Debug)]
pub(crate) struct SpanIds {
    pub(crate) trace_id: [u8; 16],
    pub(crate) span_id: [u8; 8],
    /// Whether the span is recorded (the `sampled` trace flag).
    pub(crate) sampled: bool,
    /// The `tracestate` it continues, normalized.
    pub(crate) trace_state: Option<Arc<str>>,
}

/// A recorded span as it ends: everything an OTLP span carries that weft sets.
#[derive(Debug)]
pub(crate) struct SpanRecord {
    pub(crate) ids: SpanIds,
    pub(crate) parent_span_id: Option<[u8; 8]>,
    pub(crate) name: StringValue,
    pub(crate) kind: SpanKind,
    /// Start and end, in nanoseconds since the Unix epoch.
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) attributes: SpanAttributes,
    /// The error status's description, when the span failed.
    pub(crate) error: Option<String>,
}

/// One span in flight (or none); it ends when dropped.
#[derive(Debug, Default)]
pub struct Span(Option<OpenSpan>);

#[derive(Debug)]
struct OpenSpan {
    /// What is recorded; only its ids when the trace is sampled out.
    record: SpanRecord,
    queue: Arc<ExportQueue<EncodedSpans>>,
}

impl Span {
    /// No span: every method does nothing.
    pub fn none() -> Self {
        Self(None)
    }

    /// Whether this is a real span (traces are on), sampled or not.
    pub fn exists(&self) -> bool {
        self.0.is_some()
    }

    /// What this span records, when it is sampled.
    fn record(&mut self) -> Option<&mut SpanRecord> {
        let open = self.0.as_mut()?;
        open.record.ids.sampled.then_some(&mut open.record)
    }

    /// Sets one attribute.
    pub fn set(&mut self, attribute: KeyValue) {
        if let Some(record) = self.record() {
            record.attributes.push(&attribute);
        }
    }

    /// Sets one integer attribute.
    pub fn set_int(&mut self, key: &str, value: i64) {
        if let Some(record) = self.record() {
            record.attributes.int(key, value);
        }
    }

    /// Sets one text attribute.
    pub fn set_string(&mut self, key: &str, value: &str) {
        if let Some(record) = self.record() {
            record.attributes.string(key, value);
        }
    }

    /// Renames the span (for names known only once the work is underway, like a route).
    pub fn rename(&mut self, name: impl Into<StringValue>) {
        if let Some(record) = self.record() {
            record.name = name.into();
        }
    }

    /// Marks the span failed: error status with `description`, and `error.type`.
    pub fn fail(&mut self, error_type: impl Into<opentelemetry::Value>, description: String) {
        if let Some(record) = self.record() {
            record
                .attributes
                .push(&KeyValue::new("error.type", error_type));
            record.error = Some(description);
        }
    }

    /// This span's own W3C context, to hand on so what it causes nests under it.
    pub fn context(&self) -> Option<TraceContext> {
        let ids = &self.0.as_ref()?.record.ids;
        Some(TraceContext::of_span(
            ids.trace_id,
            ids.span_id,
            u8::from(ids.sampled),
            ids.trace_state.clone(),
        ))
    }

    /// The context to hand on: this span's when there is one, else `incoming` unchanged (so
    /// with traces off a caller's trace still flows through).
    pub fn hand_on(&self, incoming: Option<TraceContext>) -> Option<TraceContext> {
        self.context().or(incoming)
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some(OpenSpan { mut record, queue }) = self.0.take()
            && record.ids.sampled
        {
            record.end = unix_nanos();
            let lane = usize::from(record.ids.span_id[0]);
            queue.add_to_lane(lane, |batch| batch.add(&record));
        }
    }
}

/// Now, in nanoseconds since the Unix epoch (0 for a clock set before it).
fn unix_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
        })
}

/// The caller's span, as its `traceparent` and `tracestate` name it.
struct RemoteParent {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    sampled: bool,
    trace_state: Option<Arc<str>>,
}

impl RemoteParent {
    /// The span `trace` names; `None` when it does not parse or names no span.
    fn read(trace: &TraceContext) -> Option<Self> {
        if let Some(span) = trace.span() {
            return Some(Self {
                trace_id: span.trace_id,
                span_id: span.span_id,
                sampled: span.sampled,
                trace_state: trace.tracestate_shared(),
            });
        }
        let mut fields = trace.traceparent().split('-');
        let _version = fields.next()?;
        let trace_id = TraceId::from_hex(fields.next()?).ok()?;
        let span_id = SpanId::from_hex(fields.next()?).ok()?;
        let flags = u8::from_str_radix(fields.next()?.get(..2)?, 16).ok()?;
        if trace_id == TraceId::INVALID || span_id == SpanId::INVALID {
            return None;
        }
        Some(Self {
            trace_id: trace_id.to_bytes(),
            span_id: span_id.to_bytes(),
            sampled: flags & 1 == 1,
            trace_state: trace.tracestate().and_then(lenient_trace_state),
        })
    }
}

/// `header`'s valid `key=value` members (spaces around commas allowed, as W3C says), joined
/// again; an invalid member is dropped alone, not the whole header. `None` when none is valid.
fn lenient_trace_state(header: &str) -> Option<Arc<str>> {
    let members: Vec<(&str, &str)> = header
        .split(',')
        .filter_map(|member| member.trim().split_once('='))
        .filter(|member| TraceState::from_key_value([*member]).is_ok())
        .collect();
    let state = TraceState::from_key_value(members).ok()?.header();
    (!state.is_empty()).then(|| state.into())
}

#[cfg(test)]
mod tests {
    use crate::export_queue::QueueLimits;
    use crate::sampling::Sampler;

    use super::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn recording(sampling: Sampling) -> (Tracing, Arc<ExportQueue<EncodedSpans>>) {
        let limits = QueueLimits::read(&|_| None, "OTEL_BSP", 5000);
        let queue = Arc::new(ExportQueue::new(limits, "full"));
        (Tracing::new(sampling, Arc::clone(&queue)), queue)
    }

    fn context(traceparent: &str, tracestate: Option<&str>) -> TraceContext {
        TraceContext::read(|name| match name {
            "traceparent" => Some(traceparent.to_owned()),
            _ => tracestate.map(str::to_owned),
        })
        .unwrap_or_else(|| panic!("{traceparent} is not a traceparent"))
    }

    const ALWAYS: Sampling = Sampling {
        root: Sampler::AlwaysOn,
        follows_parent: true,
    };

    #[test]
    fn a_span_continues_its_parent_and_hands_its_own_context_on() {
        let (tracing, queue) = recording(ALWAYS);
        let parent = context(PARENT, Some("vendor=1, bad member,other=2"));
        let span = tracing.start(SpanKind::Server, Some(&parent), |_| "GET /");
        let handed = span.context().unwrap_or_else(|| parent.clone());
        assert!(
            handed
                .traceparent()
                .starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")
        );
        assert!(handed.traceparent().ends_with("-01"));
        assert_ne!(handed.traceparent(), PARENT);
        assert_eq!(handed.tracestate(), Some("vendor=1,other=2"));
        let child = tracing.start(SpanKind::Internal, Some(&handed), |_| "child");
        drop(child);
        drop(span);
        let spans = crate::otlp_spans::decoded(&queue.take());
        let [child, server] = spans.as_slice() else {
            panic!("{} spans were recorded, not 2", spans.len());
        };
        assert_eq!(
            server.parent_span_id,
            [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]
        );
        assert_eq!(server.name, "GET /");
        assert!(
            server.end_time_unix_nano >= server.start_time_unix_nano
                && server.start_time_unix_nano > 0
        );
        assert_eq!(child.trace_id, server.trace_id);
        assert_eq!(child.parent_span_id, server.span_id);
        assert_eq!(child.trace_state, "vendor=1,other=2");
    }

    #[test]
    fn a_sampled_out_span_hands_its_context_on_and_records_nothing() {
        let (tracing, queue) = recording(Sampling {
            root: Sampler::AlwaysOff,
            follows_parent: true,
        });
        let mut span = tracing.start(SpanKind::Server, None, |_| -> &str {
            panic!("a sampled-out span is not described")
        });
        span.set(KeyValue::new("a", 1));
        let handed = span.context();
        assert!(handed.is_some_and(|handed| handed.traceparent().ends_with("-00")));
        let unsampled_parent = context(&PARENT.replace("-01", "-00"), None);
        let child = tracing.start(SpanKind::Client, Some(&unsampled_parent), |_| "child");
        assert!(!child.exists());
        drop((span, child));
        assert!(queue.take().is_empty());
    }

    #[test]
    fn with_traces_off_the_incoming_context_flows_through() {
        let parent = context(PARENT, None);
        let span = Tracing::disabled().start(SpanKind::Server, Some(&parent), |_| "GET /");
        assert!(!span.exists());
        assert_eq!(span.hand_on(Some(parent.clone())), Some(parent));
    }
}
