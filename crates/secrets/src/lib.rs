//! weft's secret store.
//!
//! Secret values are kept in the lattice store encrypted with ChaCha20-Poly1305 under a
//! 32-byte key that lives in its own file ([`SecretKey`], mode 0600), never next to the data.
//! Each write gets a fresh random nonce, and the secret's name and version are bound to the
//! ciphertext as associated data, so a record moved to another name does not decrypt.
//! [`SecretValue`] holds a revealed value: it is wiped when dropped and never printed.

mod error;
mod key;
mod value;
mod vault;

pub use error::SecretError;
pub use key::SecretKey;
pub use value::{FieldProblem, NoSuchField, SecretValue};
pub use vault::{SecretInfo, SecretVault};
