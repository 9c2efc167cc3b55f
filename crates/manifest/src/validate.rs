//! wadm's validation rules over a decoded manifest, every one of them, reporting all problems.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diagnostic::{Diagnostics, Severity};
use crate::ids::component_id;
use crate::model::{
    APPLICATION_KIND, CapabilityOrComponent, Component, DAEMONSCALER_TRAIT, LINK_TRAIT,
    LinkProperty, Manifest, OAM_API_VERSION, SECRET_POLICY_TYPE, SPREADSCALER_TRAIT,
    SecretProperty, TraitProperties,
};
use crate::node::{Node, escape_token};
use crate::suggest::did_you_mean;

/// The trait that first linked each (link name, namespace, package, interface) of a component.
type SeenLinks = HashMap<(String, String, String, String), usize>;

/// Interfaces of each `namespace:package` a link may name, for typo warnings.
const KNOWN_INTERFACES: &[(&str, &[&str])] = &[
    ("wasi:blobstore", &["blobstore"]),
    ("wasi:config", &["runtime", "store"]),
    ("wasi:keyvalue", &["atomics", "store", "batch", "watch"]),
    ("wasi:http", &["incoming-handler", "outgoing-handler"]),
    ("wasi:logging", &["logging"]),
    ("wasmcloud:postgres", &["query", "prepared"]),
    // 0.2.0's names (which wasmCloud's manifests use for 0.3.0 components too), then 0.3.0's.
    (
        "wasmcloud:messaging",
        &[
            "consumer",
            "handler",
            "producer",
            "request-reply",
            "incoming-handler",
        ],
    ),
];

/// Checks `manifest`; parts listed in `broken` failed to decode and are not judged again.
pub(crate) fn validate(
    manifest: &Manifest,
    root: &Node,
    broken: &[String],
    diagnostics: &mut Diagnostics,
) {
    let mut check = Checker {
        root,
        broken,
        diagnostics,
    };
    check.header(manifest);
    check.components(manifest);
    check.links(manifest);
    check.secrets(manifest);
    check.limits(manifest);
}

struct Checker<'a> {
    root: &'a Node,
    broken: &'a [String],
    diagnostics: &'a mut Diagnostics,
}

