//! How a weft process joins its lattice: alone on an embedded store, or over NATS.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use weft_lattice::{
    EmbeddedStore, EventBus, InProcessBus, LatticeName, LatticeStore, NatsBus, NatsStore,
};

use crate::args::NatsArgs;

/// Where this process keeps its state and hears events: alone (an embedded store, an
/// in-process bus) or in a lattice over NATS.
pub struct Joined {
    /// The store.
    pub store: LatticeStore,
    /// The bus.
    pub bus: Arc<dyn EventBus>,
    /// This process's host id.
    pub host_id: String,
    /// The lattice joined over NATS, if any.
    pub lattice: Option<LatticeName>,
    /// The connection to the lattice's NATS, if any.
    pub client: Option<async_nats::Client>,
    /// The bus over NATS, if any (to flush at exit).
    nats_bus: Option<Arc<NatsBus>>,
}

impl Joined {
    /// Waits until the events published so far have left this process.
    pub async fn flush(&self) {
        if let Some(bus) = &self.nats_bus {
            bus.flush().await;
        }
    }
}

/// Opens the embedded store, or joins the lattice over NATS when servers are named
/// (waiting, with a line per retry, while they cannot be reached).
pub async fn join_lattice(nats: &NatsArgs, state_dir: &Path) -> anyhow::Result<Joined> {
    let host_id = format!("weft-{}", ulid::Ulid::new().to_string().to_lowercase());
    let Some(settings) = nats.settings(&host_id) else {
        return Ok(Joined {
            store: LatticeStore::Embedded(EmbeddedStore::open(state_dir.join("state.redb"))?),
            bus: Arc::new(InProcessBus::new()),
            host_id: "local".to_owned(),
            lattice: None,
            client: None,
            nats_bus: None,
        });
    };
    let lattice = nats.lattice.clone();
    let client = settings
        .connect(|reason, delay| {
            tracing::warn!(
                "{reason}; retrying in {delay:?} (is nats-server running, with JetStream: `nats-server -js`?)"
            );
        })
        .await?;
    let store = NatsStore::open(client.clone(), &lattice, &settings.servers()).await?;
    let bus = Arc::new(
        NatsBus::start(client.clone(), lattice.clone(), &host_id)
            .await
            .with_context(|| format!("cannot subscribe to the events of lattice {lattice}"))?,
    );
    tracing::info!(%lattice, host_id, servers = %settings.servers(), "joined the lattice over NATS");
    Ok(Joined {
        store: LatticeStore::Nats(Box::new(store)),
        bus: Arc::clone(&bus) as Arc<dyn EventBus>,
        host_id,
        lattice: Some(lattice),
        client: Some(client),
        nats_bus: Some(bus),
    })
}
