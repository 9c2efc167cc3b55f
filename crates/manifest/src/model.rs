//! The typed application model, field for field the wadm format (wadm-types 0.8, as wadm
//! 0.21 reads it).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// The only `apiVersion` an application manifest may have.
pub const OAM_API_VERSION: &str = "core.oam.dev/v1beta1";
/// The only `kind` an application manifest may have.
pub const APPLICATION_KIND: &str = "Application";
/// Trait type: run up to N instances, spread over hosts by weight.
pub const SPREADSCALER_TRAIT: &str = "spreadscaler";
/// Trait type: run N instances on every matching host.
pub const DAEMONSCALER_TRAIT: &str = "daemonscaler";
/// Trait type: link this component (the source) to a target.
pub const LINK_TRAIT: &str = "link";
/// The `type` of a policy that secrets may name.
pub const SECRET_POLICY_TYPE: &str = "policy.secret.wasmcloud.dev/v1alpha1";

/// An application: what to run and how it is wired.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(title = "Manifest")]
pub struct Manifest {
    /// Always `core.oam.dev/v1beta1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// Always `Application`.
    pub kind: String,
    /// Name, annotations and labels.
    pub metadata: Metadata,
    /// Components and policies.
    pub spec: Specification,
}

impl Manifest {
    /// The application's name.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The `version` annotation, if given.
    pub fn version(&self) -> Option<&str> {
        self.metadata.annotations.get("version").map(String::as_str)
    }

    /// The `description` annotation, if given.
    pub fn description(&self) -> Option<&str> {
        self.metadata
            .annotations
            .get("description")
            .map(String::as_str)
    }
}

/// The application's name and annotations. Other keys are ignored with a warning, as wadm
/// ignores them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metadata {
    /// Unique per lattice; letters, digits, `-` and `_`.
    pub name: String,
    /// `version`, `description`, and any others (`experimental.wasmcloud.dev/shared`, ...).
    /// Required, as in wadm (the decoder reports it missing); it may be empty.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Free-form labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// What the application consists of.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Specification {
    /// The components and capabilities.
    pub components: Vec<Component>,
    /// Named policies (e.g. secret backends) that components refer to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
}

/// A named policy. Other keys are ignored with a warning, as wadm ignores them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Policy {
    /// The name components refer to.
    pub name: String,
    /// E.g. `policy.secret.wasmcloud.dev/v1alpha1`.
    #[serde(rename = "type")]
    pub policy_type: String,
    /// Policy settings (for secrets: `backend`, ...). Required, as in wadm.
    pub properties: BTreeMap<String, String>,
}

/// Whether an entry is a component or a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CapabilityOrComponent {
    /// Business logic: a WebAssembly component (wadm also accepts `actor`).
    #[serde(alias = "actor")]
    Component,
    /// A capability (wasmCloud's "provider"): weft runs well-known ones built in.
    Capability,
}

/// One component or capability of the application.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Component {
    /// Unique within the manifest.
    pub name: String,
    /// `component` or `capability`.
    #[serde(rename = "type")]
    pub kind: CapabilityOrComponent,
    /// What to run and with which configuration.
    pub properties: ComponentProperties,
    /// Scalers and links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traits: Vec<Trait>,
}

/// What a component or capability runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentProperties {
    /// An OCI reference, `file://` path (relative to the manifest) or built-in image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// A component of a deployed shared application, instead of an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<SharedApplicationComponent>,
    /// An explicit id; by default `{app}-{component}`, normalized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Named configuration (created by the manifest when `properties` are given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<ConfigProperty>,
    /// Secrets, each fetched through a policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretProperty>,
}

/// A reference to a component of a shared application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SharedApplicationComponent {
    /// The shared application.
    pub name: String,
    /// The component in it.
    pub component: String,
}

/// A named configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigProperty {
    /// Its name; with `properties` the stored name is `{app}-{name}`, normalized.
    pub name: String,
    /// Values the manifest owns; without them the config must exist already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<BTreeMap<String, String>>,
}

