//! How a host describes itself, in wasmCloud's shapes: `host.ping`'s summary, and the
//! inventory `host.get` answers and every heartbeat carries.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use weft_lattice::{
    ComponentDescription, HostInventory, HostSummary, ProviderDescription, human_uptime,
};
use weft_manager::UNMANAGED;

use crate::Host;

impl Host {
    /// Who this host is, as a member of `lattice`.
    pub fn summary(&self, lattice: &str) -> HostSummary {
        let info = self.info();
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_millis() as u64)
            .unwrap_or(info.started_at_ms);
        let uptime = now_ms.saturating_sub(info.started_at_ms) / 1000;
        HostSummary {
            friendly_name: info.id.clone(),
            id: info.id,
            labels: info.labels,
            lattice: lattice.to_owned(),
            version: info.version,
            uptime_seconds: uptime,
            uptime_human: human_uptime(uptime),
        }
    }

    /// Who this host is and what it runs; each item's `weft.app` annotation names the
    /// application running it (none for what runs by hand).
    pub fn inventory(&self) -> HostInventory {
        let summary = self.summary("");
        let observed = self.observe().hosts.pop().unwrap_or_default();
        let annotations = |app: &str| {
            (app != UNMANAGED)
                .then(|| ("weft.app".to_owned(), app.to_owned()))
                .into_iter()
                .collect::<BTreeMap<_, _>>()
        };
        HostInventory {
            host_id: summary.id,
            friendly_name: summary.friendly_name,
            labels: summary.labels,
            version: summary.version,
            uptime_seconds: summary.uptime_seconds,
            uptime_human: summary.uptime_human,
            components: observed
                .components
                .iter()
                .map(|component| ComponentDescription {
                    id: component.id.clone(),
                    image_ref: component.image.clone(),
                    name: component.id.clone(),
                    annotations: annotations(&component.app),
                    max_instances: component.count,
                    revision: 0,
                })
                .collect(),
            providers: observed
                .capabilities
                .iter()
                .map(|capability| ProviderDescription {
                    id: capability.id.clone(),
                    image_ref: capability.image.clone(),
                    name: capability.id.clone(),
                    annotations: annotations(&capability.app),
                    revision: 0,
                })
                .collect(),
        }
    }
}
