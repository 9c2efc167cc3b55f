//! The W3C trace context (`traceparent`, `tracestate`) a request, call or message carries,
//! read leniently (a malformed one is dropped) and handed on as headers.

use std::sync::Arc;

/// A W3C trace context: the `traceparent` header and, when present, `tracestate`. Cheap to
/// clone (shared text): it is handed to every part of an invocation.
#[derive(Debug, Clone)]
pub struct TraceContext {
    /// `traceparent`: `VERSION-TRACE_ID-PARENT_ID-FLAGS` in lowercase hex.
    traceparent: Arc<str>,
    /// `tracestate`: vendor entries, handed on as they came.
    tracestate: Option<Arc<str>>,
    /// The span `traceparent` names, when this process made it (so its child need not
    /// parse the text back).
    span: Option<SpanReference>,
}

/// The span a `traceparent` names, as numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpanReference {
    pub(crate) trace_id: [u8; 16],
    pub(crate) span_id: [u8; 8],
    pub(crate) sampled: bool,
}

impl PartialEq for TraceContext {
    fn eq(&self, other: &Self) -> bool {
        self.traceparent == other.traceparent && self.tracestate == other.tracestate
    }
}

impl Eq for TraceContext {}

/// The header names a trace context travels in.
pub const TRACE_HEADERS: [&str; 2] = ["traceparent", "tracestate"];

impl TraceContext {
    /// The trace context `header` (a lookup by header name) carries, if its `traceparent`
    /// is well formed; a malformed one is dropped, as the W3C recommendation asks.
    pub fn read(header: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let traceparent = header(TRACE_HEADERS[0]).filter(|value| well_formed(value))?;
        Some(Self {
            traceparent: traceparent.trim().into(),
            tracestate: header(TRACE_HEADERS[1]).map(Arc::from),
            span: None,
        })
    }

    /// The trace context of an HTTP request with `extensions` and `headers`: the one
    /// [`Self::attach_to`] put there, else the one its headers carry.
    pub fn carried(extensions: &http::Extensions, headers: &http::HeaderMap) -> Option<Self> {
        extensions
            .get::<Self>()
            .cloned()
            .or_else(|| Self::from_http(headers))
    }

    /// Puts it on `request`: in its headers (for whatever reads them, a guest or another
    /// host) and as an extension, so whatever serves the request in this process takes it
    /// without reading the headers back.
    pub fn attach_to<B>(&self, request: &mut http::Request<B>) {
        self.write_to(request.headers_mut());
        request.extensions_mut().insert(self.clone());
    }

    /// The trace context of an HTTP request's headers.
    pub fn from_http(headers: &http::HeaderMap) -> Option<Self> {
        Self::read(|name| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        })
    }

    /// The context a span hands on: a version-00 `traceparent` with its trace id, its own
    /// id and its flags in lowercase hex (written by hand: this runs for every traced
    /// request), and the `tracestate` it continues.
    pub(crate) fn of_span(
        trace_id: [u8; 16],
        span_id: [u8; 8],
        flags: u8,
        tracestate: Option<Arc<str>>,
    ) -> Self {
        let mut text = [0_u8; 55];
        text[..3].copy_from_slice(b"00-");
        write_hex(&mut text[3..35], &trace_id);
        text[35] = b'-';
        write_hex(&mut text[36..52], &span_id);
        text[52] = b'-';
        write_hex(&mut text[53..], &[flags]);
        Self {
            traceparent: std::str::from_utf8(&text).unwrap_or_default().into(),
            tracestate,
            span: Some(SpanReference {
                trace_id,
                span_id,
                sampled: flags & 1 == 1,
            }),
        }
    }

    /// The span it names, when this process made it.
    pub(crate) fn span(&self) -> Option<SpanReference> {
        self.span
    }

    /// Its `tracestate`, shared.
    pub(crate) fn tracestate_shared(&self) -> Option<Arc<str>> {
        self.tracestate.clone()
    }

    /// The `traceparent` header's value.
    pub fn traceparent(&self) -> &str {
        &self.traceparent
    }

    /// The `tracestate` header's value, when there is one.
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_deref()
    }

    /// Its trace id and parent (span) id, as lowercase hex.
    pub fn ids(&self) -> Option<(&str, &str)> {
        let mut fields = self.traceparent.split('-').skip(1);
        Some((fields.next()?, fields.next()?))
    }

    /// Puts it in `headers`, in place of the trace headers they had.
    pub fn write_to(&self, headers: &mut http::HeaderMap) {
        for name in TRACE_HEADERS {
            headers.remove(name);
        }
        for (name, value) in self.headers() {
            if let Ok(value) = http::HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
    }

    /// Its headers, by name.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        std::iter::once((TRACE_HEADERS[0], &*self.traceparent)).chain(
            self.tracestate
                .as_deref()
                .map(|state| (TRACE_HEADERS[1], state)),
        )
    }
}

/// Writes `bytes` as lowercase hex into `out`, two digits per byte.
fn write_hex(out: &mut [u8], bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
}

/// Whether `value` has the shape of a `traceparent`: four dash-separated lowercase hex fields
/// of 2, 32, 16 and 2 digits, with a non-zero trace id and parent id (a later version may add
/// fields after them).
fn well_formed(value: &str) -> bool {
    fn hex(field: Option<&str>, len: usize) -> Option<&str> {
        field.filter(|field| {
            field.len() == len
                && field
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        })
    }
    let mut fields = value.trim().split('-');
    let non_zero = |field: &str| field.bytes().any(|byte| byte != b'0');
    let (Some(version), Some(trace_id), Some(parent_id), Some(_flags)) = (
        hex(fields.next(), 2),
        hex(fields.next(), 32),
        hex(fields.next(), 16),
        hex(fields.next(), 2),
    ) else {
        return false;
    };
    let extra = fields.next().is_some();
    version != "ff" && (!extra || version != "00") && non_zero(trace_id) && non_zero(parent_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn read(pairs: &[(&str, &str)]) -> Option<TraceContext> {
        TraceContext::read(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn a_well_formed_traceparent_is_kept_with_its_state() {
        let trace = read(&[("traceparent", PARENT), ("tracestate", "weft=1")]).unwrap();
        assert_eq!(trace.traceparent(), PARENT);
        assert_eq!(
            trace.ids(),
            Some(("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"))
        );
        assert_eq!(
            trace.headers().collect::<Vec<_>>(),
            [("traceparent", PARENT), ("tracestate", "weft=1")]
        );
    }

    #[test]
    fn a_span_writes_the_traceparent_it_would_be_read_from() {
        let written = TraceContext::of_span(
            0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128.to_be_bytes(),
            0x00f0_67aa_0ba9_02b7_u64.to_be_bytes(),
            1,
            None,
        );
        assert_eq!(written.traceparent(), PARENT);
        assert!(well_formed(written.traceparent()));
    }

    #[test]
    fn malformed_traceparents_are_dropped() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert_eq!(read(&[("traceparent", bad)]), None, "{bad}");
        }
        assert_eq!(read(&[("tracestate", "weft=1")]), None);
    }
}