/// A secret reference (never the value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretProperty {
    /// The name the component asks for.
    pub name: String,
    /// Where the value comes from.
    pub properties: SecretSourceProperties,
}

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretSourceProperties {
    /// A `spec.policies` entry of type `policy.secret.wasmcloud.dev/v1alpha1`.
    pub policy: String,
    /// The key in the backend.
    pub key: String,
    /// A field within the value, if structured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A version of the value, if the backend keeps versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A trait on a component: a scaler or a link.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Trait {
    /// `spreadscaler`, `daemonscaler` or `link`.
    #[serde(rename = "type")]
    pub trait_type: String,
    /// The trait's settings.
    pub properties: TraitProperties,
}

/// A trait's settings, by trait type.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TraitProperties {
    /// For `link`.
    Link(LinkProperty),
    /// For `spreadscaler` and `daemonscaler`.
    Scaler(SpreadScalerProperty),
    /// For a trait type weft does not know: kept as written and ignored (wadm accepts such
    /// traits and acts on none of them).
    Custom(serde_json::Value),
}

/// How many instances, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpreadScalerProperty {
    /// For a component, the most instances running at once (a concurrency budget); for a
    /// capability, the number of hosts running it. `replicas` is accepted too.
    #[serde(alias = "replicas", deserialize_with = "whole_number")]
    #[schemars(with = "usize")]
    pub instances: usize,
    /// How to divide them among hosts by label.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spread: Vec<Spread>,
}

/// One share of a scaler's instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spread {
    /// Its name.
    pub name: String,
    /// Host labels a host must have.
    pub requirements: BTreeMap<String, String>,
    /// Relative share (default 100).
    #[serde(
        default,
        deserialize_with = "optional_whole_number",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<usize>")]
    pub weight: Option<usize>,
}

/// A link from this component (the source) to a target, for some interfaces of one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LinkProperty {
    /// WIT namespace, e.g. `wasi`.
    pub namespace: String,
    /// WIT package, e.g. `keyvalue`.
    pub package: String,
    /// Interfaces, e.g. `[store, atomics]`.
    pub interfaces: Vec<String>,
    /// Configuration for the source's side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ConfigDefinition>,
    /// The target component or capability and its side's configuration.
    pub target: TargetConfig,
    /// The link name (default `default`), to pick among several targets of one interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl LinkProperty {
    /// The link name, `default` when not given.
    pub fn link_name(&self) -> &str {
        self.name.as_deref().unwrap_or("default")
    }
}

/// Configuration and secrets for one side of a link.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConfigDefinition {
    /// Named configuration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<ConfigProperty>,
    /// Secrets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretProperty>,
}

/// A link's target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetConfig {
    /// The target's component name in this manifest.
    pub name: String,
    /// Named configuration for the target's side.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<ConfigProperty>,
    /// Secrets for the target's side.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretProperty>,
}

/// A whole number given as a YAML number (a quoted one is text, as wadm reads it).
fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    parse_whole_number(&value).map_err(serde::de::Error::custom)
}

fn optional_whole_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<usize>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    parse_whole_number(&value)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// A value where a manifest wants a whole number.
#[derive(Debug, thiserror::Error)]
enum NotWholeNumber {
    /// A number in quotes.
    #[error("\"{0}\" is quoted, so it is text, not a whole number (wadm refuses it too)")]
    Quoted(String),
    /// Anything else.
    #[error("expected a whole number like 1 or 100, found {0}")]
    Other(serde_json::Value),
}

fn parse_whole_number(value: &serde_json::Value) -> Result<usize, NotWholeNumber> {
    let parsed = match value {
        serde_json::Value::Number(number) => number.as_u64().and_then(|n| usize::try_from(n).ok()),
        serde_json::Value::String(text) if text.trim().parse::<usize>().is_ok() => {
            return Err(NotWholeNumber::Quoted(text.clone()));
        }
        _ => None,
    };
    parsed.ok_or_else(|| NotWholeNumber::Other(value.clone()))
}
