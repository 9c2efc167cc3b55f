//! Pulled components on disk, by digest. A reference's record (its [`ArtifactFacts`]) says
//! which manifest and layer it named when it was last pulled; the layer's bytes live under their digest, written
//! atomically and checked again when read.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use oci_client::Reference;

use crate::registry::sha256_digest;
use crate::{ArtifactFacts, OciError, Progress, Pulled, Registry, Transfer};

/// A component fetched through the cache.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The component.
    pub bytes: Vec<u8>,
    /// What the artifact is.
    pub facts: ArtifactFacts,
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
    /// when the registry cannot be reached but the reference was pulled before. `progress`
    /// hears each step.
    pub async fn fetch(
        &self,
        registry: &Registry,
        reference: &str,
        progress: &dyn Progress,
    ) -> Result<Fetched, OciError> {
        let parsed = registry.parse(reference)?;
        let record = self.record(&parsed);
        progress.report(Transfer::Resolving);
        match registry.manifest_digest(&parsed).await {
            Ok(digest) => {
                if let Some(facts) = record.filter(|facts| facts.manifest_digest == digest)
                    && let Some(bytes) = self.blob(&facts.layer_digest)
                {
                    progress.report(Transfer::Cached);
                    return Ok(Fetched {
                        bytes,
                        facts,
                        downloaded: false,
                        offline: None,
                    });
                }
                let pulled = registry.pull(&parsed, progress).await?;
                self.store(&parsed, &pulled)?;
                Ok(Fetched {
                    bytes: pulled.bytes,
                    facts: pulled.facts,
                    downloaded: true,
                    offline: None,
                })
            }
            Err(error) => {
                let cached = record
                    .and_then(|facts| self.blob(&facts.layer_digest).map(|bytes| (bytes, facts)));
                match cached {
                    Some((bytes, facts)) => {
                        progress.report(Transfer::Cached);
                        tracing::warn!(reference, %error, digest = %facts.layer_digest, "the registry did not answer; using the cached copy");
                        Ok(Fetched {
                            bytes,
                            facts,
                            downloaded: false,
                            offline: Some(error.to_string()),
                        })
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// Keeps `pulled` as what `reference` names.
    fn store(&self, reference: &Reference, pulled: &Pulled) -> Result<(), OciError> {
        self.write_atomically(&self.blob_path(&pulled.facts.layer_digest), &pulled.bytes)?;
        let path = self.record_path(reference);
        // An empty record would read back as a damaged cache entry: say why instead.
        let record = serde_json::to_vec_pretty(&pulled.facts).map_err(|error| OciError::Cache {
            path: path.clone(),
            source: std::io::Error::other(error),
        })?;
        self.write_atomically(&path, &record)
    }

    fn record(&self, reference: &Reference) -> Option<ArtifactFacts> {
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
