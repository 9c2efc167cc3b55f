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
use weft_lattice::LatticeName;
use weft_manager::{Lease, LeaseError, LeaseRecord, NatsLattice};
use weft_secrets::SecretKey;

use crate::args::{HostOptions, ManagerArgs, ManagerOptions, UpArgs};
use crate::commands::host::{beat, build_host};
use crate::commands::lattice_join::join_lattice;
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
async fn run(
    args: ManagerOptions,
    with_host: Option<(HostOptions, BundledExample)>,
    state_dir: &Path,
    output: &Output,
) -> anyhow::Result<()> {
    let stop = StopSignal::install()?;
    let state_dir = &prepare_state_dir(state_dir)?;
    let joined = join_lattice(&args.nats, state_dir).await?;
    let nats = match (&joined.client, &joined.lattice) {
        (Some(client), Some(lattice)) => Some(NatsLink {
            client: client.clone(),
            lattice: lattice.clone(),
            hosts: NatsLattice::new(client.clone(), lattice, args.host_expiry),
        }),
        _ => None,
    };
    // Taken before the host starts, so its first events are seen.
    let bus_events = joined.bus.subscribe();
    let (host_options, example) = match with_host {
        Some((options, example)) => (
            Some(options),
            BundledExample {
                state_dir: state_dir.clone(),
                ..example
            },
        ),
        None => (
            None,
            BundledExample {
                enabled: false,
                address: ([127, 0, 0, 1], 0).into(),
                state_dir: state_dir.clone(),
            },
        ),
    };
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
    let mut background = Vec::new();
    let mut _host_ctl = None;
    let (lattice, events) = match (&nats, &host) {
        (None, Some(host)) => (ManagedLattice::Local(Arc::clone(host)), bus_events),
        (Some(nats), host) => {
            if let (Some(host), Some(options)) = (host, &host_options) {
                _host_ctl = Some(
                    HostCtl::start(nats.client.clone(), nats.lattice.as_str(), Arc::clone(host))
                        .await
                        .with_context(|| {
                            format!("cannot answer control requests of lattice {}", nats.lattice)
                        })?,
                );
                background.push(beat(Arc::clone(host), options.heartbeat));
            }
            let events = nats.hosts.events();
            nats.hosts.discover().await;
            background.push(nats.hosts.track(bus_events));
            // The host in this process is part of the lattice before anything is placed.
            if let Some(host) = host
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
            (
                ManagedLattice::Nats {
                    hosts: Arc::clone(&nats.hosts),
                    local: host.clone(),
                },
                events,
            )
        }
        (None, None) => anyhow::bail!("a manager without NATS needs a host in its process"),
    };
    let secret_key = SecretKey::load_or_create(
        &args
            .secrets_key
            .clone()
            .unwrap_or_else(|| state_dir.join("secrets.key")),
    )?;
    let control = Arc::new(ControlPlane::new(
        joined.store.clone(),
        secret_key,
        lattice,
        events,
    ));

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
    let mut lease = None;
    let mut _lattice_ctl = None;
    let role = match &joined.lattice {
        None => {
            act(&control, &example, None).await?;
            Role::Alone
        }
        Some(lattice) => {
            let claim = Arc::new(Lease::new(
                joined.store.clone(),
                LeaseRecord {
                    holder: joined.host_id.clone(),
                    api: Some(url.clone()),
                },
                args.lease_term,
            ));
            lease = Some(Arc::clone(&claim));
            match claim.try_acquire().await? {
                Ok(fence) => {
                    if let Some(nats) = &nats {
                        nats.hosts.set_fence(fence);
                    }
                    _lattice_ctl = act(&control, &example, nats.as_ref()).await?;
                    tokio::spawn(hold(claim, fence, lost_sender));
                    Role::Leader
                }
                Err(holder) => {
                    control.set_standing_by(Some(standby_reason(lattice, &holder)));
                    tokio::spawn(take_over(
                        claim,
                        Arc::clone(&control),
                        example,
                        nats.clone(),
                        lost_sender,
                    ));
                    Role::Standby { leader: holder }
                }
            }
        }
    };
    write_api_file(
        state_dir,
        &ApiFile {
            url: url.clone(),
            token,
        },
    )?;

    let apps = control.list().await?;
    let mut text = format!("weft is up: API at {url}, state in {}", state_dir.display());
    if let Some(lattice) = &joined.lattice {
        text.push_str(&format!(
            "\n  lattice {lattice} on NATS at {}, {} {}",
            args.nats.urls.join(","),
            if host.is_some() { "host" } else { "manager" },
            joined.host_id
        ));
    }
    if let Role::Standby { leader } = &role {
        text.push_str(&format!(
            "\n  standing by: {} manages the lattice (API {}); this process takes over if it stops",
            leader.holder,
            leader.api.as_deref().unwrap_or("unknown")
        ));
    }
    for app in &apps {
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
    output.result(
        &text,
        &Ready {
            api: url,
            state_dir: state_dir.display().to_string(),
            lattice: joined.lattice.as_ref().map(ToString::to_string),
            host_id: joined.host_id.clone(),
            role: role.name(),
            leader: match &role {
                Role::Standby { leader } => Some(leader.clone()),
                _ => None,
            },
            apps,
        },
    );

    let outcome = tokio::select! {
        () = stop.wait() => Ok(()),
        () = api.shutdown_requested() => {
            tracing::info!("stop requested through the API (weft down)");
            Ok(())
        }
        Some(lost) = lost.recv() => Err(lost),
    };
    tracing::info!("shutting down: finishing in-flight requests");
    api.stop();
    let _ = std::fs::remove_file(api_file_path(state_dir));
    control.shutdown().await;
    for task in background {
        task.abort();
    }
    joined.flush().await;
    match outcome {
        Ok(()) => {
            if let Some(lease) = lease
                && let Err(error) = lease.release().await
            {
                tracing::warn!(%error, "cannot give up the manager lease; a standby takes over once it lapses");
            }
            Ok(())
        }
        Err(lost) => Err(lost.into()),
    }
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
