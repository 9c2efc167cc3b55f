//! `weft up` and `weft manager`: the API, the deployment manager and, for `weft up`, a host,
//! started in order and stopped in reverse.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use weft_api::{ApiHandle, ApiTokens, AppView, ControlPlane, ManagedLattice};
use weft_host::{ComponentInvoker, Host, HostCtl, RemoteCalls};
use weft_lattice::{AuditLog, LatticeName, Subscription};
use weft_manager::{Lease, LeaseError, LeaseRecord, NatsLattice};
use weft_secrets::SecretKey;
use weft_telemetry::{Identity, Telemetry};

use crate::acting::{ActingOn, Answering, NatsLink, act};
use crate::host_build::{beat, build_host};
use crate::join::{Joined, JoinedNats, join};
use crate::role::{Role, hold, standby_reason, take_over};
use crate::state_dir::{
    ApiFile, api_file_path, check_read_token, new_token, prepare_state_dir, write_api_file,
};
use crate::{HostConfig, ManagerConfig, StartError};

/// How long the host in this process may take to show up in its lattice.
const JOIN_WAIT: Duration = Duration::from_secs(10);

/// What a manager process reports once it is ready (`weft up -o json` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct Ready {
    /// The API's base URL.
    pub api: String,
    /// The state directory, absolute.
    pub state_dir: String,
    /// The lattice joined over NATS, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lattice: Option<String>,
    /// This process's host id (`local` when alone).
    pub host_id: String,
    /// `alone`, `leader` or `standby`.
    pub role: &'static str,
    /// Who manages the lattice, when this process stands by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<LeaseRecord>,
    /// The apps in the store when it became ready.
    pub apps: Vec<AppView>,
}

/// Why a running manager process wants to stop by itself.
#[derive(Debug)]
pub enum Stopped {
    /// A client asked through the API (`weft down`).
    Requested,
    /// Another manager took the lease; this one must stop acting.
    LeaseLost(LeaseError),
    /// This standby won the lease but could not act; it gave the lease up again so another
    /// manager can.
    TakeOverFailed(StartError),
}

/// A running `weft up` / `weft manager`.
pub struct ManagerProcess {
    ready: Ready,
    role: Role,
    tokens: ApiTokens,
    api: ApiHandle,
    control: Arc<ControlPlane>,
    host: Option<Arc<Host>>,
    running: Running,
    joined: Joined,
    state_dir: PathBuf,
    lost: tokio::sync::mpsc::Receiver<Stopped>,
}

