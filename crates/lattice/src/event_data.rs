//! The `data` of each lattice event on the wire, in the shape wasmCloud 1.x hosts give it, so
//! wadm, `wash` and other watchers read weft's events as their own; and back, for weft's
//! processes (and events from wasmCloud hosts on the same lattice). Fields wasmCloud does not
//! have that weft needs travel beside them (`host_id` on every host event, `reason` where
//! wasmCloud has only `error`).

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::LatticeEvent;
use crate::ctl_payloads::{HostInventory, Link};

/// The version hosts state in their events.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `event`'s `data`, in wasmCloud's shape for its wire name.
///
/// Long by design: one arm per event, each a JSON literal in wasmCloud's shape, so the whole
/// wire format reads in one place (and `from_data` below mirrors it).
pub(crate) fn to_data(event: &LatticeEvent) -> Value {
    match event {
        LatticeEvent::HostStarted { host_id, labels } => json!({
            "host_id": host_id,
            "friendly_name": host_id,
            "labels": labels,
            "uptime_seconds": 0,
            "version": VERSION,
        }),
        LatticeEvent::HostLabelsChanged { host_id, labels } => {
            json!({"host_id": host_id, "labels": labels})
        }
        LatticeEvent::HostStopped { host_id, labels } => {
            json!({"host_id": host_id, "labels": labels})
        }
        LatticeEvent::HostHeartbeat(inventory) => json!(inventory),
        LatticeEvent::ComponentScaled {
            host_id,
            component_id,
            image,
            count,
        } => json!({
            "host_id": host_id,
            "component_id": component_id,
            "image_ref": image,
            "max_instances": count,
            "annotations": {},
        }),
        LatticeEvent::ComponentScaleFailed {
            host_id,
            component_id,
            image,
            reason,
        } => json!({
            "host_id": host_id,
            "component_id": component_id,
            "image_ref": image,
            "max_instances": 0,
            "annotations": {},
            "error": reason,
        }),
        LatticeEvent::CapabilityStarted {
            host_id,
            capability_id,
            image,
        } => json!({
            "host_id": host_id,
            "provider_id": capability_id,
            "image_ref": image,
            "annotations": {},
        }),
        LatticeEvent::CapabilityStartFailed {
            host_id,
            capability_id,
            image,
            reason,
        } => json!({
            "host_id": host_id,
            "provider_id": capability_id,
            "provider_ref": image,
            "link_name": "default",
            "error": reason,
        }),
        LatticeEvent::CapabilityStopped {
            host_id,
            capability_id,
        } => json!({
            "host_id": host_id,
            "provider_id": capability_id,
            "annotations": {},
            "reason": "stop",
        }),
        LatticeEvent::LinkSet(link) => json!(link),
        LatticeEvent::LinkSetFailed { link, reason } => {
            let mut data = json!(link);
            data["error"] = json!(reason);
            data
        }
        LatticeEvent::LinkDeleted {
            source_id,
            namespace,
            package,
            name,
        } => json!({
            "source_id": source_id,
            "name": name,
            "wit_namespace": namespace,
            "wit_package": package,
        }),
        LatticeEvent::ConfigSet { name } => json!({"config_name": name}),
        LatticeEvent::ConfigDeleted { name } => json!({"config_name": name}),
        LatticeEvent::SecretSet { name, version } => json!({"name": name, "version": version}),
        LatticeEvent::SecretDeleted { name } => json!({"name": name}),
    }
}

