//! A host's id in a lattice: an nkey server public key (`N` and 55 base32 characters), as
//! wasmCloud hosts have and `wash` expects, kept in the state directory so the host has the
//! same id after a restart; and the lock every process takes on its state directory, so two
//! never share one (nor, in a lattice, an id).

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::StartError;

/// The file holding the host's nkey seed.
const SEED_FILE: &str = "host.nk";
/// The file locked while a process runs from the state directory.
const LOCK_FILE: &str = "host.lock";

/// The lock on a state directory, held while the process runs.
pub(crate) struct StateDirLock(#[allow(dead_code)] File);

/// This process's host id in a lattice.
pub(crate) struct HostIdentity {
    /// The nkey public key.
    pub id: String,
}

impl HostIdentity {
    /// The id kept in `state_dir` (created on the first start); take the directory's lock
    /// first.
    pub(crate) fn load_or_create(
        state_dir: &Path,
        _locked: &StateDirLock,
    ) -> Result<Self, StartError> {
        let path = state_dir.join(SEED_FILE);
        let key = match std::fs::read_to_string(&path) {
            Ok(seed) => {
                nkeys::KeyPair::from_seed(seed.trim()).map_err(|error| StartError::HostKey {
                    path: path.clone(),
                    reason: error.to_string(),
                })?
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => create(&path)?,
            Err(source) => return Err(StartError::Read { path, source }),
        };
        Ok(Self {
            id: key.public_key(),
        })
    }
}

/// Locks `state_dir` for this process; an error naming it when another process has it.
pub(crate) fn lock_state_dir(state_dir: &Path) -> Result<StateDirLock, StartError> {
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
        Ok(()) => Ok(StateDirLock(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(StartError::StateDirInUse {
            path: state_dir.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(StartError::Write { path, source }),
    }
}

/// A new server key, its seed written readable by the owner only (to a temporary file
/// renamed into place, so a crash never leaves half a seed).
fn create(path: &PathBuf) -> Result<nkeys::KeyPair, StartError> {
    let key = nkeys::KeyPair::new_server();
    let seed = key.seed().map_err(|error| StartError::HostKey {
        path: path.clone(),
        reason: error.to_string(),
    })?;
    let partial = path.with_extension("nk.partial");
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&partial)
        .and_then(|mut file| {
            file.write_all(seed.as_bytes())
                .and_then(|()| file.sync_all())
        })
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|source| StartError::Write {
            path: path.clone(),
            source,
        })?;
    Ok(key)
}
