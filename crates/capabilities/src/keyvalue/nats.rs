//! The NATS JetStream key-value backend: a bucket per `open` identifier (or the one the link
//! names), created on first use unless the link turns that off.

use std::collections::HashMap;

use async_nats::jetstream::{self, kv};
use async_trait::async_trait;
use futures_util::StreamExt as _;
use tokio::sync::Mutex;

use super::backend::{KeyValueBackend, KeyValueError, KeyValuePage, add_to_counter, page_of};

/// Compare-and-swap attempts of one increment under contention from other processes.
const INCREMENT_ATTEMPTS: usize = 64;
/// Increments of keys hashing to the same stripe run one at a time in this process, so
/// concurrent instances do not race each other's compare-and-swap.
const INCREMENT_STRIPES: usize = 64;

/// A NATS server's JetStream key-value buckets.
pub struct NatsKeyValue {
    url: String,
    jetstream: jetstream::Context,
    /// The bucket every `open` uses, when the link names one.
    bucket: Option<String>,
    auto_create: bool,
    stores: Mutex<HashMap<String, kv::Store>>,
    increments: [Mutex<()>; INCREMENT_STRIPES],
}

impl NatsKeyValue {
    /// Connects to `url` (`nats://HOST:PORT`); the error names the URL.
    pub async fn connect(
        url: &str,
        bucket: Option<String>,
        auto_create: bool,
    ) -> Result<Self, KeyValueError> {
        let client = crate::nats::connect(&[url.to_owned()])
            .await
            .map_err(|error| KeyValueError::Other(error.to_string()))?;
        Ok(Self {
            url: url.to_owned(),
            jetstream: jetstream::new(client),
            bucket,
            auto_create,
            stores: Mutex::new(HashMap::new()),
            increments: std::array::from_fn(|_| Mutex::new(())),
        })
    }

    /// The store for `bucket` (the link's bucket wins), created if allowed.
    async fn store(&self, bucket: &str) -> Result<kv::Store, KeyValueError> {
        let name = self.bucket.clone().unwrap_or_else(|| bucket.to_owned());
        let mut stores = self.stores.lock().await;
        if let Some(store) = stores.get(&name) {
            return Ok(store.clone());
        }
        let store = match self.jetstream.get_key_value(name.clone()).await {
            Ok(store) => store,
            Err(_) if self.auto_create => self
                .jetstream
                .create_key_value(kv::Config {
                    bucket: name.clone(),
                    history: 1,
                    ..Default::default()
                })
                .await
                .map_err(|error| self.failed(&format!("cannot create bucket `{name}`"), error))?,
            Err(error) => {
                return Err(KeyValueError::NoSuchStore(format!(
                    "NATS at {} has no bucket `{name}` ({error}); create it or set enable_bucket_auto_create: true",
                    self.url
                )));
            }
        };
        stores.insert(name, store.clone());
        Ok(store)
    }

    fn failed(&self, what: &str, error: impl std::fmt::Display) -> KeyValueError {
        KeyValueError::Other(format!("NATS at {}: {what}: {error}", self.url))
    }
}

#[async_trait]
impl KeyValueBackend for NatsKeyValue {
    fn system(&self) -> &'static str {
        "nats"
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KeyValueError> {
        let store = self.store(bucket).await?;
        store
            .get(key)
            .await
            .map(|value| value.map(|bytes| bytes.to_vec()))
            .map_err(|error| self.failed(&format!("cannot read `{key}`"), error))
    }

    async fn set(&self, bucket: &str, key: &str, value: Vec<u8>) -> Result<(), KeyValueError> {
        let store = self.store(bucket).await?;
        store
            .put(key, value.into())
            .await
            .map(|_| ())
            .map_err(|error| self.failed(&format!("cannot write `{key}`"), error))
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<(), KeyValueError> {
        let store = self.store(bucket).await?;
        store
            .delete(key)
            .await
            .map_err(|error| self.failed(&format!("cannot delete `{key}`"), error))
    }

    async fn list_keys(
        &self,
        bucket: &str,
        cursor: Option<u64>,
    ) -> Result<KeyValuePage, KeyValueError> {
        let store = self.store(bucket).await?;
        let mut stream = store
            .keys()
            .await
            .map_err(|error| self.failed("cannot list keys", error))?;
        let mut keys = Vec::new();
        while let Some(key) = stream.next().await {
            keys.push(key.map_err(|error| self.failed("cannot list keys", error))?);
        }
        keys.sort();
        Ok(page_of(keys, cursor))
    }

    async fn increment(&self, bucket: &str, key: &str, delta: u64) -> Result<u64, KeyValueError> {
        let store = self.store(bucket).await?;
        let stripe = {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&(bucket, key), &mut hasher);
            std::hash::Hasher::finish(&hasher) as usize % INCREMENT_STRIPES
        };
        let _turn = self.increments[stripe].lock().await;
        for _ in 0..INCREMENT_ATTEMPTS {
            let entry = store
                .entry(key)
                .await
                .map_err(|error| self.failed(&format!("cannot read `{key}`"), error))?;
            // Revision 0 means "only if absent"; a deleted key is replaced at its marker.
            let revision = entry.as_ref().map_or(0, |entry| entry.revision);
            let current = entry
                .as_ref()
                .filter(|entry| entry.operation == kv::Operation::Put)
                .map(|entry| entry.value.as_ref());
            let next = add_to_counter(key, current, delta)?;
            let value = next.to_string().into_bytes().into();
            if store.update(key, value, revision).await.is_ok() {
                return Ok(next);
            }
        }
        Err(self.failed(
            &format!("`{key}`"),
            "too many concurrent writers; try again",
        ))
    }
}
