//! Lattice events on the wire: CloudEvents 1.0 (JSON) on `wasmbus.evt.{lattice}.{name}`, with
//! `type` `com.wasmcloud.lattice.{name}` and the publishing host as `source`, the way
//! wasmCloud hosts publish them, so wasmCloud's tools can watch a weft lattice.

use serde::{Deserialize, Serialize};

use crate::event_data::{EventDataError, from_data, to_data};
use crate::{LatticeEvent, LatticeName};

/// The `type` prefix of every lattice event.
const TYPE_PREFIX: &str = "com.wasmcloud.lattice.";

/// A CloudEvent carrying a [`LatticeEvent`]; its `data` on the wire is in wasmCloud's shape
/// for the event (see `event_data.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "WireCloudEvent", try_from = "WireCloudEvent")]
pub struct CloudEvent {
    /// Always `1.0`.
    pub specversion: String,
    /// Unique per event (a ULID).
    pub id: String,
    /// `com.wasmcloud.lattice.{name}`.
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

/// A CloudEvent as JSON carries it.
#[derive(Serialize, Deserialize)]
struct WireCloudEvent {
    specversion: String,
    id: String,
    #[serde(rename = "type")]
    kind: String,
    source: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    datacontenttype: String,
    #[serde(default)]
    data: serde_json::Value,
}

impl From<CloudEvent> for WireCloudEvent {
    fn from(event: CloudEvent) -> Self {
        Self {
            data: to_data(&event.data),
            specversion: event.specversion,
            id: event.id,
            kind: event.kind,
            source: event.source,
            time: event.time,
            datacontenttype: event.datacontenttype,
        }
    }
}

/// A CloudEvent on the wire that is not a lattice event weft reads.
#[derive(Debug, thiserror::Error)]
pub enum UnreadableEvent {
    /// Its type is not `com.wasmcloud.lattice.*`.
    #[error("`{0}` is not a lattice event type")]
    NotLattice(String),
    /// Its data does not have the event's shape.
    #[error("a `{name}` event cannot be read: {source}")]
    Data {
        /// The event's name.
        name: String,
        /// Why.
        #[source]
        source: EventDataError,
    },
}

impl TryFrom<WireCloudEvent> for CloudEvent {
    type Error = UnreadableEvent;

    fn try_from(wire: WireCloudEvent) -> Result<Self, UnreadableEvent> {
        let name = wire
            .kind
            .strip_prefix(TYPE_PREFIX)
            .ok_or_else(|| UnreadableEvent::NotLattice(wire.kind.clone()))?;
        let data =
            from_data(name, &wire.source, wire.data).map_err(|source| UnreadableEvent::Data {
                name: name.to_owned(),
                source,
            })?;
        Ok(Self {
            specversion: wire.specversion,
            id: wire.id,
            kind: wire.kind,
            source: wire.source,
            time: wire.time,
            datacontenttype: wire.datacontenttype,
            data,
        })
    }
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
pub(crate) fn wire_name(event: &LatticeEvent) -> &'static str {
    wire_name_of(event.kind())
}

/// The wire name of events of kind `kind` ([`LatticeEvent::kind`]).
pub fn wire_name_of(kind: &'static str) -> &'static str {
    match kind {
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
        let wire: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(wire["type"], "com.wasmcloud.lattice.linkdef_deleted");
        assert_eq!(wire["data"]["wit_namespace"], "wasi");
    }
}
