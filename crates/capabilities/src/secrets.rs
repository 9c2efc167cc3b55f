//! `wasmcloud:secrets@0.1.0-draft`: a component reads the secrets its manifest gives it, by
//! the names the manifest uses. Values come from [`ComponentLinks::secrets`]; nothing here
//! logs or formats one, and a `get`'s span names neither the secret nor its value.
//!
//! [`ComponentLinks::secrets`]: crate::ComponentLinks::secrets

use wasmtime::component::Resource;
use weft_secrets::SecretValue;

use crate::bindings::wasmcloud::secrets::{reveal, store};
use crate::links::CapabilitiesView;
use weft_telemetry::CapabilityOperation;

/// A secret a component holds a handle to.
pub struct Secret {
    value: SecretValue,
}

impl store::HostSecret for CapabilitiesView<'_> {
    async fn drop(&mut self, secret: Resource<Secret>) -> wasmtime::Result<()> {
        self.table.delete(secret)?;
        Ok(())
    }
}

impl store::Host for CapabilitiesView<'_> {
    async fn get(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Resource<Secret>, store::SecretsError>> {
        let recorded = self.record(&CapabilityOperation {
            capability: "secrets",
            system: "weft",
            operation: "get",
            target: "",
        });
        let found = self.links.secrets.get(&key);
        recorded.finish(match found {
            Some(Ok(_)) => None,
            Some(Err(_)) => Some("the secret could not be fetched from its backend".to_owned()),
            None => Some("the manifest gives the component no such secret".to_owned()),
        });
        match found {
            Some(Ok(value)) => Ok(Ok(self.table.push(Secret {
                value: value.clone(),
            })?)),
            Some(Err(reason)) => Ok(Err(store::SecretsError::Upstream(format!(
                "secret `{key}`: {reason}"
            )))),
            None => {
                tracing::warn!(
                    component = &*self.links.component_id,
                    secret = %key,
                    "the component asked for a secret its manifest does not give it; add it to the component's `secrets`"
                );
                Ok(Err(store::SecretsError::NotFound))
            }
        }
    }
}

impl reveal::Host for CapabilitiesView<'_> {
    async fn reveal(&mut self, secret: Resource<Secret>) -> wasmtime::Result<store::SecretValue> {
        let bytes = self.table.get(&secret)?.value.expose();
        Ok(match std::str::from_utf8(bytes) {
            Ok(text) => store::SecretValue::String(text.to_owned()),
            Err(_) => store::SecretValue::Bytes(bytes.to_vec()),
        })
    }
}
