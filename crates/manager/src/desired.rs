//! What a manifest asks for, resolved to ids and config names: the manager's desired state.

use std::collections::BTreeMap;

use weft_manifest::{
    CapabilityOrComponent, Component, ComponentLimits, ConfigProperty, DAEMONSCALER_TRAIT,
    LINK_TRAIT, LinkProperty, Manifest, SPREADSCALER_TRAIT, SecretProperty, TraitProperties,
    component_id, managed_config_name,
};

use weft_lattice::{LinkSpec, SecretBinding};

/// Default weight of a spread, as in wadm.
const DEFAULT_WEIGHT: usize = 100;

/// Everything one application wants running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredApp {
    /// Application name.
    pub name: String,
    /// Components and capabilities.
    pub workloads: Vec<DesiredWorkload>,
    /// Links between them.
    pub links: Vec<DesiredLink>,
    /// The secrets links give their target capabilities, which must be stored before the
    /// link is put.
    pub link_secrets: Vec<LinkSecrets>,
    /// Configs they read: owned ones with values, external ones that must exist.
    pub configs: Vec<DesiredConfig>,
    /// What the manifest asks for that weft cannot give, in words a person can act on.
    pub unsupported: Vec<String>,
    /// What the manifest holds that wadm accepts but weft does not act on (a trait type it
    /// does not know, a link between two capabilities, a second scaler), said once each.
    pub ignored: Vec<String>,
}

impl DesiredApp {
    /// Wants nothing: reconciling towards it removes everything the app owns (undeploy).
    pub fn nothing(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            workloads: Vec::new(),
            links: Vec::new(),
            link_secrets: Vec::new(),
            configs: Vec::new(),
            unsupported: Vec::new(),
            ignored: Vec::new(),
        }
    }

    /// Whether it wants nothing at all (an undeploy's goal).
    pub fn is_nothing(&self) -> bool {
        self.workloads.is_empty() && self.links.is_empty() && self.configs.is_empty()
    }
}

/// Component or capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    /// A component: `instances` is a concurrency budget.
    Component,
    /// A capability: `instances` is a number of hosts.
    Capability,
}

/// One component or capability to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredWorkload {
    /// Its lattice id.
    pub id: String,
    /// Its name in the manifest.
    pub name: String,
    /// Component or capability.
    pub kind: WorkloadKind,
    /// Its image.
    pub image: String,
    /// How many and where; `None` when the manifest gives no scaler (a component then runs
    /// nowhere, as in wadm).
    pub scaler: Option<Scaler>,
    /// Config names it reads.
    pub config: Vec<String>,
    /// Secrets it reads.
    pub secrets: Vec<DesiredSecret>,
    /// What its limits policy sets (a component's; nothing for a capability).
    pub limits: ComponentLimits,
}

/// A secret a workload reads, as the manifest asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredSecret {
    /// What the component asks for and which stored secret answers.
    pub binding: SecretBinding,
    /// The policy's `backend`.
    pub backend: String,
    /// The version the manifest asks for, if any.
    pub version: Option<String>,
}

/// The secrets one link gives its target capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSecrets {
    /// The link's key (source, namespace, package, name), as [`LinkSpec::key`] gives it.
    pub link: (String, String, String, String),
    /// The link in words (`querier → sqldb`), for status messages.
    pub described: String,
    /// Its secrets, as the manifest asks for them.
    pub secrets: Vec<DesiredSecret>,
}

/// The secret backends weft answers from its own encrypted store: its own name, and the name
/// of wasmCloud's reference backend, so manifests written for it run unchanged.
pub const SECRET_BACKENDS: &[&str] = &["weft", "nats-kv"];

/// How many instances, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scaler {
    /// `instances` divided over the shares by weight.
    Spread {
        /// Total.
        instances: usize,
        /// Shares (one matching every host when the manifest gives none).
        shares: Vec<Share>,
    },
    /// `instances` on every host matching a share.
    Daemon {
        /// Per host.
        instances: usize,
        /// Shares.
        shares: Vec<Share>,
    },
}

/// One spread: a label requirement and a weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Spread name.
    pub name: String,
    /// Labels a host must have.
    pub requirements: BTreeMap<String, String>,
    /// Relative weight.
    pub weight: usize,
}

/// A link to put.
pub type DesiredLink = LinkSpec;

/// A config the app needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredConfig {
    /// Stored name.
    pub name: String,
    /// Values when the manifest owns it; `None` when it must exist already.
    pub values: Option<BTreeMap<String, String>>,
}

