//! `weft up`: the API, the deployment manager and one host in this process.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;
use weft_api::ControlPlane;
use weft_api::ManagedLattice;
use weft_api::ctl::LatticeCtl;
use weft_host::{HostCtl, RemoteCalls};
use weft_lattice::{LatticeName, Subscription};
use weft_manager::{Lease, LeaseError, LeaseRecord, NatsLattice};
use weft_secrets::SecretKey;

use crate::args::{HostOptions, ManagerArgs, ManagerOptions, UpArgs};
use crate::commands::host::{beat, build_host};
use crate::commands::lattice_join::{Joined, join_lattice};
use crate::commands::manager_role::{Role, hold, standby_reason, take_over};
use crate::commands::run::StopSignal;
use crate::commands::state::{
    ApiFile, api_file_path, new_token, prepare_state_dir, write_api_file,
};
use crate::output::Output;

/// What `weft up` reports once it is ready.
#[derive(Debug, Serialize)]
struct Ready {
    api: String,
    state_dir: String,
    /// The lattice joined over NATS, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    lattice: Option<String>,
    host_id: String,
    /// `alone`, `leader` or `standby`.
    role: &'static str,
    /// Who manages the lattice, when this process stands by.
    #[serde(skip_serializing_if = "Option::is_none")]
    leader: Option<LeaseRecord>,
    apps: Vec<weft_api::AppView>,
}

/// Runs `weft up` until Ctrl-C or SIGTERM.
pub fn execute(args: UpArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let example = BundledExample {
        enabled: !args.no_example,
        address: args.example_address,
        state_dir: state_dir.to_path_buf(),
    };
    block_on(run(
        args.manager,
        Some((args.host, example)),
        state_dir,
        output,
    ))
}

/// Runs `weft manager` until Ctrl-C or SIGTERM.
pub fn execute_manager(args: ManagerArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    if args.manager.nats.urls.is_empty() {
        anyhow::bail!(
            "`weft manager` manages a lattice over NATS: give `--nats URL` (on one machine alone, `weft up` runs the manager with a host)"
        );
    }
    block_on(run(args.manager, None, state_dir, output))
}

fn block_on(work: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(work)
}

/// The manager (API, reconciler, lease) and, for `weft up`, a host with the bundled example.
///
/// Long on purpose: the process's life in order (join, host, lattice, control plane, API,
/// role, ready, wait, stop), each step one call to a function below, so the order itself is
/// what reads here.
async fn run(
    args: ManagerOptions,
    with_host: Option<(HostOptions, BundledExample)>,
    state_dir: &Path,
    output: &Output,
) -> anyhow::Result<()> {
    let stop = StopSignal::install()?;
    let state_dir = &prepare_state_dir(state_dir)?;
    let joined = join_lattice(&args.nats, state_dir).await?;
    let nats = nats_link(&joined, &args);
    // Taken before the host starts, so its first events are seen.
    let bus_events = joined.bus.subscribe();
    let (host_options, example) = host_and_example(with_host, state_dir);
    let host = match &host_options {
        Some(options) => Some(Arc::new(build_host(
            state_dir,
            options,
            &joined.host_id,
            Arc::clone(&joined.bus),
            nats.as_ref()
                .map(|nats| RemoteCalls::new(nats.client.clone(), nats.lattice.as_str())),
        )?)),
        None => None,
    };
    let mut running = Running::default();
    let (lattice, events) = managed_lattice(
        nats.as_ref(),
        host.as_ref().zip(host_options.as_ref()),
        bus_events,
        &mut running,
    )
    .await?;
    let control = control_plane(&args, state_dir, &joined, lattice, events)?;
    let token = new_token()?;
    let api = weft_api::serve(Arc::clone(&control), args.api_addr, token.clone())
        .await
        .with_context(|| {
            format!(
                "cannot serve the API on {} (pick another with --api-addr)",
                args.api_addr
            )
        })?;
    let url = format!("http://{}", api.addr);
    let (lost_sender, mut lost) = tokio::sync::mpsc::channel::<LeaseError>(1);
    let role = claim_role(
        &args,
        &joined,
        &control,
        Acting {
            example,
            nats: nats.clone(),
            api: url.clone(),
            lost: lost_sender,
        },
        &mut running,
    )
    .await?;
    write_api_file(
        state_dir,
        &ApiFile {
            url: url.clone(),
            token,
        },
    )?;
    let ready = Ready {
        api: url,
        state_dir: state_dir.display().to_string(),
        lattice: joined.lattice.as_ref().map(ToString::to_string),
        host_id: joined.host_id.clone(),
        role: role.name(),
        leader: match role {
            Role::Standby { leader } => Some(leader),
            _ => None,
        },
        apps: control.list().await?,
    };
    let kind = if host.is_some() { "host" } else { "manager" };
    output.result(&ready_text(&ready, &args, kind), &ready);

    let outcome = tokio::select! {
        () = stop.wait() => Ok(()),
        () = api.shutdown_requested() => {
            tracing::info!("stop requested through the API (weft down)");
            Ok(())
        }
        Some(lost) = lost.recv() => Err(lost),
    };
    shut_down(Stopping {
        api,
        control,
        running,
        joined,
        state_dir,
        release_lease: outcome.is_ok(),
    })
    .await;
    Ok(outcome?)
}

