//! How weft talks to registries.

/// Registry access settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OciSettings {
    /// Whether `:latest` (or no tag) may be pulled.
    pub allow_latest: bool,
    /// Registries (`HOST:PORT`) reached over plain HTTP instead of HTTPS.
    pub allow_insecure: Vec<String>,
}

impl OciSettings {
    /// Whether `registry` is reached over plain HTTP.
    pub fn is_insecure(&self, registry: &str) -> bool {
        self.allow_insecure
            .iter()
            .any(|allowed| allowed == registry)
    }
}
