//! `wasi:config/store@0.2.0-draft`: the component reads the merged named configs its manifest
//! gives it, as of the instance's start.

use crate::bindings::wasi::config::store;
use crate::links::CapabilitiesView;

impl store::Host for CapabilitiesView<'_> {
    async fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<String>, store::Error>> {
        Ok(Ok(self.links.config.get(&key).cloned()))
    }

    async fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, store::Error>> {
        Ok(Ok(self
            .links
            .config
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()))
    }
}
