//! The few protobuf wire rules OTLP export needs, writing straight into one buffer: no
//! message structs to fill, clone and drop for every span.

/// Wire type of varint fields (integers, bools, enums).
const VARINT: u8 = 0;
/// Wire type of 8-byte fields (`fixed64`, `double`).
const FIXED64: u8 = 1;
/// Wire type of length-delimited fields (strings, bytes, messages).
const LENGTH: u8 = 2;
/// Wire type of 4-byte fields (`fixed32`).
const FIXED32: u8 = 5;

/// Appends protobuf fields to a byte buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// A writer with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(capacity),
        }
    }

    /// What has been written so far.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// What has been written.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// A `uint64`/`int64`/`bool`/enum field (negative `int64`s as their two's complement).
    pub(crate) fn varint(&mut self, field: u32, value: u64) {
        self.key(field, VARINT);
        push_varint(&mut self.bytes, value);
    }

    /// A `fixed64` (or, with the bits of a float, `double`) field.
    pub(crate) fn fixed64(&mut self, field: u32, value: u64) {
        self.key(field, FIXED64);
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// A `fixed32` field.
    pub(crate) fn fixed32(&mut self, field: u32, value: u32) {
        self.key(field, FIXED32);
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// A `bytes` field.
    pub(crate) fn bytes(&mut self, field: u32, value: &[u8]) {
        self.key(field, LENGTH);
        push_varint(&mut self.bytes, value.len() as u64);
        self.bytes.extend_from_slice(value);
    }

    /// A `string` field.
    pub(crate) fn string(&mut self, field: u32, value: &str) {
        self.bytes(field, value.as_bytes());
    }

    /// Fields encoded before, appended as they are.
    pub(crate) fn raw(&mut self, fields: &[u8]) {
        self.bytes.extend_from_slice(fields);
    }

    /// A message field whose own fields `write` appends. A byte is kept for the length in
    /// front, enough for most messages; a longer one moves over to make room.
    pub(crate) fn message(&mut self, field: u32, write: impl FnOnce(&mut Self)) {
        self.key(field, LENGTH);
        let at = self.bytes.len();
        self.bytes.push(0);
        write(self);
        let length = self.bytes.len() - at - 1;
        let mut prefix = [0_u8; 10];
        let used = encode_varint(&mut prefix, length as u64);
        if used > 1 {
            self.bytes.resize(self.bytes.len() + used - 1, 0);
            self.bytes.copy_within(at + 1..at + 1 + length, at + used);
        }
        self.bytes[at..at + used].copy_from_slice(&prefix[..used]);
    }

    fn key(&mut self, field: u32, wire_type: u8) {
        push_varint(
            &mut self.bytes,
            u64::from(field) << 3 | u64::from(wire_type),
        );
    }
}

fn push_varint(bytes: &mut Vec<u8>, value: u64) {
    let mut encoded = [0_u8; 10];
    let used = encode_varint(&mut encoded, value);
    bytes.extend_from_slice(&encoded[..used]);
}

/// Writes `value` as a varint at the start of `out`; returns how many bytes it took.
fn encode_varint(out: &mut [u8; 10], mut value: u64) -> usize {
    let mut used = 0;
    while value >= 0x80 {
        out[used] = (value as u8 & 0x7f) | 0x80;
        value >>= 7;
        used += 1;
    }
    out[used] = value as u8;
    used + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_encoded_as_the_wire_format_says() {
        let mut writer = Writer::default();
        writer.varint(1, 150);
        writer.string(2, "hi");
        writer.message(3, |inner| inner.varint(1, 1));
        writer.fixed32(4, 1);
        assert_eq!(
            writer.into_bytes(),
            [
                0x08, 0x96, 0x01, 0x12, 2, b'h', b'i', 0x1a, 2, 0x08, 1, 0x25, 1, 0, 0, 0
            ]
        );
    }

    #[test]
    fn a_long_message_gets_a_multi_byte_length() {
        let mut writer = Writer::default();
        writer.message(1, |inner| inner.bytes(1, &[7; 200]));
        let bytes = writer.into_bytes();
        assert_eq!(&bytes[..5], &[0x0a, 0xcb, 0x01, 0x0a, 0xc8]);
        assert_eq!(bytes.len(), 1 + 2 + 1 + 2 + 200);
    }
}
