//! The lattice event a host publishes after each command.

use weft_lattice::Command;
use weft_lattice::LatticeEvent;

use crate::error::HostError;

/// What `command`, carried out on host `host_id` with `result`, tells the lattice.
///
/// Long by design: one arm per command and outcome, so which event each publishes reads in
/// one table.
pub(crate) fn event_for(
    host_id: &str,
    command: &Command,
    result: &Result<(), HostError>,
) -> LatticeEvent {
    let host_id = host_id.to_owned();
    let reason = result.as_ref().err().map(ToString::to_string);
    match (command, reason) {
        (Command::PutConfig { name, .. }, _) => LatticeEvent::ConfigSet { name: name.clone() },
        (Command::DeleteConfig { name }, _) => LatticeEvent::ConfigDeleted { name: name.clone() },
        (
            Command::ScaleComponent {
                component_id,
                image,
                count,
                ..
            },
            None,
        ) => LatticeEvent::ComponentScaled {
            host_id,
            component_id: component_id.clone(),
            image: image.clone(),
            count: *count,
        },
        (
            Command::ScaleComponent {
                component_id,
                image,
                ..
            },
            Some(reason),
        ) => LatticeEvent::ComponentScaleFailed {
            host_id,
            component_id: component_id.clone(),
            image: image.clone(),
            reason,
        },
        (
            Command::StartCapability {
                capability_id,
                image,
                ..
            },
            None,
        ) => LatticeEvent::CapabilityStarted {
            host_id,
            capability_id: capability_id.clone(),
            image: image.clone(),
        },
        (
            Command::StartCapability {
                capability_id,
                image,
                ..
            },
            Some(reason),
        ) => LatticeEvent::CapabilityStartFailed {
            host_id,
            capability_id: capability_id.clone(),
            image: image.clone(),
            reason,
        },
        (Command::StopCapability { capability_id, .. }, _) => LatticeEvent::CapabilityStopped {
            host_id,
            capability_id: capability_id.clone(),
        },
        (Command::PutLink(link), None) => LatticeEvent::LinkSet(Box::new(link.to_wire())),
        (Command::PutLink(link), Some(reason)) => LatticeEvent::LinkSetFailed {
            link: Box::new(link.to_wire()),
            reason,
        },
        (
            Command::DeleteLink {
                source_id,
                namespace,
                package,
                name,
            },
            _,
        ) => LatticeEvent::LinkDeleted {
            source_id: source_id.clone(),
            namespace: namespace.clone(),
            package: package.clone(),
            name: name.clone(),
        },
    }
}
