//! `weft host`: a host joining a lattice over NATS, answering its control requests and
//! beating until it stops.

use std::sync::Arc;

use serde::Serialize;
use weft_api::MetricsEndpoint;
use weft_host::{Host, HostCtl, RemoteCalls, follow_secrets};
use weft_lattice::AuditLog;
use weft_secrets::{SecretKey, SecretVault};
use weft_telemetry::Telemetry;

use crate::host_build::{beat, build_host, hint_if_unmanaged};
use crate::join::{Joined, join_nats};
use crate::manager_process::{identity, start_host_ctl, telemetry};
use crate::state_dir::prepare_state_dir;
use crate::{HostProcessConfig, StartError};

/// What a host process reports once it is ready (`weft host -o json` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct HostReady {
    /// Its host id.
    pub host_id: String,
    /// The lattice it joined.
    pub lattice: String,
    /// The servers it reached.
    #[serde(skip)]
    pub servers: String,
    /// Its labels.
    #[serde(skip)]
    pub labels: Vec<(String, String)>,
    /// The state directory, absolute.
    pub state_dir: String,
    /// Where its metrics are served (Prometheus text), if asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<String>,
}

/// A running `weft host`.
pub struct HostProcess {
    ready: HostReady,
    host: Arc<Host>,
    joined: Joined,
    _ctl: HostCtl,
    background: Vec<tokio::task::JoinHandle<()>>,
    metrics_endpoint: Option<MetricsEndpoint>,
    /// Flushed to its collectors on shutdown.
    telemetry: Telemetry,
}

impl HostProcess {
    /// Joins the lattice, starts the host answering its control requests, beating, following
    /// the lattice's secrets when given its key, and warning if nobody manages the lattice.
    pub async fn start(config: HostProcessConfig) -> Result<Self, StartError> {
        // Read before joining, so a wrong key is said before anything starts.
        let secret_key = config
            .secrets_key
            .as_deref()
            .map(SecretKey::load)
            .transpose()?;
        let state_dir = prepare_state_dir(&config.state_dir)?;
        let (joined, nats) = join_nats(&config.nats, &state_dir).await?;
        let remote = RemoteCalls::new(nats.client.clone(), nats.lattice.as_str());
        let bus = Arc::clone(&joined.bus);
        let metrics = telemetry(
            &identity(&joined.host_id, Some(&nats.lattice)),
            config.enable_observability,
        )?;
        metrics.connect_logs(&config.logs);
        let host = build_host(
            &state_dir,
            &config.host,
            &joined.host_id,
            bus,
            Some(remote),
            &metrics,
        )?;
        let host = Arc::new(host);
        // Stopped when dropped, so a start that fails later leaves nothing listening.
        let metrics_endpoint = serve_metrics(config.metrics_addr, metrics.clone()).await?;
        let audit = AuditLog::new(joined.store.clone(), host.id());
        let ctl = start_host_ctl(&nats, audit, &host).await?;
        let mut background = vec![
            beat(Arc::clone(&host), config.host.heartbeat),
            tokio::spawn(hint_if_unmanaged(
                joined.store.clone(),
                nats.lattice.clone(),
            )),
        ];
        if let Some(key) = secret_key {
            let vault = SecretVault::new(joined.store.clone(), key);
            background.push(follow_secrets(
                Arc::clone(&host),
                vault,
                joined.bus.subscribe(),
            ));
        }
        let info = host.info();
        let ready = HostReady {
            host_id: info.id,
            lattice: nats.lattice.to_string(),
            servers: nats.servers,
            labels: info.labels.into_iter().collect(),
            state_dir: state_dir.display().to_string(),
            metrics: metrics_endpoint
                .as_ref()
                .map(|endpoint| format!("http://{}/metrics", endpoint.addr)),
        };
        Ok(Self {
            ready,
            host,
            joined,
            _ctl: ctl,
            background,
            metrics_endpoint,
            telemetry: metrics,
        })
    }

    /// What it became.
    pub fn ready(&self) -> &HostReady {
        &self.ready
    }

    /// The host.
    pub fn host(&self) -> &Arc<Host> {
        &self.host
    }

    /// Stops beating and following, lets in-flight requests finish, stops the components,
    /// and flushes the events still on their way.
    pub async fn shut_down(self) {
        tracing::info!("shutting down: finishing in-flight requests");
        for task in self.background {
            task.abort();
        }
        drop(self.metrics_endpoint);
        self.host.shutdown().await;
        self.joined.flush().await;
        self.telemetry.flush().await;
    }
}

/// The metrics endpoint at `addr`, if one is asked for; a warning when metrics are off (it
/// would only answer that they are).
async fn serve_metrics(
    addr: Option<std::net::SocketAddr>,
    metrics: Telemetry,
) -> Result<Option<MetricsEndpoint>, StartError> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    if !metrics.is_enabled() {
        tracing::warn!(
            %addr,
            "--metrics-addr is given but OTEL_SDK_DISABLED=true turns metrics off; the endpoint will say so"
        );
    }
    let endpoint = weft_api::serve_metrics(metrics, addr)
        .await
        .map_err(|source| StartError::Metrics { addr, source })?;
    Ok(Some(endpoint))
}
