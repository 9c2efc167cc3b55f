//! The store a process runs on, chosen at start: the embedded file of `weft up`, or the
//! lattice's JetStream bucket with `--nats`.

use crate::{EmbeddedStore, Entry, Expect, NatsStore, Store, StoreError};

/// Either store, behind one type so the layers above need no generics for the choice.
#[derive(Clone)]
pub enum LatticeStore {
    /// One redb file under the state directory.
    Embedded(EmbeddedStore),
    /// The lattice's JetStream key-value bucket.
    Nats(Box<NatsStore>),
}

impl Store for LatticeStore {
    async fn get(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        match self {
            Self::Embedded(store) => store.get(key).await,
            Self::Nats(store) => store.get(key).await,
        }
    }

    async fn put(&self, key: &str, value: Vec<u8>, expect: Expect) -> Result<u64, StoreError> {
        match self {
            Self::Embedded(store) => store.put(key, value, expect).await,
            Self::Nats(store) => store.put(key, value, expect).await,
        }
    }

    async fn delete(&self, key: &str, expect: Expect) -> Result<bool, StoreError> {
        match self {
            Self::Embedded(store) => store.delete(key, expect).await,
            Self::Nats(store) => store.delete(key, expect).await,
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<(String, Entry)>, StoreError> {
        match self {
            Self::Embedded(store) => store.list(prefix).await,
            Self::Nats(store) => store.list(prefix).await,
        }
    }
}
