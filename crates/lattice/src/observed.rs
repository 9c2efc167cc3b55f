//! What the lattice reports: hosts, what runs on them (and which app owns it), links, configs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::command::{Command, ComponentLimits, LinkSpec, SecretBinding};

/// The lattice as last observed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedLattice {
    /// Every live host.
    pub hosts: Vec<ObservedHost>,
    /// Every link.
    pub links: Vec<LinkSpec>,
    /// Every named config.
    pub configs: BTreeMap<String, StoredConfig>,
    /// The version of every stored secret, by name (never a value).
    pub secrets: BTreeMap<String, u64>,
}

/// A named config and who created it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConfig {
    /// Its values.
    pub values: BTreeMap<String, String>,
    /// The application whose manifest owns it; `None` for configs put by hand.
    pub app: Option<String>,
}

/// One live host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedHost {
    /// Host id.
    pub id: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Components running on it.
    pub components: Vec<RunningComponent>,
    /// Capabilities running on it.
    pub capabilities: Vec<RunningCapability>,
}

/// A component running on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningComponent {
    /// Component id.
    pub id: String,
    /// Image it runs.
    pub image: String,
    /// Its instance budget on this host.
    pub count: usize,
    /// The secrets it reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretBinding>,
    /// The limits it runs under (its manifest's limits policy; unset: the host's defaults).
    #[serde(default, skip_serializing_if = "ComponentLimits::is_unset")]
    pub limits: ComponentLimits,
    /// The application that started it; `None` for one started by hand (`component.scale`).
    #[serde(default, deserialize_with = "crate::owner::deserialize")]
    pub app: Option<String>,
}

/// A capability running on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningCapability {
    /// Capability id.
    pub id: String,
    /// Image it runs.
    pub image: String,
    /// The application that started it; `None` for one started by hand (`provider.start`).
    #[serde(default, deserialize_with = "crate::owner::deserialize")]
    pub app: Option<String>,
}

impl ObservedLattice {
    /// Applies a lattice-wide command (configs and links) the way every host does; returns
    /// false for a command meant for one host, which it leaves alone.
    pub fn apply_shared(&mut self, command: &Command) -> bool {
        match command {
            Command::PutConfig { name, values, app } => {
                self.configs.insert(
                    name.clone(),
                    StoredConfig {
                        values: values.clone(),
                        app: app.clone(),
                    },
                );
            }
            Command::DeleteConfig { name } => {
                self.configs.remove(name);
            }
            Command::PutLink(link) => {
                self.links.retain(|existing| existing.key() != link.key());
                self.links.push(link.clone());
            }
            Command::DeleteLink {
                source_id,
                namespace,
                package,
                name,
            } => {
                let key = (
                    source_id.as_str(),
                    namespace.as_str(),
                    package.as_str(),
                    name.as_str(),
                );
                self.links.retain(|existing| existing.key() != key);
            }
            Command::ScaleComponent { .. }
            | Command::StartCapability { .. }
            | Command::StopCapability { .. } => return false,
        }
        true
    }
}

impl ObservedHost {
    /// Whether the host has every label in `requirements`.
    pub fn matches(&self, requirements: &BTreeMap<String, String>) -> bool {
        requirements
            .iter()
            .all(|(key, value)| self.labels.get(key) == Some(value))
    }
}
