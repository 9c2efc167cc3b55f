//! Resolving what each component reaches through its links: its merged config, the backend
//! each link to a capability reaches (asked of the capability [`Registry`]), the components
//! its component links call, its log budget. Published in each component's [`LinkSlot`],
//! re-resolved whenever links, configs or what runs change.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use weft_capabilities::capability::{
    CapabilityHost, HostEnv, Kind, LinkRequest, Linked, Opening, Reach, Registry,
};
use weft_capabilities::component_calls::{self, ComponentDirectory};
use weft_capabilities::messaging::MessagingCapability;
use weft_capabilities::{ComponentLinks, LinkSlot, LogLimiter, SecretUnavailable};
use weft_lattice::{LinkSpec, RunningComponent, SecretBinding, StoredConfig};
use weft_secrets::SecretValue;

use crate::link_problem::LinkProblem;

/// Per-component link state that outlives one resolution.
pub(crate) struct LinkResolver {
    /// The capabilities components link to, with the backends each has open.
    registry: Registry,
    slots: HashMap<String, LinkSlot>,
    limiters: HashMap<String, Arc<LogLimiter>>,
    /// The components running here, which component → component links call.
    directory: ComponentDirectory,
}

/// What the resolver reads from the host's state.
pub(crate) struct LinkInputs<'a> {
    pub(crate) components: &'a BTreeMap<String, RunningComponent>,
    pub(crate) component_configs: &'a HashMap<String, Vec<String>>,
    pub(crate) capabilities: &'a BTreeMap<String, &'static Kind>,
    pub(crate) capability_configs: &'a HashMap<String, Vec<String>>,
    pub(crate) links: &'a [LinkSpec],
    pub(crate) configs: &'a BTreeMap<String, StoredConfig>,
    pub(crate) component_secrets: &'a HashMap<String, Vec<SecretBinding>>,
    pub(crate) secrets: &'a BTreeMap<String, (u64, SecretValue)>,
}

/// A link to a capability with its configs merged, as a [`LinkRequest`] borrows them.
pub(crate) struct ResolvedLink<'a> {
    capability_id: &'a str,
    kind: &'static Kind,
    link_config: BTreeMap<String, String>,
    capability_config: BTreeMap<String, String>,
}

impl<'a> ResolvedLink<'a> {
    /// Capability `capability_id` of `kind` as a link with config `link_config` (names of
    /// configs) reaches it.
    pub(crate) fn new(
        capability_id: &'a str,
        kind: &'static Kind,
        link_config: &[String],
        inputs: &LinkInputs<'_>,
    ) -> Self {
        let capability_config = inputs
            .capability_configs
            .get(capability_id)
            .map(|names| merged(names, inputs.configs))
            .unwrap_or_default();
        Self {
            capability_id,
            kind,
            link_config: merged(link_config, inputs.configs),
            capability_config,
        }
    }

    /// The request capabilities read.
    pub(crate) fn request(&self) -> LinkRequest<'_> {
        LinkRequest {
            capability_id: self.capability_id,
            kind: self.kind,
            link_config: &self.link_config,
            capability_config: &self.capability_config,
        }
    }
}

impl LinkResolver {
    /// A resolver keeping durable data under `data_dir`, whose component links call the
    /// components in `directory`.
    pub(crate) fn new(data_dir: Option<PathBuf>, directory: ComponentDirectory) -> Self {
        Self {
            registry: Registry::new(HostEnv { data_dir }),
            slots: HashMap::new(),
            limiters: HashMap::new(),
            directory,
        }
    }

    /// The slot of component `id` (created empty on first use).
    pub(crate) fn slot(&mut self, id: &str) -> LinkSlot {
        self.slots
            .entry(id.to_owned())
            .or_insert_with(|| LinkSlot::new(ComponentLinks::unlinked(id)))
            .clone()
    }

    /// The brokers messaging capabilities have open here, for handler links' subscriptions.
    pub(crate) fn messaging(&self) -> Option<Arc<CapabilityHost<MessagingCapability>>> {
        self.registry.host::<MessagingCapability>()
    }

