//! How a host describes itself, in wasmCloud's shapes: `host.ping`'s summary, and the
//! inventory `host.get` answers and every heartbeat carries.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use weft_lattice::{
    APP_ANNOTATION, ComponentDescription, HostInventory, HostSummary, LimitsInEffect,
    ProviderDescription, human_uptime,
};

use crate::Host;

impl Host {
    /// Who this host is, as a member of `lattice`.
    pub fn summary(&self, lattice: &str) -> HostSummary {
        let (info, uptime) = (self.info(), self.uptime_seconds());
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

    /// Seconds since this host started.
    fn uptime_seconds(&self) -> u64 {
        let started_at_ms = self.info().started_at_ms;
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(started_at_ms, |elapsed| elapsed.as_millis() as u64);
        now_ms.saturating_sub(started_at_ms) / 1000
    }

    /// The limits component `id` runs under here and what of them it hit.
    fn limits_in_effect(&self, id: &str) -> Option<LimitsInEffect> {
        let handler = self.directory.get(id)?;
        let limits = handler.instance_limits();
        let hits = handler.limit_hits();
        Some(LimitsInEffect {
            memory_bytes: limits.memory_limit_bytes as u64,
            timeout_ms: u64::try_from(limits.deadline.as_millis()).unwrap_or(u64::MAX),
            max_concurrency: handler.max_concurrency(),
            timeouts: hits.timeouts,
            memory_hits: hits.memory,
            traps: hits.traps,
            denied: hits.denied,
        })
    }

    /// Who this host is and what it runs; each item's `weft.app` annotation names the
    /// application running it (none for what runs by hand).
    pub fn inventory(&self) -> HostInventory {
        let (info, uptime) = (self.info(), self.uptime_seconds());
        let observed = self.observe().hosts.pop().unwrap_or_default();
        let annotations = |app: &Option<String>| {
            app.iter()
                .map(|app| (APP_ANNOTATION.to_owned(), app.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        HostInventory {
            friendly_name: info.id.clone(),
            host_id: info.id,
            labels: info.labels,
            version: info.version,
            uptime_seconds: uptime,
            uptime_human: human_uptime(uptime),
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
                    weft_limits: self.limits_in_effect(&component.id),
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
