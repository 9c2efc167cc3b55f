//! How a process joins its lattice: alone on an embedded store, or over NATS.

use std::path::Path;
use std::sync::Arc;

use weft_lattice::{
    EmbeddedStore, EventBus, InProcessBus, LatticeName, LatticeStore, NatsBus, NatsStore,
};

use crate::host_identity::{HostIdentity, StateDirLock, lock_state_dir};
use crate::{NatsConfig, StartError};

/// Where the process keeps its state and hears events: alone (an embedded store, an
/// in-process bus) or in a lattice over NATS.
pub(crate) struct Joined {
    /// The store.
    pub store: LatticeStore,
    /// The bus.
    pub bus: Arc<dyn EventBus>,
    /// This process's host id.
    pub host_id: String,
    /// The state directory's lock, held while the process runs.
    _lock: StateDirLock,
    /// The lattice over NATS, if any.
    pub nats: Option<JoinedNats>,
    /// The bus over NATS, if any (to flush at exit).
    nats_bus: Option<Arc<NatsBus>>,
}

/// The lattice joined over NATS.
#[derive(Clone)]
pub(crate) struct JoinedNats {
    /// The connection.
    pub client: async_nats::Client,
    /// The lattice.
    pub lattice: LatticeName,
    /// The servers, for messages.
    pub servers: String,
}

impl Joined {
    /// The lattice's name, when in one.
    pub fn lattice(&self) -> Option<&LatticeName> {
        self.nats.as_ref().map(|nats| &nats.lattice)
    }

    /// Waits until the events published so far have left this process.
    pub async fn flush(&self) {
        if let Some(bus) = &self.nats_bus {
            bus.flush().await;
        }
    }
}

/// Opens the embedded store in `state_dir`, or joins the lattice over NATS (waiting, with a
/// warning per retry, while the servers cannot be reached).
pub(crate) async fn join(
    nats: Option<&NatsConfig>,
    state_dir: &Path,
) -> Result<Joined, StartError> {
    match nats {
        Some(nats) => Ok(join_nats(nats, state_dir).await?.0),
        None => join_alone(state_dir),
    }
}

/// Joins the lattice over NATS as the host whose id `state_dir` keeps; returns the lattice
/// also apart, for what only works in one.
pub(crate) async fn join_nats(
    nats: &NatsConfig,
    state_dir: &Path,
) -> Result<(Joined, JoinedNats), StartError> {
    let lock = lock_state_dir(state_dir)?;
    let host_id = HostIdentity::load_or_create(state_dir, &lock)?.id;
    let mut settings = nats.settings.clone();
    settings.client_name = Some(host_id.clone());
    let client = settings
        .connect(|reason, delay| {
            tracing::warn!(
                "{reason}; retrying in {delay:?} (is nats-server running, with JetStream: `nats-server -js`?)"
            );
        })
        .await?;
    let lattice = nats.lattice.clone();
    let servers = settings.servers();
    let store = NatsStore::open(client.clone(), &lattice, &servers)
        .await
        .map_err(|source| StartError::Store {
            place: format!("lattice {lattice}"),
            source,
        })?;
    let bus = NatsBus::start(client.clone(), lattice.clone(), &host_id)
        .await
        .map_err(|source| StartError::Subscribe {
            what: "subscribe to the events",
            lattice: lattice.clone(),
            source,
        })?;
    let bus = Arc::new(bus);
    tracing::info!(%lattice, host_id, %servers, "joined the lattice over NATS");
    let joined_nats = JoinedNats {
        client,
        lattice,
        servers,
    };
    let joined = Joined {
        store: LatticeStore::Nats(Box::new(store)),
        bus: Arc::clone(&bus) as Arc<dyn EventBus>,
        host_id,
        _lock: lock,
        nats: Some(joined_nats.clone()),
        nats_bus: Some(bus),
    };
    Ok((joined, joined_nats))
}

/// The embedded store in `state_dir` and an in-process bus; the host is `local`.
fn join_alone(state_dir: &Path) -> Result<Joined, StartError> {
    let lock = lock_state_dir(state_dir)?;
    let store =
        EmbeddedStore::open(state_dir.join("state.redb")).map_err(|source| StartError::Store {
            place: state_dir.display().to_string(),
            source,
        })?;
    Ok(Joined {
        store: LatticeStore::Embedded(store),
        bus: Arc::new(InProcessBus::new()),
        host_id: "local".to_owned(),
        _lock: lock,
        nats: None,
        nats_bus: None,
    })
}
