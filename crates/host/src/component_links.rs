//! Resolving what each component reaches through its links: its merged config, the key-value
//! backends its `wasi:keyvalue` links point at, its log budget. Published in each component's
//! [`LinkSlot`], re-resolved whenever links, configs or what runs change.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use weft_capabilities::blobstore::{
    BlobBackend, BlobstoreSettings, FsBlobstore, NatsBlobstore, NatsBlobstoreSettings,
};
use weft_capabilities::component_calls::{self, ComponentDirectory};
use weft_capabilities::keyvalue::{
    DEFAULT_NATS_URL, DEFAULT_REDIS_URL, EmbeddedKeyValue, KeyValueBackend, KeyValueKind,
    KeyValueSettings, MemoryKeyValue, NatsKeyValue, RedisKeyValue,
};
use weft_capabilities::messaging::{Broker, MessagingLinkSettings};
use weft_capabilities::{ComponentLinks, HttpClientSettings, LinkSlot, LogLimiter};
use weft_lattice::{LinkSpec, RunningComponent, SecretBinding, StoredConfig};
use weft_secrets::SecretValue;

use crate::builtin::{self, Builtin};

/// Per-component link state that outlives one resolution.
#[derive(Default)]
pub(crate) struct LinkResolver {
    /// Where durable backends keep their files (`None`: durable backends are refused).
    data_dir: Option<PathBuf>,
    slots: HashMap<String, LinkSlot>,
    limiters: HashMap<String, Arc<LogLimiter>>,
    /// Key-value backends by (capability id, link settings): links to one capability with
    /// other settings (another Redis URL, another bucket) each get theirs, as each link gets
    /// its own connection in wasmCloud's providers.
    stores: HashMap<(String, KeyValueSettings), Arc<dyn KeyValueBackend>>,
    /// The brokers of each messaging capability, by (capability id, NATS servers; none for
    /// the in-process broker).
    brokers: HashMap<(String, Vec<String>), Arc<Broker>>,
    /// Open filesystem blobstores by (capability id, link settings).
    blobstores: HashMap<(String, BlobstoreSettings), Arc<FsBlobstore>>,
    /// NATS blobstore connections by (capability id, link settings).
    nats_blobstores: HashMap<(String, NatsBlobstoreSettings), Arc<NatsBlobstore>>,
    /// The components running here, which component → component links call.
    directory: ComponentDirectory,
}

/// What the resolver reads from the host's state.
pub(crate) struct LinkInputs<'a> {
    pub(crate) components: &'a BTreeMap<String, RunningComponent>,
    pub(crate) component_configs: &'a HashMap<String, Vec<String>>,
    pub(crate) capabilities: &'a BTreeMap<String, Builtin>,
    pub(crate) capability_configs: &'a HashMap<String, Vec<String>>,
    pub(crate) links: &'a [LinkSpec],
    pub(crate) configs: &'a BTreeMap<String, StoredConfig>,
    pub(crate) component_secrets: &'a HashMap<String, Vec<SecretBinding>>,
    pub(crate) secrets: &'a BTreeMap<String, (u64, SecretValue)>,
}