/// The desired state of `manifest`.
pub fn desired_state(manifest: &Manifest) -> DesiredApp {
    let app = manifest.name();
    let mut builder = Builder {
        manifest,
        app,
        ids: component_ids(manifest),
        capability_images: capability_images(manifest),
        configs: Vec::new(),
        workloads: Vec::new(),
        links: Vec::new(),
        link_secrets: Vec::new(),
        unsupported: Vec::new(),
    };
    for component in &manifest.spec.components {
        builder.component(component);
    }
    // A limits policy weft cannot apply blocks the app until it is fixed (wadm accepts it,
    // so loading the manifest only warned).
    builder
        .unsupported
        .extend(manifest.limit_problems().iter().map(ToString::to_string));
    DesiredApp {
        name: app.to_owned(),
        workloads: builder.workloads,
        links: builder.links,
        link_secrets: builder.link_secrets,
        configs: builder.configs,
        unsupported: builder.unsupported,
        ignored: ignored_parts(manifest),
    }
}

/// Each component's id by its name in the manifest (its `id` property, else derived from
/// the app and name as wadm does).
fn component_ids(manifest: &Manifest) -> BTreeMap<&str, String> {
    let app = manifest.name();
    manifest
        .spec
        .components
        .iter()
        .map(|component| {
            let id = component
                .properties
                .id
                .clone()
                .unwrap_or_else(|| component_id(app, &component.name));
            (component.name.as_str(), id)
        })
        .collect()
}

/// The image of each capability by its name in the manifest.
fn capability_images(manifest: &Manifest) -> BTreeMap<&str, String> {
    manifest
        .spec
        .components
        .iter()
        .filter(|component| component.kind == CapabilityOrComponent::Capability)
        .filter_map(|component| {
            Some((component.name.as_str(), component.properties.image.clone()?))
        })
        .collect()
}

/// The desired state as it is read from a manifest, one component at a time.
struct Builder<'a> {
    manifest: &'a Manifest,
    app: &'a str,
    ids: BTreeMap<&'a str, String>,
    capability_images: BTreeMap<&'a str, String>,
    configs: Vec<DesiredConfig>,
    workloads: Vec<DesiredWorkload>,
    links: Vec<LinkSpec>,
    link_secrets: Vec<LinkSecrets>,
    unsupported: Vec<String>,
}

impl Builder<'_> {
    /// The names of the configs `list` refers to, without recording them.
    fn names_of(&self, list: &[ConfigProperty]) -> Vec<String> {
        list.iter()
            .map(|config| resolve_config(self.app, config).name)
            .collect()
    }

    /// The names of the configs `list` refers to, each recorded once in the app's configs.
    fn config_names(&mut self, list: &[ConfigProperty]) -> Vec<String> {
        list.iter()
            .map(|config| {
                let desired = resolve_config(self.app, config);
                let name = desired.name.clone();
                if !self.configs.iter().any(|known| known.name == name) {
                    self.configs.push(desired);
                }
                name
            })
            .collect()
    }

    /// Takes in `component`: its workload and the links it declares. A component without an
    /// image (a shared application's) is run by that application.
    fn component(&mut self, component: &Component) {
        let Some(image) = component.properties.image.clone() else {
            return;
        };
        let id = self.ids[component.name.as_str()].clone();
        if let Some(holder) = self.workloads.iter().find(|workload| workload.id == id) {
            // wadm accepts this (an explicit id equal to another's default one); weft runs the
            // first under the id and says why the second does not run, instead of flapping.
            let (first, second) = (&holder.name, &component.name);
            self.unsupported.push(format!(
                "components `{first}` and `{second}` both have the id `{id}`; weft runs `{first}` under it and not `{second}`: give `{second}` an `id` of its own"
            ));
            return;
        }
        let kind = match component.kind {
            CapabilityOrComponent::Component => WorkloadKind::Component,
            CapabilityOrComponent::Capability => WorkloadKind::Capability,
        };
        let config = self.config_names(&component.properties.config);
        for t in &component.traits {
            let TraitProperties::Link(link) = &t.properties else {
                continue;
            };
            if t.trait_type == LINK_TRAIT {
                // A scaler or unknown trait with a link's fields is ignored.
                self.link(component, &id, link);
            }
        }
        self.workloads.push(DesiredWorkload {
            id,
            name: component.name.clone(),
            kind,
            image,
            scaler: scaler_of(component, kind),
            config,
            secrets: desired_secrets(self.manifest, &component.properties.secrets),
            limits: match kind {
                WorkloadKind::Component => self.manifest.limits_of(&component.name),
                WorkloadKind::Capability => ComponentLimits::default(),
            },
        });
    }

    /// Takes in the link `link` from `component` (whose id is `source_id`).
    fn link(&mut self, component: &Component, source_id: &str, link: &LinkProperty) {
        let Some(target_id) = self.ids.get(link.target.name.as_str()).cloned() else {
            return;
        };
        if joins_capabilities(self.manifest, component, link) {
            return; // Said in `ignored`.
        }
        let to_capability = self
            .capability_images
            .contains_key(link.target.name.as_str());
        let target_secrets = if to_capability {
            desired_secrets(self.manifest, &link.target.secrets)
        } else {
            Vec::new()
        };
        let source_configs = link.source.as_ref().map_or(&[][..], |s| &s.config[..]);
        let spec = LinkSpec {
            source_id: source_id.to_owned(),
            target_id,
            name: link.link_name().to_owned(),
            namespace: link.namespace.clone(),
            package: link.package.clone(),
            interfaces: link.interfaces.clone(),
            source_config: self.names_of(source_configs),
            target_config: self.names_of(&link.target.config),
            app: Some(self.app.to_owned()),
            target_image: self
                .capability_images
                .get(link.target.name.as_str())
                .cloned(),
            target_secrets: target_secrets
                .iter()
                .map(|secret| secret.binding.clone())
                .collect(),
        };
        if let Some(first) = self
            .links
            .iter_mut()
            .find(|known| known.key() == spec.key())
        {
            // Nothing of the second is taken in when it cannot join the first.
            if let Err(conflict) = merge_link(first, &spec) {
                self.unsupported.push(format!(
                    "`{}` has two {}:{} links named `{}` {conflict}; weft keeps the first: give the second a `name` of its own",
                    component.name, link.namespace, link.package, spec.name
                ));
            }
            return;
        }
        self.refuse_link_secrets(component, link, to_capability);
        self.config_names(source_configs);
        self.config_names(&link.target.config);
        if !target_secrets.is_empty() {
            self.link_secrets.push(LinkSecrets {
                link: (
                    source_id.to_owned(),
                    link.namespace.clone(),
                    link.package.clone(),
                    spec.name.clone(),
                ),
                described: format!("{} → {}", component.name, link.target.name),
                secrets: target_secrets,
            });
        }
        self.links.push(spec);
    }

    /// Says why the secrets a link lists cannot be handed over, if it lists any that cannot:
    /// a link passes secrets only to the capability it targets.
    fn refuse_link_secrets(
        &mut self,
        component: &Component,
        link: &LinkProperty,
        to_capability: bool,
    ) {
        let unsupported_secrets = link.source.as_ref().is_some_and(|s| !s.secrets.is_empty())
            || (!to_capability && !link.target.secrets.is_empty());
        if unsupported_secrets {
            self.unsupported.push(format!(
                "the {}:{} link of `{}` to `{}` lists secrets weft cannot hand over: a link passes secrets only to the capability it targets (`target.secrets`); give a component its secrets in its own `secrets`",
                link.namespace, link.package, component.name, link.target.name
            ));
        }
    }
}

