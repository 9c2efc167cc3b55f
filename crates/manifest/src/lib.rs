//! The application manifest: wadm's `core.oam.dev/v1beta1` `Application`.
//!
//! [`load`] parses YAML or JSON keeping every node's position, decodes it into the typed
//! [`Manifest`], and validates it with every rule wadm has, returning all problems at once as
//! [`Diagnostic`]s (`file:line:col`, a JSON pointer, and a hint). Manifests written for
//! wasmCloud 1.x load unchanged; what wadm tolerates is tolerated. No I/O: callers read files.

mod decode;
mod diagnostic;
mod ids;
mod limits;
mod model;
mod node;
mod schema;
mod suggest;
pub mod units;
mod validate;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use ids::{component_id, managed_config_name, normalize_id_part};
pub use limits::{ComponentLimits, LIMITS_POLICY_TYPE, LimitProblem};
pub use model::{
    APPLICATION_KIND, CapabilityOrComponent, Component, ComponentProperties, ConfigDefinition,
    ConfigProperty, DAEMONSCALER_TRAIT, LINK_TRAIT, LinkProperty, Manifest, Metadata,
    OAM_API_VERSION, Policy, SECRET_POLICY_TYPE, SPREADSCALER_TRAIT, SecretProperty,
    SecretSourceProperties, SharedApplicationComponent, Specification, Spread,
    SpreadScalerProperty, TargetConfig, Trait, TraitProperties,
};
pub use schema::json_schema;

/// A manifest that loaded, with any warnings (deprecated forms, likely typos).
#[derive(Debug, Clone)]
pub struct LoadedManifest {
    /// The application.
    pub manifest: Manifest,
    /// Problems that do not stop it from deploying.
    pub warnings: Vec<Diagnostic>,
}

/// Parses, decodes and validates the manifest `text` read from `file` (used in diagnostics).
/// On failure, every error found is returned (with the warnings), not just the first.
pub fn load(file: &str, text: &str) -> Result<LoadedManifest, Diagnostics> {
    let mut diagnostics = Diagnostics::new(file);
    let Some(root) = node::parse(text, &mut diagnostics) else {
        return Err(diagnostics);
    };
    let decoded = decode::decode(&root, &mut diagnostics);
    validate::validate(&decoded.manifest, &root, &decoded.broken, &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(LoadedManifest {
        manifest: decoded.manifest,
        warnings: diagnostics.into_vec(),
    })
}
