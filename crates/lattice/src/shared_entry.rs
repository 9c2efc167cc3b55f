//! The entry of the lattice-wide view (a config, a link) a command changes, kept as it was so
//! it can be put back when the command did not take effect on every host.

use crate::command::{Command, LinkSpec};
use crate::observed::{ObservedLattice, StoredConfig};

/// A config or link of the view as it was before a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedEntry {
    /// The config called `name`.
    Config {
        /// Its name.
        name: String,
        /// Its value then; `None` when there was none.
        was: Option<StoredConfig>,
    },
    /// The link with `key` (source, namespace, package, name).
    Link {
        /// Its key.
        key: (String, String, String, String),
        /// It then; `None` when there was none.
        was: Option<Box<LinkSpec>>,
    },
}

impl ObservedLattice {
    /// What `command` is about to change, as it is now; `None` for a command meant for one
    /// host.
    pub fn entry_for(&self, command: &Command) -> Option<SharedEntry> {
        let link_key = match command {
            Command::PutConfig { name, .. } | Command::DeleteConfig { name } => {
                return Some(SharedEntry::Config {
                    name: name.clone(),
                    was: self.configs.get(name).cloned(),
                });
            }
            Command::PutLink(link) => link.key(),
            Command::DeleteLink {
                source_id,
                namespace,
                package,
                name,
            } => (
                source_id.as_str(),
                namespace.as_str(),
                package.as_str(),
                name.as_str(),
            ),
            Command::ScaleComponent { .. }
            | Command::StartCapability { .. }
            | Command::StopCapability { .. } => return None,
        };
        let was = self
            .links
            .iter()
            .find(|existing| existing.key() == link_key)
            .cloned()
            .map(Box::new);
        let (source, namespace, package, name) = link_key;
        Some(SharedEntry::Link {
            key: (source.into(), namespace.into(), package.into(), name.into()),
            was,
        })
    }

    /// Puts `entry` back as it was.
    pub fn restore(&mut self, entry: SharedEntry) {
        match entry {
            SharedEntry::Config {
                name,
                was: Some(config),
            } => {
                self.configs.insert(name, config);
            }
            SharedEntry::Config { name, was: None } => {
                self.configs.remove(&name);
            }
            SharedEntry::Link { key, was } => {
                let key = (
                    key.0.as_str(),
                    key.1.as_str(),
                    key.2.as_str(),
                    key.3.as_str(),
                );
                self.links.retain(|existing| existing.key() != key);
                self.links.extend(was.map(|link| *link));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(target: &str) -> LinkSpec {
        LinkSpec {
            source_id: "api".into(),
            target_id: target.into(),
            namespace: "wasi".into(),
            package: "keyvalue".into(),
            interfaces: vec!["store".into()],
            name: "default".into(),
            source_config: Vec::new(),
            target_config: Vec::new(),
            app: Some("shop".into()),
            target_image: None,
            target_secrets: Vec::new(),
        }
    }

    fn undone(mut view: ObservedLattice, command: &Command) -> ObservedLattice {
        let entry = view.entry_for(command).expect("a lattice-wide command");
        view.apply_shared(command);
        view.restore(entry);
        view
    }

    #[test]
    fn a_command_undone_leaves_the_view_as_it_was() {
        let mut view = ObservedLattice::default();
        view.links.push(link("redis"));
        view.configs
            .insert("greeting".into(), StoredConfig::default());
        for command in [
            Command::PutLink(link("nats")),
            Command::PutLink(LinkSpec {
                name: "other".into(),
                ..link("nats")
            }),
            Command::DeleteLink {
                source_id: "api".into(),
                namespace: "wasi".into(),
                package: "keyvalue".into(),
                name: "default".into(),
            },
            Command::PutConfig {
                name: "greeting".into(),
                values: [("text".into(), "hi".into())].into(),
                app: None,
            },
            Command::PutConfig {
                name: "new".into(),
                values: Default::default(),
                app: None,
            },
            Command::DeleteConfig {
                name: "greeting".into(),
            },
        ] {
            assert_eq!(undone(view.clone(), &command), view, "{command:?}");
        }
    }

    #[test]
    fn a_command_for_one_host_has_no_shared_entry() {
        let command = Command::StopCapability {
            host_id: "h".into(),
            capability_id: "c".into(),
        };
        assert_eq!(ObservedLattice::default().entry_for(&command), None);
    }
}
