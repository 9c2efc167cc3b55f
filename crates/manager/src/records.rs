//! Configs and links put by hand (`weft config put`, `weft link put`), kept in the lattice
//! store so they come back after a restart. What an application's manifest declares is not
//! kept here: the reconciler recreates it from the manifest.

use std::collections::BTreeMap;

use weft_lattice::{Expect, Store, StoreError};

use weft_lattice::LinkSpec;

const CONFIGS: &str = "configs/";
const LINKS: &str = "links/";
const LABELS: &str = "labels/";

/// Why a stored config or link could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored record could not be read.
    #[error("the stored record `{key}` is damaged: {reason}")]
    Damaged {
        /// Its key.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

/// Hand-made configs and links in a [`Store`].
pub struct Records<S: Store> {
    store: S,
}

impl<S: Store> Records<S> {
    /// Records kept in `store`.
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// Creates or replaces config `name` with exactly `values`.
    pub async fn put_config(
        &self,
        name: &str,
        values: &BTreeMap<String, String>,
    ) -> Result<(), RecordError> {
        self.write(&format!("{CONFIGS}{name}"), values).await
    }

    /// Removes config `name`; returns whether it existed.
    pub async fn delete_config(&self, name: &str) -> Result<bool, RecordError> {
        Ok(self
            .store
            .delete(&format!("{CONFIGS}{name}"), Expect::Any)
            .await?)
    }

    /// Every hand-made config, by name.
    pub async fn configs(&self) -> Result<BTreeMap<String, BTreeMap<String, String>>, RecordError> {
        self.read_all(CONFIGS).await
    }

    /// Sets host label `key` (kept so it survives a restart).
    pub async fn put_label(&self, key: &str, value: &str) -> Result<(), RecordError> {
        self.write(&format!("{LABELS}{key}"), &value).await
    }

    /// Removes host label `key`; returns whether it existed.
    pub async fn delete_label(&self, key: &str) -> Result<bool, RecordError> {
        Ok(self
            .store
            .delete(&format!("{LABELS}{key}"), Expect::Any)
            .await?)
    }

    /// Every host label set by hand.
    pub async fn labels(&self) -> Result<BTreeMap<String, String>, RecordError> {
        self.read_all(LABELS).await
    }

    /// Creates or replaces a hand-made link (its `app` is ignored: hand-made links have none).
    pub async fn put_link(&self, link: &LinkSpec) -> Result<(), RecordError> {
        let link = LinkSpec {
            app: None,
            ..link.clone()
        };
        self.write(&link_record(link.key()), &link).await
    }

    /// Removes the hand-made link with this key; returns whether it existed.
    pub async fn delete_link(&self, key: (&str, &str, &str, &str)) -> Result<bool, RecordError> {
        Ok(self.store.delete(&link_record(key), Expect::Any).await?)
    }

    /// Every hand-made link.
    pub async fn links(&self) -> Result<Vec<LinkSpec>, RecordError> {
        Ok(self
            .read_all::<LinkSpec>(LINKS)
            .await?
            .into_values()
            .collect())
    }

    async fn write<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<(), RecordError> {
        let bytes = serde_json::to_vec(value).map_err(|error| RecordError::Damaged {
            key: key.to_owned(),
            reason: error.to_string(),
        })?;
        self.store.put(key, bytes, Expect::Any).await?;
        Ok(())
    }

    async fn read_all<T: serde::de::DeserializeOwned>(
        &self,
        prefix: &str,
    ) -> Result<BTreeMap<String, T>, RecordError> {
        let mut records = BTreeMap::new();
        for (key, entry) in self.store.list(prefix).await? {
            let value =
                serde_json::from_slice(&entry.value).map_err(|error| RecordError::Damaged {
                    key: key.clone(),
                    reason: error.to_string(),
                })?;
            records.insert(key[prefix.len()..].to_owned(), value);
        }
        Ok(records)
    }
}

/// The store key of the hand-made link with this (source, namespace, package, name).
fn link_record((source, namespace, package, name): (&str, &str, &str, &str)) -> String {
    format!("{LINKS}{source}/{namespace}:{package}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_lattice::EmbeddedStore;

    fn link(name: &str) -> LinkSpec {
        LinkSpec {
            source_id: "server".into(),
            target_id: "app-component".into(),
            name: name.into(),
            namespace: "wasi".into(),
            package: "http".into(),
            interfaces: vec!["incoming-handler".into()],
            source_config: vec!["listen".into()],
            target_config: Vec::new(),
            app: Some("ignored".into()),
            target_image: None,
            target_secrets: Vec::new(),
        }
    }

    #[tokio::test]
    async fn configs_and_links_survive_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.redb");
        {
            let records = Records::new(EmbeddedStore::open(&path).unwrap());
            let values = BTreeMap::from([("address".to_owned(), "127.0.0.1:9".to_owned())]);
            records.put_config("listen", &values).await.unwrap();
            records.put_config("gone", &values).await.unwrap();
            assert!(records.delete_config("gone").await.unwrap());
            assert!(!records.delete_config("gone").await.unwrap());
            records.put_label("zone", "eu").await.unwrap();
            records.put_link(&link("default")).await.unwrap();
            records.put_link(&link("second")).await.unwrap();
            assert!(
                records
                    .delete_link(("server", "wasi", "http", "second"))
                    .await
                    .unwrap()
            );
        }
        let records = Records::new(EmbeddedStore::open(&path).unwrap());
        let configs = records.configs().await.unwrap();
        assert_eq!(configs.keys().collect::<Vec<_>>(), ["listen"]);
        assert_eq!(configs["listen"]["address"], "127.0.0.1:9");
        assert_eq!(records.labels().await.unwrap()["zone"], "eu");
        let links = records.links().await.unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].name, "default");
        assert_eq!(links[0].app, None, "hand-made links belong to no app");
    }
}
