//! `weft dev [DIR]`: the developer loop. Build, deploy on the local weft, watch the sources;
//! on each saved change rebuild and redeploy. A build that fails leaves the last good version
//! serving; Ctrl-C removes what dev deployed (and stops the weft it started).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use weft_project::{Project, SourceWatcher};

use crate::args::DevArgs;
use crate::commands::dev_session::DevSession;
use crate::commands::state::{Endpoint, running_api};
use crate::output::Output;

/// How often the sources are looked at.
const POLL: Duration = Duration::from_millis(100);
/// How long the sources must stay unchanged after a change before the build starts.
const SETTLE: Duration = Duration::from_millis(100);

/// Runs `weft dev`.
pub fn execute(args: &DevArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let project = Project::detect(args.dir.as_deref().unwrap_or(Path::new(".")))?;
    let stop = stop_on_ctrl_c()?;
    let started_weft = ensure_local_weft(state_dir, output)?;
    let endpoint = Endpoint {
        state_dir: state_dir.to_owned(),
        api: None,
        token: None,
    };
    let manifest = args
        .manifest
        .clone()
        .or_else(|| Some(project.dir.join("wadm.yaml")).filter(|path| path.is_file()));
    let mut session = DevSession::new(&project, manifest, &args.address, &endpoint, *output)?;
    // The sources as they are before the first build: a save during it is seen afterwards.
    let mut watcher = SourceWatcher::new(&project.dir, cargo_target(&project.dir));
    session.build_and_deploy();
    output.note(&format!(
        "watching {} files under {}; save a change to rebuild and redeploy, Ctrl-C to stop",
        watcher.file_count(),
        project.dir.display()
    ));
    while let Some(changed) = watcher.wait_for_change(POLL, SETTLE, &stop) {
        session.changed(&changed);
        session.build_and_deploy();
    }
    if args.leave_running {
        output.note("left the app deployed and weft running (--leave-running)");
        return Ok(());
    }
    session.remove()?;
    if started_weft {
        stop_local_weft(state_dir)?;
    }
    Ok(())
}

/// A flag set when Ctrl-C (SIGINT) arrives; the toolchain's processes get the signal too.
fn stop_on_ctrl_c() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the signal handler")?;
    // Installed before returning, so an early Ctrl-C is not lost.
    let signal = runtime
        .block_on(async {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        })
        .context("cannot listen for Ctrl-C")?;
    std::thread::spawn(move || {
        let mut signal = signal;
        runtime.block_on(signal.recv());
        flag.store(true, Ordering::Relaxed);
    });
    Ok(stop)
}

/// Starts `weft up --detach` on `state_dir` unless a weft answers there; whether it started
/// one.
fn ensure_local_weft(state_dir: &Path, output: &Output) -> anyhow::Result<bool> {
    if let Some(url) = running_api(state_dir) {
        output.note(&format!("using the weft at {url}"));
        return Ok(false);
    }
    output.note("no weft runs here; starting `weft up --detach`");
    let status = weft_command(state_dir)
        .args(["up", "--detach"])
        .status()
        .context("cannot start weft up")?;
    anyhow::ensure!(
        status.success(),
        "weft up --detach failed ({status}); see above"
    );
    Ok(true)
}

/// Stops the weft that [`ensure_local_weft`] started.
fn stop_local_weft(state_dir: &Path) -> anyhow::Result<()> {
    let status = weft_command(state_dir)
        .arg("down")
        .status()
        .context("cannot run weft down")?;
    anyhow::ensure!(status.success(), "weft down failed ({status})");
    Ok(())
}

/// This weft binary, on `state_dir`.
fn weft_command(state_dir: &Path) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap_or_else(|_| "weft".into()));
    command.arg("--state-dir").arg(state_dir);
    command
}

/// cargo's target directory when `CARGO_TARGET_DIR` puts it inside the project (it is
/// skipped by name otherwise).
fn cargo_target(dir: &Path) -> Vec<PathBuf> {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|target| {
            if target.is_relative() {
                dir.join(target)
            } else {
                target
            }
        })
        .into_iter()
        .collect()
}
