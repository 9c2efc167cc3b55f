//! What the manager asks hosts to do. Every command is idempotent: it states a goal
//! ("component X on host H runs with count N"), not a step.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A link as the lattice stores it, owned by the application that declared it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LinkSpec {
    /// The calling component or capability id.
    pub source_id: String,
    /// The called component or capability id.
    pub target_id: String,
    /// The link name (`default` unless given).
    pub name: String,
    /// WIT namespace.
    pub namespace: String,
    /// WIT package.
    pub package: String,
    /// WIT interfaces.
    pub interfaces: Vec<String>,
    /// Config names for the source's side.
    pub source_config: Vec<String>,
    /// Config names for the target's side.
    pub target_config: Vec<String>,
    /// The application that owns the link; `None` for a link put by hand
    /// (`weft link put`).
    pub app: Option<String>,
    /// The target's image when the target is a capability the same manifest declares, so a
    /// host that does not run it can still reach a backend it shares with every host
    /// (Redis, NATS); `None` for other links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_image: Option<String>,
    /// The secrets the link gives its target capability (wadm's `target.secrets`), by the
    /// name the capability reads (`POSTGRES_PASSWORD`). Never the values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_secrets: Vec<SecretBinding>,
}

impl LinkSpec {
    /// What identifies a link in the lattice: source, namespace, package and name.
    pub fn key(&self) -> (&str, &str, &str, &str) {
        (&self.source_id, &self.namespace, &self.package, &self.name)
    }

    /// The link in wasmCloud's shape (`link.get`, `linkdef_set`).
    pub fn to_wire(&self) -> crate::Link {
        crate::Link {
            source_id: self.source_id.clone(),
            target: self.target_id.clone(),
            name: self.name.clone(),
            wit_namespace: self.namespace.clone(),
            wit_package: self.package.clone(),
            interfaces: self.interfaces.clone(),
            source_config: self.source_config.clone(),
            target_config: self.target_config.clone(),
        }
    }
}

/// A secret a component reads: the name it asks for and which stored secret answers.
/// Never the value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SecretBinding {
    /// The name the component passes to `wasmcloud:secrets/store.get`.
    pub name: String,
    /// The stored secret's name (the manifest's `key`).
    pub key: String,
    /// The string member of a JSON-object secret to hand over instead of the whole value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The limits a component runs under on a host, as they travel; what is unset is the host's
/// default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentLimits {
    /// Largest linear memory one instance may grow to, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// Longest one invocation may run, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Most invocations running at once on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
}

impl ComponentLimits {
    /// Whether it sets nothing (and so is left out of a command).
    pub fn is_unset(&self) -> bool {
        *self == Self::default()
    }
}

/// One goal for the lattice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Store a named config with exactly these values.
    PutConfig {
        /// Config name.
        name: String,
        /// Values.
        values: BTreeMap<String, String>,
        /// The owning application; `None` for a config put by hand (`weft config put`).
        app: Option<String>,
    },
    /// Remove a named config.
    DeleteConfig {
        /// Config name.
        name: String,
    },
    /// Run `count` instances of a component on a host (0 stops it there).
    ScaleComponent {
        /// Where.
        host_id: String,
        /// Which component.
        component_id: String,
        /// Its image.
        image: String,
        /// How many (a concurrency budget); 0 removes it from the host.
        count: usize,
        /// Config names it reads.
        config: Vec<String>,
        /// Secrets it reads.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        secrets: Vec<SecretBinding>,
        /// The limits it runs under (a manifest's limits policy).
        #[serde(default, skip_serializing_if = "ComponentLimits::is_unset")]
        limits: ComponentLimits,
        /// The owning application; `None` when started by hand.
        #[serde(default, deserialize_with = "crate::owner::deserialize")]
        app: Option<String>,
    },
    /// Start a capability on a host.
    StartCapability {
        /// Where.
        host_id: String,
        /// Which capability.
        capability_id: String,
        /// Its image.
        image: String,
        /// Config names it reads.
        config: Vec<String>,
        /// The owning application; `None` when started by hand.
        #[serde(default, deserialize_with = "crate::owner::deserialize")]
        app: Option<String>,
    },
    /// Stop a capability on a host.
    StopCapability {
        /// Where.
        host_id: String,
        /// Which capability.
        capability_id: String,
    },
    /// Create or replace a link.
    PutLink(LinkSpec),
    /// Remove the link with this key.
    DeleteLink {
        /// Source id.
        source_id: String,
        /// WIT namespace.
        namespace: String,
        /// WIT package.
        package: String,
        /// Link name.
        name: String,
    },
}

/// A command for one host as it travels over NATS (`weft.execute.{host_id}`), with the
/// sending manager's fencing revision: a host refuses commands whose fence is older than the
/// newest it has seen, so a manager that lost its lease cannot act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FencedCommand {
    /// The manager lease's revision when it was sent.
    pub fence: u64,
    /// The lattice the sending manager manages; a host of another lattice refuses it (a
    /// subject mapped between NATS accounts must not carry one lattice's commands to another).
    pub lattice: String,
    /// What to do.
    pub command: Command,
}