impl ManagerProcess {
    /// Joins the lattice (or opens the embedded store), starts the host if asked, the control
    /// plane and the API, claims the manager's role, writes the API file, and reports.
    pub async fn start(config: ManagerConfig) -> Result<Self, StartError> {
        if config.nats.is_none() && config.host.is_none() {
            return Err(StartError::NothingToManage);
        }
        let state_dir = prepare_state_dir(&config.state_dir)?;
        let joined = join(config.nats.as_ref(), &state_dir).await?;
        let metrics = telemetry(
            &identity(&joined.host_id, joined.lattice()),
            config.enable_observability,
        )?;
        metrics.connect_logs(&config.logs);
        let nats = joined.nats.clone().map(|joined_nats| NatsLink {
            hosts: NatsLattice::new(
                joined_nats.client.clone(),
                &joined_nats.lattice,
                config.host_expiry,
                metrics.tracing(),
            ),
            joined: joined_nats,
        });
        // Taken before the host starts, so its first events are seen.
        let bus_events = joined.bus.subscribe();
        // One log for the control plane and this process's host, so their entries keep order.
        let audit = AuditLog::new(joined.store.clone(), joined.host_id.clone());
        let host = start_host(
            config.host.as_ref(),
            &state_dir,
            &joined,
            nats.as_ref(),
            &metrics,
        )?;
        let mut running = Running::default();
        let local = host.as_ref().zip(config.host.as_ref());
        let (lattice, events) =
            managed_lattice(nats.as_ref(), &audit, local, bus_events, &mut running).await?;
        let control = control_plane(
            &config,
            &state_dir,
            &joined,
            (lattice, events),
            metrics,
            audit,
        )?;
        control.set_invoker(invoker(host.as_deref(), nats.as_ref()));
        control.set_event_bus(Arc::clone(&joined.bus));
        let tokens = ApiTokens {
            admin: new_token()?,
            read: config
                .read_token
                .clone()
                .map_or_else(new_token, check_read_token)?,
        };
        let api = weft_api::serve(Arc::clone(&control), config.api_addr, tokens.clone())
            .await
            .map_err(|source| StartError::Api {
                addr: config.api_addr,
                source,
            })?;
        let url = format!("http://{}", api.addr);
        let (lost_sender, lost) = tokio::sync::mpsc::channel(1);
        let on = ActingOn {
            example: config.example.filter(|_| host.is_some()),
            state_dir: state_dir.clone(),
            nats,
        };
        let claim = Claim {
            config: &config,
            joined: &joined,
            control: &control,
            api: url.clone(),
            lost: lost_sender,
        };
        let role = claim.role(on, &mut running).await?;
        write_api_file(
            &state_dir,
            &ApiFile {
                url,
                token: tokens.admin.clone(),
                read_token: tokens.read.clone(),
            },
        )?;
        let ready = ready(&api, &state_dir, &joined, &role, control.list().await?);
        Ok(Self {
            ready,
            role,
            tokens,
            api,
            control,
            host,
            running,
            joined,
            state_dir,
            lost,
        })
    }

    /// What it became.
    pub fn ready(&self) -> &Ready {
        &self.ready
    }

    /// Its role in the lattice.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The bearer token for every API call.
    pub fn token(&self) -> &str {
        &self.tokens.admin
    }

    /// The bearer token for API reads only.
    pub fn read_token(&self) -> &str {
        &self.tokens.read
    }

    /// The control plane the API serves.
    pub fn control(&self) -> &Arc<ControlPlane> {
        &self.control
    }

    /// The host in this process (`weft up`).
    pub fn host(&self) -> Option<&Arc<Host>> {
        self.host.as_ref()
    }

    /// Resolves when the process should stop by itself: asked through the API, or the lease
    /// lost.
    pub async fn stopped(&mut self) -> Stopped {
        tokio::select! {
            () = self.api.shutdown_requested() => Stopped::Requested,
            Some(stopped) = self.lost.recv() => stopped,
        }
    }

    /// Stops serving (in-flight requests finish), the background work and the lattice
    /// connection, and removes the API file; gives the lease up unless `release_lease` is
    /// false (it was lost: another manager holds it now).
    pub async fn shut_down(mut self, release_lease: bool) {
        tracing::info!("shutting down: finishing in-flight requests");
        self.api.stop();
        let _ = std::fs::remove_file(api_file_path(&self.state_dir));
        // Nothing answers or beats any more before the host stops, so no late heartbeat
        // brings it back in anyone's view.
        self.running.stop();
        self.control.shutdown().await;
        self.joined.flush().await;
        self.control.metrics().flush().await;
        if release_lease {
            self.running.release_lease().await;
        }
    }
}

/// What runs in the background while the process is up, stopped when it goes down.
#[derive(Default)]
struct Running {
    /// Heartbeats and lattice tracking.
    background: Vec<tokio::task::JoinHandle<()>>,
    /// The host's answers to control requests (kept while it lives).
    host_ctl: Option<HostCtl>,
    /// The manager's answers to the lattice's requests (kept while it lives).
    answering: Option<Answering>,
    /// The manager lease, when in a lattice.
    lease: Option<Arc<Lease<weft_lattice::LatticeStore>>>,
}

impl Running {
    /// Stops answering the lattice's requests and the background tasks (heartbeats,
    /// tracking, holding or waiting for the lease, and what a take-over started).
    fn stop(&mut self) {
        self.answering = None;
        self.host_ctl = None;
        for task in self.background.drain(..) {
            task.abort();
        }
    }