/// What goes down when the process stops.
struct Stopping<'a> {
    api: weft_api::ApiHandle,
    control: Arc<ControlPlane>,
    running: Running,
    joined: Joined,
    state_dir: &'a Path,
    /// False when the lease was lost (another manager holds it now).
    release_lease: bool,
}

/// Stops serving (in-flight requests finish), the background work and the lattice
/// connection; gives the lease up unless it was lost.
async fn shut_down(mut stopping: Stopping<'_>) {
    tracing::info!("shutting down: finishing in-flight requests");
    stopping.api.stop();
    let _ = std::fs::remove_file(api_file_path(stopping.state_dir));
    stopping.control.shutdown().await;
    stopping.running.stop();
    stopping.joined.flush().await;
    if stopping.release_lease {
        stopping.running.release_lease().await;
    }
}

/// What runs in the background while the process is up, stopped when it goes down.
#[derive(Default)]
struct Running {
    /// Heartbeats and lattice tracking.
    background: Vec<tokio::task::JoinHandle<()>>,
    /// The host's answers to control requests (kept while it lives).
    host_ctl: Option<HostCtl>,
    /// The manager's answers to the lattice's control requests (kept while it lives).
    lattice_ctl: Option<LatticeCtl>,
    /// The manager lease, when in a lattice.
    lease: Option<Arc<Lease<weft_lattice::LatticeStore>>>,
}