/// The event named `name` on the wire (`component_scaled`, …) with `data`, published by
/// `source` (the host id when `data` names none, as with wasmCloud hosts); why it cannot be
/// read otherwise.
///
/// Long by design: one arm per event, the mirror of `to_data`.
pub(crate) fn from_data(
    name: &str,
    source: &str,
    data: Value,
) -> Result<LatticeEvent, EventDataError> {
    let host_id = || {
        data.get("host_id")
            .or_else(|| data.get("id"))
            .and_then(Value::as_str)
            .unwrap_or(source)
            .to_owned()
    };
    Ok(match name {
        "host_started" => LatticeEvent::HostStarted {
            host_id: host_id(),
            labels: field(&data, "labels")?,
        },
        "labels_changed" => LatticeEvent::HostLabelsChanged {
            host_id: host_id(),
            labels: field(&data, "labels")?,
        },
        "host_stopped" => LatticeEvent::HostStopped {
            host_id: host_id(),
            labels: field::<Option<_>>(&data, "labels")?.unwrap_or_default(),
        },
        "host_heartbeat" => {
            let host_id = host_id();
            let mut inventory: Box<HostInventory> = whole(data)?;
            inventory.host_id = host_id;
            LatticeEvent::HostHeartbeat(inventory)
        }
        "component_scaled" => LatticeEvent::ComponentScaled {
            host_id: host_id(),
            component_id: field(&data, "component_id")?,
            image: field(&data, "image_ref")?,
            count: field(&data, "max_instances")?,
        },
        "component_scale_failed" => LatticeEvent::ComponentScaleFailed {
            host_id: host_id(),
            component_id: field(&data, "component_id")?,
            image: field(&data, "image_ref")?,
            reason: field(&data, "error")?,
        },
        "provider_started" => LatticeEvent::CapabilityStarted {
            host_id: host_id(),
            capability_id: field(&data, "provider_id")?,
            image: field(&data, "image_ref")?,
        },
        "provider_start_failed" => LatticeEvent::CapabilityStartFailed {
            host_id: host_id(),
            capability_id: field(&data, "provider_id")?,
            image: field(&data, "provider_ref")?,
            reason: field(&data, "error")?,
        },
        "provider_stopped" => LatticeEvent::CapabilityStopped {
            host_id: host_id(),
            capability_id: field(&data, "provider_id")?,
        },
        "linkdef_set" => LatticeEvent::LinkSet(whole(data)?),
        "linkdef_set_failed" => {
            let reason = field(&data, "error")?;
            let link: Box<Link> = whole(data)?;
            LatticeEvent::LinkSetFailed { link, reason }
        }
        "linkdef_deleted" => LatticeEvent::LinkDeleted {
            source_id: field(&data, "source_id")?,
            namespace: field(&data, "wit_namespace")?,
            package: field(&data, "wit_package")?,
            name: field::<Option<_>>(&data, "name")?.unwrap_or_else(|| "default".to_owned()),
        },
        "config_set" => LatticeEvent::ConfigSet {
            name: field(&data, "config_name")?,
        },
        "config_deleted" => LatticeEvent::ConfigDeleted {
            name: field(&data, "config_name")?,
        },
        "secret_set" => LatticeEvent::SecretSet {
            name: field(&data, "name")?,
            version: field(&data, "version")?,
        },
        "secret_deleted" => LatticeEvent::SecretDeleted {
            name: field(&data, "name")?,
        },
        other => return Err(EventDataError::NotFollowed(other.to_owned())),
    })
}

