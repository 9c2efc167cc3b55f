//! Watching a project's sources for `weft dev`: a poll of modification times and sizes, so it
//! behaves the same on every file system (network mounts and containers included) and needs
//! no platform notification API. Build output is never watched, so a build cannot trigger
//! itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// Directories no language keeps sources in: build output, dependencies, caches.
const IGNORED_DIRS: [&str; 7] = [
    "target",
    "build",
    "node_modules",
    "dist",
    "__pycache__",
    "wit_world",
    "componentize_py_types",
];

/// What a file looked like: when it changed and how long it was.
type Stamp = (SystemTime, u64);

/// Every watched file under a root and its stamp.
type Snapshot = BTreeMap<PathBuf, Stamp>;

/// Watches the source files under a project directory.
#[derive(Debug)]
pub struct SourceWatcher {
    root: PathBuf,
    ignored: Vec<PathBuf>,
    last: Snapshot,
}

impl SourceWatcher {
    /// Starts watching `root`, skipping hidden entries, [`IGNORED_DIRS`] and the paths in
    /// `ignored` (a cargo target directory elsewhere, say).
    pub fn new(root: &Path, ignored: Vec<PathBuf>) -> Self {
        let mut watcher = Self {
            root: root.to_owned(),
            ignored,
            last: Snapshot::new(),
        };
        watcher.last = watcher.snapshot();
        watcher
    }

    /// How many files are watched.
    pub fn file_count(&self) -> usize {
        self.last.len()
    }

    /// Waits until a source file is added, changed or removed and then nothing changes for
    /// `settle` (an editor's save is often several writes), polling every `poll`; returns
    /// the paths that changed, or `None` once `stop` is set.
    pub fn wait_for_change(
        &mut self,
        poll: Duration,
        settle: Duration,
        stop: &AtomicBool,
    ) -> Option<Vec<PathBuf>> {
        let mut changed = loop {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            std::thread::sleep(poll);
            let now = self.snapshot();
            let changed = differences(&self.last, &now);
            self.last = now;
            if !changed.is_empty() {
                break changed;
            }
        };
        loop {
            std::thread::sleep(settle);
            let now = self.snapshot();
            let more = differences(&self.last, &now);
            self.last = now;
            if more.is_empty() {
                changed.sort();
                changed.dedup();
                return Some(changed);
            }
            changed.extend(more);
        }
    }

    fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::new();
        let mut pending = vec![self.root.clone()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if self.skips(&path) {
                    continue;
                }
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    pending.push(path);
                } else {
                    let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    snapshot.insert(path, (modified, meta.len()));
                }
            }
        }
        snapshot
    }

    fn skips(&self, path: &Path) -> bool {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy())
            .unwrap_or_default();
        name.starts_with('.')
            || (path.is_dir() && IGNORED_DIRS.contains(&name.as_ref()))
            || self.ignored.iter().any(|ignored| path.starts_with(ignored))
    }
}

/// The paths added, changed or removed between `before` and `after`.
fn differences(before: &Snapshot, after: &Snapshot) -> Vec<PathBuf> {
    let changed = after
        .iter()
        .filter(|(path, stamp)| before.get(*path) != Some(stamp))
        .map(|(path, _)| path.clone());
    let removed = before
        .keys()
        .filter(|path| !after.contains_key(*path))
        .cloned();
    changed.chain(removed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: Duration = Duration::from_millis(20);

    #[test]
    fn a_source_edit_is_seen_and_build_output_is_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::create_dir_all(dir.path().join("build")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "one").unwrap();
        let mut watcher = SourceWatcher::new(dir.path(), Vec::new());
        assert_eq!(watcher.file_count(), 1);

        let root = dir.path().to_owned();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            std::fs::write(root.join("build/app.wasm"), "out").unwrap();
            std::fs::write(root.join(".hidden"), "x").unwrap();
            std::fs::write(root.join("src/lib.rs"), "two!").unwrap();
        });
        let changed = watcher
            .wait_for_change(FAST, FAST, &AtomicBool::new(false))
            .unwrap();
        writer.join().unwrap();
        assert_eq!(changed, [dir.path().join("src/lib.rs")]);
    }

    #[test]
    fn stop_ends_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let mut watcher = SourceWatcher::new(dir.path(), Vec::new());
        assert!(
            watcher
                .wait_for_change(FAST, FAST, &AtomicBool::new(true))
                .is_none()
        );
    }
}
