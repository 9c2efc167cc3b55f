//! `weft up` and `weft manager`: flags into a [`ManagerConfig`], the process started, its
//! ready report printed, and stopped on Ctrl-C, SIGTERM, `weft down` or a lost lease.

use std::path::Path;

use weft_process::{HostConfig, ManagerConfig, ManagerProcess, Pauses, Ready, Stopped};
use weft_telemetry::LogBridge;

use crate::args::{HostOptions, ManagerArgs, ManagerOptions, UpArgs};
use crate::commands::config::parse_values;
use crate::commands::run::{StopSignal, block_on};
use crate::output::Output;

/// Runs `weft up` until Ctrl-C or SIGTERM; its log lines go over OTLP through `logs` when
/// logs are exported.
pub fn execute(
    args: UpArgs,
    state_dir: &Path,
    output: &Output,
    logs: &LogBridge,
) -> anyhow::Result<()> {
    if args.detach && !args.foreground {
        return crate::commands::detach::execute(state_dir, output);
    }
    let mut config = manager_config(&args.manager, state_dir, logs)?;
    config.host = Some(host_config(&args.host)?);
    config.example = (!args.no_example).then_some(args.example_address);
    block_on(run(config, &args.manager, output))
}

/// Runs `weft manager` until Ctrl-C or SIGTERM; its log lines go over OTLP through `logs`
/// when logs are exported.
pub fn execute_manager(
    args: ManagerArgs,
    state_dir: &Path,
    output: &Output,
    logs: &LogBridge,
) -> anyhow::Result<()> {
    let config = manager_config(&args.manager, state_dir, logs)?;
    block_on(run(config, &args.manager, output))
}

/// The manager's settings from its flags, without a host.
fn manager_config(
    options: &ManagerOptions,
    state_dir: &Path,
    logs: &LogBridge,
) -> anyhow::Result<ManagerConfig> {
    Ok(ManagerConfig {
        state_dir: state_dir.to_path_buf(),
        api_addr: options.api_addr,
        read_token: options.read_token.clone(),
        nats: options.nats.config(),
        secrets_key: options.secrets_key.clone(),
        lease_term: options.lease_term,
        host_expiry: options.host_expiry,
        host: None,
        example: None,
        enable_observability: options.enable_observability,
        logs: logs.clone(),
        pauses: pauses_from_env()?,
    })
}

/// The pause points failure tests set (`WEFT_TEST_PAUSE_AT`, files in `WEFT_TEST_PAUSE_DIR`).
fn pauses_from_env() -> anyhow::Result<Pauses> {
    let Some(spec) = std::env::var_os("WEFT_TEST_PAUSE_AT") else {
        return Ok(Pauses::none());
    };
    let dir = std::env::var_os("WEFT_TEST_PAUSE_DIR").ok_or_else(|| {
        anyhow::anyhow!("WEFT_TEST_PAUSE_AT is set without WEFT_TEST_PAUSE_DIR, the directory for its files; unset it unless a failure test runs")
    })?;
    Ok(Pauses::parse(&spec.to_string_lossy(), dir.into())?)
}

/// A host's settings from its flags.
pub fn host_config(options: &HostOptions) -> anyhow::Result<HostConfig> {
    Ok(HostConfig {
        labels: parse_values(&options.labels)?,
        heartbeat: options.heartbeat,
        busy_lane: options.busy_lane.settings(),
        deadline: options.instances.deadline,
        memory_limit_bytes: options.instances.memory_limit,
        oci: crate::commands::oci::settings(&options.oci)?,
    })
}

/// Starts the process, prints what it became, and stops it when asked.
async fn run(config: ManagerConfig, args: &ManagerOptions, output: &Output) -> anyhow::Result<()> {
    let stop = StopSignal::install()?;
    let kind = if config.host.is_some() {
        "host"
    } else {
        "manager"
    };
    let mut process = ManagerProcess::start(config).await?;
    output.result(&ready_text(process.ready(), args, kind), process.ready());
    let stopped = tokio::select! {
        () = stop.wait() => None,
        stopped = process.stopped() => Some(stopped),
    };
    match stopped {
        Some(Stopped::LeaseLost(lost)) => {
            process.shut_down(false).await;
            Err(lost.into())
        }
        Some(Stopped::TakeOverFailed(error)) => {
            process.shut_down(false).await;
            Err(anyhow::Error::new(error).context(
                "this standby took over the lattice but could not act on it; it gave the lease up",
            ))
        }
        Some(Stopped::Requested) => {
            tracing::info!("stop requested through the API (weft down)");
            process.shut_down(true).await;
            Ok(())
        }
        None => {
            process.shut_down(true).await;
            Ok(())
        }
    }
}

/// What `weft up` prints once ready: the API, the lattice, who manages it, the apps.
fn ready_text(ready: &Ready, args: &ManagerOptions, kind: &str) -> String {
    let mut text = format!(
        "weft is up: API at {}, state in {}",
        ready.api, ready.state_dir
    );
    if let Some(lattice) = &ready.lattice {
        text.push_str(&format!(
            "\n  lattice {lattice} on NATS at {}, {kind} {}",
            args.nats.urls.join(","),
            ready.host_id
        ));
    }
    if let Some(leader) = &ready.leader {
        text.push_str(&format!(
            "\n  standing by: {} manages the lattice (API {}); this process takes over if it stops",
            leader.holder,
            leader.api.as_deref().unwrap_or("unknown")
        ));
    }
    for app in &ready.apps {
        text.push_str(&format!(
            "\n  app {} {}: {}{}",
            app.name,
            app.deployed.as_deref().unwrap_or("-"),
            app.status,
            if app.reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", app.reasons.join("; "))
            }
        ));
    }
    text
}