    /// Checks that `link` can be put into effect; returns the backend it needs opened if that
    /// is not open yet. The error says what is wrong in the user's terms.
    pub(crate) fn prepare(
        &self,
        link: &LinkSpec,
        inputs: &LinkInputs<'_>,
    ) -> Result<Option<Opening>, LinkProblem> {
        if !inputs.components.contains_key(&link.source_id) {
            return Ok(None); // Not a component's import (e.g. an HTTP server's link).
        }
        if inputs.components.contains_key(&link.target_id) {
            self.check_component_link(link)?;
            return Ok(None);
        }
        let Some(kind) = self.target_capability(link, inputs)? else {
            return Ok(None); // The target starts later; resolution runs again then.
        };
        let package = format!("{}:{}", link.namespace, link.package);
        if !self.registry.provides(kind, &package) {
            return Err(LinkProblem::NotProvided {
                capability: link.target_id.clone(),
                kind: kind.name,
                package,
                offers: self.registry.offers(kind),
            });
        }
        let resolved = ResolvedLink::new(&link.target_id, kind, &link.target_config, inputs);
        Ok(self.registry.prepare(&resolved.request())?)
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
    fn check_component_link(&self, link: &LinkSpec) -> Result<(), LinkProblem> {
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
                return Err(LinkProblem::NotImported {
                    component: link.source_id.clone(),
                    interface: name,
                    imports: if imports.is_empty() {
                        "nothing".to_owned()
                    } else {
                        imports
                    },
                });
            }
            if !target.exports_interface(&name) {
                return Err(LinkProblem::NotExported {
                    component: link.target_id.clone(),
                    interface: name,
                    exports: target.exported_interfaces(),
                });
            }
        }
        Ok(())
    }

    /// The built-in capability a component's `link` points at, as this host reaches it: the
    /// one running here, or, when the target runs on another host, the one its image names if
    /// every host reaches the same data through it. `None` when the target is not a known
    /// capability (a component, or one that starts later); the error says why a capability on
    /// another host cannot be reached from here.
    fn target_capability(
        &self,
        link: &LinkSpec,
        inputs: &LinkInputs<'_>,
    ) -> Result<Option<&'static Kind>, LinkProblem> {
        if let Some(kind) = inputs.capabilities.get(&link.target_id) {
            return Ok(Some(*kind));
        }
        let Some(kind) = link
            .target_image
            .as_deref()
            .and_then(weft_capabilities::capability::resolve)
        else {
            return Ok(None);
        };
        let resolved = ResolvedLink::new(&link.target_id, kind, &link.target_config, inputs);
        match self.registry.reach(&resolved.request())? {
            Reach::Shared => Ok(Some(kind)),
            Reach::ThisHost { why, hint } => Err(LinkProblem::OnlyOnItsHost {
                capability: link.target_id.clone(),
                kind: kind.name,
                why,
                component: link.source_id.clone(),
                hint,
            }),
        }
    }

    /// Closes the connections no recorded link uses any more (a link whose settings changed
    /// leaves its old connection behind). Backends holding data in the host stay until their
    /// capability stops.
    fn close_unlinked_connections(&self, inputs: &LinkInputs<'_>) {
        let used: Vec<ResolvedLink<'_>> = inputs
            .links
            .iter()
            .filter_map(|link| {
                // Also capabilities on other hosts whose backend this host reaches.
                let kind = self.target_capability(link, inputs).ok().flatten()?;
                Some(ResolvedLink::new(
                    &link.target_id,
                    kind,
                    &link.target_config,
                    inputs,
                ))
            })
            .collect();
        let requests: Vec<LinkRequest<'_>> = used.iter().map(ResolvedLink::request).collect();
        self.registry.close_unused(&requests);
    }

    /// Forgets what capability `id` held (its in-memory data, its open file, its broker and
    /// subscriptions).
    pub(crate) fn capability_stopped(&self, id: &str) {
        self.registry.stopped(id);
    }

    /// Ends the subscriptions of the link with key `owner`, wherever they are.
    pub(crate) fn unsubscribe(&self, owner: &str) {
        for broker in self
            .messaging()
            .map(|host| host.backends())
            .unwrap_or_default()
        {
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
            let links = self.resolve_component(id, running, inputs);
            self.slot(id).set(links);
        }
    }

    /// What component `id` reaches through its links now.
    fn resolve_component(
        &mut self,
        id: &str,
        running: &RunningComponent,
        inputs: &LinkInputs<'_>,
    ) -> ComponentLinks {
        let mut linked = Linked::default();
        let mut link_names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut components: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for link in inputs.links.iter().filter(|link| link.source_id == id) {
            let package = format!("{}:{}", link.namespace, link.package);
            link_names
                .entry(package.clone())
                .or_default()
                .insert(link.name.clone());
            match self.link_target(link, &package, inputs) {
                Ok(Target::Component) => {
                    let targets = components.entry(link.name.clone()).or_default();
                    targets.insert(package, link.target_id.clone());
                }
                Ok(Target::Capability(kind)) => {
                    let resolved =
                        ResolvedLink::new(&link.target_id, kind, &link.target_config, inputs);
                    if let Err(error) =
                        self.registry
                            .publish(&resolved.request(), &link.name, &mut linked)
                    {
                        tracing::warn!(component = %id, target = %link.target_id, kind = kind.name, %error, "link not usable");
                    }
                }
                Ok(Target::Neither) => {}
                Err(error) => {
                    tracing::warn!(component = %id, target = %link.target_id, %error, "link not usable on this host");
                }
            }
        }
        let logs = Arc::clone(
            self.limiters
                .entry(id.to_owned())
                .or_insert_with(|| Arc::new(LogLimiter::default())),
        );
        let config_names = inputs
            .component_configs
            .get(id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        ComponentLinks {
            component_id: Arc::from(id),
            app: running.app.as_deref().map(Arc::from),
            config: merged(config_names, inputs.configs),
            linked,
            components,
            directory: self.directory.clone(),
            secrets: component_secrets(
                inputs.component_secrets.get(id).map(Vec::as_slice),
                inputs.secrets,
            ),
            link_names,
            logs,
        }
    }

    /// What a component's `link` (over `package`) reaches from this host.
    fn link_target(
        &self,
        link: &LinkSpec,
        package: &str,
        inputs: &LinkInputs<'_>,
    ) -> Result<Target, LinkProblem> {
        if inputs.components.contains_key(&link.target_id) {
            return Ok(Target::Component);
        }
        Ok(match self.target_capability(link, inputs)? {
            Some(kind) if self.registry.provides(kind, package) => Target::Capability(kind),
            Some(_) => Target::Neither, // Refused when the link was put.
            // A component's link to a component that runs on another host: calls go there
            // when the host is in a lattice.
            None if self.imports_from_components(&link.source_id, link) => Target::Component,
            None => Target::Neither,
        })
    }
}

/// What a component's link reaches from this host.
enum Target {
    /// A component (here or on another host).
    Component,
    /// A capability of this kind.
    Capability(&'static Kind),
    /// Nothing yet (its target starts later, or the link was refused).
    Neither,
}

/// The secrets a component reads, by the name it asks for, from the stored values.
fn component_secrets(
    bindings: Option<&[SecretBinding]>,
    stored: &BTreeMap<String, (u64, SecretValue)>,
) -> BTreeMap<String, Result<SecretValue, SecretUnavailable>> {
    bindings
        .unwrap_or_default()
        .iter()
        .map(|binding| {
            let value = match (stored.get(&binding.key), &binding.field) {
                (None, _) => Err(SecretUnavailable::Gone(binding.key.clone())),
                (Some((_, value)), None) => Ok(value.clone()),
                (Some((_, value)), Some(field)) => {
                    value.field(field).map_err(SecretUnavailable::Field)
                }
            };
            (binding.name.clone(), value)
        })
        .collect()
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
