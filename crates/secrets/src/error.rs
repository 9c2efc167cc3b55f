//! Why the secret store failed. No variant ever carries a secret value.

use std::path::PathBuf;

use weft_lattice::StoreError;

/// Why a secret could not be kept, found or revealed.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The key file could not be read or created.
    #[error("cannot use the secret key file {path}: {reason}")]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored secret does not decrypt with this key (or its record is damaged).
    #[error(
        "secret `{name}` cannot be decrypted with this state directory's key (was `secrets.key` replaced?); put it again with `weft secret put {name}`"
    )]
    Undecryptable {
        /// The secret's name.
        name: String,
    },
    /// The system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}