/// Why a second link trait cannot join a first under the same key.
#[derive(Debug, thiserror::Error)]
enum LinkConflict {
    /// They reach different targets.
    #[error("to different targets (`{first}` and `{second}`)")]
    Targets { first: String, second: String },
    /// They reach one target with different configs or secrets.
    #[error("to `{target}` with different configs or secrets")]
    Settings { target: String },
}

/// Adds `second`'s interfaces to `first`, which holds the same key (source, package, name):
/// wadm accepts two such link traits when their interfaces differ, but the lattice keeps one
/// link per key, so putting both would flap. They join when both reach the same target with
/// the same configs and secrets.
fn merge_link(first: &mut LinkSpec, second: &LinkSpec) -> Result<(), LinkConflict> {
    if first.target_id != second.target_id {
        return Err(LinkConflict::Targets {
            first: first.target_id.clone(),
            second: second.target_id.clone(),
        });
    }
    if first.source_config != second.source_config
        || first.target_config != second.target_config
        || first.target_secrets != second.target_secrets
    {
        return Err(LinkConflict::Settings {
            target: second.target_id.clone(),
        });
    }
    for interface in &second.interfaces {
        if !first.interfaces.contains(interface) {
            first.interfaces.push(interface.clone());
        }
    }
    Ok(())
}

/// How many of `component` run where: its spread or daemon scaler; a capability without one
/// runs on one host, as in wadm.
fn scaler_of(component: &Component, kind: WorkloadKind) -> Option<Scaler> {
    let declared =
        component
            .traits
            .iter()
            .find_map(|t| match (&t.properties, t.trait_type.as_str()) {
                (TraitProperties::Scaler(scaler), SPREADSCALER_TRAIT) => Some(Scaler::Spread {
                    instances: scaler.instances,
                    shares: shares(&scaler.spread),
                }),
                (TraitProperties::Scaler(scaler), DAEMONSCALER_TRAIT) => Some(Scaler::Daemon {
                    instances: scaler.instances,
                    shares: shares(&scaler.spread),
                }),
                _ => None,
            });
    match (declared, kind) {
        (None, WorkloadKind::Capability) => Some(Scaler::Spread {
            instances: 1,
            shares: shares(&[]),
        }),
        (declared, _) => declared,
    }
}

