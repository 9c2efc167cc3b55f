//! How weft talks to registries.

use std::collections::BTreeMap;

use crate::Credential;

/// Registry access settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OciSettings {
    /// Whether `:latest` (or no tag) may be pulled.
    pub allow_latest: bool,
    /// Registries (`HOST:PORT`) reached over plain HTTP instead of HTTPS.
    pub allow_insecure: Vec<String>,
    /// Credentials by registry (`HOST[:PORT]`); each is sent to its registry only.
    pub credentials: BTreeMap<String, Credential>,
    /// Docker credential helpers by registry, asked when `credentials` has none for it.
    pub credential_helpers: BTreeMap<String, String>,
    /// The credential helper asked for every other registry.
    pub default_credential_helper: Option<String>,
    /// Extra CA certificates (PEM) trusted for HTTPS registries.
    pub ca_certificates: Vec<Vec<u8>>,
}

impl OciSettings {
    /// Whether `registry` is reached over plain HTTP.
    pub fn is_insecure(&self, registry: &str) -> bool {
        self.allow_insecure
            .iter()
            .any(|allowed| allowed == registry)
    }
}
