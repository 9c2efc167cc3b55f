//! `weft up`: the API, the deployment manager and one host in this process.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;
use weft_api::ControlPlane;
use weft_api::ctl::LatticeCtl;
use weft_host::{Host, HostCtl};
use weft_lattice::LatticeName;
use weft_manager::{Lease, LeaseError, LeaseRecord};
use weft_runtime::{Runtime, RuntimeSettings};
use weft_secrets::SecretKey;

use crate::args::UpArgs;
use crate::commands::config::parse_values;
use crate::commands::lattice_join::join_lattice;
use crate::commands::manager_role::{Role, hold, standby_reason, take_over};
use crate::commands::run::StopSignal;
use crate::commands::state::{ApiFile, api_file_path, new_token, write_api_file};
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(up(args, state_dir, output))
}

async fn up(args: UpArgs, state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let stop = StopSignal::install()?;
    std::fs::create_dir_all(state_dir)
        .with_context(|| format!("cannot create the state directory {}", state_dir.display()))?;
    // Absolute, so the example's `file://` image and stored paths do not depend on the cwd.
    let state_dir = &std::path::absolute(state_dir)
        .with_context(|| format!("cannot resolve the state directory {}", state_dir.display()))?;
    let joined = join_lattice(&args, state_dir).await?;
    let runtime = Runtime::new(&RuntimeSettings {
        cache_dir: Some(state_dir.join("compiled")),
        ..RuntimeSettings::default()
    })?;
    let mut labels = parse_values(&args.labels)?;
    labels.extend([
        ("hostcore.os".to_owned(), std::env::consts::OS.to_owned()),
        (
            "hostcore.arch".to_owned(),
            std::env::consts::ARCH.to_owned(),
        ),
    ]);
    let events = joined.bus.subscribe();
    let host = Host::new(
        joined.host_id.clone(),
        labels,
        Arc::new(runtime),
        Duration::from_secs(10),
        joined.bus,
    )
    .with_data_dir(state_dir.join("data"))
    .with_oci(
        crate::commands::oci::cache(state_dir)?,
        weft_oci::Registry::new(crate::commands::oci::settings(&args.oci)?),
    );
    let secret_key = SecretKey::load_or_create(
        &args
            .secrets_key
            .clone()
            .unwrap_or_else(|| state_dir.join("secrets.key")),
    )?;
    let host = Arc::new(host);
    let control = Arc::new(ControlPlane::new(
        joined.store.clone(),
        secret_key,
        Arc::clone(&host),
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
    let example = BundledExample {
        enabled: !args.no_example,
        address: args.example_address,
        state_dir: state_dir.clone(),
    };
    let nats = match (&joined.client, &joined.lattice) {
        (Some(client), Some(lattice)) => Some(NatsLink {
            client: client.clone(),
            lattice: lattice.clone(),
        }),
        _ => None,
    };
    let _host_ctl = match &nats {
        Some(nats) => Some(
            HostCtl::start(
                nats.client.clone(),
                nats.lattice.as_str(),
                Arc::clone(&host),
            )
            .await
            .with_context(|| {
                format!("cannot answer control requests of lattice {}", nats.lattice)
            })?,
        ),
        None => None,
    };
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
            "\n  lattice {lattice} on NATS at {}, host {}",
            args.nats.urls.join(","),
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
        .replace("127.0.0.1:8000", &example.address.to_string());
    let file = dir.join("wadm.yaml");
    std::fs::write(&file, &manifest)?;
    let file = file.display().to_string();
    let (name, version) = control.put(&file, &manifest, "weft up").await?;
    let view = control.deploy(&name, Some(&version), "weft up").await?;
    tracing::info!(app = %name, status = %view.status, "deployed the bundled example");
    Ok(())
}
