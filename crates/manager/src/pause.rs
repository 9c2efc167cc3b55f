//! Pause points: steps of a deploy where a manager stops and waits, so a failure test can kill
//! it exactly there (after the deploy is stored, before the n-th command of a converge) instead
//! of guessing with a sleep. Off unless a process is started with `WEFT_TEST_PAUSE_AT`.
//!
//! At a point it is asked to pause at, the manager writes `{dir}/{point}.reached` and waits
//! until `{dir}/{point}.go` exists; then it writes `{dir}/{point}.passed` and goes on.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How often a paused step looks for its `.go` file.
const POLL: Duration = Duration::from_millis(10);

/// A step a manager can pause at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PausePoint {
    /// A deploy is stored (the deployed version marked), not yet converged or answered.
    Stored,
    /// Before the command with this index (from 0) among all the commands this process's
    /// reconciler executes.
    Command(usize),
}

impl PausePoint {
    /// The point's name in its files: `stored`, `command-2`.
    fn file_stem(self) -> String {
        match self {
            Self::Stored => "stored".to_owned(),
            Self::Command(index) => format!("command-{index}"),
        }
    }
}

/// `WEFT_TEST_PAUSE_AT` names a point weft does not know.
#[derive(Debug, thiserror::Error)]
#[error(
    "WEFT_TEST_PAUSE_AT has `{0}`, which is not a pause point; write `stored` or `command:N` (comma-separated), for failure tests only"
)]
pub struct UnknownPausePoint(String);

/// The pause points of one process (none by default), shared by what reaches them.
#[derive(Debug, Clone, Default)]
pub struct Pauses {
    armed: Option<Arc<Armed>>,
}

#[derive(Debug)]
struct Armed {
    dir: PathBuf,
    points: Vec<PausePoint>,
    commands: AtomicUsize,
}

impl Pauses {
    /// No pause anywhere.
    pub fn none() -> Self {
        Self::default()
    }

    /// Pauses at the points `spec` lists (`stored,command:1`), with their files in `dir`.
    pub fn parse(spec: &str, dir: PathBuf) -> Result<Self, UnknownPausePoint> {
        let points = spec
            .split(',')
            .map(str::trim)
            .filter(|point| !point.is_empty())
            .map(parse_point)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            armed: Some(Arc::new(Armed {
                dir,
                points,
                commands: AtomicUsize::new(0),
            })),
        })
    }

    /// Marks that a deploy was stored; waits there if asked to.
    pub async fn stored(&self) {
        self.reach(PausePoint::Stored).await;
    }

    /// Marks that a command is about to be executed; waits there if asked to.
    pub async fn before_command(&self) {
        if let Some(armed) = &self.armed {
            let index = armed.commands.fetch_add(1, Ordering::SeqCst);
            self.reach(PausePoint::Command(index)).await;
        }
    }

    async fn reach(&self, point: PausePoint) {
        let Some(armed) = &self.armed else { return };
        if !armed.points.contains(&point) {
            return;
        }
        let stem = point.file_stem();
        tracing::warn!(point = %stem, dir = %armed.dir.display(), "paused for a failure test (WEFT_TEST_PAUSE_AT)");
        touch(&armed.dir, &format!("{stem}.reached"));
        let go = armed.dir.join(format!("{stem}.go"));
        while !tokio::fs::try_exists(&go).await.unwrap_or(false) {
            tokio::time::sleep(POLL).await;
        }
        touch(&armed.dir, &format!("{stem}.passed"));
    }
}

fn parse_point(text: &str) -> Result<PausePoint, UnknownPausePoint> {
    let unknown = || UnknownPausePoint(text.to_owned());
    match text.split_once(':') {
        None if text == "stored" => Ok(PausePoint::Stored),
        Some(("command", index)) => index
            .parse()
            .map(PausePoint::Command)
            .map_err(|_| unknown()),
        _ => Err(unknown()),
    }
}

/// Creates `dir/name`; a failure is logged, since the test waiting for it then says so.
fn touch(dir: &Path, name: &str) {
    if let Err(error) = std::fs::write(dir.join(name), b"") {
        tracing::warn!(%error, file = name, "cannot mark a pause point");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_parse_and_unknown_ones_are_named() {
        let pauses = Pauses::parse("stored, command:3", PathBuf::from("/x")).unwrap();
        let armed = pauses.armed.unwrap();
        assert_eq!(armed.points, [PausePoint::Stored, PausePoint::Command(3)]);
        let error = Pauses::parse("stored,command:x", PathBuf::new()).unwrap_err();
        assert!(error.to_string().contains("`command:x`"), "{error}");
    }

    #[tokio::test]
    async fn a_point_waits_for_its_go_file_and_others_pass() {
        let dir = tempfile::tempdir().unwrap();
        let pauses = Pauses::parse("command:1", dir.path().to_owned()).unwrap();
        pauses.before_command().await; // command 0: not paused
        let paused = tokio::spawn({
            let pauses = pauses.clone();
            async move { pauses.before_command().await }
        });
        while !dir.path().join("command-1.reached").exists() {
            tokio::time::sleep(POLL).await;
        }
        assert!(!paused.is_finished());
        std::fs::write(dir.path().join("command-1.go"), b"").unwrap();
        paused.await.unwrap();
        assert!(dir.path().join("command-1.passed").exists());
        assert!(!dir.path().join("command-0.reached").exists());
    }
}