/// The trait types weft acts on.
const TRAIT_TYPES: [&str; 3] = [SPREADSCALER_TRAIT, DAEMONSCALER_TRAIT, LINK_TRAIT];

/// The parts of `manifest` weft does not act on, in words a person can act on.
fn ignored_parts(manifest: &Manifest) -> Vec<String> {
    let mut ignored = Vec::new();
    for component in &manifest.spec.components {
        let mut scalers = 0;
        for t in &component.traits {
            match &t.properties {
                _ if !TRAIT_TYPES.contains(&t.trait_type.as_str()) => ignored.push(format!(
                    "the `{}` trait of `{}` is ignored: weft acts on spreadscaler, daemonscaler and link traits it can read",
                    t.trait_type, component.name
                )),
                TraitProperties::Link(_) if t.trait_type != LINK_TRAIT => ignored.push(format!(
                    "the `{}` trait of `{}` has a link's fields, not a scaler's, so it is ignored",
                    t.trait_type, component.name
                )),
                TraitProperties::Scaler(_) => {
                    scalers += 1;
                    if scalers == 2 {
                        ignored.push(format!(
                            "`{}` has more than one scaler; weft uses the first",
                            component.name
                        ));
                    }
                }
                TraitProperties::Link(link) if joins_capabilities(manifest, component, link) => {
                    ignored.push(format!(
                        "the {}:{} link from capability `{}` to capability `{}` is ignored: weft links capabilities only to components",
                        link.namespace, link.package, component.name, link.target.name
                    ));
                }
                // Custom properties only come with unknown trait types, said above.
                TraitProperties::Link(_) | TraitProperties::Custom(_) => {}
            }
        }
    }
    ignored
}

/// Whether `link`, a trait of `component`, joins two capabilities: weft links capabilities only
/// to components, so it ignores such a link.
fn joins_capabilities(manifest: &Manifest, component: &Component, link: &LinkProperty) -> bool {
    component.kind == CapabilityOrComponent::Capability
        && manifest.spec.components.iter().any(|other| {
            other.name == link.target.name && other.kind == CapabilityOrComponent::Capability
        })
}

/// The secrets a component lists, with the backend of the policy each names.
fn desired_secrets(manifest: &Manifest, secrets: &[SecretProperty]) -> Vec<DesiredSecret> {
    secrets
        .iter()
        .map(|secret| {
            let backend = manifest
                .spec
                .policies
                .iter()
                .find(|policy| policy.name == secret.properties.policy)
                .and_then(|policy| policy.properties.get("backend"))
                .cloned()
                .unwrap_or_default();
            DesiredSecret {
                binding: SecretBinding {
                    name: secret.name.clone(),
                    key: secret.properties.key.clone(),
                    field: secret.properties.field.clone(),
                },
                backend,
                version: secret.properties.version.clone(),
            }
        })
        .collect()
}

/// Rewrites `file://` images relative to `base_dir` (the manifest's directory) into absolute
/// `file://` paths, as wadm reads them relative to the manifest.
pub fn resolve_relative_images(app: &mut DesiredApp, base_dir: &std::path::Path) {
    for workload in &mut app.workloads {
        if let Some(path) = relative_file(&workload.image) {
            let absolute = base_dir.join(path.strip_prefix("./").unwrap_or(path));
            workload.image = format!("file://{}", absolute.display());
        }
    }
}

/// The first workload of `app` whose image is a `file://` path relative to the manifest's
/// directory (which a manifest sent without a file does not have).
pub fn first_relative_image(app: &DesiredApp) -> Option<&DesiredWorkload> {
    app.workloads
        .iter()
        .find(|workload| relative_file(&workload.image).is_some())
}

/// The path of a `file://` image when it is relative.
fn relative_file(image: &str) -> Option<&std::path::Path> {
    let path = std::path::Path::new(image.strip_prefix("file://")?);
    path.is_relative().then_some(path)
}

fn resolve_config(app: &str, config: &ConfigProperty) -> DesiredConfig {
    match &config.properties {
        Some(values) => DesiredConfig {
            name: managed_config_name(app, &config.name),
            values: Some(values.clone()),
        },
        None => DesiredConfig {
            name: config.name.clone(),
            values: None,
        },
    }
}

fn shares(spreads: &[weft_manifest::Spread]) -> Vec<Share> {
    if spreads.is_empty() {
        return vec![Share {
            name: "default".into(),
            requirements: BTreeMap::new(),
            weight: DEFAULT_WEIGHT,
        }];
    }
    spreads
        .iter()
        .map(|spread| Share {
            name: spread.name.clone(),
            requirements: spread.requirements.clone(),
            weight: spread.weight.unwrap_or(DEFAULT_WEIGHT),
        })
        .collect()
}
