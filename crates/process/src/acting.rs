//! What a manager does once it acts on its lattice: bring back what the store holds, run the
//! reconciler, answer the lattice's control requests, deploy the bundled example.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use weft_api::ControlPlane;
use weft_api::ctl::LatticeCtl;
use weft_api::wadm::WadmApi;
use weft_manager::NatsLattice;

use crate::StartError;
use crate::join::JoinedNats;

/// What acting needs besides the control plane; cloned into a standby's take-over.
#[derive(Clone)]
pub(crate) struct ActingOn {
    /// The bundled example's address, when it is to be deployed into an empty store.
    pub example: Option<SocketAddr>,
    /// The state directory, where the example's files go.
    pub state_dir: PathBuf,
    /// The lattice's NATS and its hosts, when in one.
    pub nats: Option<NatsLink>,
}

/// The lattice's NATS, as the manager drives it.
#[derive(Clone)]
pub(crate) struct NatsLink {
    /// The connection and the lattice.
    pub joined: JoinedNats,
    /// Its hosts.
    pub hosts: Arc<NatsLattice>,
}

/// What answers the lattice's requests while this manager acts: the control interface's
/// lattice-wide requests and wadm's API. Both stop when it is dropped.
pub(crate) struct Answering {
    _ctl: LatticeCtl,
    _wadm: WadmApi,
}

/// Starts acting: restores what the store holds, starts the reconciler, answers the
/// lattice's control requests and wadm's API (while the returned value lives), and deploys
/// the bundled example into an empty store.
pub(crate) async fn act(
    control: &Arc<ControlPlane>,
    on: &ActingOn,
) -> Result<Option<Answering>, StartError> {
    control.restore().await?;
    control.start();
    let answering = match &on.nats {
        Some(nats) => Some(answer(nats, control).await?),
        None => None,
    };
    if let Some(address) = on.example
        && control.list().await?.is_empty()
    {
        deploy_bundled_example(control, address, &on.state_dir).await?;
    }
    Ok(answering)
}

/// Answers the lattice's control requests and wadm's API for `control`.
async fn answer(nats: &NatsLink, control: &Arc<ControlPlane>) -> Result<Answering, StartError> {
    let (client, lattice) = (&nats.joined.client, &nats.joined.lattice);
    let failed = |what| {
        move |source| StartError::Subscribe {
            what,
            lattice: lattice.clone(),
            source,
        }
    };
    let ctl = LatticeCtl::start(client.clone(), lattice.as_str(), Arc::clone(control))
        .await
        .map_err(failed("answer the control requests"))?;
    let wadm = WadmApi::start(client.clone(), lattice.as_str(), Arc::clone(control))
        .await
        .map_err(failed("answer wadm's API requests"))?;
    Ok(Answering {
        _ctl: ctl,
        _wadm: wadm,
    })
}

/// Writes the bundled hello example into `state_dir` and deploys it serving on `address`.
async fn deploy_bundled_example(
    control: &ControlPlane,
    address: SocketAddr,
    state_dir: &Path,
) -> Result<(), StartError> {
    let hello = weft_examples::find("hello").ok_or(StartError::NoExample)?;
    let dir = state_dir.join("examples").join(hello.name);
    let manifest = hello
        .manifest
        .replace("127.0.0.1:8088", &address.to_string());
    let file = dir.join("wadm.yaml");
    write_file(&dir.join("build").join("http_hello_world.wasm"), hello.wasm)?;
    write_file(&file, manifest.as_bytes())?;
    let file = file.display().to_string();
    let (name, version) = control.put(&file, &manifest, "weft up").await?;
    let view = control.deploy(&name, Some(&version), "weft up").await?;
    tracing::info!(app = %name, status = %view.status, "deployed the bundled example");
    Ok(())
}

/// Writes `bytes` to `path`, creating its directory.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), StartError> {
    path.parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, bytes))
        .map_err(|source| StartError::Write {
            path: path.to_path_buf(),
            source,
        })
}
