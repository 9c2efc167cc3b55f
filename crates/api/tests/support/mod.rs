//! Shared by the API's tests: a control plane over one in-process host and an empty store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use weft_api::{ControlPlane, ManagedLattice};
use weft_host::Host;
use weft_lattice::{AuditLog, EmbeddedStore, EventBus as _, InProcessBus, LatticeStore};
use weft_runtime::{Runtime, RuntimeSettings};
use weft_secrets::SecretKey;

/// A control plane over one in-process host (`host-1`), keeping its store and key in `dir`.
pub fn control_plane(dir: &std::path::Path) -> Arc<ControlPlane> {
    let runtime = Runtime::new(&RuntimeSettings::default()).unwrap();
    let bus = Arc::new(InProcessBus::new());
    let events = bus.subscribe();
    let host = Host::new(
        "host-1",
        BTreeMap::new(),
        Arc::new(runtime),
        Duration::from_secs(5),
        bus,
    );
    let store = LatticeStore::Embedded(EmbeddedStore::open(dir.join("store.redb")).unwrap());
    let key = SecretKey::load_or_create(&dir.join("secrets.key")).unwrap();
    let audit = AuditLog::new(store.clone(), "test");
    Arc::new(ControlPlane::new(
        store,
        key,
        ManagedLattice::Local(Arc::new(host)),
        events,
        weft_telemetry::Telemetry::disabled(),
        audit,
        weft_manager::Pauses::none(),
    ))
}
