//! Why a pull, push or inspect failed, in the user's terms.

use std::path::PathBuf;

/// Why an OCI operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The reference does not parse.
    #[error(
        "`{reference}` is not an image reference ({reason}); write REGISTRY/REPOSITORY:TAG, e.g. `127.0.0.1:5000/org/app:1.2.0`"
    )]
    Reference {
        /// What was given.
        reference: String,
        /// Why it does not parse.
        reason: String,
    },
    /// `:latest` (or no tag) without permission.
    #[error(
        "`{reference}` uses the `latest` tag, which can change under a running app; name a version, or allow it with `--allow-latest`"
    )]
    Latest {
        /// The reference.
        reference: String,
    },
    /// The registry failed or refused.
    #[error("{operation} `{reference}` failed: {reason}{hint}")]
    Registry {
        /// Pull, push or inspect.
        operation: &'static str,
        /// The reference.
        reference: String,
        /// The registry's answer (or why it could not be reached).
        reason: String,
        /// What to do, if something is known to help.
        hint: String,
    },
    /// The artifact is not a component.
    #[error(
        "`{reference}` is not a component artifact: its layers are {found}; weft runs artifacts with one layer of {expected}"
    )]
    NotAComponent {
        /// The reference.
        reference: String,
        /// The layer media types found.
        found: String,
        /// What is accepted.
        expected: String,
    },
    /// What arrived does not match its digest.
    #[error(
        "`{reference}`: the layer's content has digest {actual}, not {expected} as its manifest says; the registry or the network changed it, so it was not used"
    )]
    DigestMismatch {
        /// The reference.
        reference: String,
        /// The digest the manifest names.
        expected: String,
        /// The digest of what arrived.
        actual: String,
    },
    /// The docker config file cannot be read.
    #[error("cannot read registry credentials from {path}: {reason}")]
    Credentials {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A docker credential helper failed.
    #[error("the docker credential helper `{program}` failed for {registry}: {reason}")]
    CredentialHelper {
        /// The helper's program.
        program: String,
        /// The registry it was asked about.
        registry: String,
        /// What went wrong, and what to do.
        reason: String,
    },
    /// A CA certificate file cannot be used.
    #[error("cannot use the CA certificate {path}: {reason}")]
    Certificate {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The cache directory failed.
    #[error("the OCI cache at {path} failed: {source}")]
    Cache {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
