//! Store keys as NATS key-value keys. NATS keys allow `[-/_=.A-Za-z0-9]` with `.` between
//! tokens; store keys are `/`-separated paths of any text. Each path segment keeps
//! `[-_A-Za-z0-9]` and writes every other byte as `=XX`; an empty segment is `=`; segments
//! are joined by `.`, so a prefix that ends in `/` is a subject filter (`apps.>`).

use std::fmt::Write as _;

/// The NATS key for `key`.
pub(crate) fn encode(key: &str) -> String {
    key.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join(".")
}

fn encode_segment(segment: &str) -> String {
    if segment.is_empty() {
        return "=".to_owned();
    }
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "={byte:02X}");
        }
    }
    encoded
}

/// The store key a NATS key encodes (`None` for a key weft did not write).
pub(crate) fn decode(encoded: &str) -> Option<String> {
    let segments = encoded
        .split('.')
        .map(decode_segment)
        .collect::<Option<Vec<_>>>()?;
    Some(segments.join("/"))
}

fn decode_segment(segment: &str) -> Option<String> {
    if segment == "=" {
        return Some(String::new());
    }
    let mut bytes = Vec::with_capacity(segment.len());
    let mut rest = segment.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'=' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// The subject filter (under the bucket's prefix) that selects every key starting with
/// `prefix`, and whether what it selects still needs filtering by `prefix`.
pub(crate) fn filter(prefix: &str) -> (String, bool) {
    match prefix.strip_suffix('/') {
        Some(parent) if !parent.is_empty() => (format!("{}.>", encode(parent)), false),
        _ => (">".to_owned(), !prefix.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_valid_nats_keys() {
        for key in [
            "apps/shop",
            "links/shop-web/wasi:http/default",
            "configs/a.b c=d",
            "secrets/ünïcode",
            "a//b/",
            "",
        ] {
            let encoded = encode(key);
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_=.".contains(&b)),
                "{key:?} -> {encoded}"
            );
            assert!(!encoded.starts_with('.') && !encoded.ends_with('.'));
            assert_eq!(decode(&encoded).as_deref(), Some(key));
        }
        assert_eq!(encode("links/a/wasi:http"), "links.a.wasi=3Ahttp");
        assert_eq!(decode("bad=Z"), None);
    }

    #[test]
    fn prefixes_at_a_slash_become_subject_filters() {
        assert_eq!(filter("apps/"), ("apps.>".to_owned(), false));
        assert_eq!(filter("links/a:b/"), ("links.a=3Ab.>".to_owned(), false));
        assert_eq!(filter(""), (">".to_owned(), false));
        assert_eq!(filter("app"), (">".to_owned(), true));
    }
}
