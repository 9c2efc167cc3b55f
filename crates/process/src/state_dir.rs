//! The state directory a process owns, and the API file its clients find it by.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::StartError;

/// Where a running `weft up` / `weft manager` listens and the tokens its calls need;
/// written mode 0600 while the process runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiFile {
    /// Base URL of the API.
    pub url: String,
    /// Bearer token for every call (reads and changes).
    pub token: String,
    /// Bearer token for reads only (dashboards, Prometheus); absent in files written before
    /// it existed.
    #[serde(default)]
    pub read_token: String,
}

/// Creates `state_dir` if needed and returns it absolute, so stored paths (the bundled
/// example's `file://` image) do not depend on the working directory.
pub fn prepare_state_dir(state_dir: &Path) -> Result<PathBuf, StartError> {
    if state_dir.exists() && !state_dir.is_dir() {
        return Err(StartError::StateDirIsFile {
            path: state_dir.to_path_buf(),
        });
    }
    let failed = |source| StartError::StateDir {
        path: state_dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(state_dir).map_err(failed)?;
    std::path::absolute(state_dir).map_err(failed)
}

/// The API file inside `state_dir`.
pub fn api_file_path(state_dir: &Path) -> PathBuf {
    state_dir.join("api.json")
}

/// Writes the API file readable by the owner only.
pub(crate) fn write_api_file(state_dir: &Path, api: &ApiFile) -> Result<(), StartError> {
    let path = api_file_path(state_dir);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&path)
        .and_then(|mut file| file.write_all(&weft_lattice::json_bytes(api)))
        .map_err(|source| StartError::Write { path, source })
}

/// A fresh random token (32 bytes from the operating system, hex).
pub(crate) fn new_token() -> Result<String, StartError> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(StartError::Token)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The shortest read-only token a user may choose.
const MIN_TOKEN_CHARS: usize = 16;

/// `token` as the API's read-only token, if it is long enough to be hard to guess.
pub(crate) fn check_read_token(token: String) -> Result<String, StartError> {
    if token.chars().count() < MIN_TOKEN_CHARS || token.chars().any(char::is_whitespace) {
        return Err(StartError::WeakReadToken {
            min: MIN_TOKEN_CHARS,
        });
    }
    Ok(token)
}
