//! Hops between the lattice's processes over NATS (an HTTP request, a component call or a
//! message handed to the host that runs its component, a manager's control request to a
//! host): a CLIENT span on the process that asks
//! and a SERVER span on the one that answers, named after the subject, so a request that
//! crosses hosts stays one trace in which every hop shows.

use opentelemetry::trace::SpanKind;

use crate::{Span, TraceContext, Tracing};

/// What crosses to another host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop {
    /// An HTTP request for a component another host runs.
    Http,
    /// A call into a component another host runs (a component link or `weft call`).
    Call,
    /// A message for a component another host runs.
    Message,
    /// A control request: the manager's command or read for one host (`wasmbus.ctl.…`).
    Control,
}

impl Hop {
    fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Call => "call",
            Self::Message => "message",
            Self::Control => "control",
        }
    }
}

impl Tracing {
    /// This host asks another one on `subject` (CLIENT), within the trace `incoming`.
    pub fn lattice_request(
        &self,
        hop: Hop,
        subject: &str,
        incoming: Option<&TraceContext>,
    ) -> Span {
        self.hop_span(hop, subject, SpanKind::Client, incoming)
    }

    /// This host answers another one's request on `subject` (SERVER), continuing the trace
    /// `incoming` the request carried.
    pub fn lattice_answer(&self, hop: Hop, subject: &str, incoming: Option<&TraceContext>) -> Span {
        self.hop_span(hop, subject, SpanKind::Server, incoming)
    }

    fn hop_span(
        &self,
        hop: Hop,
        subject: &str,
        kind: SpanKind,
        incoming: Option<&TraceContext>,
    ) -> Span {
        let operation = if kind == SpanKind::Client {
            "send"
        } else {
            "process"
        };
        self.start(kind, incoming, |attributes| {
            attributes.string("messaging.system", "nats");
            attributes.string("messaging.operation.type", operation);
            attributes.string("messaging.destination.name", subject);
            attributes.string("weft.lattice.hop", hop.as_str());
            format!("{operation} {subject}")
        })
    }
}