    /// Gives the lease up, so a standby takes over at once.
    async fn release_lease(&self) {
        if let Some(lease) = &self.lease
            && let Err(error) = lease.release().await
        {
            tracing::warn!(%error, "cannot give up the manager lease; a standby takes over once it lapses");
        }
    }
}

impl Drop for Running {
    /// A process that failed to start leaves nothing running.
    fn drop(&mut self) {
        self.stop();
    }
}

/// The host in this process, when asked for, reaching the lattice's other hosts over NATS.
fn start_host(
    config: Option<&HostConfig>,
    state_dir: &Path,
    joined: &Joined,
    nats: Option<&NatsLink>,
    metrics: &Telemetry,
) -> Result<Option<Arc<Host>>, StartError> {
    let Some(config) = config else {
        return Ok(None);
    };
    let remote =
        nats.map(|nats| RemoteCalls::new(nats.joined.client.clone(), nats.joined.lattice.as_str()));
    let host = build_host(
        state_dir,
        config,
        &joined.host_id,
        Arc::clone(&joined.bus),
        remote,
        metrics,
    )?;
    Ok(Some(Arc::new(host)))
}

/// How `weft call` reaches components: through this process's host (and from it the
/// lattice), else through the lattice alone.
fn invoker(host: Option<&Host>, nats: Option<&NatsLink>) -> ComponentInvoker {
    match (host, nats) {
        (Some(host), _) => host.invoker(),
        (None, Some(nats)) => ComponentInvoker::remote(RemoteCalls::new(
            nats.joined.client.clone(),
            nats.joined.lattice.as_str(),
        )),
        (None, None) => ComponentInvoker::default(),
    }
}

/// What the control plane drives: the host in this process, or the lattice's hosts over
/// NATS (this process's host answering control requests and beating, and part of the lattice
/// before anything is placed). Returns it with the events the reconciler follows.
async fn managed_lattice(
    nats: Option<&NatsLink>,
    audit: &AuditLog,
    host: Option<(&Arc<Host>, &HostConfig)>,
    bus_events: Subscription,
    running: &mut Running,
) -> Result<(ManagedLattice, Subscription), StartError> {
    let Some(nats) = nats else {
        let (host, _) = host.ok_or(StartError::NothingToManage)?;
        return Ok((ManagedLattice::Local(Arc::clone(host)), bus_events));
    };
    if let Some((host, config)) = host {
        running.host_ctl = Some(start_host_ctl(&nats.joined, audit.clone(), host).await?);
        running
            .background
            .push(beat(Arc::clone(host), config.heartbeat));
    }
    let events = nats.hosts.events();
    nats.hosts.discover().await;
    running.background.push(nats.hosts.track(bus_events));
    if let Some((host, _)) = host
        && !nats.hosts.wait_for(host.id(), JOIN_WAIT).await
    {
        return Err(StartError::HostNotJoined {
            lattice: nats.joined.lattice.clone(),
            waited: JOIN_WAIT,
        });
    }
    let local = host.map(|(host, _)| Arc::clone(host));
    let hosts = Arc::clone(&nats.hosts);
    Ok((ManagedLattice::Nats { hosts, local }, events))
}

/// The host's answers to the lattice's control requests.
pub(crate) async fn start_host_ctl(
    nats: &JoinedNats,
    audit: AuditLog,
    host: &Arc<Host>,
) -> Result<HostCtl, StartError> {
    let lattice = &nats.lattice;
    HostCtl::start(
        nats.client.clone(),
        lattice.as_str(),
        Arc::clone(host),
        audit,
    )
    .await
    .map_err(|source| StartError::Subscribe {
        what: "answer the host control requests",
        lattice: lattice.clone(),
        source,
    })
}

