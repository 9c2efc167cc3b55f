//! What a blobstore capability does, whatever keeps the bytes: containers of named objects.
//! Every error ([`BlobError`]) is a sentence in the component's terms (it reaches the guest as
//! the `wasi:blobstore` error string), keeping the store's own error as its source.

use async_trait::async_trait;

/// Why a blobstore call failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The component has no blobstore link under the name it uses.
    #[error(
        "component {component} has no wasi:blobstore link named `{link}`; link it to a blobstore capability in its manifest"
    )]
    NotLinked {
        /// The component.
        component: String,
        /// The link name it uses.
        link: String,
    },
    /// A container or object name the store cannot take; the text says what is accepted.
    #[error("{0}")]
    BadName(String),
    /// Creating a container that exists.
    #[error("container `{0}` already exists")]
    ContainerExists(String),
    /// Using a container that does not exist.
    #[error("container `{0}` does not exist")]
    NoSuchContainer(String),
    /// Reading an object that does not exist.
    #[error("no object `{object}` in `{container}`")]
    NoSuchObject {
        /// The container.
        container: String,
        /// The object.
        object: String,
    },
    /// The filesystem refused.
    #[error("{what}: {source}")]
    Io {
        /// What was tried.
        what: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The NATS server refused or did not answer.
    #[error("{what} on NATS at {server}: {source}")]
    Nats {
        /// What was tried.
        what: String,
        /// The server.
        server: String,
        /// The client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

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

    /// The system behind it, as spans name it (`db.system.name`).
    fn system(&self) -> &'static str;

    /// Creates container `name`; an existing one is an error.
    async fn create_container(&self, name: &str) -> Result<(), BlobError>;

    /// Whether container `name` exists.
    async fn container_exists(&self, name: &str) -> Result<bool, BlobError>;

    /// Deletes container `name` and everything in it.
    async fn delete_container(&self, name: &str) -> Result<(), BlobError>;

    /// Seconds since the Unix epoch when container `name` was created.
    async fn container_created_at(&self, name: &str) -> Result<u64, BlobError>;

    /// The bytes of `object` in `container`.
    async fn read(&self, container: &str, object: &str) -> Result<Vec<u8>, BlobError>;

    /// Stores `bytes` as `object` in `container`, replacing what was there.
    async fn write(&self, container: &str, object: &str, bytes: Vec<u8>) -> Result<(), BlobError>;

    /// The names of every object in `container`, sorted.
    async fn list(&self, container: &str) -> Result<Vec<String>, BlobError>;

    /// Deletes `object` from `container`; a missing object is not an error.
    async fn delete(&self, container: &str, object: &str) -> Result<(), BlobError>;

    /// Whether `object` exists in `container`.
    async fn has(&self, container: &str, object: &str) -> Result<bool, BlobError>;

    /// Size and age of `object` in `container`.
    async fn facts(&self, container: &str, object: &str) -> Result<ObjectFacts, BlobError>;

    /// Deletes every object in `container`, keeping the container.
    async fn clear(&self, container: &str) -> Result<(), BlobError>;

    /// Copies an object, possibly across containers.
    async fn copy(&self, from: (&str, &str), to: (&str, &str)) -> Result<(), BlobError> {
        let bytes = self.read(from.0, from.1).await?;
        self.write(to.0, to.1, bytes).await
    }
}