impl Running {
    /// Stops the background tasks (the control-request answerers go when it is dropped).
    fn stop(&mut self) {
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

/// The lattice's NATS when the process joined one.
fn nats_link(joined: &Joined, args: &ManagerOptions) -> Option<NatsLink> {
    match (&joined.client, &joined.lattice) {
        (Some(client), Some(lattice)) => Some(NatsLink {
            client: client.clone(),
            lattice: lattice.clone(),
            hosts: NatsLattice::new(client.clone(), lattice, args.host_expiry),
        }),
        _ => None,
    }
}

/// The host's options and the bundled example (none for `weft manager`), its files in
/// `state_dir`.
fn host_and_example(
    with_host: Option<(HostOptions, BundledExample)>,
    state_dir: &Path,
) -> (Option<HostOptions>, BundledExample) {
    match with_host {
        Some((options, example)) => (
            Some(options),
            BundledExample {
                state_dir: state_dir.to_path_buf(),
                ..example
            },
        ),
        None => (
            None,
            BundledExample {
                enabled: false,
                address: ([127, 0, 0, 1], 0).into(),
                state_dir: state_dir.to_path_buf(),
            },
        ),
    }
}

/// What the control plane drives: the host in this process, or the lattice's hosts over
/// NATS (this process's host answering control requests and beating, and part of the lattice
/// before anything is placed). Returns it with the events the reconciler follows.
async fn managed_lattice(
    nats: Option<&NatsLink>,
    host: Option<(&Arc<weft_host::Host>, &HostOptions)>,
    bus_events: Subscription,
    running: &mut Running,
) -> anyhow::Result<(ManagedLattice, Subscription)> {
    let Some(nats) = nats else {
        let (host, _) = host.context("a manager without NATS needs a host in its process")?;
        return Ok((ManagedLattice::Local(Arc::clone(host)), bus_events));
    };
    if let Some((host, options)) = host {
        running.host_ctl = Some(
            HostCtl::start(nats.client.clone(), nats.lattice.as_str(), Arc::clone(host))
                .await
                .with_context(|| {
                    format!("cannot answer control requests of lattice {}", nats.lattice)
                })?,
        );
        running
            .background
            .push(beat(Arc::clone(host), options.heartbeat));
    }
    let events = nats.hosts.events();
    nats.hosts.discover().await;
    running.background.push(nats.hosts.track(bus_events));
    if let Some((host, _)) = host
        && !nats
            .hosts
            .wait_for(host.id(), Duration::from_secs(10))
            .await
    {
        anyhow::bail!(
            "the host in this process did not join lattice {} within 10 s; is NATS answering?",
            nats.lattice
        );
    }
    let local = host.map(|(host, _)| Arc::clone(host));
    Ok((
        ManagedLattice::Nats {
            hosts: Arc::clone(&nats.hosts),
            local,
        },
        events,
    ))
}

/// The control plane over the joined store, its secrets sealed with the key in `state_dir`
/// (or `--secrets-key`).
fn control_plane(
    args: &ManagerOptions,
    state_dir: &Path,
    joined: &Joined,
    lattice: ManagedLattice,
    events: Subscription,
) -> anyhow::Result<Arc<ControlPlane>> {
    let key_file = args
        .secrets_key
        .clone()
        .unwrap_or_else(|| state_dir.join("secrets.key"));
    let secret_key = SecretKey::load_or_create(&key_file)?;
    Ok(Arc::new(ControlPlane::new(
        joined.store.clone(),
        secret_key,
        lattice,
        events,
    )))
}

/// What the process needs to act as the manager, now or when it takes over.
struct Acting {
    example: BundledExample,
    nats: Option<NatsLink>,
    /// This process's API, named in the lease.
    api: String,
    /// Told when the lease is lost.
    lost: tokio::sync::mpsc::Sender<LeaseError>,
}

/// Acts alone (no lattice), as the lattice's manager (the lease was free), or stands by for
/// the one holding it, taking over when it goes.
async fn claim_role(
    args: &ManagerOptions,
    joined: &Joined,
    control: &Arc<ControlPlane>,
    acting: Acting,
    running: &mut Running,
) -> anyhow::Result<Role> {
    let Some(lattice) = &joined.lattice else {
        act(control, &acting.example, None).await?;
        return Ok(Role::Alone);
    };
    let claim = Arc::new(Lease::new(
        joined.store.clone(),
        LeaseRecord {
            holder: joined.host_id.clone(),
            api: Some(acting.api),
        },
        args.lease_term,
    ));
    running.lease = Some(Arc::clone(&claim));
    match claim.try_acquire().await? {
        Ok(fence) => {
            if let Some(nats) = &acting.nats {
                nats.hosts.set_fence(fence);
            }
            running.lattice_ctl = act(control, &acting.example, acting.nats.as_ref()).await?;
            tokio::spawn(hold(claim, fence, acting.lost));
            Ok(Role::Leader)
        }
        Err(holder) => {
            control.set_standing_by(Some(standby_reason(lattice, &holder)));
            tokio::spawn(take_over(
                claim,
                Arc::clone(control),
                acting.example,
                acting.nats,
                acting.lost,
            ));
            Ok(Role::Standby { leader: holder })
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

/// The bundled example, deployed by the first manager of an empty store.
#[derive(Clone)]
pub struct BundledExample {
    /// Whether to deploy it.
    pub enabled: bool,
    /// Where it serves.
    pub address: std::net::SocketAddr,
    /// Where its files go.
    pub state_dir: std::path::PathBuf,
}

/// The lattice's NATS, for what acting on it needs.
#[derive(Clone)]
pub struct NatsLink {
    /// The connection.
    pub client: async_nats::Client,
    /// The lattice.
    pub lattice: LatticeName,
    /// Its hosts, as the manager drives them.
    pub hosts: Arc<NatsLattice>,
}

/// Starts acting: brings back what the store holds, starts the reconciler, answers the
/// lattice's control requests (kept while the returned value lives), and deploys the bundled
/// example into an empty store.
pub async fn act(
    control: &Arc<ControlPlane>,
    example: &BundledExample,
    nats: Option<&NatsLink>,
) -> anyhow::Result<Option<LatticeCtl>> {
    control.restore().await?;
    control.start();
    let lattice_ctl = match nats {
        Some(nats) => Some(
            LatticeCtl::start(
                nats.client.clone(),
                nats.lattice.as_str(),
                Arc::clone(control),
            )
            .await
            .context("cannot answer the lattice's control requests")?,
        ),
        None => None,
    };
    if example.enabled && control.list().await?.is_empty() {
        deploy_bundled_example(control, example).await?;
    }
    Ok(lattice_ctl)
}

/// Writes the bundled hello example into the state directory and deploys it.
async fn deploy_bundled_example(
    control: &ControlPlane,
    example: &BundledExample,
) -> anyhow::Result<()> {
    let hello =
        weft_examples::find("hello").context("the hello example is missing from this build")?;
    let dir = example.state_dir.join("examples").join(hello.name);
    std::fs::create_dir_all(dir.join("build"))?;
    std::fs::write(dir.join("build").join("http_hello_world.wasm"), hello.wasm)?;
    let manifest = hello
        .manifest
        .replace("127.0.0.1:8088", &example.address.to_string());
    let file = dir.join("wadm.yaml");
    std::fs::write(&file, &manifest)?;
    let file = file.display().to_string();
    let (name, version) = control.put(&file, &manifest, "weft up").await?;
    let view = control.deploy(&name, Some(&version), "weft up").await?;
    tracing::info!(app = %name, status = %view.status, "deployed the bundled example");
    Ok(())
}
