//! [`BlobBackend`] on NATS JetStream object stores: a container is a bucket, an object is an
//! object in it. Settings follow wasmCloud's `blobstore-nats` link config.

use std::collections::BTreeMap;
use std::time::Duration;

use async_nats::jetstream::{self, object_store};
use async_trait::async_trait;
use futures_util::StreamExt as _;
use tokio::io::AsyncReadExt as _;

use super::backend::{BlobBackend, BlobError, ObjectFacts};
use crate::settings_error::SettingsError;

/// Where a NATS blobstore connects when the link names no server.
pub const DEFAULT_NATS_BLOBSTORE_URL: &str = "nats://127.0.0.1:4222";
/// Largest object one write may carry, unless the link says otherwise.
const DEFAULT_MAX_OBJECT_BYTES: usize = 64 * 1024 * 1024;
const ACCEPTED_KEYS: &[&str] = &[
    "cluster_uri",
    "js_domain",
    "max_age",
    "storage_type",
    "num_replicas",
    "max_object_bytes",
    "compression",
];

/// A NATS blobstore link's settings (its merged target config).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NatsBlobstoreSettings {
    /// The NATS server.
    pub url: String,
    /// The JetStream domain, if not the default one.
    pub js_domain: Option<String>,
    /// How long objects live in containers it creates (zero: forever).
    pub max_age: Duration,
    /// Whether containers it creates keep objects in memory instead of files.
    pub in_memory: bool,
    /// Replicas of containers it creates.
    pub num_replicas: usize,
    /// Largest object one write may carry.
    pub max_object_bytes: usize,
}

impl NatsBlobstoreSettings {
    /// Reads `cluster_uri`, `js_domain`, `max_age` (seconds), `storage_type` (`file` or
    /// `memory`), `num_replicas`, `compression` (only `false`) and `max_object_bytes`;
    /// unknown keys are named with the accepted ones.
    pub fn from_config(config: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        let mut settings = Self {
            url: DEFAULT_NATS_BLOBSTORE_URL.to_owned(),
            js_domain: None,
            max_age: Duration::ZERO,
            in_memory: false,
            num_replicas: 1,
            max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
        };
        for (key, value) in config {
            let bad = |accepted: &str| SettingsError::bad_value(key, value, accepted);
            let number = |accepted: &str| value.trim().parse::<u64>().map_err(|_| bad(accepted));
            match key.to_ascii_lowercase().as_str() {
                "cluster_uri" => {
                    if value.parse::<async_nats::ServerAddr>().is_err() {
                        return Err(bad("a NATS URL like `nats://127.0.0.1:4222`"));
                    }
                    settings.url = value.clone();
                }
                "js_domain" => settings.js_domain = Some(value.clone()).filter(|d| !d.is_empty()),
                "max_age" => settings.max_age = Duration::from_secs(number("a number of seconds")?),
                "storage_type" => {
                    settings.in_memory = match value.to_ascii_lowercase().as_str() {
                        "file" => false,
                        "memory" => true,
                        _ => return Err(bad("`file` or `memory`")),
                    }
                }
                "num_replicas" => {
                    settings.num_replicas = usize::try_from(number("1 to 5")?)
                        .ok()
                        .filter(|replicas| (1..=5).contains(replicas))
                        .ok_or_else(|| bad("1 to 5"))?;
                }
                "compression" => match value.to_ascii_lowercase().as_str() {
                    "false" => {}
                    "true" => {
                        return Err(bad(
                            "`false`: weft does not compress object stores yet; leave `compression` out",
                        ));
                    }
                    _ => return Err(bad("`true` or `false`")),
                },
                "max_object_bytes" => {
                    settings.max_object_bytes =
                        usize::try_from(number("a number of bytes above 0")?)
                            .ok()
                            .filter(|bytes| *bytes > 0)
                            .ok_or_else(|| bad("a number of bytes above 0"))?;
                }
                _ => return Err(SettingsError::unknown_key(key, ACCEPTED_KEYS)),
            }
        }
        Ok(settings)
    }
}