/// Why an event's data cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EventDataError {
    /// An event weft does not read.
    #[error("weft does not follow `{0}` events")]
    NotFollowed(String),
    /// A member of the data has the wrong shape.
    #[error("`{member}`: {source}")]
    Member {
        /// The member.
        member: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The data as a whole has the wrong shape.
    #[error("{0}")]
    Shape(#[source] serde_json::Error),
}

/// Member `name` of `data` as `T` (a missing member reads as JSON `null`).
fn field<T: DeserializeOwned>(data: &Value, name: &str) -> Result<T, EventDataError> {
    T::deserialize(data.get(name).unwrap_or(&Value::Null)).map_err(|source| {
        EventDataError::Member {
            member: name.to_owned(),
            source,
        }
    })
}

/// All of `data` as `T`.
fn whole<T: DeserializeOwned>(data: Value) -> Result<T, EventDataError> {
    T::deserialize(data).map_err(EventDataError::Shape)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ctl_payloads::ComponentDescription;

    fn link() -> Link {
        Link {
            source_id: "app-server".into(),
            target: "app-component".into(),
            name: "default".into(),
            wit_namespace: "wasi".into(),
            wit_package: "http".into(),
            interfaces: vec!["incoming-handler".into()],
            source_config: vec!["listen".into()],
            target_config: Vec::new(),
        }
    }

    fn every_event() -> Vec<LatticeEvent> {
        let labels = BTreeMap::from([("zone".to_owned(), "eu".to_owned())]);
        vec![
            LatticeEvent::HostStarted {
                host_id: "h".into(),
                labels: labels.clone(),
            },
            LatticeEvent::HostLabelsChanged {
                host_id: "h".into(),
                labels: labels.clone(),
            },
            LatticeEvent::HostStopped {
                host_id: "h".into(),
                labels: labels.clone(),
            },
            LatticeEvent::HostHeartbeat(Box::new(HostInventory {
                host_id: "h".into(),
                friendly_name: "h".into(),
                labels,
                version: VERSION.into(),
                uptime_seconds: 3,
                uptime_human: "3s".into(),
                components: vec![ComponentDescription {
                    id: "c".into(),
                    image_ref: "file:///c.wasm".into(),
                    name: "c".into(),
                    annotations: BTreeMap::new(),
                    max_instances: 2,
                    revision: 0,
                    weft_limits: None,
                }],
                providers: Vec::new(),
            })),
            LatticeEvent::ComponentScaled {
                host_id: "h".into(),
                component_id: "c".into(),
                image: "file:///c.wasm".into(),
                count: 2,
            },
            LatticeEvent::ComponentScaleFailed {
                host_id: "h".into(),
                component_id: "c".into(),
                image: "file:///c.wasm".into(),
                reason: "no such file".into(),
            },
            LatticeEvent::CapabilityStarted {
                host_id: "h".into(),
                capability_id: "p".into(),
                image: "weft+builtin://keyvalue".into(),
            },
            LatticeEvent::CapabilityStartFailed {
                host_id: "h".into(),
                capability_id: "p".into(),
                image: "acme/p:1".into(),
                reason: "unknown".into(),
            },
            LatticeEvent::CapabilityStopped {
                host_id: "h".into(),
                capability_id: "p".into(),
            },
            LatticeEvent::LinkSet(Box::new(link())),
            LatticeEvent::LinkSetFailed {
                link: Box::new(link()),
                reason: "port taken".into(),
            },
            LatticeEvent::LinkDeleted {
                source_id: "app-server".into(),
                namespace: "wasi".into(),
                package: "http".into(),
                name: "default".into(),
            },
            LatticeEvent::ConfigSet { name: "cfg".into() },
            LatticeEvent::ConfigDeleted { name: "cfg".into() },
            LatticeEvent::SecretSet {
                name: "s".into(),
                version: 2,
            },
            LatticeEvent::SecretDeleted { name: "s".into() },
        ]
    }

    #[test]
    fn every_event_comes_back_as_it_went() {
        for event in every_event() {
            let name = crate::cloud_event::wire_name(&event);
            let back = from_data(name, "elsewhere", to_data(&event));
            assert_eq!(back.as_ref().ok(), Some(&event), "{name}");
        }
    }

    #[test]
    fn data_has_wasmclouds_fields() {
        let scaled = to_data(&every_event()[4]);
        for key in [
            "component_id",
            "image_ref",
            "max_instances",
            "annotations",
            "host_id",
        ] {
            assert!(
                scaled.get(key).is_some(),
                "component_scaled lacks {key}: {scaled}"
            );
        }
        let started = to_data(&every_event()[0]);
        for key in ["friendly_name", "labels", "uptime_seconds", "version"] {
            assert!(
                started.get(key).is_some(),
                "host_started lacks {key}: {started}"
            );
        }
        let heartbeat = to_data(&every_event()[3]);
        assert_eq!(heartbeat["components"][0]["max_instances"], 2);
        assert_eq!(heartbeat["uptime_human"], "3s");
        assert_eq!(to_data(&every_event()[12]), json!({"config_name": "cfg"}));
        let failed = to_data(&every_event()[10]);
        assert_eq!(failed["target"], "app-component");
        assert_eq!(failed["error"], "port taken");
    }

    #[test]
    fn a_wasmcloud_hosts_events_are_read_with_the_source_as_host() {
        let data = json!({
            "annotations": {"wasmcloud.dev/appspec": "shop"},
            "image_ref": "ghcr.io/acme/shop:1.0.0",
            "max_instances": 4,
            "component_id": "shop-web",
            "public_key": "MABC",
        });
        assert_eq!(
            from_data("component_scaled", "NHOSTKEY", data).ok(),
            Some(LatticeEvent::ComponentScaled {
                host_id: "NHOSTKEY".into(),
                component_id: "shop-web".into(),
                image: "ghcr.io/acme/shop:1.0.0".into(),
                count: 4,
            })
        );
        let stopped = from_data("host_stopped", "NHOSTKEY", json!({"labels": {}}));
        assert!(
            matches!(stopped, Ok(LatticeEvent::HostStopped { host_id, .. }) if host_id == "NHOSTKEY")
        );
        let broken = from_data("component_scaled", "h", json!({"component_id": 3}));
        assert!(broken.unwrap_err().to_string().contains("component_id"));
        assert!(from_data("health_check_passed", "h", json!({})).is_err());
    }
}
