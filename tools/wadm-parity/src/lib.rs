//! The manifests the parity test judges: every manifest file in the repository.

use std::path::{Path, PathBuf};

/// Directories (relative to the repository root) whose `.yaml`, `.yml` and `.json` files are
/// manifests: the examples, the manifest crate's fixtures (parity fixtures included) and the
/// CLI tests' wasmCloud manifests.
pub const MANIFEST_DIRS: &[&str] = &[
    "examples",
    "crates/manifest/tests/fixtures",
    "crates/cli/tests/fixtures",
];

/// The repository root, from this crate's directory.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every manifest file under [`MANIFEST_DIRS`], sorted; build output is skipped.
pub fn manifest_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = MANIFEST_DIRS.iter().map(|dir| root.join(dir)).collect();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|entry| entry.path()) {
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or("");
            if path.is_dir() && name != "target" && name != "build" && name != "src" {
                pending.push(path);
            } else if [".yaml", ".yml", ".json"]
                .iter()
                .any(|ext| name.ends_with(ext))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// weft's verdict: `Ok` with the warnings when `weft app validate` accepts `text`, `Err` with
/// the errors otherwise.
pub fn weft_verdict(file: &str, text: &str) -> Result<Vec<String>, Vec<String>> {
    match weft_manifest::load(file, text) {
        Ok(loaded) => Ok(loaded.warnings.iter().map(ToString::to_string).collect()),
        Err(diagnostics) => Err(diagnostics
            .into_vec()
            .iter()
            .filter(|diagnostic| diagnostic.severity == weft_manifest::Severity::Error)
            .map(ToString::to_string)
            .collect()),
    }
}
