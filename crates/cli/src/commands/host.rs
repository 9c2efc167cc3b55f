//! `weft host`: a host joining a lattice over NATS; and building the host every process that
//! runs one uses.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;
use weft_host::{Host, HostCtl, RemoteCalls, follow_secrets};
use weft_lattice::{EventBus, LatticeStore};
use weft_manager::lease_holder;
use weft_runtime::{Runtime, RuntimeSettings};
use weft_secrets::{SecretKey, SecretVault};

use crate::args::{HostArgs, HostOptions};
use crate::commands::config::parse_values;
use crate::commands::lattice_join::join_lattice;
use crate::commands::run::StopSignal;
use crate::commands::state::prepare_state_dir;
use crate::output::Output;

/// How long the HTTP server waits for in-flight requests when the host stops.
const GRACE: Duration = Duration::from_secs(10);

/// A host with `options`' labels (plus `hostcore.os`/`hostcore.arch`), publishing on `bus`,
/// keeping its caches and data under `state_dir`, reaching the lattice's other hosts through
/// `remote` when it is in one.
pub fn build_host(
    state_dir: &Path,
    options: &HostOptions,
    host_id: &str,
    bus: Arc<dyn EventBus>,
    remote: Option<RemoteCalls>,
) -> anyhow::Result<Host> {
    let runtime = Runtime::new(&RuntimeSettings {
        cache_dir: Some(state_dir.join("compiled")),
        ..RuntimeSettings::default()
    })?;
    let mut labels = parse_values(&options.labels)?;
    labels.extend([
        ("hostcore.os".to_owned(), std::env::consts::OS.to_owned()),
        (
            "hostcore.arch".to_owned(),
            std::env::consts::ARCH.to_owned(),
        ),
    ]);
    let host = Host::new(host_id, labels, Arc::new(runtime), GRACE, bus)
        .with_data_dir(state_dir.join("data"))
        .with_oci(
            crate::commands::oci::cache(state_dir)?,
            weft_oci::Registry::new(crate::commands::oci::settings(&options.oci)?),
        );
    Ok(match remote {
        Some(remote) => host.with_remote(remote),
        None => host,
    })
}

/// Publishes `host`'s heartbeat every `interval` until the task is aborted.
pub fn beat(host: Arc<Host>, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut beat = tokio::time::interval(interval);
        loop {
            beat.tick().await;
            host.heartbeat();
        }
    })
}

/// How long a host waits for its lattice to have a manager before saying it has none.
const MANAGER_GRACE: Duration = Duration::from_secs(5);

/// Warns, once, when nobody manages the lattice a while after the host joined: most often
/// a `--lattice` that differs from the manager's.
async fn hint_if_unmanaged(store: LatticeStore, lattice: String) {
    tokio::time::sleep(MANAGER_GRACE).await;
    if let Ok(None) = lease_holder(&store).await {
        tracing::warn!(
            "no weft manager manages lattice {lattice}: nothing will be placed on this host until one does; start one (`weft manager --nats URL --lattice {lattice}`), or check that this host's --lattice is the manager's"
        );
    }
}

/// What `weft host` reports once it is ready.
#[derive(Debug, Serialize)]
struct Ready {
    host_id: String,
    lattice: String,
    state_dir: String,
}

/// Runs `weft host` until Ctrl-C or SIGTERM.
pub fn execute(args: HostArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    if args.nats.urls.is_empty() {
        anyhow::bail!(
            "`weft host` joins a lattice over NATS: give `--nats URL` (on one machine alone, `weft up` runs a host with its manager)"
        );
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(host(args, state_dir, output))
}

async fn host(args: HostArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let stop = StopSignal::install()?;
    let state_dir = &prepare_state_dir(state_dir)?;
    let joined = join_lattice(&args.nats, state_dir).await?;
    let (Some(client), Some(lattice)) = (joined.client.clone(), joined.lattice.clone()) else {
        anyhow::bail!("`weft host` needs `--nats URL`");
    };
    let host = Arc::new(build_host(
        state_dir,
        &args.host,
        &joined.host_id,
        Arc::clone(&joined.bus),
        Some(RemoteCalls::new(client.clone(), lattice.as_str())),
    )?);
    let _ctl = HostCtl::start(client, lattice.as_str(), Arc::clone(&host))
        .await
        .with_context(|| format!("cannot answer control requests of lattice {lattice}"))?;
    let heartbeat = beat(Arc::clone(&host), args.host.heartbeat);
    let hint = tokio::spawn(hint_if_unmanaged(joined.store.clone(), lattice.to_string()));
    let secrets = match &args.secrets_key {
        Some(path) => {
            let key = SecretKey::load(path)?;
            Some(follow_secrets(
                Arc::clone(&host),
                SecretVault::new(joined.store.clone(), key),
                joined.bus.subscribe(),
            ))
        }
        None => None,
    };
    let info = host.info();
    output.result(
        &format!(
            "weft host {} joined lattice {lattice} on NATS at {}; labels: {}",
            info.id,
            args.nats.urls.join(","),
            info.labels
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &Ready {
            host_id: info.id,
            lattice: lattice.to_string(),
            state_dir: state_dir.display().to_string(),
        },
    );
    stop.wait().await;
    tracing::info!("shutting down: finishing in-flight requests");
    heartbeat.abort();
    hint.abort();
    if let Some(secrets) = secrets {
        secrets.abort();
    }
    host.shutdown().await;
    joined.flush().await;
    Ok(())
}