impl Checker<'_> {
    fn report(
        &mut self,
        severity: Severity,
        pointer: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        let about_broken_part = self
            .broken
            .iter()
            .any(|broken| pointer == broken || pointer.starts_with(&format!("{broken}/")));
        if about_broken_part {
            return;
        }
        let position = self.root.position_of(pointer);
        self.diagnostics
            .push(severity, position, pointer, message, hint);
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>, hint: Option<String>) {
        self.report(Severity::Error, pointer, message, hint);
    }

    fn warning(&mut self, pointer: &str, message: impl Into<String>, hint: Option<String>) {
        self.report(Severity::Warning, pointer, message, hint);
    }

    fn header(&mut self, manifest: &Manifest) {
        // wadm does not check these values; weft reads the manifest as v1beta1 either way.
        if manifest.api_version != OAM_API_VERSION {
            self.warning(
                "/apiVersion",
                format!(
                    "apiVersion `{}` is read as `{OAM_API_VERSION}`",
                    manifest.api_version
                ),
                Some(format!("write `apiVersion: {OAM_API_VERSION}`")),
            );
        }
        if manifest.kind != APPLICATION_KIND {
            self.warning(
                "/kind",
                format!("kind `{}` is read as `{APPLICATION_KIND}`", manifest.kind),
                Some(format!("write `kind: {APPLICATION_KIND}`")),
            );
        }
        let name = &manifest.metadata.name;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            self.error(
                "/metadata/name",
                format!(
                    "the application name `{name}` may only contain letters, digits, `-` and `_`"
                ),
                Some(format!("e.g. `{}`", suggested_name(name))),
            );
        }
        if manifest.version() == Some("latest") {
            self.error(
                "/metadata/annotations/version",
                "`latest` cannot be used as a version: it would not name one version for ever",
                Some("use a version like `v1.0.0`, or leave it out to get a generated one".into()),
            );
        }
        for (map, field) in [
            (&manifest.metadata.annotations, "annotations"),
            (&manifest.metadata.labels, "labels"),
        ] {
            for key in map.keys() {
                if !is_valid_label_key(key) {
                    self.error(
                        &format!("/metadata/{field}/{}", escape_token(key)),
                        format!("`{key}` is not a valid {} key", &field[..field.len() - 1]),
                        Some("keys are an optional DNS prefix and `/`, then up to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit".into()),
                    );
                }
            }
        }
    }

    fn components(&mut self, manifest: &Manifest) {
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        for (index, component) in manifest.spec.components.iter().enumerate() {
            let pointer = format!("/spec/components/{index}");
            if let Some(first) = names.insert(&component.name, index) {
                self.error(
                    &format!("{pointer}/name"),
                    format!(
                        "a component named `{}` is already defined at /spec/components/{first}",
                        component.name
                    ),
                    Some("give every component a different name".into()),
                );
            }
            if let Some(id) = &component.properties.id
                && let Some(first) = ids.insert(id.clone(), index)
            {
                self.error(
                    &format!("{pointer}/properties/id"),
                    format!("the id `{id}` is already used by /spec/components/{first}"),
                    Some(
                        "ids must be unique; leave `id` out to get one derived from the names"
                            .into(),
                    ),
                );
            }
            self.properties(component, &pointer);
            self.scalers(component, &pointer);
        }
        // A default id may collide with an explicit one.
        for (index, component) in manifest.spec.components.iter().enumerate() {
            if component.properties.id.is_none() {
                let derived = component_id(manifest.name(), &component.name);
                if let Some(other) = ids.get(&derived).copied() {
                    // wadm accepts it; the two then share one id in the lattice.
                    self.warning(
                        &format!("/spec/components/{other}/properties/id"),
                        format!(
                            "the id `{derived}` is also the default id of /spec/components/{index}, so the two share it"
                        ),
                        Some("choose another explicit id".into()),
                    );
                }
            }
        }
    }

    fn properties(&mut self, component: &Component, pointer: &str) {
        let properties = &component.properties;
        match (&properties.image, &properties.application) {
            (Some(_), Some(_)) => self.error(
                &format!("{pointer}/properties"),
                format!("`{}` has both `image` and `application`", component.name),
                Some("keep one: `image` to run an image, `application` to use a shared application's component".into()),
            ),
            (None, None) => self.error(
                &format!("{pointer}/properties"),
                format!("`{}` has neither `image` nor `application`", component.name),
                Some("add `image: REFERENCE` (an OCI reference or file:// path)".into()),
            ),
            (Some(image), None) if image.trim().is_empty() => self.warning(
                &format!("{pointer}/properties/image"),
                "`image` is empty, so deploying it fails",
                Some("give an OCI reference or a file:// path".into()),
            ),
            _ => {}
        }
        if properties.application.is_some() {
            let has_scaler = component.traits.iter().any(|t| {
                matches!(
                    t.trait_type.as_str(),
                    SPREADSCALER_TRAIT | DAEMONSCALER_TRAIT
                )
            });
            for (present, field) in [
                (!properties.config.is_empty(), "config"),
                (!properties.secrets.is_empty(), "secrets"),
                (has_scaler, "traits"),
            ] {
                if present {
                    self.error(
                        &format!("{pointer}/properties/application"),
                        format!("`{}` uses a shared application's component, so it cannot set its own {}", component.name, if field == "traits" { "scaler" } else { field }),
                        Some("the shared application configures and scales that component".into()),
                    );
                }
            }
        }
    }

    fn scalers(&mut self, component: &Component, pointer: &str) {
        let scalers: Vec<usize> = component
            .traits
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                matches!(
                    t.trait_type.as_str(),
                    SPREADSCALER_TRAIT | DAEMONSCALER_TRAIT
                )
            })
            .map(|(index, _)| index)
            .collect();
        if let [_, extra @ ..] = scalers.as_slice() {
            for index in extra {
                self.warning(
                    &format!("{pointer}/traits/{index}"),
                    format!(
                        "`{}` has more than one scaler; weft uses the first and ignores this one",
                        component.name
                    ),
                    Some("keep one `spreadscaler` or `daemonscaler`".into()),
                );
            }
        }
        for (index, t) in component.traits.iter().enumerate() {
            let is_scaler = matches!(
                t.trait_type.as_str(),
                SPREADSCALER_TRAIT | DAEMONSCALER_TRAIT
            );
            if let (TraitProperties::Scaler(scaler), true) = (&t.properties, is_scaler) {
                for (spread_index, spread) in scaler.spread.iter().enumerate() {
                    if spread.weight == Some(0) {
                        self.report(
                            Severity::Warning,
                            &format!(
                                "{pointer}/traits/{index}/properties/spread/{spread_index}/weight"
                            ),
                            format!(
                                "spread `{}` has weight 0 and gets no instances",
                                spread.name
                            ),
                            None,
                        );
                    }
                }
            }
        }
    }

    fn links(&mut self, manifest: &Manifest) {
        let mut names: Vec<&str> = Vec::new();
        for component in &manifest.spec.components {
            if !names.contains(&component.name.as_str()) {
                names.push(&component.name);
            }
        }
        let kinds: HashMap<&str, CapabilityOrComponent> = manifest
            .spec
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.kind))
            .collect();
        let mut owned_config: HashMap<String, String> = HashMap::new();
        for (component_index, component) in manifest.spec.components.iter().enumerate() {
            let mut seen: SeenLinks = HashMap::new();
            for (trait_index, t) in component.traits.iter().enumerate() {
                let TraitProperties::Link(link) = &t.properties else {
                    continue;
                };
                let pointer =
                    format!("/spec/components/{component_index}/traits/{trait_index}/properties");
                self.link_target(component, link, &pointer, &names, &kinds);
                if t.trait_type != LINK_TRAIT {
                    // Read as a link (wadm does) but not one: only its target is checked.
                    continue;
                }
                self.link_interfaces(component, link, &pointer, (trait_index, &mut seen));
                self.link_configs(link, &pointer, &mut owned_config);
            }
        }
    }

    /// Checks a link's interfaces: there are some, each known for its package, and none
    /// linked twice under one link name (`seen` holds the trait that first did).
    fn link_interfaces(
        &mut self,
        component: &Component,
        link: &LinkProperty,
        pointer: &str,
        (trait_index, seen): (usize, &mut SeenLinks),
    ) {
        if link.interfaces.is_empty() {
            self.warning(
                &format!("{pointer}/interfaces"),
                "a link without interfaces carries nothing",
                Some(format!(
                    "e.g. `interfaces: [{}]`",
                    known_interfaces(link).first().copied().unwrap_or("store")
                )),
            );
        }
        for (interface_index, interface) in link.interfaces.iter().enumerate() {
            let key = (
                link.link_name().to_owned(),
                link.namespace.clone(),
                link.package.clone(),
                interface.clone(),
            );
            if let Some(first) = seen.insert(key, trait_index) {
                self.error(
                    &format!("{pointer}/interfaces/{interface_index}"),
                    format!(
                        "`{}` already links {}:{}/{interface} under the link name `{}` (trait {first})",
                        component.name, link.namespace, link.package, link.link_name()
                    ),
                    Some("give one of the links a different `name`, then pick it at run time with wasmcloud:bus/lattice".into()),
                );
            }
            let known = known_interfaces(link);
            if !known.is_empty() && !known.contains(&interface.as_str()) {
                self.report(
                    Severity::Warning,
                    &format!("{pointer}/interfaces/{interface_index}"),
                    format!(
                        "`{interface}` is not an interface of {}:{}",
                        link.namespace, link.package
                    ),
                    did_you_mean(interface, known.iter().copied()),
                );
            }
        }
    }

    /// Checks that configs with properties on a link's sides are defined once across the
    /// manifest's links (`owned_config`: where each was first defined).
    fn link_configs(
        &mut self,
        link: &LinkProperty,
        pointer: &str,
        owned_config: &mut HashMap<String, String>,
    ) {
        let sides = [
            (
                "source",
                link.source
                    .as_ref()
                    .map(|s| s.config.as_slice())
                    .unwrap_or_default(),
            ),
            ("target", link.target.config.as_slice()),
        ];
        for (side, configs) in sides {
            for (config_index, config) in configs.iter().enumerate() {
                if config.properties.is_none() {
                    continue;
                }
                let config_pointer = format!("{pointer}/{side}/config/{config_index}/name");
                if let Some(first) =
                    owned_config.insert(config.name.clone(), config_pointer.clone())
                {
                    self.error(
                        &config_pointer,
                        format!(
                            "the link config `{}` with properties is already defined at {first}",
                            config.name
                        ),
                        Some("config names with properties must be unique across the manifest's links".into()),
                    );
                }
            }
        }
    }

    fn link_target(
        &mut self,
        component: &Component,
        link: &LinkProperty,
        pointer: &str,
        names: &[&str],
        kinds: &HashMap<&str, CapabilityOrComponent>,
    ) {
        let target = link.target.name.as_str();
        match kinds.get(target) {
            None => self.error(
                &format!("{pointer}/target/name"),
                format!("the link target `{target}` is not a component of this manifest"),
                did_you_mean(target, names.iter().copied())
                    .or_else(|| Some(format!("the components are {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")))),
            ),
            Some(CapabilityOrComponent::Capability) if component.kind == CapabilityOrComponent::Capability => self.warning(
                &format!("{pointer}/target/name"),
                format!("capability `{}` links to capability `{target}`; weft links capabilities only to components, so it ignores this link", component.name),
                Some("link the capability to the component that uses it".into()),
            ),
            _ => {}
        }
    }

    /// Limits policies ([`Manifest::limit_problems`]). wadm accepts any policy, so these
    /// are warnings (the verdict stays wadm's); a deploy is blocked by them.
    fn limits(&mut self, manifest: &Manifest) {
        for problem in manifest.limit_problems() {
            self.warning(&problem.pointer, problem.message, problem.hint);
        }
    }

    fn secrets(&mut self, manifest: &Manifest) {
        let policies: BTreeMap<&str, (usize, &crate::model::Policy)> = manifest
            .spec
            .policies
            .iter()
            .enumerate()
            .map(|(index, policy)| (policy.name.as_str(), (index, policy)))
            .collect();
        let mut uses: Vec<(String, &SecretProperty)> = Vec::new();
        for (component_index, component) in manifest.spec.components.iter().enumerate() {
            let base = format!("/spec/components/{component_index}");
            for (index, secret) in component.properties.secrets.iter().enumerate() {
                uses.push((format!("{base}/properties/secrets/{index}"), secret));
            }
            for (trait_index, t) in component.traits.iter().enumerate() {
                let TraitProperties::Link(link) = &t.properties else {
                    continue;
                };
                let pointer = format!("{base}/traits/{trait_index}/properties");
                for (index, secret) in link.target.secrets.iter().enumerate() {
                    uses.push((format!("{pointer}/target/secrets/{index}"), secret));
                }
                for (index, secret) in link
                    .source
                    .iter()
                    .flat_map(|s| s.secrets.iter())
                    .enumerate()
                {
                    uses.push((format!("{pointer}/source/secrets/{index}"), secret));
                }
            }
        }
        let mut reported_policies = HashSet::new();
        for (pointer, secret) in uses {
            let policy_name = secret.properties.policy.as_str();
            let policy_pointer = format!("{pointer}/properties/policy");
            match policies.get(policy_name) {
                None => self.error(
                    &policy_pointer,
                    format!("secret `{}` names the policy `{policy_name}`, which `spec.policies` does not define", secret.name),
                    did_you_mean(policy_name, policies.keys().copied()).or_else(|| {
                        Some(format!("add a policy `{{name: {policy_name}, type: {SECRET_POLICY_TYPE}, properties: {{backend: ...}}}}`"))
                    }),
                ),
                Some((index, policy)) => {
                    if policy.policy_type != SECRET_POLICY_TYPE && reported_policies.insert(*index) {
                        self.error(
                            &format!("/spec/policies/{index}/type"),
                            format!("policy `{policy_name}` is used for secrets, so its type must be `{SECRET_POLICY_TYPE}`"),
                            None,
                        );
                    } else if !policy.properties.contains_key("backend") && reported_policies.insert(*index) {
                        self.error(
                            &format!("/spec/policies/{index}/properties"),
                            format!("secret policy `{policy_name}` has no `backend` property"),
                            Some("add `backend: NAME` naming the secrets backend".into()),
                        );
                    }
                }
            }
        }
    }
}

