//! [`BlobBackend`] over a directory tree: the filesystem side of [`FsBlobstore`].

use async_trait::async_trait;

use super::backend::{BlobBackend, BlobError, ObjectFacts};
use super::fs::{FsBlobstore, modified_secs};

fn failed<T>(what: &str, source: std::io::Error) -> Result<T, BlobError> {
    Err(BlobError::Io {
        what: what.to_owned(),
        source,
    })
}

#[async_trait]
impl BlobBackend for FsBlobstore {
    fn max_object_bytes(&self) -> usize {
        FsBlobstore::max_object_bytes(self)
    }

    fn system(&self) -> &'static str {
        "weft.filesystem"
    }

    async fn create_container(&self, name: &str) -> Result<(), BlobError> {
        let dir = self.container_dir(name)?;
        if dir.exists() {
            return Err(BlobError::ContainerExists(name.to_owned()));
        }
        std::fs::create_dir_all(&dir)
            .or_else(|error| failed(&format!("cannot create container `{name}`"), error))
    }

    async fn container_exists(&self, name: &str) -> Result<bool, BlobError> {
        Ok(self.container_dir(name)?.is_dir())
    }

    async fn delete_container(&self, name: &str) -> Result<(), BlobError> {
        std::fs::remove_dir_all(self.container_dir(name)?)
            .or_else(|error| failed(&format!("cannot delete container `{name}`"), error))
    }

    async fn container_created_at(&self, name: &str) -> Result<u64, BlobError> {
        Ok(modified_secs(&self.container_dir(name)?))
    }

    async fn read(&self, container: &str, object: &str) -> Result<Vec<u8>, BlobError> {
        std::fs::read(self.object_path(container, object)?)
            .or_else(|error| failed(&format!("cannot read `{object}` in `{container}`"), error))
    }

    async fn write(&self, container: &str, object: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
        let path = self.object_path(container, object)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .or_else(|error| failed("cannot create the object's directory", error))?;
        }
        std::fs::write(&path, bytes).or_else(|error| failed("cannot write the object", error))
    }

    async fn list(&self, container: &str) -> Result<Vec<String>, BlobError> {
        let dir = self.container_dir(container)?;
        let mut names = Vec::new();
        let mut pending = vec![dir.clone()];
        while let Some(next) = pending.pop() {
            let entries = std::fs::read_dir(&next)
                .or_else(|error| failed(&format!("cannot list `{container}`"), error))?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if let Ok(relative) = path.strip_prefix(&dir) {
                    names.push(relative.to_string_lossy().into_owned());
                }
            }
        }
        names.sort();
        Ok(names)
    }

    async fn delete(&self, container: &str, object: &str) -> Result<(), BlobError> {
        match std::fs::remove_file(self.object_path(container, object)?) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                failed(&format!("cannot delete `{object}`"), error)
            }
            _ => Ok(()),
        }
    }

    async fn has(&self, container: &str, object: &str) -> Result<bool, BlobError> {
        Ok(self.object_path(container, object)?.is_file())
    }

    async fn facts(&self, container: &str, object: &str) -> Result<ObjectFacts, BlobError> {
        let path = self.object_path(container, object)?;
        match std::fs::metadata(&path) {
            Ok(metadata) => Ok(ObjectFacts {
                size: metadata.len(),
                created_at: modified_secs(&path),
            }),
            Err(error) => failed(&format!("no object `{object}` in `{container}`"), error),
        }
    }

    async fn clear(&self, container: &str) -> Result<(), BlobError> {
        let dir = self.container_dir(container)?;
        std::fs::remove_dir_all(&dir)
            .and_then(|()| std::fs::create_dir_all(&dir))
            .or_else(|error| failed(&format!("cannot clear `{container}`"), error))
    }

    async fn copy(&self, from: (&str, &str), to: (&str, &str)) -> Result<(), BlobError> {
        let source = self.object_path(from.0, from.1)?;
        let destination = self.object_path(to.0, to.1)?;
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent)
                .or_else(|error| failed("cannot create the destination", error))?;
        }
        std::fs::copy(&source, &destination)
            .map(|_| ())
            .or_else(|error| failed(&format!("cannot copy `{}`", from.1), error))
    }
}
