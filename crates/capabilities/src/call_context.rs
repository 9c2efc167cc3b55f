//! What an invocation hands on to the component calls it makes: how deep they run, and the
//! W3C trace context of the request that started it, so a trace follows a request from
//! component to component, across hosts too.

pub use weft_telemetry::{TRACE_HEADERS, TraceContext};

/// The context a component call runs in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallContext {
    /// How many component → component calls led here (0 for a request or a message).
    pub depth: u32,
    /// The trace the invocation belongs to, when its request carried one.
    pub trace: Option<TraceContext>,
}

impl CallContext {
    /// The context of a call made from an invocation in this context.
    pub fn next(&self) -> Self {
        Self {
            depth: self.depth + 1,
            trace: self.trace.clone(),
        }
    }
}

/// The trace id and span id a log event in `trace` carries (none outside a trace).
pub fn trace_ids(trace: Option<&TraceContext>) -> (Option<&str>, Option<&str>) {
    match trace.and_then(TraceContext::ids) {
        Some((trace_id, span_id)) => (Some(trace_id), Some(span_id)),
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn calls_nest_one_deeper_in_the_same_trace() {
        let first = CallContext {
            depth: 0,
            trace: TraceContext::read(|name| (name == "traceparent").then(|| PARENT.to_owned())),
        };
        let next = first.next();
        assert_eq!(next.depth, 1);
        assert_eq!(next.trace, first.trace);
    }
}
