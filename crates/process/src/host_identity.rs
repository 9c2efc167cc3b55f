//! A host's id in a lattice: an nkey server public key (`N` and 55 base32 characters), as
//! wasmCloud hosts have and `wash` expects, kept in the state directory so the host has the
//! same id after a restart. The state directory is locked while the process runs, so two
//! processes never take the same id.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::StartError;

/// The file holding the host's nkey seed.
const SEED_FILE: &str = "host.nk";
/// The file locked while a process runs from the state directory.
const LOCK_FILE: &str = "host.lock";

/// This process's host id, and the lock that keeps it this process's.
pub(crate) struct HostIdentity {
    /// The nkey public key.
    pub id: String,
    _lock: File,
}

impl HostIdentity {
    /// The id kept in `state_dir` (created on the first start), locking the directory.
    pub(crate) fn load_or_create(state_dir: &Path) -> Result<Self, StartError> {
        let lock = lock(state_dir)?;
        let path = state_dir.join(SEED_FILE);
        let key = match std::fs::read_to_string(&path) {
            Ok(seed) => {
                nkeys::KeyPair::from_seed(seed.trim()).map_err(|error| StartError::HostKey {
                    path: path.clone(),
                    reason: error.to_string(),
                })?
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => create(&path)?,
            Err(source) => return Err(StartError::Write { path, source }),
        };
        Ok(Self {
            id: key.public_key(),
            _lock: lock,
        })
    }
}

/// Locks `state_dir` for this process; an error naming it when another process has it.
fn lock(state_dir: &Path) -> Result<File, StartError> {
    let path = state_dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| StartError::Write {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StartError::StateDirInUse {
            path: state_dir.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(StartError::Write { path, source }),
    }
}

/// A new server key, its seed written readable by the owner only.
fn create(path: &PathBuf) -> Result<nkeys::KeyPair, StartError> {
    let key = nkeys::KeyPair::new_server();
    let seed = key.seed().map_err(|error| StartError::HostKey {
        path: path.clone(),
        reason: error.to_string(),
    })?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(seed.as_bytes()))
        .map_err(|source| StartError::Write {
            path: path.clone(),
            source,
        })?;
    Ok(key)
}
