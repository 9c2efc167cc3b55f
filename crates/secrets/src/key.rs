//! The key secrets are encrypted with: 32 random bytes in a file only its owner can read.

use std::fs::OpenOptions;
use std::io::{Read as _, Write as _};
use std::path::Path;

use ring::aead::{CHACHA20_POLY1305, LessSafeKey, UnboundKey};
use ring::rand::{SecureRandom as _, SystemRandom};
use zeroize::Zeroizing;

use crate::SecretError;

/// Length of a ChaCha20-Poly1305 key.
const KEY_BYTES: usize = 32;

/// The secret store's encryption key.
pub struct SecretKey {
    pub(crate) key: LessSafeKey,
}

impl SecretKey {
    /// Reads the key at `path`, which must exist (a host uses its managers' key; a new one
    /// would read nothing).
    pub fn load(path: &Path) -> Result<Self, SecretError> {
        if !path.exists() {
            return Err(SecretError::KeyFile {
                path: path.to_owned(),
                reason:
                    "it does not exist; copy the managers' key (their `--secrets-key` file) here"
                        .to_owned(),
            });
        }
        Self::load_or_create(path)
    }

    /// Reads the key at `path`, creating it (32 random bytes, mode 0600) when it does not
    /// exist. A file of the wrong size is an error, never replaced: the secrets it protects
    /// would be lost.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let failed = |reason: String| SecretError::KeyFile {
            path: path.to_owned(),
            reason,
        };
        let mut bytes = Zeroizing::new(Vec::with_capacity(KEY_BYTES));
        match OpenOptions::new().read(true).open(path) {
            Ok(mut file) => {
                file.read_to_end(&mut bytes)
                    .map_err(|error| failed(error.to_string()))?;
                if bytes.len() != KEY_BYTES {
                    return Err(failed(format!(
                        "it holds {} bytes, not {KEY_BYTES}; restore the original file (without it, stored secrets cannot be read)",
                        bytes.len()
                    )));
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                bytes.resize(KEY_BYTES, 0);
                SystemRandom::new()
                    .fill(&mut bytes)
                    .map_err(|_| SecretError::Random)?;
                let mut options = OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options
                    .open(path)
                    .map_err(|error| failed(error.to_string()))?;
                file.write_all(&bytes)
                    .and_then(|()| file.sync_all())
                    .map_err(|error| failed(error.to_string()))?;
            }
            Err(error) => return Err(failed(error.to_string())),
        }
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
            .map_err(|_| failed("not a usable key".to_owned()))?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.key");
        SecretKey::load_or_create(&path).unwrap();
        let first = std::fs::read(&path).unwrap();
        assert_eq!(first.len(), KEY_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        SecretKey::load_or_create(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), first);
    }

    #[test]
    fn a_damaged_key_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.key");
        std::fs::write(&path, b"short").unwrap();
        let error = SecretKey::load_or_create(&path).err().unwrap().to_string();
        assert!(error.contains("holds 5 bytes"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"short");
    }
}
