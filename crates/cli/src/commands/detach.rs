//! `weft up --detach`: starts `weft up` in the background with its output in `weft.log` in the
//! state directory, and returns once its API answers (what `wash up -d` does for wasmCloud).

use std::fs::OpenOptions;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::commands::state::running_api;
use crate::output::Output;

/// The file in the state directory a detached `weft up` writes its output to.
pub const LOG_FILE: &str = "weft.log";

/// How long a detached `weft up` may take until its API answers.
const READY_DEADLINE: Duration = Duration::from_secs(60);

/// How much of the log an error shows when the background process stopped.
const LOG_TAIL_BYTES: u64 = 4096;

/// Starts `weft up` (these arguments, without `--detach`) in the background and waits until
/// its API answers.
pub fn execute(state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    if let Some(url) = running_api(state_dir) {
        anyhow::bail!(
            "weft is already up with state in {} (API at {url}); stop it with `weft down`, or give this one another --state-dir",
            state_dir.display()
        );
    }
    std::fs::create_dir_all(state_dir)
        .with_context(|| format!("cannot create the state directory {}", state_dir.display()))?;
    let log_path = state_dir.join(LOG_FILE);
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open the log file {}", log_path.display()))?;
    let this_run_starts = log.metadata().map_or(0, |meta| meta.len());
    let mut child = Command::new(std::env::current_exe().context("cannot find the weft binary")?)
        .args(foreground_args())
        .stdin(Stdio::null())
        .stdout(log.try_clone().context("cannot share the log file")?)
        .stderr(log)
        // Its own process group: Ctrl-C in this terminal does not reach it.
        .process_group(0)
        .spawn()
        .context("cannot start weft up in the background")?;
    let background = Background {
        log: log_path,
        this_run_starts,
    };
    let url = background.wait_until_answering(&mut child, state_dir)?;
    let pid = child.id();
    output.result(
        &format!(
            "weft is up in the background (pid {pid}): API at {url}, state in {}\n  its output goes to {}; stop it with `weft down`",
            state_dir.display(),
            background.log.display()
        ),
        &serde_json::json!({
            "pid": pid,
            "api": url,
            "state_dir": state_dir,
            "log": background.log,
        }),
    );
    Ok(())
}

/// This process's arguments and the hidden `--foreground`, which wins over `--detach`.
fn foreground_args() -> Vec<std::ffi::OsString> {
    std::env::args_os()
        .skip(1)
        .chain(std::iter::once("--foreground".into()))
        .collect()
}

/// The `weft up` started in the background and where its output goes.
struct Background {
    log: PathBuf,
    /// Where this run's output begins in the log (it appends to earlier runs').
    this_run_starts: u64,
}

impl Background {
    /// Waits until the API answers; fails with the end of the log if the process stops
    /// first, and stops it if it does not answer in time.
    fn wait_until_answering(&self, child: &mut Child, state_dir: &Path) -> anyhow::Result<String> {
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().context("cannot watch weft up")? {
                anyhow::bail!(
                    "weft up stopped before it was ready ({status}); the end of {}:\n{}",
                    self.log.display(),
                    self.tail()
                );
            }
            // Answering, and still running: not another weft that took the state directory
            // while this one was failing to start.
            if let Some(url) = running_api(state_dir)
                && child.try_wait().ok().flatten().is_none()
            {
                return Ok(url);
            }
            if started.elapsed() > READY_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                anyhow::bail!(
                    "weft up did not answer within {READY_DEADLINE:?}, so it was stopped; the end of {}:\n{}",
                    self.log.display(),
                    self.tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last few kilobytes this run wrote to the log.
    fn tail(&self) -> String {
        let read = || -> std::io::Result<String> {
            let mut file = std::fs::File::open(&self.log)?;
            let end = file.metadata()?.len();
            let from = self.this_run_starts.max(end.saturating_sub(LOG_TAIL_BYTES));
            file.seek(SeekFrom::Start(from))?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            Ok(String::from_utf8_lossy(&bytes).trim_end().to_owned())
        };
        read().unwrap_or_else(|error| format!("(cannot read it: {error})"))
    }
}