/// The control plane over the joined store, its secrets sealed with the configured key (or
/// `secrets.key` in `state_dir`).
fn control_plane(
    config: &ManagerConfig,
    state_dir: &Path,
    joined: &Joined,
    (lattice, events): (ManagedLattice, Subscription),
    metrics: Telemetry,
    audit: AuditLog,
) -> Result<Arc<ControlPlane>, StartError> {
    let key_file = config
        .secrets_key
        .clone()
        .unwrap_or_else(|| state_dir.join("secrets.key"));
    let secret_key = SecretKey::load_or_create(&key_file)?;
    let store = joined.store.clone();
    Ok(Arc::new(ControlPlane::new(
        store,
        secret_key,
        lattice,
        events,
        metrics,
        audit,
        config.pauses.clone(),
    )))
}

/// Who this process's metrics say recorded them.
pub(crate) fn identity(host_id: &str, lattice: Option<&LatticeName>) -> Identity {
    Identity {
        host_id: Some(host_id.to_owned()),
        lattice: lattice.map(ToString::to_string),
        version: Some(env!("CARGO_PKG_VERSION").to_owned()),
    }
}

/// The process's telemetry as the environment configures it; `enable_observability` acts as
/// `WASMCLOUD_OBSERVABILITY_ENABLED=true`.
pub(crate) fn telemetry(
    identity: &Identity,
    enable_observability: bool,
) -> Result<Telemetry, weft_telemetry::TelemetryError> {
    Telemetry::configure(identity, &|name| {
        if enable_observability && name == "WASMCLOUD_OBSERVABILITY_ENABLED" {
            return Some("true".to_owned());
        }
        std::env::var(name).ok()
    })
}

/// Claiming the manager's role.
struct Claim<'a> {
    config: &'a ManagerConfig,
    joined: &'a Joined,
    control: &'a Arc<ControlPlane>,
    /// This process's API, named in the lease.
    api: String,
    /// Told when the lease is lost or taking over failed.
    lost: tokio::sync::mpsc::Sender<Stopped>,
}

impl Claim<'_> {
    /// Acts alone (no lattice), as the lattice's manager (the lease was free), or stands by
    /// for the one holding it, taking over when it goes.
    async fn role(self, on: ActingOn, running: &mut Running) -> Result<Role, StartError> {
        let Some(lattice) = self.joined.lattice() else {
            act(self.control, &on).await?;
            return Ok(Role::Alone);
        };
        let record = LeaseRecord {
            holder: self.joined.host_id.clone(),
            api: Some(self.api),
        };
        let lease = Lease::new(self.joined.store.clone(), record, self.config.lease_term);
        let lease = Arc::new(lease);
        running.lease = Some(Arc::clone(&lease));
        let attempt = lease
            .try_acquire()
            .await
            .map_err(|source| StartError::Store {
                place: format!("lattice {lattice}"),
                source,
            })?;
        match attempt {
            Ok(fence) => {
                if let Some(nats) = &on.nats {
                    nats.hosts.set_fence(fence);
                }
                running.answering = act(self.control, &on).await?;
                running
                    .background
                    .push(tokio::spawn(hold(lease, fence, self.lost)));
                Ok(Role::Leader)
            }
            Err(holder) => {
                let reason = standby_reason(lattice, &holder);
                self.control.set_standing_by(Some(reason));
                let waiting = take_over(lease, Arc::clone(self.control), on, self.lost);
                running.background.push(tokio::spawn(waiting));
                Ok(Role::Standby { leader: holder })
            }
        }
    }
}

/// The ready report.
fn ready(
    api: &ApiHandle,
    state_dir: &Path,
    joined: &Joined,
    role: &Role,
    apps: Vec<AppView>,
) -> Ready {
    Ready {
        api: format!("http://{}", api.addr),
        state_dir: state_dir.display().to_string(),
        lattice: joined.lattice().map(ToString::to_string),
        host_id: joined.host_id.clone(),
        role: role.name(),
        leader: match role {
            Role::Standby { leader } => Some(leader.clone()),
            _ => None,
        },
        apps,
    }
}
