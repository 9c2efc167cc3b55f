//! What a blobstore capability does, whatever keeps the bytes: containers of named objects.
//! Every error is a sentence in the component's terms (it reaches the guest as the
//! `wasi:blobstore` error string).

use async_trait::async_trait;

/// Size and age of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectFacts {
    /// Bytes.
    pub size: u64,
    /// Seconds since the Unix epoch when it was written.
    pub created_at: u64,
}

/// A store of containers of objects (a directory tree, a NATS object store).
#[async_trait]
pub trait BlobBackend: Send + Sync {
    /// The largest object one write may carry.
    fn max_object_bytes(&self) -> usize;

    /// Creates container `name`; an existing one is an error.
    async fn create_container(&self, name: &str) -> Result<(), String>;

    /// Whether container `name` exists.
    async fn container_exists(&self, name: &str) -> Result<bool, String>;

    /// Deletes container `name` and everything in it.
    async fn delete_container(&self, name: &str) -> Result<(), String>;

    /// Seconds since the Unix epoch when container `name` was created.
    async fn container_created_at(&self, name: &str) -> Result<u64, String>;

    /// The bytes of `object` in `container`.
    async fn read(&self, container: &str, object: &str) -> Result<Vec<u8>, String>;

    /// Stores `bytes` as `object` in `container`, replacing what was there.
    async fn write(&self, container: &str, object: &str, bytes: Vec<u8>) -> Result<(), String>;

    /// The names of every object in `container`, sorted.
    async fn list(&self, container: &str) -> Result<Vec<String>, String>;

    /// Deletes `object` from `container`; a missing object is not an error.
    async fn delete(&self, container: &str, object: &str) -> Result<(), String>;

    /// Whether `object` exists in `container`.
    async fn has(&self, container: &str, object: &str) -> Result<bool, String>;

    /// Size and age of `object` in `container`.
    async fn facts(&self, container: &str, object: &str) -> Result<ObjectFacts, String>;

    /// Deletes every object in `container`, keeping the container.
    async fn clear(&self, container: &str) -> Result<(), String>;

    /// Copies an object, possibly across containers.
    async fn copy(&self, from: (&str, &str), to: (&str, &str)) -> Result<(), String> {
        let bytes = self.read(from.0, from.1).await?;
        self.write(to.0, to.1, bytes).await
    }
}
