//! Resolving what each component reaches through its links: its merged config, the key-value
//! backends its `wasi:keyvalue` links point at, its log budget. Published in each component's
//! [`LinkSlot`], re-resolved whenever links, configs or what runs change.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use weft_capabilities::keyvalue::{
    EmbeddedKeyValue, KeyValueBackend, KeyValueKind, KeyValueSettings, MemoryKeyValue,
};
use weft_capabilities::{ComponentLinks, LinkSlot, LogLimiter};
use weft_manager::{LinkSpec, RunningComponent, StoredConfig};

use crate::builtin::Builtin;

/// A key-value backend a capability runs, with the settings it was made from.
struct KeyValueStore {
    settings: KeyValueSettings,
    backend: Arc<dyn KeyValueBackend>,
}

/// Per-component link state that outlives one resolution.
#[derive(Default)]
pub(crate) struct LinkResolver {
    /// Where durable backends keep their files (`None`: durable backends are refused).
    data_dir: Option<PathBuf>,
    slots: HashMap<String, LinkSlot>,
    limiters: HashMap<String, Arc<LogLimiter>>,
    /// Backends by (capability id, link settings).
    stores: HashMap<String, KeyValueStore>,
}

/// What the resolver reads from the host's state.
pub(crate) struct LinkInputs<'a> {
    pub(crate) components: &'a BTreeMap<String, RunningComponent>,
    pub(crate) component_configs: &'a HashMap<String, Vec<String>>,
    pub(crate) capabilities: &'a BTreeMap<String, Builtin>,
    pub(crate) links: &'a [LinkSpec],
    pub(crate) configs: &'a BTreeMap<String, StoredConfig>,
}

impl LinkResolver {
    /// A resolver keeping durable data under `data_dir`.
    pub(crate) fn new(data_dir: Option<PathBuf>) -> Self {
        Self {
            data_dir,
            ..Self::default()
        }
    }

    /// The slot of component `id` (created empty on first use).
    pub(crate) fn slot(&mut self, id: &str) -> LinkSlot {
        self.slots
            .entry(id.to_owned())
            .or_insert_with(|| LinkSlot::new(ComponentLinks::unlinked(id)))
            .clone()
    }

    /// Checks that `link` can be put into effect and opens its backend; the error says what
    /// is wrong in the user's terms.
    pub(crate) fn prepare(
        &mut self,
        link: &LinkSpec,
        inputs: &LinkInputs<'_>,
    ) -> Result<(), String> {
        if !inputs.components.contains_key(&link.source_id) {
            return Ok(()); // Not a component's import (e.g. an HTTP server's link).
        }
        let Some(builtin) = inputs.capabilities.get(&link.target_id).copied() else {
            return Ok(()); // The target starts later; resolution runs again then.
        };
        if !builtin.provides(&link.namespace, &link.package) {
            return Err(format!(
                "capability `{}` ({}) does not provide {}:{}; it offers {}",
                link.target_id,
                builtin.name(),
                link.namespace,
                link.package,
                builtin.offers()
            ));
        }
        if builtin == Builtin::KeyValue {
            let config = merged(&link.target_config, inputs.configs);
            let settings =
                KeyValueSettings::from_config(&config).map_err(|error| error.to_string())?;
            self.store(&link.target_id, settings)?;
        }
        Ok(())
    }

    /// Forgets what capability `id` held (its in-memory data, its open file).
    pub(crate) fn capability_stopped(&mut self, id: &str) {
        self.stores.remove(id);
    }

    /// Forgets component `id`.
    pub(crate) fn component_removed(&mut self, id: &str) {
        self.slots.remove(id);
        self.limiters.remove(id);
    }

    /// Re-resolves every running component's links and publishes them.
    pub(crate) fn refresh(&mut self, inputs: &LinkInputs<'_>) {
        for (id, running) in inputs.components {
            let config_names = inputs
                .component_configs
                .get(id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let mut keyvalue = BTreeMap::new();
            for link in inputs.links.iter().filter(|link| &link.source_id == id) {
                if inputs.capabilities.get(&link.target_id) != Some(&Builtin::KeyValue)
                    || !Builtin::KeyValue.provides(&link.namespace, &link.package)
                {
                    continue;
                }
                let config = merged(&link.target_config, inputs.configs);
                let opened = KeyValueSettings::from_config(&config)
                    .map_err(|error| error.to_string())
                    .and_then(|settings| self.store(&link.target_id, settings));
                match opened {
                    Ok(backend) => {
                        keyvalue.insert(link.name.clone(), backend);
                    }
                    Err(error) => {
                        tracing::warn!(component = %id, target = %link.target_id, %error, "key-value link not usable");
                    }
                }
            }
            let logs = Arc::clone(
                self.limiters
                    .entry(id.clone())
                    .or_insert_with(|| Arc::new(LogLimiter::default())),
            );
            let links = ComponentLinks {
                component_id: Arc::from(id.as_str()),
                app: Some(Arc::from(running.app.as_str())),
                config: merged(config_names, inputs.configs),
                keyvalue,
                logs,
            };
            self.slot(id).set(links);
        }
    }

    /// The backend capability `capability_id` runs for `settings`, opened on first use.
    fn store(
        &mut self,
        capability_id: &str,
        settings: KeyValueSettings,
    ) -> Result<Arc<dyn KeyValueBackend>, String> {
        if let Some(store) = self.stores.get(capability_id)
            && store.settings == settings
        {
            return Ok(Arc::clone(&store.backend));
        }
        let backend: Arc<dyn KeyValueBackend> = match settings.kind {
            KeyValueKind::Memory => Arc::new(MemoryKeyValue::new()),
            KeyValueKind::Embedded => {
                let Some(dir) = &self.data_dir else {
                    return Err(
                        "this host has no data directory for a durable key-value store; set `backend: memory` in the link's target config".to_owned(),
                    );
                };
                let file = dir.join("keyvalue").join(format!("{capability_id}.redb"));
                Arc::new(EmbeddedKeyValue::open(&file).map_err(|error| error.to_string())?)
            }
        };
        self.stores.insert(
            capability_id.to_owned(),
            KeyValueStore {
                settings,
                backend: Arc::clone(&backend),
            },
        );
        Ok(backend)
    }
}

/// The values of the named configs, later names overriding earlier ones.
pub(crate) fn merged(
    names: &[String],
    configs: &BTreeMap<String, StoredConfig>,
) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for name in names {
        if let Some(config) = configs.get(name) {
            values.extend(config.values.clone());
        }
    }
    values
}