fn known_interfaces(link: &LinkProperty) -> &'static [&'static str] {
    let package = format!("{}:{}", link.namespace, link.package);
    KNOWN_INTERFACES
        .iter()
        .find(|(name, _)| *name == package)
        .map(|(_, interfaces)| *interfaces)
        .unwrap_or_default()
}

/// A name made valid by replacing what is not allowed, for the hint.
fn suggested_name(name: &str) -> String {
    let fixed: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if fixed.is_empty() {
        "my-app".into()
    } else {
        fixed
    }
}

/// wadm's OAM label-key rule: `[prefix/]name` split at the first `/`; the prefix a DNS
/// subdomain whose parts start with a letter; the name ≤ 63 characters of `[-_.A-Za-z0-9]`
/// starting and ending with a letter or digit.
fn is_valid_label_key(key: &str) -> bool {
    match key.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_label_name(name),
        None => is_label_name(key),
    }
}

fn is_dns_subdomain(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.len() <= 253
        && prefix.split('.').all(|part| {
            !part.is_empty()
                && part.len() <= 63
                && part.starts_with(|c: char| c.is_ascii_alphabetic())
                && part.ends_with(|c: char| c.is_ascii_alphanumeric())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn is_label_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_follow_oam() {
        for good in [
            "version",
            "description",
            "experimental.wasmcloud.dev/shared",
            "wasmcloud.dev/authors",
            "a_b.c-d",
        ] {
            assert!(is_valid_label_key(good), "{good}");
        }
        assert!(
            is_valid_label_key("Example.com/owner"),
            "wadm allows capitals"
        );
        for bad in [
            "",
            "-x",
            "x-",
            "Bad Prefix/x",
            "a/",
            "/x",
            "1password.com/x",
            &"x".repeat(64),
        ] {
            assert!(!is_valid_label_key(bad), "{bad}");
        }
    }
}