/// Containers as JetStream object store buckets on one NATS server.
pub struct NatsBlobstore {
    settings: NatsBlobstoreSettings,
    jetstream: jetstream::Context,
}

impl NatsBlobstore {
    /// Connects as `settings` say; the error names the server.
    pub async fn connect(
        settings: NatsBlobstoreSettings,
    ) -> Result<Self, crate::capability::NatsConnectError> {
        let client = crate::nats::connect(std::slice::from_ref(&settings.url)).await?;
        let jetstream = match &settings.js_domain {
            Some(domain) => jetstream::with_domain(client, domain),
            None => jetstream::new(client),
        };
        Ok(Self {
            settings,
            jetstream,
        })
    }

    /// The bucket of container `name`.
    async fn bucket(&self, name: &str) -> Result<object_store::ObjectStore, BlobError> {
        check_container_name(name)?;
        if !self.container_exists(name).await? {
            return Err(BlobError::NoSuchContainer(name.to_owned()));
        }
        self.jetstream
            .get_object_store(name)
            .await
            .map_err(|error| self.failed(&format!("cannot open container `{name}`"), error))
    }

    fn failed(
        &self,
        what: &str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> BlobError {
        BlobError::Nats {
            what: what.to_owned(),
            server: self.settings.url.clone(),
            source: Box::new(source),
        }
    }
}

/// NATS bucket names: letters, digits, `-` and `_`.
fn check_container_name(name: &str) -> Result<(), BlobError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(BlobError::BadName(format!(
            "`{name}` is not a container name on NATS: use letters, digits, `-` and `_`"
        )))
    }
}

/// Seconds since the Unix epoch, 0 before it.
fn unix_secs(seconds: i64) -> u64 {
    u64::try_from(seconds).unwrap_or(0)
}

#[async_trait]
impl BlobBackend for NatsBlobstore {
    fn max_object_bytes(&self) -> usize {
        self.settings.max_object_bytes
    }

