//! Lattice events on the wire: CloudEvents 1.0 (JSON) on `wasmbus.evt.{lattice}.{name}`, with
//! `type` `com.wasmcloud.lattice.{name}` and the publishing host as `source`, the way
//! wasmCloud hosts publish them, so wasmCloud's tools can watch a weft lattice.

use serde::{Deserialize, Serialize};

use crate::{LatticeEvent, LatticeName};

/// The `type` prefix of every lattice event.
const TYPE_PREFIX: &str = "com.wasmcloud.lattice.";

/// A CloudEvent carrying a [`LatticeEvent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    /// Always `1.0`.
    pub specversion: String,
    /// Unique per event (a ULID).
    pub id: String,
    /// `com.wasmcloud.lattice.{name}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who published it (a host id, or `manager`).
    pub source: String,
    /// RFC 3339, UTC.
    pub time: String,
    /// Always `application/json`.
    pub datacontenttype: String,
    /// The event.
    pub data: LatticeEvent,
}

impl CloudEvent {
    /// `event` as published by `source` now.
    pub fn new(event: LatticeEvent, source: &str) -> Self {
        let time = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Self {
            specversion: "1.0".to_owned(),
            id: ulid::Ulid::new().to_string(),
            kind: format!("{TYPE_PREFIX}{}", wire_name(&event)),
            source: source.to_owned(),
            time,
            datacontenttype: "application/json".to_owned(),
            data: event,
        }
    }

    /// The subject it is published on in `lattice`.
    pub fn subject(&self, lattice: &LatticeName) -> String {
        let name = self
            .kind
            .strip_prefix(TYPE_PREFIX)
            .unwrap_or(self.kind.as_str());
        format!("wasmbus.evt.{lattice}.{name}")
    }
}

/// The subject filter for every event of `lattice`.
pub fn events_subject(lattice: &LatticeName) -> String {
    format!("wasmbus.evt.{lattice}.>")
}

/// The event's name on the wire: wasmCloud's where it has one (`provider_*`, `linkdef_*`,
/// `labels_changed`), weft's otherwise.
fn wire_name(event: &LatticeEvent) -> &'static str {
    match event.kind() {
        "capability_started" => "provider_started",
        "capability_start_failed" => "provider_start_failed",
        "capability_stopped" => "provider_stopped",
        "link_set" => "linkdef_set",
        "link_set_failed" => "linkdef_set_failed",
        "link_deleted" => "linkdef_deleted",
        "host_labels_changed" => "labels_changed",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_travel_as_wasmcloud_cloud_events() {
        let lattice: LatticeName = "prod".parse().unwrap();
        let event = LatticeEvent::LinkDeleted {
            source_id: "a".into(),
            namespace: "wasi".into(),
            package: "http".into(),
            name: "default".into(),
        };
        let cloud = CloudEvent::new(event.clone(), "host-1");
        assert_eq!(cloud.kind, "com.wasmcloud.lattice.linkdef_deleted");
        assert_eq!(cloud.subject(&lattice), "wasmbus.evt.prod.linkdef_deleted");
        let (date, clock) = cloud.time.split_once('T').unwrap();
        assert_eq!(date.len(), "2026-11-24".len(), "{}", cloud.time);
        assert!(clock.ends_with('Z'), "UTC: {}", cloud.time);
        let json = serde_json::to_string(&cloud).unwrap();
        let back: CloudEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(back.data, event);
        assert_eq!(back.source, "host-1");
    }
}
