//! The filesystem store behind the blobstore interface, with the root enforced.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::BlobError;
use crate::settings_error::SettingsError;

/// Largest object one write may carry, unless the link says otherwise.
const DEFAULT_MAX_OBJECT_BYTES: usize = 64 * 1024 * 1024;
const ACCEPTED_KEYS: &[&str] = &["root", "max_object_bytes"];

/// A blobstore link's settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobstoreSettings {
    /// The root directory (`None`: the host's default for the capability).
    pub root: Option<PathBuf>,
    /// Largest object one write may carry.
    pub max_object_bytes: usize,
}

impl BlobstoreSettings {
    /// Reads the link's merged target config: `root` (wasmCloud's `ROOT`; an absolute
    /// directory) and `max_object_bytes` (default 64 MiB).
    pub fn from_config(config: &BTreeMap<String, String>) -> Result<Self, SettingsError> {
        let mut settings = Self {
            root: None,
            max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
        };
        for (key, value) in config {
            let bad = |accepted: &str| SettingsError::bad_value(key, value, accepted);
            match key.to_ascii_lowercase().as_str() {
                "root" => {
                    let root = PathBuf::from(value);
                    if !root.is_absolute() {
                        return Err(bad("an absolute directory"));
                    }
                    settings.root = Some(root);
                }
                "max_object_bytes" => {
                    settings.max_object_bytes = value
                        .trim()
                        .parse::<usize>()
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

/// A blobstore root directory that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} the blobstore root {}: {source}", root.display())]
pub struct BlobRootError {
    /// What was tried (`create`, `resolve`).
    pub action: &'static str,
    /// The directory.
    pub root: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: std::io::Error,
}

/// Containers as directories under one root.
#[derive(Debug)]
pub struct FsBlobstore {
    root: PathBuf,
    max_object_bytes: usize,
}

impl FsBlobstore {
    /// A store rooted at `root` (created if missing).
    pub fn open(root: &Path, max_object_bytes: usize) -> Result<Self, BlobRootError> {
        let failed = |action: &'static str| {
            move |source| BlobRootError {
                action,
                root: root.to_owned(),
                source,
            }
        };
        std::fs::create_dir_all(root).map_err(failed("create"))?;
        let root = root.canonicalize().map_err(failed("resolve"))?;
        Ok(Self {
            root,
            max_object_bytes,
        })
    }

    /// The largest object a write may carry.
    pub fn max_object_bytes(&self) -> usize {
        self.max_object_bytes
    }

    /// The directory of container `name`.
    pub fn container_dir(&self, name: &str) -> Result<PathBuf, BlobError> {
        if name.is_empty()
            || name.contains('/')
            || name.contains('\\')
            || name == "."
            || name == ".."
        {
            return Err(BlobError::BadName(format!(
                "`{name}` is not a container name (one path segment, not `.` or `..`)"
            )));
        }
        self.inside(&self.root.join(name))
    }

    /// The file of object `object` in container `container`.
    pub fn object_path(&self, container: &str, object: &str) -> Result<PathBuf, BlobError> {
        let relative = Path::new(object);
        let plain = !object.is_empty()
            && relative
                .components()
                .all(|component| matches!(component, Component::Normal(_)));
        if !plain {
            return Err(BlobError::BadName(format!(
                "`{object}` is not an object name: it must be a relative path without `.` or `..`"
            )));
        }
        self.inside(&self.container_dir(container)?.join(relative))
    }

    /// `path` if it stays inside the root once the parts that exist are resolved (symlinks
    /// included).
    fn inside(&self, path: &Path) -> Result<PathBuf, BlobError> {
        let mut existing = path.to_path_buf();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.file_name(), existing.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name.to_owned());
                    existing = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let mut resolved = existing.canonicalize().map_err(|source| BlobError::Io {
            what: format!("cannot resolve {}", existing.display()),
            source,
        })?;
        for name in rest.into_iter().rev() {
            resolved.push(name);
        }
        if !resolved.starts_with(&self.root) {
            return Err(BlobError::BadName(format!(
                "`{}` leads outside the blobstore root",
                path.strip_prefix(&self.root).unwrap_or(path).display()
            )));
        }
        Ok(resolved)
    }
}

/// Seconds since the Unix epoch when `path` was last modified (0 when unknown).
pub(crate) fn modified_secs(path: &Path) -> u64 {
    std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobstore::open(&dir.path().join("root"), 1024).unwrap();
        assert!(store.object_path("photos", "2026/cat.png").is_ok());
        for bad in ["../escape", "/etc/passwd", "a/../../b", "", "./x"] {
            assert!(store.object_path("photos", bad).is_err(), "{bad}");
        }
        for bad in ["..", "a/b", ""] {
            assert!(store.container_dir(bad).is_err(), "{bad}");
        }
        #[cfg(unix)]
        {
            let outside = dir.path().join("outside");
            std::fs::create_dir_all(&outside).unwrap();
            std::fs::create_dir_all(dir.path().join("root/photos")).unwrap();
            std::os::unix::fs::symlink(&outside, dir.path().join("root/photos/link")).unwrap();
            let error = store.object_path("photos", "link/secret").unwrap_err();
            assert!(
                error.to_string().contains("outside the blobstore root"),
                "{error}"
            );
        }
    }

    #[test]
    fn settings() {
        let read = |pairs: &[(&str, &str)]| {
            BlobstoreSettings::from_config(
                &pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            )
        };
        assert_eq!(
            read(&[("ROOT", "/srv/blobs")]).unwrap().root,
            Some(PathBuf::from("/srv/blobs"))
        );
        assert!(read(&[("root", "relative")]).is_err());
        let error = read(&[("bucket", "x")]).unwrap_err().to_string();
        assert!(error.contains("root, max_object_bytes"), "{error}");
    }
}
