//! `wasi:keyvalue` calls from a component, answered by the backend its link chose.

use wasmtime::component::Resource;

use super::backend::{Bucket, KeyValueError};
use crate::bindings::wasi::keyvalue::{atomics, batch, store};
use crate::links::CapabilitiesView;
use crate::recorded::traced;
use weft_telemetry::{CapabilityCall, CapabilityOperation};

impl CapabilitiesView<'_> {
    fn bucket(&self, bucket: &Resource<Bucket>) -> Result<&Bucket, KeyValueError> {
        self.table
            .get(bucket)
            .map_err(|error| KeyValueError::Other(error.to_string()))
    }
}

/// The span and duration of an `operation` on `bucket`, begun now.
fn record(view: &CapabilitiesView<'_>, bucket: &Bucket, operation: &'static str) -> CapabilityCall {
    view.record(&CapabilityOperation {
        capability: "keyvalue",
        system: bucket.backend.system(),
        operation,
        target: &bucket.name,
    })
}

impl store::Host for CapabilitiesView<'_> {
    async fn open(&mut self, identifier: String) -> Result<Resource<Bucket>, KeyValueError> {
        let name = self.link_name("wasi:keyvalue/store");
        let Some(backend) = self.links.linked.get::<super::KeyValueCapability>(name) else {
            return Err(KeyValueError::NoSuchStore(format!(
                "component {} has no wasi:keyvalue link named `{name}`; link it to a key-value capability in its manifest",
                self.links.component_id
            )));
        };
        let bucket = Bucket {
            backend: std::sync::Arc::clone(backend),
            name: identifier,
        };
        self.table
            .push(bucket)
            .map_err(|error| KeyValueError::Other(error.to_string()))
    }

    fn convert_error(&mut self, error: KeyValueError) -> wasmtime::Result<store::Error> {
        if !matches!(error, KeyValueError::NoSuchStore(_)) {
            tracing::debug!(component = %self.links.component_id, %error, "key-value call failed");
        } else {
            tracing::warn!(component = %self.links.component_id, %error, "key-value store not linked");
        }
        Ok(match error {
            KeyValueError::NoSuchStore(_) => store::Error::NoSuchStore,
            KeyValueError::AccessDenied => store::Error::AccessDenied,
            KeyValueError::Other(text) => store::Error::Other(text),
        })
    }
}

impl store::HostBucket for CapabilitiesView<'_> {
    async fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<Option<Vec<u8>>, KeyValueError> {
        let bucket = self.bucket(&bucket)?;
        traced(
            record(self, bucket, "get"),
            bucket.backend.get(&bucket.name, &key),
        )
        .await
    }

    async fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), KeyValueError> {
        let bucket = self.bucket(&bucket)?;
        traced(
            record(self, bucket, "set"),
            bucket.backend.set(&bucket.name, &key, value),
        )
        .await
    }

    async fn delete(&mut self, bucket: Resource<Bucket>, key: String) -> Result<(), KeyValueError> {
        let bucket = self.bucket(&bucket)?;
        traced(
            record(self, bucket, "delete"),
            bucket.backend.delete(&bucket.name, &key),
        )
        .await
    }

    async fn exists(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> Result<bool, KeyValueError> {
        let bucket = self.bucket(&bucket)?;
        traced(
            record(self, bucket, "exists"),
            bucket.backend.exists(&bucket.name, &key),
        )
        .await
    }

    async fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<u64>,
    ) -> Result<store::KeyResponse, KeyValueError> {
        let bucket = self.bucket(&bucket)?;
        let page = traced(
            record(self, bucket, "list_keys"),
            bucket.backend.list_keys(&bucket.name, cursor),
        )
        .await?;
        Ok(store::KeyResponse {
            keys: page.keys,
            cursor: page.cursor,
        })
    }

    async fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for CapabilitiesView<'_> {
    async fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: u64,
    ) -> Result<u64, KeyValueError> {
        let bucket = self.bucket(&bucket)?;
        traced(
            record(self, bucket, "increment"),
            bucket.backend.increment(&bucket.name, &key, delta),
        )
        .await
    }
}

impl batch::Host for CapabilitiesView<'_> {
    async fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<Option<(String, Vec<u8>)>>, KeyValueError> {
        let bucket = self.bucket(&bucket)?;
        traced(record(self, bucket, "get_many"), async {
            let mut found = Vec::with_capacity(keys.len());
            for key in keys {
                let value = bucket.backend.get(&bucket.name, &key).await?;
                found.push(value.map(|value| (key, value)));
            }
            Ok(found)
        })
        .await
    }

    async fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> Result<(), KeyValueError> {
        let bucket = self.bucket(&bucket)?;
        traced(record(self, bucket, "set_many"), async {
            for (key, value) in key_values {
                bucket.backend.set(&bucket.name, &key, value).await?;
            }
            Ok(())
        })
        .await
    }

    async fn delete_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<(), KeyValueError> {
        let bucket = self.bucket(&bucket)?;
        traced(record(self, bucket, "delete_many"), async {
            for key in keys {
                bucket.backend.delete(&bucket.name, &key).await?;
            }
            Ok(())
        })
        .await
    }
}
