//! `wasi:blobstore@0.2.0-draft` on a filesystem: containers are directories under a root the
//! link's target config names, objects are files in them. Paths that would leave the root
//! (`..`, absolute names, symlinks pointing out) are refused.

mod fs;
mod host;

pub use fs::{BlobstoreSettings, FsBlobstore};
pub use host::{Container, IncomingValue, ObjectNames, OutgoingValue};