impl LinkResolver {
    /// A resolver keeping durable data under `data_dir`, whose component links call the
    /// components in `directory`.
    pub(crate) fn new(data_dir: Option<PathBuf>, directory: ComponentDirectory) -> Self {
        Self {
            data_dir,
            directory,
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

    /// Checks that `link` can be put into effect; returns the store or connection it needs
    /// if that is not open yet. The error says what is wrong in the user's terms.
    pub(crate) fn prepare(
        &self,
        link: &LinkSpec,
        inputs: &LinkInputs<'_>,
    ) -> Result<Option<OpenRequest>, String> {
        if !inputs.components.contains_key(&link.source_id) {
            return Ok(None); // Not a component's import (e.g. an HTTP server's link).
        }
        if inputs.components.contains_key(&link.target_id) {
            self.check_component_link(link)?;
            return Ok(None);
        }
        let Some(builtin) = target_capability(link, inputs)? else {
            return Ok(None); // The target starts later; resolution runs again then.
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
        match builtin {
            Builtin::HttpClient => {
                http_client_settings(link, inputs)?;
                return Ok(None);
            }
            Builtin::BlobstoreFs => {
                blobstore_settings(link, inputs)?;
                return Ok(None);
            }
            Builtin::BlobstoreNats => {
                let settings = nats_blobstore_settings(link, inputs)?;
                let open = self
                    .nats_blobstores
                    .contains_key(&(link.target_id.clone(), settings.clone()));
                return Ok((!open).then(|| OpenRequest::NatsBlobstore {
                    capability_id: link.target_id.clone(),
                    settings,
                }));
            }
            Builtin::Messaging | Builtin::MessagingNats => {
                let settings =
                    messaging_settings(builtin, &link.target_id, &link.target_config, inputs)?;
                let open = settings.cluster_uris.is_empty()
                    || self
                        .nats_broker(&link.target_id, &settings.cluster_uris)
                        .is_some();
                return Ok((!open).then(|| OpenRequest::Broker {
                    capability_id: link.target_id.clone(),
                    cluster_uris: settings.cluster_uris,
                }));
            }
            Builtin::HttpServer => return Ok(None),
            Builtin::KeyValue | Builtin::KeyValueRedis | Builtin::KeyValueNats => {}
        }
        let settings = keyvalue_settings(builtin, link, inputs)?;
        let open = self
            .stores
            .contains_key(&(link.target_id.clone(), settings.clone()));
        Ok((!open).then(|| {
            OpenRequest::KeyValue(StoreRequest {
                capability_id: link.target_id.clone(),
                settings,
                data_dir: self.data_dir.clone(),
            })
        }))
    }

    /// Whether component `source_id` imports the link's package from components (so the link
    /// is a component → component link, wherever its target runs).
    fn imports_from_components(&self, source_id: &str, link: &LinkSpec) -> bool {
        let package = format!("{}:{}", link.namespace, link.package);
        self.directory.get(source_id).is_some_and(|source| {
            source
                .linked_imports()
                .iter()
                .any(|import| component_calls::package_of(import) == Some(package.as_str()))
        })
    }

    /// Checks a component → component link: the source imports each of the link's interfaces
    /// from components and the target exports it (both must be prepared already).
    fn check_component_link(&self, link: &LinkSpec) -> Result<(), String> {
        let (Some(source), Some(target)) = (
            self.directory.get(&link.source_id),
            self.directory.get(&link.target_id),
        ) else {
            return Ok(()); // Checked again once both run.
        };
        for interface in &link.interfaces {
            let name = format!("{}:{}/{interface}", link.namespace, link.package);
            let imported = source
                .linked_imports()
                .iter()
                .any(|import| component_calls::unversioned(import) == name);
            if !imported {
                let imports = source.linked_imports().join(", ");
                return Err(format!(
                    "component `{}` does not import {name}, so the link has nothing to carry; it imports from other components: {}",
                    link.source_id,
                    if imports.is_empty() {
                        "nothing"
                    } else {
                        &imports
                    }
                ));
            }
            if !target.exports_interface(&name) {
                return Err(format!(
                    "component `{}` does not export {name}; it exports {}",
                    link.target_id,
                    target.exported_interfaces()
                ));
            }
        }
        Ok(())
    }

    /// Keeps what an [`OpenRequest`] opened.
    pub(crate) fn insert_opened(&mut self, opened: Opened) {
        match opened {
            Opened::KeyValue(request, backend) => {
                self.stores
                    .insert((request.capability_id, request.settings), backend);
            }
            Opened::NatsBlobstore(capability_id, settings, store) => {
                self.nats_blobstores
                    .insert((capability_id, settings), store);
            }
            Opened::Broker(capability_id, cluster_uris, broker) => {
                // A connection opened meanwhile for the same servers stays: links may
                // already have subscribed on it.
                self.brokers
                    .entry((capability_id, cluster_uris))
                    .or_insert(broker);
            }
        }
    }

    /// Closes the Redis, NATS key-value and NATS blobstore connections no recorded link uses
    /// any more (a link whose settings changed leaves its old connection behind). Stores
    /// holding data in the host (memory, embedded file, directory) have one settings value
    /// per capability and stay until it stops.
    fn close_unlinked_connections(&mut self, inputs: &LinkInputs<'_>) {
        let mut used_stores = HashSet::new();
        let mut used_blobstores = HashSet::new();
        for link in inputs.links {
            // Also capabilities on other hosts whose backend this host reaches.
            match target_capability(link, inputs).ok().flatten() {
                Some(
                    builtin @ (Builtin::KeyValue | Builtin::KeyValueRedis | Builtin::KeyValueNats),
                ) => {
                    if let Ok(settings) = keyvalue_settings(builtin, link, inputs) {
                        used_stores.insert((link.target_id.clone(), settings));
                    }
                }
                Some(Builtin::BlobstoreNats) => {
                    if let Ok(settings) = nats_blobstore_settings(link, inputs) {
                        used_blobstores.insert((link.target_id.clone(), settings));
                    }
                }
                _ => {}
            }
        }
        self.stores.retain(|key, _| {
            matches!(key.1.kind, KeyValueKind::Memory | KeyValueKind::Embedded)
                || used_stores.contains(key)
        });
        self.nats_blobstores
            .retain(|key, _| used_blobstores.contains(key));
    }

    /// Forgets what capability `id` held (its in-memory data, its open file, its broker and
    /// subscriptions).
    pub(crate) fn capability_stopped(&mut self, id: &str) {
        self.stores.retain(|(capability, _), _| capability != id);
        self.brokers.retain(|(capability, _), _| capability != id);
        self.blobstores
            .retain(|(capability, _), _| capability != id);
        self.nats_blobstores
            .retain(|(capability, _), _| capability != id);
    }

    /// The filesystem blobstore capability `id` serves with `settings`, opened on first use
    /// (the default root is `DATA_DIR/blobstore/{id}`).
    fn blobstore(
        &mut self,
        id: &str,
        settings: BlobstoreSettings,
    ) -> Result<Arc<FsBlobstore>, String> {
        let key = (id.to_owned(), settings);
        if let Some(store) = self.blobstores.get(&key) {
            return Ok(Arc::clone(store));
        }
        let settings = &key.1;
        let root = match (&settings.root, &self.data_dir) {
            (Some(root), _) => root.clone(),
            (None, Some(dir)) => dir.join("blobstore").join(id),
            (None, None) => {
                return Err(
                    "this host has no data directory; set `root` in the link's target config"
                        .to_owned(),
                );
            }
        };
        let store = Arc::new(FsBlobstore::open(&root, settings.max_object_bytes)?);
        self.blobstores.insert(key, Arc::clone(&store));
        Ok(store)
    }

    /// The broker of messaging capability `id` on `cluster_uris`: the in-process one
    /// (created on first use) when there are none, else the NATS connection if it is open.
    pub(crate) fn broker(&mut self, id: &str, cluster_uris: &[String]) -> Option<Arc<Broker>> {
        if cluster_uris.is_empty() {
            return Some(Arc::clone(
                self.brokers
                    .entry((id.to_owned(), Vec::new()))
                    .or_insert_with(|| Arc::new(Broker::in_process())),
            ));
        }
        self.nats_broker(id, cluster_uris)
    }

    /// The open NATS broker of messaging capability `id` on `cluster_uris`, if any.
    fn nats_broker(&self, id: &str, cluster_uris: &[String]) -> Option<Arc<Broker>> {
        self.brokers
            .get(&(id.to_owned(), cluster_uris.to_vec()))
            .cloned()
    }

    /// Ends the subscriptions of the link with key `owner`, wherever they are.
    pub(crate) fn unsubscribe(&self, owner: &str) {
        for broker in self.brokers.values() {
            broker.unsubscribe(owner);
        }
    }

    /// Forgets component `id`.
    pub(crate) fn component_removed(&mut self, id: &str) {
        self.slots.remove(id);
        self.limiters.remove(id);
    }

    /// Re-resolves every running component's links and publishes them.
    pub(crate) fn refresh(&mut self, inputs: &LinkInputs<'_>) {
        self.close_unlinked_connections(inputs);
        for (id, running) in inputs.components {
            let config_names = inputs
                .component_configs
                .get(id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let mut keyvalue = BTreeMap::new();
            let mut outgoing_http = None;
            let mut messaging = BTreeMap::new();
            let mut blobstore = BTreeMap::new();
            let mut link_names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            let mut components: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for link in inputs.links.iter().filter(|link| &link.source_id == id) {
                link_names
                    .entry(format!("{}:{}", link.namespace, link.package))
                    .or_default()
                    .insert(link.name.clone());
                if inputs.components.contains_key(&link.target_id) {
                    components.entry(link.name.clone()).or_default().insert(
                        format!("{}:{}", link.namespace, link.package),
                        link.target_id.clone(),
                    );
                    continue;
                }
                let builtin = match target_capability(link, inputs) {
                    Ok(Some(builtin)) if builtin.provides(&link.namespace, &link.package) => {
                        builtin
                    }
                    Ok(Some(_)) => continue, // Refused when the link was put.
                    Ok(None) => {
                        // A component's link to a component that runs on another host: calls
                        // go there when the host is in a lattice.
                        if self.imports_from_components(id, link) {
                            components.entry(link.name.clone()).or_default().insert(
                                format!("{}:{}", link.namespace, link.package),
                                link.target_id.clone(),
                            );
                        }
                        continue;
                    }
                    Err(error) => {
                        tracing::warn!(component = %id, target = %link.target_id, %error, "link not usable on this host");
                        continue;
                    }
                };
                if matches!(builtin, Builtin::BlobstoreFs | Builtin::BlobstoreNats) {
                    let opened = if builtin == Builtin::BlobstoreFs {
                        blobstore_settings(link, inputs)
                            .and_then(|settings| self.blobstore(&link.target_id, settings))
                            .map(|store| store as Arc<dyn BlobBackend>)
                    } else {
                        nats_blobstore_settings(link, inputs).and_then(|settings| {
                            self.nats_blobstores
                                .get(&(link.target_id.clone(), settings))
                                .map(|store| Arc::clone(store) as Arc<dyn BlobBackend>)
                                .ok_or_else(|| "its NATS connection is not open yet".to_owned())
                        })
                    };
                    match opened {
                        Ok(store) => {
                            blobstore.insert(link.name.clone(), store);
                        }
                        Err(error) => {
                            tracing::warn!(component = %id, target = %link.target_id, %error, "blobstore link not usable")
                        }
                    }
                    continue;
                }
                if builtin.is_messaging() {
                    let broker =
                        messaging_settings(builtin, &link.target_id, &link.target_config, inputs)
                            .and_then(|settings| {
                                self.broker(&link.target_id, &settings.cluster_uris)
                                    .ok_or_else(|| "its NATS connection is not open yet".to_owned())
                            });
                    match broker {
                        Ok(broker) => {
                            messaging.insert(link.name.clone(), broker);
                        }
                        Err(error) => {
                            tracing::warn!(component = %id, target = %link.target_id, %error, "messaging link not usable")
                        }
                    }
                    continue;
                }
                if builtin == Builtin::HttpClient {
                    match http_client_settings(link, inputs) {
                        Ok(settings) => outgoing_http = Some(settings),
                        Err(error) => {
                            tracing::warn!(component = %id, target = %link.target_id, %error, "HTTP client link not usable")
                        }
                    }
                    continue;
                }
                let usable = keyvalue_settings(builtin, link, inputs).and_then(|settings| {
                    self.stores
                        .get(&(link.target_id.clone(), settings))
                        .map(Arc::clone)
                        .ok_or_else(|| "its store is not open yet".to_owned())
                });
                match usable {
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
                blobstore,
                messaging,
                outgoing_http,
                components,
                directory: self.directory.clone(),
                secrets: component_secrets(
                    inputs.component_secrets.get(id).map(Vec::as_slice),
                    inputs.secrets,
                ),
                link_names,
                logs,
            };
            self.slot(id).set(links);
        }
    }
}

/// The secrets a component reads, by the name it asks for, from the stored values.
fn component_secrets(
    bindings: Option<&[SecretBinding]>,
    stored: &BTreeMap<String, (u64, SecretValue)>,
) -> BTreeMap<String, Result<SecretValue, String>> {
    bindings
        .unwrap_or_default()
        .iter()
        .map(|binding| {
            let value = match (stored.get(&binding.key), &binding.field) {
                (None, _) => Err(format!("the stored secret `{}` is gone", binding.key)),
                (Some((_, value)), None) => Ok(value.clone()),
                (Some((_, value)), Some(field)) => value.field(field),
            };
            (binding.name.clone(), value)
        })
        .collect()
}

/// What a link needs opened before it can work: a key-value store, or a NATS connection for
/// a messaging capability.
pub(crate) enum OpenRequest {
    /// A key-value store.
    KeyValue(StoreRequest),
    /// A NATS blobstore.
    NatsBlobstore {
        capability_id: String,
        settings: NatsBlobstoreSettings,
    },
    /// A NATS broker.
    Broker {
        capability_id: String,
        cluster_uris: Vec<String>,
    },
}

/// What an [`OpenRequest`] opened, for [`LinkResolver::insert_opened`].
pub(crate) enum Opened {
    KeyValue(StoreRequest, Arc<dyn KeyValueBackend>),
    NatsBlobstore(String, NatsBlobstoreSettings, Arc<NatsBlobstore>),
    Broker(String, Vec<String>, Arc<Broker>),
}

impl OpenRequest {
    /// Opens it (connecting to a server if it has one); the error names where.
    pub(crate) async fn open(self) -> Result<Opened, String> {
        match self {
            Self::KeyValue(request) => {
                let backend = request.open().await?;
                Ok(Opened::KeyValue(request, backend))
            }
            Self::NatsBlobstore {
                capability_id,
                settings,
            } => {
                let store = NatsBlobstore::connect(settings.clone()).await?;
                Ok(Opened::NatsBlobstore(
                    capability_id,
                    settings,
                    Arc::new(store),
                ))
            }
            Self::Broker {
                capability_id,
                cluster_uris,
            } => {
                let broker = Broker::nats(&cluster_uris).await?;
                Ok(Opened::Broker(
                    capability_id,
                    cluster_uris,
                    Arc::new(broker),
                ))
            }
        }
    }
}

/// A key-value store a link needs opened.
pub(crate) struct StoreRequest {
    capability_id: String,
    settings: KeyValueSettings,
    data_dir: Option<PathBuf>,
}

impl StoreRequest {
    /// Opens the store (connecting to a server if it has one); the error names where.
    async fn open(&self) -> Result<Arc<dyn KeyValueBackend>, String> {
        Ok(match &self.settings.kind {
            KeyValueKind::Memory => Arc::new(MemoryKeyValue::new()),
            KeyValueKind::Embedded => {
                let Some(dir) = &self.data_dir else {
                    return Err(
                        "this host has no data directory for a durable key-value store; set `backend: memory` in the link's target config".to_owned(),
                    );
                };
                let file = dir
                    .join("keyvalue")
                    .join(format!("{}.redb", self.capability_id));
                Arc::new(EmbeddedKeyValue::open(&file).map_err(|error| error.to_string())?)
            }
            KeyValueKind::Redis { url } => Arc::new(
                RedisKeyValue::connect(url)
                    .await
                    .map_err(|error| error.to_string())?,
            ),
            KeyValueKind::Nats {
                url,
                bucket,
                auto_create,
            } => Arc::new(
                NatsKeyValue::connect(url, bucket.clone(), *auto_create)
                    .await
                    .map_err(|error| error.to_string())?,
            ),
        })
    }
}

/// The built-in capability a component's `link` points at, as this host reaches it: the one
/// running here, or, when the target runs on another host, the one its image names if every
/// host reaches the same data through it (Redis, NATS, or no data: the HTTP client). `None`
/// when the target is not a known capability (a component, or one that starts later); the
/// error says why a capability on another host cannot be reached from here.
fn target_capability(link: &LinkSpec, inputs: &LinkInputs<'_>) -> Result<Option<Builtin>, String> {
    if let Some(builtin) = inputs.capabilities.get(&link.target_id) {
        return Ok(Some(*builtin));
    }
    let Some(builtin) = link.target_image.as_deref().and_then(builtin::resolve) else {
        return Ok(None);
    };
    let local_data = match builtin {
        Builtin::HttpClient | Builtin::BlobstoreNats | Builtin::HttpServer => None,
        Builtin::KeyValue | Builtin::KeyValueRedis | Builtin::KeyValueNats => {
            match keyvalue_settings(builtin, link, inputs)?.kind {
                KeyValueKind::Redis { .. } | KeyValueKind::Nats { .. } => None,
                KeyValueKind::Memory => Some("keeps its data in the memory of the host running it"),
                KeyValueKind::Embedded => Some("keeps its data in a file on the host running it"),
            }
        }
        Builtin::Messaging | Builtin::MessagingNats => {
            messaging_settings(builtin, &link.target_id, &link.target_config, inputs)?
                .cluster_uris
                .is_empty()
                .then_some("carries messages inside the process of the host running it")
        }
        Builtin::BlobstoreFs => Some("keeps its blobs in a directory of the host running it"),
    };
    match local_data {
        None => Ok(Some(builtin)),
        Some(why) => Err(format!(
            "capability `{}` ({}) {why}, and component `{}` runs on another host; in a lattice, give the link a backend every host reaches ({}), or place the component with the capability",
            link.target_id,
            builtin.name(),
            link.source_id,
            shared_backend_hint(builtin)
        )),
    }
}

/// How to give a capability's link a backend every host of a lattice reaches.
fn shared_backend_hint(builtin: Builtin) -> &'static str {
    match builtin {
        Builtin::Messaging | Builtin::MessagingNats => {
            "`cluster_uris: nats://HOST:PORT` in the link's target config, or the `ghcr.io/wasmcloud/messaging-nats` image"
        }
        Builtin::BlobstoreFs | Builtin::BlobstoreNats => {
            "the `ghcr.io/wasmcloud/blobstore-nats` image"
        }
        _ => {
            "`backend: redis` or `backend: nats` in the link's target config, or the keyvalue-redis or keyvalue-nats image"
        }
    }
}

/// The settings of a blobstore link, from its target config.
fn blobstore_settings(
    link: &LinkSpec,
    inputs: &LinkInputs<'_>,
) -> Result<BlobstoreSettings, String> {
    let config = merged(&link.target_config, inputs.configs);
    BlobstoreSettings::from_config(&config).map_err(|error| error.to_string())
}

/// The settings of a messaging link from the named configs of its capability's side. For
/// `messaging-nats`, NATS servers the link does not name come from the capability's own config
/// (`cluster_uris`), else the local NATS server, as wasmCloud's provider connects to its default
/// `0.0.0.0:4222`; `weft+builtin://messaging` stays in process unless the link names servers.
pub(crate) fn messaging_settings(
    builtin: Builtin,
    capability_id: &str,
    config_names: &[String],
    inputs: &LinkInputs<'_>,
) -> Result<MessagingLinkSettings, String> {
    let config = merged(config_names, inputs.configs);
    let mut settings =
        MessagingLinkSettings::from_config(&config).map_err(|error| error.to_string())?;
    let signed = config.keys().find(|key| {
        key.eq_ignore_ascii_case("client_jwt") || key.eq_ignore_ascii_case("client_seed")
    });
    if builtin == Builtin::MessagingNats
        && settings.cluster_uris.is_empty()
        && let Some(key) = signed
    {
        return Err(format!(
            "`{key}` asks for NATS decentralized auth, which weft does not sign with yet; put a user and password or a token in `cluster_uris` (`nats://USER:PASSWORD@HOST:PORT`)"
        ));
    }
    if builtin == Builtin::MessagingNats && settings.cluster_uris.is_empty() {
        settings.cluster_uris = capability_setting(capability_id, &["cluster_uris", "uri"], inputs)
            .map_or_else(
                || vec![DEFAULT_NATS_URL.to_owned()],
                |uris| MessagingLinkSettings::servers(&uris),
            );
    }
    Ok(settings)
}

/// The value of one of `keys` (compared case-insensitively) in the capability's own config
/// (wasmCloud's provider config), which gives its links their defaults.
fn capability_setting(
    capability_id: &str,
    keys: &[&str],
    inputs: &LinkInputs<'_>,
) -> Option<String> {
    let names = inputs.capability_configs.get(capability_id)?;
    merged(names, inputs.configs)
        .into_iter()
        .find(|(key, _)| keys.iter().any(|wanted| key.eq_ignore_ascii_case(wanted)))
        .map(|(_, value)| value)
}

/// The settings of a NATS blobstore link, from its target config.
fn nats_blobstore_settings(
    link: &LinkSpec,
    inputs: &LinkInputs<'_>,
) -> Result<NatsBlobstoreSettings, String> {
    let config = merged(&link.target_config, inputs.configs);
    NatsBlobstoreSettings::from_config(&config).map_err(|error| error.to_string())
}

/// The settings of an HTTP client link, from its target config.
fn http_client_settings(
    link: &LinkSpec,
    inputs: &LinkInputs<'_>,
) -> Result<HttpClientSettings, String> {
    let config = merged(&link.target_config, inputs.configs);
    HttpClientSettings::from_config(&config).map_err(|error| error.to_string())
}

/// The settings of a key-value link: its target config over the capability's default.
fn keyvalue_settings(
    builtin: Builtin,
    link: &LinkSpec,
    inputs: &LinkInputs<'_>,
) -> Result<KeyValueSettings, String> {
    // As wasmCloud's providers, a URL in the capability's own config is the default of its links.
    let capability_url = || capability_setting(&link.target_id, &["url", "cluster_uri"], inputs);
    let default = match builtin {
        Builtin::KeyValueRedis => KeyValueKind::Redis {
            url: capability_url().unwrap_or_else(|| DEFAULT_REDIS_URL.to_owned()),
        },
        Builtin::KeyValueNats => KeyValueKind::Nats {
            url: capability_url().unwrap_or_else(|| DEFAULT_NATS_URL.to_owned()),
            bucket: None,
            auto_create: true,
        },
        _ => KeyValueKind::Embedded,
    };
    let config = merged(&link.target_config, inputs.configs);
    KeyValueSettings::from_config(&config, default).map_err(|error| error.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Configs by name, and the capability `nats` reading `capability_config` names.
    struct Fixture {
        configs: BTreeMap<String, StoredConfig>,
        capability_configs: HashMap<String, Vec<String>>,
    }

    impl Fixture {
        fn new(configs: &[(&str, &[(&str, &str)])], capability_config: &[&str]) -> Self {
            let configs = configs
                .iter()
                .map(|(name, values)| {
                    let values = values
                        .iter()
                        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                        .collect();
                    ((*name).to_owned(), StoredConfig { values, app: None })
                })
                .collect();
            let names = capability_config
                .iter()
                .map(|name| (*name).to_owned())
                .collect();
            Self {
                configs,
                capability_configs: [("nats".to_owned(), names)].into(),
            }
        }

        fn messaging(&self, builtin: Builtin, link_config: &[&str]) -> Result<Vec<String>, String> {
            let (components, component_configs, component_secrets) =
                (BTreeMap::new(), HashMap::new(), HashMap::new());
            let (capabilities, secrets) = (BTreeMap::new(), BTreeMap::new());
            let inputs = LinkInputs {
                components: &components,
                component_configs: &component_configs,
                capabilities: &capabilities,
                capability_configs: &self.capability_configs,
                links: &[],
                configs: &self.configs,
                component_secrets: &component_secrets,
                secrets: &secrets,
            };
            let names: Vec<String> = link_config.iter().map(|name| (*name).to_owned()).collect();
            messaging_settings(builtin, "nats", &names, &inputs).map(|s| s.cluster_uris)
        }
    }

    #[test]
    fn messaging_nats_talks_to_the_link_s_servers_else_the_capability_s_else_the_local_one() {
        let fixture = Fixture::new(
            &[
                ("link", &[("cluster_uris", "nats://link:4222")]),
                ("subjects", &[("subscriptions", "a.>")]),
                (
                    "provider",
                    &[("CLUSTER_URIS", "nats://a:4222, nats://b:4222")],
                ),
            ],
            &["provider"],
        );
        let nats = Builtin::MessagingNats;
        assert_eq!(
            fixture.messaging(nats, &["link"]).unwrap(),
            ["nats://link:4222"]
        );
        assert_eq!(
            fixture.messaging(nats, &["subjects"]).unwrap(),
            ["nats://a:4222", "nats://b:4222"]
        );
        let bare = Fixture::new(&[], &[]);
        assert_eq!(bare.messaging(nats, &[]).unwrap(), [DEFAULT_NATS_URL]);
        assert!(
            bare.messaging(Builtin::Messaging, &[]).unwrap().is_empty(),
            "weft+builtin://messaging stays in process"
        );
    }

    #[test]
    fn messaging_nats_refuses_nkeys_it_cannot_sign_with() {
        let fixture = Fixture::new(&[("auth", &[("client_jwt", "eyJ...")])], &[]);
        let error = fixture
            .messaging(Builtin::MessagingNats, &["auth"])
            .unwrap_err();
        assert!(error.contains("client_jwt"), "{error}");
    }
}
