//! Secrets in the lattice store, sealed with the [`SecretKey`].

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::aead::{Aad, NONCE_LEN, Nonce};
use ring::rand::{SecureRandom as _, SystemRandom};
use serde::{Deserialize, Serialize};
use weft_lattice::{Entry, Expect, Store};

use crate::{SecretError, SecretKey, SecretValue};

/// Where secrets live in the store.
const SECRETS: &str = "secrets/";

/// What may be said about a secret: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretInfo {
    /// Its name.
    pub name: String,
    /// 1 for the first value, one more for every put.
    pub version: u64,
    /// When its current value was put (milliseconds since the Unix epoch).
    pub updated_at_ms: u64,
}

/// One stored secret: the sealed value and what may be said about it.
#[derive(Serialize, Deserialize)]
struct Record {
    version: u64,
    updated_at_ms: u64,
    /// Base64 of the nonce.
    nonce: String,
    /// Base64 of the ciphertext with its tag.
    sealed: String,
}

/// Secrets kept encrypted in a [`Store`].
pub struct SecretVault<S: Store> {
    store: S,
    key: SecretKey,
    random: SystemRandom,
}

impl<S: Store> SecretVault<S> {
    /// Secrets in `store`, sealed with `key`.
    pub fn new(store: S, key: SecretKey) -> Self {
        Self {
            store,
            key,
            random: SystemRandom::new(),
        }
    }

    /// Stores `value` as the next version of secret `name`.
    pub async fn put(&self, name: &str, value: &SecretValue) -> Result<SecretInfo, SecretError> {
        let key = format!("{SECRETS}{name}");
        let existing = self.store.get(&key).await?;
        let (version, expect) = match &existing {
            Some(entry) => (
                read_record(name, entry)?.version + 1,
                Expect::Revision(entry.revision),
            ),
            None => (1, Expect::Absent),
        };
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| SecretError::Random)?;
        let mut sealed = value.expose().to_vec();
        self.key
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated_data(name, version)),
                &mut sealed,
            )
            .map_err(|_| SecretError::Random)?;
        let info = SecretInfo {
            name: name.to_owned(),
            version,
            updated_at_ms: now_ms(),
        };
        let record = Record {
            version,
            updated_at_ms: info.updated_at_ms,
            nonce: BASE64.encode(nonce),
            sealed: BASE64.encode(&sealed),
        };
        let bytes = serde_json::to_vec(&record).map_err(|_| SecretError::Undecryptable {
            name: name.to_owned(),
        })?;
        self.store.put(&key, bytes, expect).await?;
        Ok(info)
    }

    /// Removes secret `name`; returns whether it existed.
    pub async fn delete(&self, name: &str) -> Result<bool, SecretError> {
        Ok(self
            .store
            .delete(&format!("{SECRETS}{name}"), Expect::Any)
            .await?)
    }

    /// What may be said about every secret, by name (nothing is decrypted).
    pub async fn list(&self) -> Result<Vec<SecretInfo>, SecretError> {
        let mut infos = Vec::new();
        for (key, entry) in self.store.list(SECRETS).await? {
            let name = &key[SECRETS.len()..];
            let record = read_record(name, &entry)?;
            infos.push(SecretInfo {
                name: name.to_owned(),
                version: record.version,
                updated_at_ms: record.updated_at_ms,
            });
        }
        Ok(infos)
    }

    /// Every secret with its value, each decrypted on its own: one that does not decrypt
    /// does not keep the others from being read.
    pub async fn reveal_all(
        &self,
    ) -> Result<Vec<(SecretInfo, Result<SecretValue, SecretError>)>, SecretError> {
        let mut secrets = Vec::new();
        for (key, entry) in self.store.list(SECRETS).await? {
            let name = &key[SECRETS.len()..];
            let record = read_record(name, &entry)?;
            let value = self.open(name, &record);
            secrets.push((
                SecretInfo {
                    name: name.to_owned(),
                    version: record.version,
                    updated_at_ms: record.updated_at_ms,
                },
                value,
            ));
        }
        Ok(secrets)
    }

    fn open(&self, name: &str, record: &Record) -> Result<SecretValue, SecretError> {
        let undecryptable = || SecretError::Undecryptable {
            name: name.to_owned(),
        };
        let nonce: [u8; NONCE_LEN] = BASE64
            .decode(&record.nonce)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(undecryptable)?;
        let mut sealed = BASE64.decode(&record.sealed).map_err(|_| undecryptable())?;
        let plain = self
            .key
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated_data(name, record.version)),
                &mut sealed,
            )
            .map_err(|_| undecryptable())?;
        let value = SecretValue::new(plain.to_vec());
        zeroize::Zeroize::zeroize(&mut sealed);
        Ok(value)
    }
}

/// Binds a ciphertext to its secret's name and version.
fn associated_data(name: &str, version: u64) -> Vec<u8> {
    format!("weft-secret\0{name}\0{version}").into_bytes()
}

fn read_record(name: &str, entry: &Entry) -> Result<Record, SecretError> {
    serde_json::from_slice(&entry.value).map_err(|_| SecretError::Undecryptable {
        name: name.to_owned(),
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_lattice::EmbeddedStore;

    const CANARY: &[u8] = b"canary-9d1f4e-value";

    fn vault(dir: &std::path::Path) -> SecretVault<EmbeddedStore> {
        let store = EmbeddedStore::open(dir.join("state.redb")).unwrap();
        let key = SecretKey::load_or_create(&dir.join("secrets.key")).unwrap();
        SecretVault::new(store, key)
    }

    #[tokio::test]
    async fn values_are_sealed_at_rest_and_versioned() {
        let dir = tempfile::tempdir().unwrap();
        {
            let vault = vault(dir.path());
            let first = vault
                .put("api-key", &SecretValue::new(CANARY.to_vec()))
                .await
                .unwrap();
            assert_eq!(first.version, 1);
            let second = vault
                .put("api-key", &SecretValue::new(CANARY.to_vec()))
                .await
                .unwrap();
            assert_eq!(second.version, 2);
        }
        let raw = std::fs::read(dir.path().join("state.redb")).unwrap();
        assert!(
            !raw.windows(CANARY.len()).any(|window| window == CANARY),
            "the value is in the store file in the clear"
        );

        let vault = vault(dir.path());
        let all = vault.reveal_all().await.unwrap();
        let [(info, value)] = all.as_slice() else {
            panic!("one secret expected");
        };
        assert_eq!((info.name.as_str(), info.version), ("api-key", 2));
        assert_eq!(value.as_ref().unwrap().expose(), CANARY);
        assert_eq!(vault.list().await.unwrap().len(), 1);
        assert!(vault.delete("api-key").await.unwrap());
        assert!(vault.list().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn another_key_cannot_open_them_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        vault(dir.path())
            .put("db", &SecretValue::new(CANARY.to_vec()))
            .await
            .unwrap();
        std::fs::remove_file(dir.path().join("secrets.key")).unwrap();
        let all = vault(dir.path()).reveal_all().await.unwrap();
        let error = all[0].1.as_ref().unwrap_err().to_string();
        assert!(error.contains("secret `db` cannot be decrypted"), "{error}");
    }
}
