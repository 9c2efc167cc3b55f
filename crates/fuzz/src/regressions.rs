//! Inputs that once failed, kept under `fuzz/regressions/{target}/` in the repository and
//! replayed before every run.

use std::path::PathBuf;

/// The kept inputs of one target.
#[derive(Debug, Clone)]
pub(crate) struct Regressions {
    dir: PathBuf,
}

impl Regressions {
    /// `fuzz/regressions/{target}/` of this repository.
    pub(crate) fn in_repository(target: &str) -> Self {
        Self::at(crate::repository().join("fuzz/regressions").join(target))
    }

    /// Those kept in `dir`.
    pub(crate) fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Every kept input with its path, in name order (none when the directory is missing).
    pub(crate) fn inputs(&self) -> impl Iterator<Item = (PathBuf, Vec<u8>)> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.is_file())
            .collect();
        paths.sort();
        paths
            .into_iter()
            .filter_map(|path| std::fs::read(&path).ok().map(|input| (path, input)))
    }

    /// Keeps `input` under a name made from its contents; returns where.
    pub(crate) fn keep(&self, input: &[u8]) -> Result<PathBuf, std::io::Error> {
        std::fs::create_dir_all(&self.dir)?;
        let path = self.dir.join(format!("{:016x}", fnv1a(input)));
        std::fs::write(&path, input)?;
        Ok(path)
    }
}

/// FNV-1a, 64 bits: a stable name for an input.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