    fn system(&self) -> &'static str {
        "nats"
    }

    async fn create_container(&self, name: &str) -> Result<(), BlobError> {
        check_container_name(name)?;
        if self.container_exists(name).await? {
            return Err(BlobError::ContainerExists(name.to_owned()));
        }
        let storage = if self.settings.in_memory {
            jetstream::stream::StorageType::Memory
        } else {
            jetstream::stream::StorageType::File
        };
        self.jetstream
            .create_object_store(object_store::Config {
                bucket: name.to_owned(),
                max_age: self.settings.max_age,
                storage,
                num_replicas: self.settings.num_replicas,
                ..Default::default()
            })
            .await
            .map(|_| ())
            .map_err(|error| self.failed(&format!("cannot create container `{name}`"), error))
    }

    async fn container_exists(&self, name: &str) -> Result<bool, BlobError> {
        check_container_name(name)?;
        match self.jetstream.get_stream(format!("OBJ_{name}")).await {
            Ok(_) => Ok(true),
            Err(error) => match error.kind() {
                jetstream::context::GetStreamErrorKind::JetStream(inner)
                    if inner.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND =>
                {
                    Ok(false)
                }
                _ => Err(self.failed(&format!("cannot look up container `{name}`"), error)),
            },
        }
    }

    async fn delete_container(&self, name: &str) -> Result<(), BlobError> {
        check_container_name(name)?;
        self.jetstream
            .delete_object_store(name)
            .await
            .map_err(|error| self.failed(&format!("cannot delete container `{name}`"), error))
    }

    async fn container_created_at(&self, name: &str) -> Result<u64, BlobError> {
        check_container_name(name)?;
        let mut stream = self
            .jetstream
            .get_stream(format!("OBJ_{name}"))
            .await
            .map_err(|error| self.failed(&format!("cannot look up container `{name}`"), error))?;
        let info = stream
            .info()
            .await
            .map_err(|error| self.failed(&format!("cannot look up container `{name}`"), error))?;
        Ok(unix_secs(info.created.unix_timestamp()))
    }

    async fn read(&self, container: &str, object: &str) -> Result<Vec<u8>, BlobError> {
        let bucket = self.bucket(container).await?;
        let mut reader = bucket
            .get(object)
            .await
            .map_err(|error| match error.kind() {
                object_store::GetErrorKind::NotFound => BlobError::NoSuchObject {
                    container: container.to_owned(),
                    object: object.to_owned(),
                },
                _ => self.failed(&format!("cannot read `{object}` in `{container}`"), error),
            })?;
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await.map_err(|error| {
            self.failed(&format!("cannot read `{object}` in `{container}`"), error)
        })?;
        Ok(bytes)
    }

    async fn write(&self, container: &str, object: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
        let bucket = self.bucket(container).await?;
        bucket
            .put(object, &mut bytes.as_slice())
            .await
            .map(|_| ())
            .map_err(|error| {
                self.failed(&format!("cannot write `{object}` in `{container}`"), error)
            })
    }

    async fn list(&self, container: &str) -> Result<Vec<String>, BlobError> {
        let bucket = self.bucket(container).await?;
        let mut listing = bucket
            .list()
            .await
            .map_err(|error| self.failed(&format!("cannot list `{container}`"), error))?;
        let mut names = Vec::new();
        while let Some(info) = listing.next().await {
            let info =
                info.map_err(|error| self.failed(&format!("cannot list `{container}`"), error))?;
            if !info.deleted {
                names.push(info.name);
            }
        }
        names.sort();
        Ok(names)
    }

    async fn delete(&self, container: &str, object: &str) -> Result<(), BlobError> {
        let bucket = self.bucket(container).await?;
        match bucket.delete(object).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == object_store::DeleteErrorKind::NotFound => Ok(()),
            Err(error) => Err(self.failed(&format!("cannot delete `{object}`"), error)),
        }
    }

    async fn has(&self, container: &str, object: &str) -> Result<bool, BlobError> {
        let bucket = self.bucket(container).await?;
        match bucket.info(object).await {
            Ok(info) => Ok(!info.deleted),
            Err(error) if error.kind() == object_store::InfoErrorKind::NotFound => Ok(false),
            Err(error) => Err(self.failed(&format!("cannot look up `{object}`"), error)),
        }
    }

    async fn facts(&self, container: &str, object: &str) -> Result<ObjectFacts, BlobError> {
        let bucket = self.bucket(container).await?;
        match bucket.info(object).await {
            Ok(info) if !info.deleted => Ok(ObjectFacts {
                size: info.size as u64,
                created_at: info
                    .modified
                    .map_or(0, |modified| unix_secs(modified.unix_timestamp())),
            }),
            Ok(_) => Err(BlobError::NoSuchObject {
                container: container.to_owned(),
                object: object.to_owned(),
            }),
            Err(error) if error.kind() == object_store::InfoErrorKind::NotFound => {
                Err(BlobError::NoSuchObject {
                    container: container.to_owned(),
                    object: object.to_owned(),
                })
            }
            Err(error) => Err(self.failed(&format!("cannot look up `{object}`"), error)),
        }
    }

    async fn clear(&self, container: &str) -> Result<(), BlobError> {
        for name in self.list(container).await? {
            self.delete(container, &name).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_follow_wasmclouds_keys() {
        let read = |pairs: &[(&str, &str)]| {
            NatsBlobstoreSettings::from_config(
                &pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            )
        };
        let settings = read(&[
            ("cluster_uri", "nats://10.0.0.1:4222"),
            ("max_age", "60"),
            ("STORAGE_TYPE", "memory"),
        ])
        .unwrap();
        assert_eq!(settings.url, "nats://10.0.0.1:4222");
        assert_eq!(settings.max_age, Duration::from_secs(60));
        assert!(settings.in_memory);
        assert!(read(&[("num_replicas", "9")]).is_err());
        let error = read(&[("root", "/x")]).unwrap_err().to_string();
        assert!(error.contains("cluster_uri, js_domain"), "{error}");
        assert!(check_container_name("photos_2026").is_ok());
        assert!(check_container_name("a.b").is_err());
    }
}
