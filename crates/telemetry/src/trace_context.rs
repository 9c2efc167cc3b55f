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

    /// Its trace id and parent (span) id, as lowercase hex.
    pub fn ids(&self) -> Option<(&str, &str)> {
        let mut fields = self.traceparent.trim().split('-').skip(1);
        Some((fields.next()?, fields.next()?))
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

/// Whether `value` has the shape of a `traceparent`: four dash-separated lowercase hex fields
/// of 2, 32, 16 and 2 digits, with a non-zero trace id and parent id.
fn well_formed(value: &str) -> bool {
    let fields: Vec<&str> = value.trim().split('-').collect();
    let hex = |field: &str, len: usize| {
        field.len() == len
            && field
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
    };
    let non_zero = |field: &str| field.bytes().any(|byte| byte != b'0');
    (fields.len() == 4 || (fields.len() > 4 && fields[0] != "00"))
        && hex(fields[0], 2)
        && fields[0] != "ff"
        && hex(fields[1], 32)
        && non_zero(fields[1])
        && hex(fields[2], 16)
        && non_zero(fields[2])
        && hex(fields[3], 2)
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
