//! JSON for what weft sends and stores itself.

use serde::Serialize;

/// The JSON encoding of `value`, one of weft's own wire or store types.
///
/// Invariant: those types are plain data (structs, enums, strings, numbers, lists and maps with
/// string keys, no hand-written `Serialize` that can fail), and `serde_json` fails only on
/// non-string map keys or a failing `Serialize`; so this cannot fail. It panics, naming the
/// type, rather than send or store an empty payload if a future type breaks the invariant.
pub fn json_bytes<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|error| {
        panic!(
            "{} does not serialize to JSON ({error}); weft's wire and store types must be plain data",
            std::any::type_name::<T>()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_data_encodes() {
        let value = std::collections::BTreeMap::from([("a", vec![1, 2])]);
        assert_eq!(json_bytes(&value), br#"{"a":[1,2]}"#);
    }

    #[test]
    #[should_panic(expected = "does not serialize to JSON")]
    fn a_type_breaking_the_invariant_is_named_not_sent_empty() {
        let keys_not_strings = std::collections::BTreeMap::from([((1, 2), "x")]);
        let _ = json_bytes(&keys_not_strings);
    }
}
