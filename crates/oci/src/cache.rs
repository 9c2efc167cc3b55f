//! Pulled components on disk, by digest. A tag's record says which manifest and layer it
//! named when it was last pulled; the layer's bytes live under their digest, written
//! atomically and checked again when read.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use oci_client::Reference;
use serde::{Deserialize, Serialize};

use crate::registry::sha256_digest;
use crate::{OciError, Pulled, Registry};

/// What a reference named when it was pulled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    manifest_digest: String,
    layer_digest: String,
    layer_media_type: String,
    config_media_type: String,
    annotations: BTreeMap<String, String>,
}

/// A component fetched through the cache.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The component.
    pub bytes: Vec<u8>,
    /// The manifest's digest.
    pub manifest_digest: String,
    /// The layer's digest.
    pub layer_digest: String,
    /// The layer's media type.
    pub layer_media_type: String,
    /// The config's media type.
    pub config_media_type: String,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
    /// Whether the bytes were downloaded now (not read from the cache).
    pub downloaded: bool,
    /// Why the registry was not asked, when it could not be reached and the cache answered.
    pub offline: Option<String>,
}

/// Pulled components under one directory.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
}

impl ArtifactCache {
    /// The cache at `dir` (created if missing).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, OciError> {
        let dir = dir.into();
        for sub in ["blobs", "refs"] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path).map_err(|source| OciError::Cache { path, source })?;
        }
        Ok(Self { dir })
    }

    /// The component `reference` names: from the cache when the registry still names the
    /// same manifest (one small request, no download), pulled otherwise; from the cache alone
    /// when the registry cannot be reached but the reference was pulled before.
    pub async fn fetch(&self, registry: &Registry, reference: &str) -> Result<Fetched, OciError> {
        let parsed = registry.parse(reference)?;
        let record = self.record(&parsed);
        match registry.manifest_digest(&parsed).await {
            Ok(digest) => {
                if let Some(record) = record.filter(|record| record.manifest_digest == digest)
                    && let Some(bytes) = self.blob(&record.layer_digest)
                {
                    return Ok(fetched(bytes, record, false, None));
                }
                let pulled = registry.pull(&parsed).await?;
                self.store(&parsed, &pulled)?;
                let record = record_of(&pulled);
                Ok(fetched(pulled.bytes, record, true, None))
            }
            Err(error) => {
                let cached = record.and_then(|record| {
                    self.blob(&record.layer_digest).map(|bytes| (bytes, record))
                });
                match cached {
                    Some((bytes, record)) => {
                        tracing::warn!(reference, %error, digest = %record.layer_digest, "the registry did not answer; using the cached copy");
                        Ok(fetched(bytes, record, false, Some(error.to_string())))
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// Keeps `pulled` as what `reference` names.
    fn store(&self, reference: &Reference, pulled: &Pulled) -> Result<(), OciError> {
        self.write_atomically(&self.blob_path(&pulled.layer_digest), &pulled.bytes)?;
        let record = serde_json::to_vec_pretty(&record_of(pulled)).unwrap_or_default();
        self.write_atomically(&self.record_path(reference), &record)
    }

    fn record(&self, reference: &Reference) -> Option<Record> {
        let bytes = std::fs::read(self.record_path(reference)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The cached bytes of `digest`, if present and intact.
    fn blob(&self, digest: &str) -> Option<Vec<u8>> {
        let bytes = std::fs::read(self.blob_path(digest)).ok()?;
        (sha256_digest(&bytes) == digest).then_some(bytes)
    }

    fn blob_path(&self, digest: &str) -> PathBuf {
        let name = digest.replace(':', "-");
        self.dir.join("blobs").join(format!("{name}.wasm"))
    }

    fn record_path(&self, reference: &Reference) -> PathBuf {
        let name: String = reference
            .whole()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join("refs").join(format!("{name}.json"))
    }

    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> Result<(), OciError> {
        let failed = |source| OciError::Cache {
            path: path.to_owned(),
            source,
        };
        let temporary = path.with_extension("partial");
        let mut file = std::fs::File::create(&temporary).map_err(failed)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(failed)?;
        std::fs::rename(&temporary, path).map_err(failed)
    }
}

fn record_of(pulled: &Pulled) -> Record {
    Record {
        manifest_digest: pulled.manifest_digest.clone(),
        layer_digest: pulled.layer_digest.clone(),
        layer_media_type: pulled.layer_media_type.clone(),
        config_media_type: pulled.config_media_type.clone(),
        annotations: pulled.annotations.clone(),
    }
}

fn fetched(bytes: Vec<u8>, record: Record, downloaded: bool, offline: Option<String>) -> Fetched {
    Fetched {
        bytes,
        manifest_digest: record.manifest_digest,
        layer_digest: record.layer_digest,
        layer_media_type: record.layer_media_type,
        config_media_type: record.config_media_type,
        annotations: record.annotations,
        downloaded,
        offline,
    }
}
