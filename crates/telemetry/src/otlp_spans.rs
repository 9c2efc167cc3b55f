//! Ended spans as an OTLP `ExportTraceServiceRequest` (`opentelemetry/proto/collector/
//! trace/v1` and `trace/v1`). Each span is written as it ends, by the thread that ran it,
//! into the batch it joins ([`EncodedSpans`]), so its record is dropped where it was made and
//! the export task only wraps the batch's bytes; the same bytes go out over OTLP/HTTP and
//! OTLP/gRPC.

use opentelemetry::trace::SpanKind;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::Resource;

use crate::export_queue::Batch;
use crate::protobuf::Writer;
use crate::spans::SpanRecord;

/// The W3C `sampled` flag, in the span's `flags` field.
const SAMPLED: u32 = 0x01;
/// `flags` bits that say whether the parent is known to be remote, and that it is: every
/// parent weft continues comes from a trace context, so it is.
const PARENT_IS_REMOTE: u32 = 0x100 | 0x200;
/// `flags` bit that says whether the parent is known to be remote, for a trace's first span.
const HAS_NO_REMOTE_PARENT: u32 = 0x100;
/// `Status.code` of a failed span.
const STATUS_ERROR: u64 = 2;

/// Room for a span's bytes when a batch is made: most take 150–250.
const SPAN_ROOM: usize = 256;

/// A batch of ended spans, each already written as a `ScopeSpans.spans` field.
#[derive(Debug)]
pub(crate) struct EncodedSpans {
    spans: Writer,
    count: usize,
}

/// A span's attributes, written as OTLP `KeyValue` fields as they are set: no attribute
/// value is built, cloned or dropped per span.
#[derive(Debug, Default)]
pub struct SpanAttributes(Writer);

/// Room for a span's attributes: most take under 160 bytes.
const ATTRIBUTES_ROOM: usize = 160;

impl SpanAttributes {
    /// Room for the usual attributes.
    pub(crate) fn with_room() -> Self {
        Self(Writer::with_capacity(ATTRIBUTES_ROOM))
    }

    /// A text attribute.
    pub fn string(&mut self, key: &str, value: &str) {
        self.0.message(9, |pair| {
            pair.string(1, key);
            pair.message(2, |any| any.string(1, value));
        });
    }

    /// An integer attribute.
    pub fn int(&mut self, key: &str, value: i64) {
        self.0.message(9, |pair| {
            pair.string(1, key);
            pair.message(2, |any| any.varint(3, value as u64));
        });
    }

    /// An attribute of any OpenTelemetry value.
    pub fn push(&mut self, attribute: &KeyValue) {
        self.0.message(9, |pair| attribute_pair(pair, attribute));
    }

    /// Several attributes.
    pub fn extend<'a>(&mut self, attributes: impl IntoIterator<Item = &'a KeyValue>) {
        for attribute in attributes {
            self.push(attribute);
        }
    }
}

impl EncodedSpans {
    /// Writes `span` into the batch as a `ScopeSpans.spans` field.
    pub(crate) fn add(&mut self, span: &SpanRecord) {
        self.spans.message(2, |fields| write_span(fields, span));
        self.count += 1;
    }
}

impl Batch for EncodedSpans {
    fn with_room(items: usize) -> Self {
        Self {
            spans: Writer::with_capacity(items * SPAN_ROOM),
            count: 0,
        }
    }

    fn count(&self) -> usize {
        self.count
    }

    fn append(&mut self, other: Self) {
        self.spans.raw(other.spans.as_bytes());
        self.count += other.count;
    }
}

/// Writes export requests for one process: its resource and scope are encoded once.
#[derive(Debug)]
pub(crate) struct SpanEncoder {
    /// The `Resource` message's fields.
    resource: Vec<u8>,
}

impl SpanEncoder {
    /// An encoder whose requests carry `resource`.
    pub(crate) fn new(resource: &Resource) -> Self {
        let mut fields = Writer::default();
        for (key, value) in resource.iter() {
            fields.message(1, |pair| key_value(pair, key.as_str(), value));
        }
        Self {
            resource: fields.into_bytes(),
        }
    }

    /// An `ExportTraceServiceRequest` with the spans of `batch`, from scope `weft`.
    pub(crate) fn request(&self, batch: &EncodedSpans) -> Vec<u8> {
        let spans = batch.spans.as_bytes();
        let mut request = Writer::with_capacity(self.resource.len() + spans.len() + 32);
        request.message(1, |resource_spans| {
            resource_spans.message(1, |resource| resource.raw(&self.resource));
            resource_spans.message(2, |scope_spans| {
                scope_spans.message(1, |scope| scope.string(1, crate::SCOPE));
                scope_spans.raw(spans);
            });
        });
        request.into_bytes()
    }
}

fn write_span(fields: &mut Writer, span: &SpanRecord) {
    fields.bytes(1, &span.ids.trace_id);
    fields.bytes(2, &span.ids.span_id);
    if let Some(state) = &span.ids.trace_state {
        fields.string(3, state);
    }
    if let Some(parent) = &span.parent_span_id {
        fields.bytes(4, parent);
    }
    fields.string(5, span.name.as_str());
    fields.varint(6, kind_number(&span.kind));
    fields.fixed64(7, span.start);
    fields.fixed64(8, span.end);
    fields.raw(span.attributes.0.as_bytes());
    if let Some(description) = &span.error {
        fields.message(15, |status| {
            status.string(2, description);
            status.varint(3, STATUS_ERROR);
        });
    }
    let remote = if span.parent_span_id.is_some() {
        PARENT_IS_REMOTE
    } else {
        HAS_NO_REMOTE_PARENT
    };
    let sampled = if span.ids.sampled { SAMPLED } else { 0 };
    fields.fixed32(16, sampled | remote);
}

