//! `wasi:blobstore@0.2.0-draft`: containers of named objects behind [`BlobBackend`]. On a
//! filesystem ([`FsBlobstore`]) containers are directories under a root the link's target
//! config names and objects are files; paths that would leave the root (`..`, absolute
//! names, symlinks pointing out) are refused. On NATS ([`NatsBlobstore`]) containers are
//! JetStream object store buckets.

mod backend;
mod capability;
mod fs;
mod fs_backend;
mod host;
mod nats;

pub use backend::{BlobBackend, BlobError, ObjectFacts};
pub use capability::{BLOBSTORE_FS, BLOBSTORE_NATS, BlobLinkSettings, BlobstoreCapability};
pub use fs::{BlobRootError, BlobstoreSettings, FsBlobstore};
pub use host::{Container, IncomingValue, ObjectNames, OutgoingValue};
pub use nats::{DEFAULT_NATS_BLOBSTORE_URL, NatsBlobstore, NatsBlobstoreSettings};
