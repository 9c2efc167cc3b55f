//! The in-memory backend: data lives as long as the capability that holds it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use super::backend::{KeyValueBackend, KeyValueError, KeyValuePage, add_to_counter, page_of};

/// Buckets in process memory.
#[derive(Default)]
pub struct MemoryKeyValue {
    buckets: Mutex<HashMap<String, BTreeMap<String, Vec<u8>>>>,
}

impl MemoryKeyValue {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, BTreeMap<String, Vec<u8>>>> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl KeyValueBackend for MemoryKeyValue {
    fn system(&self) -> &'static str {
        "weft.memory"
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KeyValueError> {
        Ok(self
            .lock()
            .get(bucket)
            .and_then(|entries| entries.get(key).cloned()))
    }

    async fn set(&self, bucket: &str, key: &str, value: Vec<u8>) -> Result<(), KeyValueError> {
        self.lock()
            .entry(bucket.to_owned())
            .or_default()
            .insert(key.to_owned(), value);
        Ok(())
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<(), KeyValueError> {
        if let Some(entries) = self.lock().get_mut(bucket) {
            entries.remove(key);
        }
        Ok(())
    }

    async fn list_keys(
        &self,
        bucket: &str,
        cursor: Option<u64>,
    ) -> Result<KeyValuePage, KeyValueError> {
        let keys = self
            .lock()
            .get(bucket)
            .map(|entries| entries.keys().cloned().collect())
            .unwrap_or_default();
        Ok(page_of(keys, cursor))
    }

    async fn increment(&self, bucket: &str, key: &str, delta: u64) -> Result<u64, KeyValueError> {
        let mut buckets = self.lock();
        let entries = buckets.entry(bucket.to_owned()).or_default();
        let next = add_to_counter(key, entries.get(key).map(Vec::as_slice), delta)?;
        entries.insert(key.to_owned(), next.to_string().into_bytes());
        Ok(next)
    }
}