/// `Span.SpanKind`'s number for `kind`.
fn kind_number(kind: &SpanKind) -> u64 {
    match kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

fn attribute_pair(pair: &mut Writer, attribute: &KeyValue) {
    key_value(pair, attribute.key.as_str(), &attribute.value);
}

/// A `KeyValue` message's fields.
fn key_value(pair: &mut Writer, key: &str, value: &Value) {
    pair.string(1, key);
    pair.message(2, |any| any_value(any, value));
}

/// An `AnyValue` message's fields.
fn any_value(any: &mut Writer, value: &Value) {
    match value {
        Value::Bool(flag) => any.varint(2, u64::from(*flag)),
        Value::I64(number) => any.varint(3, *number as u64),
        Value::F64(number) => any.fixed64(4, number.to_bits()),
        Value::String(text) => any.string(1, text.as_str()),
        Value::Array(array) => any.message(5, |values| array_values(values, array)),
        other => any.string(1, &other.to_string()),
    }
}

/// An `ArrayValue` message's fields.
fn array_values(values: &mut Writer, array: &opentelemetry::Array) {
    use opentelemetry::Array;
    match array {
        Array::Bool(items) => {
            for item in items {
                values.message(1, |any| any.varint(2, u64::from(*item)));
            }
        }
        Array::I64(items) => {
            for item in items {
                values.message(1, |any| any.varint(3, *item as u64));
            }
        }
        Array::F64(items) => {
            for item in items {
                values.message(1, |any| any.fixed64(4, item.to_bits()));
            }
        }
        Array::String(items) => {
            for item in items {
                values.message(1, |any| any.string(1, item.as_str()));
            }
        }
        other => values.message(1, |any| any.string(1, &other.to_string())),
    }
}

/// The spans `batches` hold, decoded by OpenTelemetry's own protobuf types.
#[cfg(test)]
pub(crate) fn decoded(
    batches: &[EncodedSpans],
) -> Vec<opentelemetry_proto::tonic::trace::v1::Span> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message as _;

    let encoder = SpanEncoder::new(&Resource::builder_empty().build());
    batches
        .iter()
        .filter_map(|batch| {
            ExportTraceServiceRequest::decode(encoder.request(batch).as_slice()).ok()
        })
        .flat_map(|request| request.resource_spans)
        .flat_map(|resource| resource.scope_spans)
        .flat_map(|scope| scope.spans)
        .collect()
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value;
    use prost::Message as _;

    use super::*;
    use crate::spans::SpanIds;

    #[test]
    fn a_request_decodes_as_otlp_with_every_field_weft_sets() {
        let resource = Resource::builder_empty()
            .with_attributes([KeyValue::new("service.name", "weft")])
            .build();
        let span = SpanRecord {
            ids: SpanIds {
                trace_id: [1; 16],
                span_id: [2; 8],
                sampled: true,
                trace_state: Some("vendor=1".into()),
            },
            parent_span_id: Some([3; 8]),
            name: "GET /".into(),
            kind: SpanKind::Server,
            start: 10,
            end: 25,
            attributes: {
                let mut attributes = SpanAttributes::default();
                attributes.int("http.response.status_code", 500);
                attributes.string("url.path", "/a");
                attributes.push(&KeyValue::new("cold", true));
                attributes
            },
            error: Some("answered with status 500".into()),
        };
        let mut batch = EncodedSpans::with_room(1);
        batch.add(&span);
        let bytes = SpanEncoder::new(&resource).request(&batch);
        let request = ExportTraceServiceRequest::decode(bytes.as_slice())
            .unwrap_or_else(|error| panic!("{error}"));
        let resource_spans = &request.resource_spans[0];
        let resource = resource_spans.resource.clone().unwrap_or_default();
        assert_eq!(resource.attributes[0].key, "service.name");
        let scope_spans = &resource_spans.scope_spans[0];
        assert_eq!(scope_spans.scope.clone().unwrap_or_default().name, "weft");
        let decoded = &scope_spans.spans[0];
        assert_eq!(decoded.trace_id, vec![1; 16]);
        assert_eq!(decoded.span_id, vec![2; 8]);
        assert_eq!(decoded.parent_span_id, vec![3; 8]);
        assert_eq!(decoded.trace_state, "vendor=1");
        assert_eq!(decoded.name, "GET /");
        assert_eq!(decoded.kind, 2);
        assert_eq!(
            (decoded.start_time_unix_nano, decoded.end_time_unix_nano),
            (10, 25)
        );
        assert_eq!(decoded.flags, 0x301);
        let values: Vec<(String, Option<any_value::Value>)> = decoded
            .attributes
            .iter()
            .map(|pair| {
                (
                    pair.key.clone(),
                    pair.value.clone().and_then(|any| any.value),
                )
            })
            .collect();
        assert_eq!(
            values,
            [
                (
                    "http.response.status_code".into(),
                    Some(any_value::Value::IntValue(500))
                ),
                (
                    "url.path".into(),
                    Some(any_value::Value::StringValue("/a".into()))
                ),
                ("cold".into(), Some(any_value::Value::BoolValue(true))),
            ]
        );
        let status = decoded.status.clone().unwrap_or_default();
        assert_eq!(
            (status.code, status.message.as_str()),
            (2, "answered with status 500")
        );
    }
}
