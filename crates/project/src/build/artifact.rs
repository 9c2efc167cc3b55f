//! Putting a built component where the project's manifest looks for it.

use std::fs;
use std::path::{Path, PathBuf};

use super::BuildError;

/// `build/NAME.wasm` in `dir`.
pub(super) fn default_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("build").join(format!("{name}.wasm"))
}

/// Fails with [`BuildError::NoArtifact`] unless `path` is a file.
pub(super) fn expect_file(path: &Path, command: &str, hint: &str) -> Result<(), BuildError> {
    if path.is_file() {
        return Ok(());
    }
    Err(BuildError::NoArtifact {
        command: command.to_owned(),
        expected: path.to_owned(),
        hint: hint.to_owned(),
    })
}

/// Copies `from` to `to`, making `to`'s directory; nothing when they are the same file.
pub(super) fn copy(from: &Path, to: &Path) -> Result<(), BuildError> {
    if from == to {
        return Ok(());
    }
    let failed = |source| BuildError::Write {
        path: to.to_owned(),
        source,
    };
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(failed)?;
    }
    fs::copy(from, to).map_err(failed)?;
    Ok(())
}

/// Makes the directory `dir` (a build output directory) if it is missing.
pub(super) fn make_dir(dir: &Path) -> Result<(), BuildError> {
    fs::create_dir_all(dir).map_err(|source| BuildError::Write {
        path: dir.to_owned(),
        source,
    })
}
