//! What the control plane drives: one host in this process (`weft up`), or the hosts of a
//! lattice over NATS (`weft up --nats`, `weft manager`).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use weft_host::{Host, HostError, HostInfo};
use weft_lattice::ComponentLimitsReport;
use weft_manager::{Command, Lattice, NatsLattice, ObservedLattice, RemoteError};
use weft_secrets::SecretValue;

/// Why the lattice could not carry something out.
#[derive(Debug, thiserror::Error)]
pub enum LatticeError {
    /// The host in this process failed.
    #[error(transparent)]
    Host(#[from] HostError),
    /// A host over NATS failed or did not answer.
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

impl weft_lattice::CommandError for LatticeError {
    fn retry(&self) -> weft_lattice::Retry {
        match self {
            Self::Host(error) => error.retry(),
            Self::Remote(error) => error.retry(),
        }
    }
}

/// The lattice a control plane drives.
pub enum ManagedLattice {
    /// One host in this process.
    Local(Arc<Host>),
    /// The hosts of a lattice over NATS, and the one in this process if any (it gets the
    /// lattice's secrets directly).
    Nats {
        /// The lattice's hosts.
        hosts: Arc<NatsLattice>,
        /// The host in this process.
        local: Option<Arc<Host>>,
    },
}

impl ManagedLattice {
    /// What runs where, now.
    pub fn snapshot(&self) -> ObservedLattice {
        match self {
            Self::Local(host) => host.observe(),
            Self::Nats { hosts, .. } => hosts.snapshot(),
        }
    }

    /// What applications' components hit on each host: live for the host in this process
    /// alone, as of each host's last heartbeat in a lattice.
    pub fn limits_reports(&self) -> Vec<ComponentLimitsReport> {
        match self {
            Self::Local(host) => ComponentLimitsReport::from_inventory(&host.inventory()),
            Self::Nats { hosts, .. } => hosts.limits_reports(),
        }
    }

    /// Every live host.
    pub fn hosts(&self) -> Vec<HostInfo> {
        match self {
            Self::Local(host) => vec![host.info()],
            Self::Nats { hosts, .. } => {
                let now_ms = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|elapsed| elapsed.as_millis() as u64)
                    .unwrap_or_default();
                hosts
                    .hosts()
                    .into_iter()
                    .map(|report| HostInfo {
                        id: report.summary.id,
                        labels: report.summary.labels,
                        version: report.summary.version,
                        started_at_ms: now_ms.saturating_sub(report.summary.uptime_seconds * 1000),
                        components: report.observed.components.len(),
                        capabilities: report.observed.capabilities.len(),
                    })
                    .collect()
            }
        }
    }

    /// Sets (`Some`) or removes (`None`) label `key` on host `host_id`.
    pub async fn set_label(
        &self,
        host_id: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), LatticeError> {
        match self {
            Self::Local(host) => {
                host.set_label(key, value);
                Ok(())
            }
            Self::Nats { hosts, .. } => Ok(hosts.set_label(host_id, key, value).await?),
        }
    }

    /// Puts back a label stored by hand, on the host in this process (hosts of a lattice
    /// take their labels from their own flags).
    pub fn restore_label(&self, key: &str, value: &str) {
        if let Self::Local(host) = self {
            host.set_label(key, Some(value));
        }
    }

    /// Gives components secret `name` (or takes it away). Over NATS the host in this
    /// process gets the value here; hosts elsewhere hear of the new version and read it from
    /// the store with the managers' key.
    pub async fn set_secret(&self, name: &str, secret: Option<(u64, SecretValue)>) {
        match self {
            Self::Local(host) => host.set_secret(name, secret),
            Self::Nats { hosts, local } => {
                let version = secret.as_ref().map(|(version, _)| *version);
                if let Some(local) = local {
                    local.set_secret(name, secret);
                }
                hosts.set_secret_version(name, version).await;
            }
        }
    }

    /// Says the host in this process is alive (hosts of a lattice beat by themselves).
    pub fn heartbeat(&self) {
        if let Self::Local(host) = self {
            host.heartbeat();
        }
    }

    /// Stops the host in this process, if any.
    pub async fn shutdown(&self) {
        match self {
            Self::Local(host)
            | Self::Nats {
                local: Some(host), ..
            } => host.shutdown().await,
            Self::Nats { local: None, .. } => {}
        }
    }
}

impl Lattice for ManagedLattice {
    type Error = LatticeError;

    async fn observe(&self) -> ObservedLattice {
        self.snapshot()
    }

    async fn execute(&self, command: &Command) -> Result<(), LatticeError> {
        match self {
            Self::Local(host) => Ok(host.execute(command).await?),
            Self::Nats { hosts, .. } => Ok(hosts.execute(command).await?),
        }
    }
}
