//! Turning bytes into a compiled, ready-to-link component, with errors that say what the
//! file was and what was expected.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::Component;

use crate::RuntimeError;

/// Where a component's bytes came from; its `name` is what logs and errors call it.
#[derive(Debug, Clone)]
pub enum ComponentSource {
    /// A file on disk.
    File(PathBuf),
    /// Bytes already in memory (a bundled example, an OCI layer).
    Bytes {
        /// What to call it in logs and errors.
        name: String,
        /// The component bytes.
        bytes: Arc<[u8]>,
    },
}

impl ComponentSource {
    /// The name logs and errors use for this component.
    pub fn name(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Bytes { name, .. } => name.clone(),
        }
    }

    pub(crate) fn read(&self) -> Result<Arc<[u8]>, RuntimeError> {
        match self {
            Self::File(path) => {
                std::fs::read(path)
                    .map(Arc::from)
                    .map_err(|source| RuntimeError::Read {
                        path: path.clone(),
                        source,
                    })
            }
            Self::Bytes { bytes, .. } => Ok(Arc::clone(bytes)),
        }
    }
}

/// A compiled component, ready for a linker's `instantiate_pre`.
#[derive(Clone)]
pub struct LoadedComponent {
    /// What logs and errors call it (a path or a name).
    pub name: String,
    /// `sha256:` digest of its bytes.
    pub digest: String,
    /// The compiled component.
    pub component: Component,
    /// Time spent compiling, or loading from the cache.
    pub load_time: Duration,
    /// Whether the compiled artifact came from the cache.
    pub from_cache: bool,
}

impl std::fmt::Debug for LoadedComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedComponent")
            .field("name", &self.name)
            .field("digest", &self.digest)
            .field("load_time", &self.load_time)
            .field("from_cache", &self.from_cache)
            .finish_non_exhaustive()
    }
}

/// The 8-byte preamble of a component: magic, version 0x0d, layer 1.
const COMPONENT_PREAMBLE: [u8; 8] = *b"\0asm\x0d\x00\x01\x00";
/// The 8-byte preamble of a core module: magic, version 1, layer 0.
const CORE_MODULE_PREAMBLE: [u8; 8] = *b"\0asm\x01\x00\x00\x00";

/// Checks that `bytes` are a component before handing them to the compiler, so the common
/// mistakes get a precise error.
pub(crate) fn check_preamble(name: &str, bytes: &[u8]) -> Result<(), RuntimeError> {
    match bytes.get(..8) {
        Some(preamble) if preamble == COMPONENT_PREAMBLE => Ok(()),
        Some(preamble) if preamble == CORE_MODULE_PREAMBLE => Err(RuntimeError::CoreModule {
            name: name.to_owned(),
        }),
        Some(preamble) if preamble.starts_with(b"\0asm") => Err(RuntimeError::Invalid {
            name: name.to_owned(),
            reason: format!(
                "unsupported WebAssembly version/layer {:02x?}",
                &preamble[4..]
            ),
        }),
        _ => Err(RuntimeError::NotWasm {
            name: name.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_tells_components_modules_and_garbage_apart() {
        assert!(check_preamble("c", b"\0asm\x0d\x00\x01\x00rest").is_ok());
        assert!(matches!(
            check_preamble("m", b"\0asm\x01\x00\x00\x00"),
            Err(RuntimeError::CoreModule { .. })
        ));
        assert!(matches!(
            check_preamble("x", b"\0asm\x02\x00\x00\x00"),
            Err(RuntimeError::Invalid { .. })
        ));
        assert!(matches!(
            check_preamble("t", b"(component)"),
            Err(RuntimeError::NotWasm { .. })
        ));
        assert!(matches!(
            check_preamble("e", b""),
            Err(RuntimeError::NotWasm { .. })
        ));
    }
}
