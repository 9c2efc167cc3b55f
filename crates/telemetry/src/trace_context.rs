//! The W3C trace context (`traceparent`, `tracestate`) a request, call or message carries,
//! read leniently (a malformed one is dropped) and handed on as headers.

/// A W3C trace context: the `traceparent` header and, when present, `tracestate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// `traceparent`: `VERSION-TRACE_ID-PARENT_ID-FLAGS` in lowercase hex.
    pub traceparent: String,
    /// `tracestate`: vendor entries, handed on as they came.
    pub tracestate: Option<String>,
}

/// The header names a trace context travels in.
pub const TRACE_HEADERS: [&str; 2] = ["traceparent", "tracestate"];

impl TraceContext {
    /// The trace context `header` (a lookup by header name) carries, if its `traceparent`
    /// is well formed; a malformed one is dropped, as the W3C recommendation asks.
    pub fn read(header: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let traceparent = header(TRACE_HEADERS[0]).filter(|value| well_formed(value))?;
        Some(Self {
            traceparent,
            tracestate: header(TRACE_HEADERS[1]),
        })
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

    /// The version-00 `traceparent` of a span: its trace id, its own id and its flags, in
    /// lowercase hex (written by hand: this runs for every traced request).
    pub fn traceparent(trace_id: [u8; 16], span_id: [u8; 8], flags: u8) -> String {
        let mut text = String::with_capacity(55);
        text.push_str("00-");
        push_hex(&mut text, &trace_id);
        text.push('-');
        push_hex(&mut text, &span_id);
        text.push('-');
        push_hex(&mut text, &[flags]);
        text
    }

    /// Its trace id and parent (span) id, as lowercase hex.
    pub fn ids(&self) -> Option<(&str, &str)> {
        let mut fields = self.traceparent.trim().split('-').skip(1);
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
        std::iter::once((TRACE_HEADERS[0], self.traceparent.as_str())).chain(
            self.tracestate
                .as_deref()
                .map(|state| (TRACE_HEADERS[1], state)),
        )
    }
}

/// Appends `bytes` as lowercase hex.
fn push_hex(text: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
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
        assert_eq!(trace.traceparent, PARENT);
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
        let written = TraceContext::traceparent(
            0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128.to_be_bytes(),
            0x00f0_67aa_0ba9_02b7_u64.to_be_bytes(),
            1,
        );
        assert_eq!(written, PARENT);
        assert!(well_formed(&written));
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
