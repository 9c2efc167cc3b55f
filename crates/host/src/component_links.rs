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
    link_secrets: BTreeMap<String, String>,
    source_id: &'a str,
    link_name: &'a str,
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
            link_secrets: BTreeMap::new(),
            source_id: "",
            link_name: "",
        }
    }

    /// `link`'s target capability (of `kind`) as the link reaches it: its target config and
    /// target secrets, its source and its name.
    pub(crate) fn target_of(
        link: &'a LinkSpec,
        kind: &'static Kind,
        inputs: &LinkInputs<'_>,
    ) -> Self {
        let mut resolved = Self::new(&link.target_id, kind, &link.target_config, inputs);
        resolved.link_secrets = text_secrets(&link.target_secrets, inputs.secrets);
        resolved.source_id = &link.source_id;
        resolved.link_name = &link.name;
        resolved
    }

    /// The request capabilities read.
    pub(crate) fn request(&self) -> LinkRequest<'_> {
        LinkRequest {
            capability_id: self.capability_id,
            kind: self.kind,
            link_config: &self.link_config,
            capability_config: &self.capability_config,
            link_secrets: &self.link_secrets,
            source_id: self.source_id,
            link_name: self.link_name,
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
        let resolved = ResolvedLink::target_of(link, kind, inputs);
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
        let resolved = ResolvedLink::target_of(link, kind, inputs);
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
                Some(ResolvedLink::target_of(link, kind, inputs))
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
                    let resolved = ResolvedLink::target_of(link, kind, inputs);
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

/// A link's secrets that are stored and text, by the name the manifest gives them (the
/// reconciler puts a link only once its secrets are stored; one deleted since is left out).
fn text_secrets(
    bindings: &[SecretBinding],
    stored: &BTreeMap<String, (u64, SecretValue)>,
) -> BTreeMap<String, String> {
    component_secrets(Some(bindings), stored)
        .into_iter()
        .filter_map(|(name, value)| {
            let text = String::from_utf8(value.ok()?.expose().to_vec()).ok()?;
            Some((name, text))
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

#[cfg(test)]
mod tests {
    //! The resolver in process: links to capabilities are checked, opened once and published
    //! by link name; links to capabilities on other hosts are refused when their data stays
    //! there; secrets reach components by the name they ask for.

    use weft_capabilities::keyvalue::{KEYVALUE, KeyValueCapability};
    use weft_capabilities::messaging::{MESSAGING, MessagingCapability};

    use super::*;

    /// What runs on a host: component `web`, the capabilities given, configs by name.
    struct World {
        components: BTreeMap<String, RunningComponent>,
        capabilities: BTreeMap<String, &'static Kind>,
        configs: BTreeMap<String, StoredConfig>,
        links: Vec<LinkSpec>,
        component_secrets: HashMap<String, Vec<SecretBinding>>,
        secrets: BTreeMap<String, (u64, SecretValue)>,
        /// No config names for components or capabilities.
        no_configs: HashMap<String, Vec<String>>,
    }

    impl World {
        fn new(capabilities: &[(&str, &'static Kind)]) -> Self {
            let web = RunningComponent {
                id: "web".into(),
                image: "file:///web.wasm".into(),
                count: 1,
                secrets: Vec::new(),
                limits: Default::default(),
                app: Some("shop".into()),
            };
            Self {
                components: BTreeMap::from([("web".to_owned(), web)]),
                capabilities: capabilities
                    .iter()
                    .map(|(id, kind)| ((*id).to_owned(), *kind))
                    .collect(),
                configs: BTreeMap::new(),
                links: Vec::new(),
                component_secrets: HashMap::new(),
                secrets: BTreeMap::new(),
                no_configs: HashMap::new(),
            }
        }

        fn config(&mut self, name: &str, pairs: &[(&str, &str)]) {
            let values = pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect();
            self.configs
                .insert(name.to_owned(), StoredConfig { values, app: None });
        }

        fn inputs(&self) -> LinkInputs<'_> {
            LinkInputs {
                components: &self.components,
                component_configs: &self.no_configs,
                capabilities: &self.capabilities,
                capability_configs: &self.no_configs,
                links: &self.links,
                configs: &self.configs,
                component_secrets: &self.component_secrets,
                secrets: &self.secrets,
            }
        }
    }

    /// `web`'s link named `name` to `target` over `namespace:package`, reading `config`.
    fn link(name: &str, target: &str, package: (&str, &str), config: &[&str]) -> LinkSpec {
        LinkSpec {
            source_id: "web".into(),
            target_id: target.into(),
            name: name.into(),
            namespace: package.0.into(),
            package: package.1.into(),
            interfaces: vec!["store".into()],
            source_config: Vec::new(),
            target_config: config.iter().map(|name| (*name).to_owned()).collect(),
            app: Some("shop".into()),
            target_image: None,
            target_secrets: Vec::new(),
        }
    }

    fn resolver() -> LinkResolver {
        LinkResolver::new(None, ComponentDirectory::default())
    }

    #[tokio::test]
    async fn a_link_opens_its_backend_once_and_is_published_by_its_name() {
        let mut world = World::new(&[("kv", &KEYVALUE), ("bus", &MESSAGING)]);
        world.config("mem", &[("backend", "memory")]);
        world.links = vec![
            link("cache", "kv", ("wasi", "keyvalue"), &["mem"]),
            link("default", "bus", ("wasmcloud", "messaging"), &[]),
        ];
        let mut resolver = resolver();
        for spec in world.links.clone() {
            let inputs = world.inputs();
            let opening = resolver.prepare(&spec, &inputs).unwrap();
            opening.expect("not open yet").open().await.unwrap();
            let inputs = world.inputs();
            assert!(
                resolver.prepare(&spec, &inputs).unwrap().is_none(),
                "opened once"
            );
        }
        let inputs = world.inputs();
        resolver.refresh(&inputs);
        let links = resolver.slot("web").get();
        let store = links
            .linked
            .get::<KeyValueCapability>("cache")
            .expect("the store under its link name");
        store.set("b", "k", b"v".to_vec()).await.unwrap();
        assert!(links.linked.get::<KeyValueCapability>("default").is_none());
        assert!(links.linked.get::<MessagingCapability>("default").is_some());
        assert_eq!(
            links.link_names["wasi:keyvalue"],
            BTreeSet::from(["cache".to_owned()])
        );
        assert_eq!(links.app.as_deref(), Some("shop"));
    }

    #[test]
    fn a_capability_that_does_not_provide_the_package_is_named_with_what_it_offers() {
        let mut world = World::new(&[("kv", &KEYVALUE)]);
        world.links = vec![link("default", "kv", ("wasi", "blobstore"), &[])];
        let inputs = world.inputs();
        let problem = resolver()
            .prepare(&world.links[0], &inputs)
            .err()
            .expect("refused");
        assert!(
            matches!(problem, LinkProblem::NotProvided { .. }),
            "{problem}"
        );
        assert!(
            problem.to_string().contains("it offers wasi:keyvalue"),
            "{problem}"
        );
    }

    #[test]
    fn a_bad_link_config_is_refused_with_its_key_until_it_changes() {
        let mut world = World::new(&[("kv", &KEYVALUE)]);
        world.config("bad", &[("backend", "etcd")]);
        world.links = vec![link("default", "kv", ("wasi", "keyvalue"), &["bad"])];
        let inputs = world.inputs();
        let problem = resolver()
            .prepare(&world.links[0], &inputs)
            .err()
            .expect("refused");
        assert!(problem.to_string().contains("`backend: etcd`"), "{problem}");
        assert_eq!(problem.retry(), weft_lattice::Retry::AfterChange);
    }

    #[test]
    fn a_capability_on_another_host_is_reachable_only_through_a_shared_backend() {
        let mut world = World::new(&[]);
        let mut local = link("default", "kv", ("wasi", "keyvalue"), &[]);
        local.target_image = Some("weft+builtin://keyvalue".into());
        world.links = vec![local];
        let inputs = world.inputs();
        let problem = resolver()
            .prepare(&world.links[0], &inputs)
            .err()
            .expect("an embedded store stays on its host");
        assert!(
            matches!(problem, LinkProblem::OnlyOnItsHost { .. }),
            "{problem}"
        );
        assert!(problem.to_string().contains("backend: redis"), "{problem}");

        let mut shared = link("default", "kv", ("wasi", "keyvalue"), &[]);
        shared.target_image = Some("ghcr.io/wasmcloud/keyvalue-redis:0.28.1".into());
        world.links = vec![shared];
        let inputs = world.inputs();
        assert!(
            resolver()
                .prepare(&world.links[0], &inputs)
                .unwrap()
                .is_some(),
            "Redis is reached from every host: the component's host opens it"
        );
    }

    #[test]
    fn secrets_reach_components_by_the_name_they_ask_for() {
        let mut world = World::new(&[]);
        world.secrets.insert(
            "db".into(),
            (1, SecretValue::new(br#"{"password":"hunter2"}"#.to_vec())),
        );
        world.component_secrets.insert(
            "web".into(),
            vec![
                SecretBinding {
                    name: "pw".into(),
                    key: "db".into(),
                    field: Some("password".into()),
                },
                SecretBinding {
                    name: "gone".into(),
                    key: "deleted".into(),
                    field: None,
                },
            ],
        );
        let mut resolver = resolver();
        let inputs = world.inputs();
        resolver.refresh(&inputs);
        let links = resolver.slot("web").get();
        assert_eq!(links.secrets["pw"].as_ref().unwrap().expose(), b"hunter2");
        assert_eq!(
            links.secrets["gone"].as_ref().unwrap_err(),
            &SecretUnavailable::Gone("deleted".into())
        );
    }
}
