//! `weft host`: flags into a [`HostProcessConfig`], the host started in its lattice, and
//! stopped on Ctrl-C or SIGTERM.

use std::path::Path;

use weft_process::{HostProcess, HostProcessConfig};
use weft_telemetry::LogBridge;

use crate::args::HostArgs;
use crate::commands::run::{StopSignal, block_on};
use crate::commands::up::host_config;
use crate::output::Output;

/// Runs `weft host` until Ctrl-C or SIGTERM; its log lines go over OTLP through `logs` when
/// logs are exported.
pub fn execute(
    args: HostArgs,
    state_dir: &Path,
    output: &Output,
    logs: &LogBridge,
) -> anyhow::Result<()> {
    let Some(nats) = args.nats.config() else {
        anyhow::bail!(
            "`weft host` joins a lattice over NATS: give `--nats URL` (on one machine alone, `weft up` runs a host with its manager)"
        );
    };
    let config = HostProcessConfig {
        state_dir: state_dir.to_path_buf(),
        nats,
        host: host_config(&args.host)?,
        secrets_key: args.secrets_key.clone(),
        metrics_addr: args.metrics_addr,
        enable_observability: args.enable_observability,
        logs: logs.clone(),
    };
    block_on(async {
        let stop = StopSignal::install()?;
        let process = HostProcess::start(config).await?;
        let ready = process.ready();
        let labels = ready
            .labels
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join(", ");
        let metrics = ready
            .metrics
            .as_deref()
            .map(|url| format!("; metrics at {url}"))
            .unwrap_or_default();
        output.result(
            &format!(
                "weft host {} joined lattice {} on NATS at {}; labels: {labels}{metrics}",
                ready.host_id, ready.lattice, ready.servers
            ),
            ready,
        );
        stop.wait().await;
        process.shut_down().await;
        Ok(())
    })
}
