//! The lattice's events for watchers (`weft events`): a subscription to the bus the process
//! joined.

use std::collections::BTreeSet;
use std::sync::{Arc, PoisonError};

use weft_lattice::{EventBus, Subscription};
use weft_manager::AppStoreError;

use super::{ControlError, ControlPlane};

impl ControlPlane {
    /// Follows `bus` for `GET /v1/events` from now on.
    pub fn set_event_bus(&self, bus: Arc<dyn EventBus>) {
        *self
            .event_bus
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(bus);
    }

    /// Every event published from now on; `None` when no bus was set.
    pub fn subscribe_events(&self) -> Option<Subscription> {
        self.event_bus
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|bus| bus.subscribe())
    }

    /// The ids of the components and capabilities any stored version of application `name`
    /// runs (its `id` properties, else wadm's derived ids), so what an undeploy or an upgrade
    /// removes is still known as the app's; empty when there is no such application.
    pub async fn workload_ids(&self, name: &str) -> Result<BTreeSet<String>, ControlError> {
        let app = match self.apps.get(name).await {
            Ok(app) => app,
            Err(AppStoreError::NoSuchApp { .. }) => return Ok(BTreeSet::new()),
            Err(other) => return Err(other.into()),
        };
        let mut ids = BTreeSet::new();
        for version in &app.versions {
            let Ok(loaded) = weft_manifest::load(&version.file, &version.source) else {
                continue;
            };
            let manifest = &loaded.manifest;
            ids.extend(manifest.spec.components.iter().map(|component| {
                component.properties.id.clone().unwrap_or_else(|| {
                    weft_manifest::component_id(manifest.name(), &component.name)
                })
            }));
        }
        Ok(ids)
    }
}
