//! `wasi:config/store@0.2.0-draft` (and the legacy `runtime` interface of the same package):
//! the component reads the merged named configs its manifest gives it, as of the instance's
//! start.

use crate::bindings::wasi::config::{runtime, store};
use crate::links::CapabilitiesView;

impl CapabilitiesView<'_> {
    fn config_value(&self, key: &str) -> Option<String> {
        self.links.config.get(key).cloned()
    }

    fn config_entries(&self) -> Vec<(String, String)> {
        self.links
            .config
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }
}

impl store::Host for CapabilitiesView<'_> {
    async fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<String>, store::Error>> {
        Ok(Ok(self.config_value(&key)))
    }

    async fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, store::Error>> {
        Ok(Ok(self.config_entries()))
    }
}

impl runtime::Host for CapabilitiesView<'_> {
    async fn get(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Option<String>, runtime::ConfigError>> {
        Ok(Ok(self.config_value(&key)))
    }

    async fn get_all(
        &mut self,
    ) -> wasmtime::Result<Result<Vec<(String, String)>, runtime::ConfigError>> {
        Ok(Ok(self.config_entries()))
    }
}
