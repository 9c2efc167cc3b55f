//! What hosts report to the lattice: typed events, one per change they made or saw.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ctl_payloads::{HostInventory, Link};

/// Something that happened in the lattice. Hosts publish one after every control request
/// they carry out (or fail to), so the deployment manager reacts at once instead of waiting
/// for a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LatticeEvent {
    /// A host joined the lattice.
    HostStarted {
        /// Host id.
        host_id: String,
        /// Its labels.
        labels: BTreeMap<String, String>,
    },
    /// A host's labels changed.
    HostLabelsChanged {
        /// Host id.
        host_id: String,
        /// All its labels now.
        labels: BTreeMap<String, String>,
    },
    /// A host left the lattice (cleanly, or noticed gone by a manager).
    HostStopped {
        /// Host id.
        host_id: String,
        /// Its labels, when known.
        #[serde(default)]
        labels: BTreeMap<String, String>,
    },
    /// A host is alive, and what it runs; sent periodically.
    HostHeartbeat(Box<HostInventory>),
    /// A component now runs `count` instances on a host (0: it was removed).
    ComponentScaled {
        /// Host id.
        host_id: String,
        /// Component id.
        component_id: String,
        /// The image it runs.
        image: String,
        /// Its instance budget on the host.
        count: usize,
    },
    /// A host could not scale a component.
    ComponentScaleFailed {
        /// Host id.
        host_id: String,
        /// Component id.
        component_id: String,
        /// The image it was asked to run.
        image: String,
        /// Why.
        reason: String,
    },
    /// A capability started on a host.
    CapabilityStarted {
        /// Host id.
        host_id: String,
        /// Capability id.
        capability_id: String,
        /// Its image.
        image: String,
    },
    /// A host could not start a capability.
    CapabilityStartFailed {
        /// Host id.
        host_id: String,
        /// Capability id.
        capability_id: String,
        /// The image it was asked to run.
        image: String,
        /// Why.
        reason: String,
    },
    /// A capability stopped on a host.
    CapabilityStopped {
        /// Host id.
        host_id: String,
        /// Capability id.
        capability_id: String,
    },
    /// A link was created or replaced.
    LinkSet(Box<Link>),
    /// A link could not be put into effect.
    LinkSetFailed {
        /// The link.
        link: Box<Link>,
        /// Why.
        reason: String,
    },
    /// A link was removed.
    LinkDeleted {
        /// Source id.
        source_id: String,
        /// WIT namespace.
        namespace: String,
        /// WIT package.
        package: String,
        /// Link name.
        name: String,
    },
    /// A named config was created or changed.
    ConfigSet {
        /// Config name.
        name: String,
    },
    /// A named config was removed.
    ConfigDeleted {
        /// Config name.
        name: String,
    },
    /// A secret was put (never its value).
    SecretSet {
        /// Secret name.
        name: String,
        /// Its new version.
        version: u64,
    },
    /// A secret was removed.
    SecretDeleted {
        /// Secret name.
        name: String,
    },
}

impl LatticeEvent {
    /// Whether it says something in the lattice changed: not a heartbeat, and not a command
    /// that failed (which changed nothing).
    pub fn is_change(&self) -> bool {
        !matches!(
            self,
            Self::HostHeartbeat { .. }
                | Self::ComponentScaleFailed { .. }
                | Self::CapabilityStartFailed { .. }
                | Self::LinkSetFailed { .. }
        )
    }

    /// The host the event is about, when it is about one.
    pub fn host_id(&self) -> Option<&str> {
        match self {
            Self::HostStarted { host_id, .. }
            | Self::HostLabelsChanged { host_id, .. }
            | Self::HostStopped { host_id, .. }
            | Self::ComponentScaled { host_id, .. }
            | Self::ComponentScaleFailed { host_id, .. }
            | Self::CapabilityStarted { host_id, .. }
            | Self::CapabilityStartFailed { host_id, .. }
            | Self::CapabilityStopped { host_id, .. } => Some(host_id),
            Self::HostHeartbeat(inventory) => Some(&inventory.host_id),
            _ => None,
        }
    }

    /// The components and capabilities (by id) the event is about.
    pub fn workload_ids(&self) -> Vec<&str> {
        match self {
            Self::ComponentScaled { component_id, .. }
            | Self::ComponentScaleFailed { component_id, .. } => vec![component_id],
            Self::CapabilityStarted { capability_id, .. }
            | Self::CapabilityStartFailed { capability_id, .. }
            | Self::CapabilityStopped { capability_id, .. } => vec![capability_id],
            Self::LinkSet(link) | Self::LinkSetFailed { link, .. } => {
                vec![&link.source_id, &link.target]
            }
            Self::LinkDeleted { source_id, .. } => vec![source_id],
            _ => Vec::new(),
        }
    }

    /// Every [`Self::kind`], in declaration order (what `weft events --type` accepts).
    pub const KINDS: [&'static str; 16] = [
        "host_started",
        "host_labels_changed",
        "host_stopped",
        "host_heartbeat",
        "component_scaled",
        "component_scale_failed",
        "capability_started",
        "capability_start_failed",
        "capability_stopped",
        "link_set",
        "link_set_failed",
        "link_deleted",
        "config_set",
        "config_deleted",
        "secret_set",
        "secret_deleted",
    ];

    /// The event's type as it appears on the wire (`component_scaled`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::HostStarted { .. } => "host_started",
            Self::HostLabelsChanged { .. } => "host_labels_changed",
            Self::HostStopped { .. } => "host_stopped",
            Self::HostHeartbeat { .. } => "host_heartbeat",
            Self::ComponentScaled { .. } => "component_scaled",
            Self::ComponentScaleFailed { .. } => "component_scale_failed",
            Self::CapabilityStarted { .. } => "capability_started",
            Self::CapabilityStartFailed { .. } => "capability_start_failed",
            Self::CapabilityStopped { .. } => "capability_stopped",
            Self::LinkSet { .. } => "link_set",
            Self::LinkSetFailed { .. } => "link_set_failed",
            Self::LinkDeleted { .. } => "link_deleted",
            Self::ConfigSet { .. } => "config_set",
            Self::ConfigDeleted { .. } => "config_deleted",
            Self::SecretSet { .. } => "secret_set",
            Self::SecretDeleted { .. } => "secret_deleted",
        }
    }
}
