//! `wasi:keyvalue@0.2.0-draft` (store, atomics, batch) over pluggable backends: in-memory, an
//! embedded durable file, Redis, and NATS JetStream. The link from a component to a key-value capability picks
//! the backend (see [`KeyValueSettings`]).

mod backend;
mod capability;
mod embedded;
mod host;
mod memory;
mod nats;
mod redis;
mod settings;

pub use backend::{Bucket, KeyValueBackend, KeyValueError, KeyValuePage};
pub use capability::{KEYVALUE, KEYVALUE_NATS, KEYVALUE_REDIS, KeyValueCapability};
pub use embedded::EmbeddedKeyValue;
pub use memory::MemoryKeyValue;
pub use nats::NatsKeyValue;
pub use redis::RedisKeyValue;
pub use settings::{DEFAULT_NATS_URL, DEFAULT_REDIS_URL, KeyValueKind, KeyValueSettings};

#[cfg(test)]
mod contract {
    //! The behaviour every backend must have, run against each one.

    use super::*;

    async fn behaves(store: &dyn KeyValueBackend) {
        assert_eq!(store.get("b", "k").await.unwrap(), None);
        store.set("b", "k", b"v".to_vec()).await.unwrap();
        store
            .set("other", "k", b"elsewhere".to_vec())
            .await
            .unwrap();
        assert_eq!(store.get("b", "k").await.unwrap(), Some(b"v".to_vec()));
        assert!(store.exists("b", "k").await.unwrap());
        assert_eq!(store.increment("b", "n", 2).await.unwrap(), 2);
        assert_eq!(store.increment("b", "n", 3).await.unwrap(), 5);
        assert_eq!(store.get("b", "n").await.unwrap(), Some(b"5".to_vec()));
        assert!(
            store.increment("b", "k", 1).await.is_err(),
            "`v` is no counter"
        );
        let page = store.list_keys("b", None).await.unwrap();
        assert_eq!(page.keys, ["k", "n"]);
        assert_eq!(page.cursor, None);
        store.delete("b", "k").await.unwrap();
        store.delete("b", "absent").await.unwrap();
        assert!(!store.exists("b", "k").await.unwrap());
        assert_eq!(store.list_keys("b", None).await.unwrap().keys, ["n"]);
        assert_eq!(
            store.list_keys("empty", None).await.unwrap().keys,
            Vec::<String>::new()
        );
    }

    /// Concurrent increments each get their own value and none is lost.
    async fn counts_concurrently(store: std::sync::Arc<dyn KeyValueBackend>) {
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let store = std::sync::Arc::clone(&store);
                tokio::spawn(async move { store.increment("c", "hits", 1).await.unwrap() })
            })
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        for task in tasks {
            assert!(seen.insert(task.await.unwrap()));
        }
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            (1..=200).collect::<Vec<_>>()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_increments() {
        counts_concurrently(std::sync::Arc::new(MemoryKeyValue::new())).await;
        let dir = tempfile::tempdir().unwrap();
        let embedded = EmbeddedKeyValue::open(&dir.path().join("c.redb")).unwrap();
        counts_concurrently(std::sync::Arc::new(embedded)).await;
    }

    #[tokio::test]
    async fn memory() {
        behaves(&MemoryKeyValue::new()).await;
    }

    #[tokio::test]
    async fn embedded_and_durable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kv/store.redb");
        {
            let store = EmbeddedKeyValue::open(&file).unwrap();
            behaves(&store).await;
        }
        let reopened = EmbeddedKeyValue::open(&file).unwrap();
        assert_eq!(reopened.get("b", "n").await.unwrap(), Some(b"5".to_vec()));
        assert_eq!(
            reopened.get("other", "k").await.unwrap(),
            Some(b"elsewhere".to_vec())
        );
    }
}
