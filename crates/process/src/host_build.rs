//! The host every process that runs one builds, its heartbeat, and the hint a host gives when
//! nobody manages its lattice.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use weft_host::{Host, RemoteCalls};
use weft_lattice::{EventBus, LatticeName, LatticeStore};
use weft_runtime::{Runtime, RuntimeSettings};
use weft_telemetry::Telemetry;

use crate::{HostConfig, StartError};

/// How long the HTTP server waits for in-flight requests when the host stops.
const GRACE: Duration = Duration::from_secs(10);

/// How long a host waits for its lattice to have a manager before saying it has none.
const MANAGER_GRACE: Duration = Duration::from_secs(5);

/// A host with `config`'s labels (plus `hostcore.os`/`hostcore.arch`), publishing on `bus`,
/// keeping its caches and data under `state_dir`, reaching the lattice's other hosts through
/// `remote` when it is in one.
pub(crate) fn build_host(
    state_dir: &Path,
    config: &HostConfig,
    host_id: &str,
    bus: Arc<dyn EventBus>,
    remote: Option<RemoteCalls>,
    metrics: &Telemetry,
) -> Result<Host, StartError> {
    let runtime = Runtime::new(&RuntimeSettings {
        cache_dir: Some(state_dir.join("compiled")),
        busy_lane: config.busy_lane,
        invocation_deadline: config.deadline,
        memory_limit_bytes: config.memory_limit_bytes,
        ..RuntimeSettings::default()
    })?;
    let mut labels = config.labels.clone();
    labels.extend([
        ("hostcore.os".to_owned(), std::env::consts::OS.to_owned()),
        (
            "hostcore.arch".to_owned(),
            std::env::consts::ARCH.to_owned(),
        ),
    ]);
    let host = Host::new(host_id, labels, Arc::new(runtime), GRACE, bus)
        .with_data_dir(state_dir.join("data"))
        .with_telemetry(metrics)
        .with_oci(
            weft_oci::ArtifactCache::open(state_dir.join("oci"))?,
            weft_oci::Registry::new(config.oci.clone()),
        );
    Ok(match remote {
        Some(remote) => host.with_remote(remote.traced(metrics.tracing())),
        None => host,
    })
}

/// Publishes `host`'s heartbeat every `interval` until the task is aborted.
pub(crate) fn beat(host: Arc<Host>, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut beat = tokio::time::interval(interval);
        loop {
            beat.tick().await;
            host.heartbeat();
        }
    })
}

/// Warns, once, when nobody manages the lattice a while after the host joined: most often
/// a `--lattice` that differs from the manager's.
pub(crate) async fn hint_if_unmanaged(store: LatticeStore, lattice: LatticeName) {
    tokio::time::sleep(MANAGER_GRACE).await;
    if let Ok(None) = weft_manager::lease_holder(&store).await {
        tracing::warn!(
            "no weft manager manages lattice {lattice}: nothing will be placed on this host until one does; start one (`weft manager --nats URL --lattice {lattice}`), or check that this host's --lattice is the manager's"
        );
    }
}
