//! The on-disk cache of compiled components.
//!
//! Compiling a component with Cranelift takes from tens of milliseconds to seconds; loading a
//! compiled artifact is a file map. Artifacts are keyed by the component's SHA-256 digest plus
//! the engine's compatibility hash (Wasmtime version, target and every setting that changes the
//! generated code), so a change to either compiles afresh instead of loading stale code.

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::RuntimeError;

/// Identifies one compiled artifact: which component, compiled by which engine configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    /// `sha256:` digest of the component bytes.
    pub digest: String,
    /// Hex fingerprint of the engine's compatibility hash.
    pub engine: String,
}

impl CacheKey {
    /// Computes the key of `bytes` compiled by `engine`.
    pub fn new(engine: &Engine, bytes: &[u8]) -> Self {
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Self {
            digest,
            engine: format!("{:016x}", hasher.finish()),
        }
    }

    fn file_name(&self) -> String {
        let digest = self.digest.trim_start_matches("sha256:");
        format!("{digest}-{}.cwasm", self.engine)
    }
}

/// A directory of compiled artifacts.
#[derive(Debug, Clone)]
pub struct CompiledCache {
    dir: PathBuf,
}

impl CompiledCache {
    /// Opens (creating if needed) the cache at `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, RuntimeError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| RuntimeError::Cache {
            path: dir.clone(),
            source,
        })?;
        Ok(Self { dir })
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads the artifact for `key`, if one is cached and still loadable. A stale or damaged
    /// artifact is removed and reported as a miss.
    pub fn load(&self, engine: &Engine, key: &CacheKey) -> Option<Component> {
        let path = self.dir.join(key.file_name());
        if !path.is_file() {
            return None;
        }
        // SAFETY: the file is one this cache wrote (atomically, via rename) from
        // `Engine::precompile_component`, named by the engine's compatibility hash; Wasmtime
        // also checks the artifact's header against the engine before using it.
        #[allow(unsafe_code)]
        let loaded = unsafe { Component::deserialize_file(engine, &path) };
        match loaded {
            Ok(component) => Some(component),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "discarding an unusable compiled artifact");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores `artifact` (from `Component::serialize`) under `key`, atomically (a temporary
    /// file renamed into place). Failures only cost a future recompile, so they are logged.
    pub fn store(&self, key: &CacheKey, artifact: &[u8]) {
        let path = self.dir.join(key.file_name());
        let written = tempfile::NamedTempFile::new_in(&self.dir).and_then(|mut file| {
            file.write_all(artifact)?;
            file.as_file().sync_all()?;
            file.persist(&path).map(drop).map_err(|error| error.error)
        });
        if let Err(error) = written {
            tracing::warn!(path = %path.display(), %error, "could not cache a compiled artifact");
        }
    }
}
