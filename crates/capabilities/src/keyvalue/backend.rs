//! The backend contract every key-value store implements, and the bucket a component opens.

use std::sync::Arc;

use async_trait::async_trait;

/// Why a key-value call failed; the component receives it as `wasi:keyvalue/store.error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyValueError {
    /// No such bucket (or no key-value link at all).
    #[error("no such store: {0}")]
    NoSuchStore(String),
    /// The component may not use this store.
    #[error("access denied")]
    AccessDenied,
    /// The backend failed; the text says how.
    #[error("{0}")]
    Other(String),
}

/// One page of keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyValuePage {
    /// The keys, in the backend's order.
    pub keys: Vec<String>,
    /// Where the next page starts, if there is one.
    pub cursor: Option<u64>,
}

/// A key-value store: buckets of keys to bytes. Counters (`increment`) are stored as decimal
/// text, as wasmCloud's Redis provider stores them, so other clients read them as numbers.
#[async_trait]
pub trait KeyValueBackend: Send + Sync {
    /// The system behind it, as spans name it (`db.system.name`: `redis`, `nats`, …).
    fn system(&self) -> &'static str;
    /// The value of `key`.
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KeyValueError>;
    /// Sets `key` to `value`.
    async fn set(&self, bucket: &str, key: &str, value: Vec<u8>) -> Result<(), KeyValueError>;
    /// Removes `key` (no error if it is absent).
    async fn delete(&self, bucket: &str, key: &str) -> Result<(), KeyValueError>;
    /// Whether `key` exists.
    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, KeyValueError> {
        Ok(self.get(bucket, key).await?.is_some())
    }
    /// One page of keys from `cursor` on.
    async fn list_keys(
        &self,
        bucket: &str,
        cursor: Option<u64>,
    ) -> Result<KeyValuePage, KeyValueError>;
    /// Adds `delta` to the counter at `key` (absent counts as 0); returns the new value.
    async fn increment(&self, bucket: &str, key: &str, delta: u64) -> Result<u64, KeyValueError>;
}

/// A bucket a component opened: its backend and name. Lives in the instance's resource table.
pub struct Bucket {
    /// Where its data is.
    pub backend: Arc<dyn KeyValueBackend>,
    /// Its name (the identifier given to `open`).
    pub name: String,
}

/// Keys per `list-keys` page.
pub(crate) const PAGE: usize = 1000;

/// Parses a stored counter and adds `delta`, refusing what is not a decimal number.
pub(crate) fn add_to_counter(
    key: &str,
    current: Option<&[u8]>,
    delta: u64,
) -> Result<u64, KeyValueError> {
    let current = match current {
        None => 0,
        Some(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .ok_or_else(|| {
                KeyValueError::Other(format!(
                    "`{key}` does not hold a counter (a decimal number), so it cannot be incremented"
                ))
            })?,
    };
    current
        .checked_add(delta)
        .ok_or_else(|| KeyValueError::Other(format!("incrementing `{key}` would overflow")))
}

/// The page of `keys` (sorted) starting at `cursor`.
pub(crate) fn page_of(keys: Vec<String>, cursor: Option<u64>) -> KeyValuePage {
    let start = usize::try_from(cursor.unwrap_or(0))
        .unwrap_or(usize::MAX)
        .min(keys.len());
    let end = start.saturating_add(PAGE).min(keys.len());
    KeyValuePage {
        cursor: (end < keys.len()).then_some(end as u64),
        keys: keys[start..end].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_decimal_text() {
        assert_eq!(add_to_counter("k", None, 5), Ok(5));
        assert_eq!(add_to_counter("k", Some(b"41"), 1), Ok(42));
        assert!(add_to_counter("k", Some(b"x"), 1).is_err());
        assert!(add_to_counter("k", Some(u64::MAX.to_string().as_bytes()), 1).is_err());
    }

    #[test]
    fn pages_follow_the_cursor() {
        let keys: Vec<String> = (0..PAGE + 5).map(|n| format!("{n:05}")).collect();
        let first = page_of(keys.clone(), None);
        assert_eq!(first.keys.len(), PAGE);
        assert_eq!(first.cursor, Some(PAGE as u64));
        let second = page_of(keys, first.cursor);
        assert_eq!(second.keys.len(), 5);
        assert_eq!(second.cursor, None);
    }
}
