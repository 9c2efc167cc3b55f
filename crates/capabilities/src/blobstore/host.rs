//! `wasi:blobstore` calls from a component, answered by the blobstore its link chose (a
//! directory tree or NATS object stores, behind [`BlobBackend`]).

use std::sync::Arc;

use bytes::Bytes;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream};

use super::backend::{BlobBackend, BlobError};
use crate::bindings::wasi::blobstore::{blobstore, container, types};
use crate::links::CapabilitiesView;
use crate::recorded::traced;
use weft_telemetry::{CapabilityCall, CapabilityOperation};

/// The object size limit when a component has no blobstore link.
const UNLINKED_MAX_OBJECT_BYTES: usize = 64 * 1024 * 1024;

/// A container a component holds.
pub struct Container {
    store: Arc<dyn BlobBackend>,
    name: String,
}

/// Object names being listed.
pub struct ObjectNames {
    names: Vec<String>,
    next: usize,
}

/// Where a finished value goes: the store, the container and the object name.
type WriteTarget = (Arc<dyn BlobBackend>, String, String);

/// A value being written: its bytes, and where `finish` puts them.
pub struct OutgoingValue {
    body: MemoryOutputPipe,
    target: Option<WriteTarget>,
}

/// A value read from a container.
pub struct IncomingValue {
    bytes: Bytes,
}

type Outcome<T> = wasmtime::Result<Result<T, String>>;

/// A backend's answer as the guest receives it (`wasi:blobstore` errors are strings).
fn answer<T>(result: Result<T, BlobError>) -> Outcome<T> {
    Ok(result.map_err(|error| error.to_string()))
}

impl CapabilitiesView<'_> {
    fn blobstore(&self) -> Result<Arc<dyn BlobBackend>, BlobError> {
        let name = self.link_name("wasi:blobstore/blobstore");
        self.links
            .linked
            .get::<super::BlobstoreCapability>(name)
            .cloned()
            .ok_or_else(|| BlobError::NotLinked {
                component: self.links.component_id.to_string(),
                link: name.to_owned(),
            })
    }

    /// The span and duration of `operation` on `container` of `store`, begun now.
    fn blob_record(
        &self,
        store: &dyn BlobBackend,
        operation: &'static str,
        container: &str,
    ) -> CapabilityCall {
        self.record(&CapabilityOperation {
            capability: "blobstore",
            system: store.system(),
            operation,
            target: container,
        })
    }

    async fn open_container(&mut self, name: &str, create: bool) -> Outcome<Resource<Container>> {
        let store = match self.blobstore() {
            Ok(store) => store,
            Err(error) => return answer(Err(error)),
        };
        let ready = if create {
            let creating = store.create_container(name);
            traced(
                self.blob_record(&*store, "create_container", name),
                creating,
            )
            .await
        } else {
            let exists = store.container_exists(name);
            match traced(self.blob_record(&*store, "get_container", name), exists).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(BlobError::NoSuchContainer(name.to_owned())),
                Err(error) => Err(error),
            }
        };
        if let Err(error) = ready {
            return answer(Err(error));
        }
        Ok(Ok(self.table.push(Container {
            store,
            name: name.to_owned(),
        })?))
    }

    fn container(
        &self,
        container: &Resource<Container>,
    ) -> wasmtime::Result<(Arc<dyn BlobBackend>, String)> {
        let container = self.table.get(container)?;
        Ok((Arc::clone(&container.store), container.name.clone()))
    }
}

impl blobstore::Host for CapabilitiesView<'_> {
    async fn create_container(&mut self, name: String) -> Outcome<Resource<Container>> {
        self.open_container(&name, true).await
    }

    async fn get_container(&mut self, name: String) -> Outcome<Resource<Container>> {
        self.open_container(&name, false).await
    }

    async fn delete_container(&mut self, name: String) -> Outcome<()> {
        answer(match self.blobstore() {
            Ok(store) => {
                let deleting = store.delete_container(&name);
                traced(
                    self.blob_record(&*store, "delete_container", &name),
                    deleting,
                )
                .await
            }
            Err(error) => Err(error),
        })
    }

    async fn container_exists(&mut self, name: String) -> Outcome<bool> {
        answer(match self.blobstore() {
            Ok(store) => {
                let exists = store.container_exists(&name);
                traced(self.blob_record(&*store, "container_exists", &name), exists).await
            }
            Err(error) => Err(error),
        })
    }

    async fn copy_object(&mut self, src: types::ObjectId, dest: types::ObjectId) -> Outcome<()> {
        answer(match self.blobstore() {
            Ok(store) => {
                let copying = store.copy(
                    (&src.container, &src.object),
                    (&dest.container, &dest.object),
                );
                traced(
                    self.blob_record(&*store, "copy_object", &src.container),
                    copying,
                )
                .await
            }
            Err(error) => Err(error),
        })
    }

    async fn move_object(&mut self, src: types::ObjectId, dest: types::ObjectId) -> Outcome<()> {
        let store = match self.blobstore() {
            Ok(store) => store,
            Err(error) => return answer(Err(error)),
        };
        let moving = async {
            store
                .copy(
                    (&src.container, &src.object),
                    (&dest.container, &dest.object),
                )
                .await?;
            store.delete(&src.container, &src.object).await
        };
        answer(
            traced(
                self.blob_record(&*store, "move_object", &src.container),
                moving,
            )
            .await,
        )
    }
}

impl container::Host for CapabilitiesView<'_> {}

impl container::HostContainer for CapabilitiesView<'_> {
    async fn name(&mut self, container: Resource<Container>) -> Outcome<String> {
        Ok(Ok(self.container(&container)?.1))
    }

    async fn info(&mut self, container: Resource<Container>) -> Outcome<types::ContainerMetadata> {
        let (store, name) = self.container(&container)?;
        let reading = store.container_created_at(&name);
        answer(
            traced(self.blob_record(&*store, "container_info", &name), reading)
                .await
                .map(|created_at| types::ContainerMetadata { name, created_at }),
        )
    }

    async fn get_data(
        &mut self,
        container: Resource<Container>,
        name: String,
        start: u64,
        end: u64,
    ) -> Outcome<Resource<IncomingValue>> {
        let (store, container) = self.container(&container)?;
        let reading = store.read(&container, &name);
        let bytes = match traced(self.blob_record(&*store, "get_data", &container), reading).await {
            Ok(bytes) => bytes,
            Err(error) => return answer(Err(error)),
        };
        let length = bytes.len() as u64;
        let from = start.min(length) as usize;
        let to = end.saturating_add(1).min(length).max(start.min(length)) as usize;
        Ok(Ok(self.table.push(IncomingValue {
            bytes: Bytes::from(bytes).slice(from..to),
        })?))
    }

    async fn write_data(
        &mut self,
        container: Resource<Container>,
        name: String,
        data: Resource<OutgoingValue>,
    ) -> Outcome<()> {
        let (store, container) = self.container(&container)?;
        self.table.get_mut(&data)?.target = Some((store, container, name));
        Ok(Ok(()))
    }

    async fn list_objects(
        &mut self,
        container: Resource<Container>,
    ) -> Outcome<Resource<ObjectNames>> {
        let (store, container) = self.container(&container)?;
        let listing = store.list(&container);
        let names = match traced(
            self.blob_record(&*store, "list_objects", &container),
            listing,
        )
        .await
        {
            Ok(names) => names,
            Err(error) => return answer(Err(error)),
        };
        Ok(Ok(self.table.push(ObjectNames { names, next: 0 })?))
    }

    async fn delete_object(&mut self, container: Resource<Container>, name: String) -> Outcome<()> {
        let (store, container) = self.container(&container)?;
        let deleting = store.delete(&container, &name);
        answer(
            traced(
                self.blob_record(&*store, "delete_object", &container),
                deleting,
            )
            .await,
        )
    }

    async fn delete_objects(
        &mut self,
        container: Resource<Container>,
        names: Vec<String>,
    ) -> Outcome<()> {
        let (store, container) = self.container(&container)?;
        let deleting = async {
            for name in &names {
                store.delete(&container, name).await?;
            }
            Ok(())
        };
        answer(
            traced(
                self.blob_record(&*store, "delete_objects", &container),
                deleting,
            )
            .await,
        )
    }

    async fn has_object(&mut self, container: Resource<Container>, name: String) -> Outcome<bool> {
        let (store, container) = self.container(&container)?;
        let checking = store.has(&container, &name);
        answer(
            traced(
                self.blob_record(&*store, "has_object", &container),
                checking,
            )
            .await,
        )
    }

    async fn object_info(
        &mut self,
        container: Resource<Container>,
        name: String,
    ) -> Outcome<types::ObjectMetadata> {
        let (store, container) = self.container(&container)?;
        let reading = store.facts(&container, &name);
        answer(
            traced(
                self.blob_record(&*store, "object_info", &container),
                reading,
            )
            .await
            .map(|facts| types::ObjectMetadata {
                created_at: facts.created_at,
                size: facts.size,
                name,
                container,
            }),
        )
    }

    async fn clear(&mut self, container: Resource<Container>) -> Outcome<()> {
        let (store, container) = self.container(&container)?;
        let clearing = store.clear(&container);
        answer(traced(self.blob_record(&*store, "clear", &container), clearing).await)
    }

    async fn drop(&mut self, container: Resource<Container>) -> wasmtime::Result<()> {
        self.table.delete(container)?;
        Ok(())
    }
}

impl container::HostStreamObjectNames for CapabilitiesView<'_> {
    async fn read_stream_object_names(
        &mut self,
        names: Resource<ObjectNames>,
        len: u64,
    ) -> Outcome<(Vec<String>, bool)> {
        let names = self.table.get_mut(&names)?;
        let end = names
            .next
            .saturating_add(len as usize)
            .min(names.names.len());
        let page = names.names[names.next..end].to_vec();
        names.next = end;
        Ok(Ok((page, end >= names.names.len())))
    }

    async fn skip_stream_object_names(
        &mut self,
        names: Resource<ObjectNames>,
        num: u64,
    ) -> Outcome<(u64, bool)> {
        let names = self.table.get_mut(&names)?;
        let end = names
            .next
            .saturating_add(num as usize)
            .min(names.names.len());
        let skipped = (end - names.next) as u64;
        names.next = end;
        Ok(Ok((skipped, end >= names.names.len())))
    }

    async fn drop(&mut self, names: Resource<ObjectNames>) -> wasmtime::Result<()> {
        self.table.delete(names)?;
        Ok(())
    }
}

impl types::Host for CapabilitiesView<'_> {}

impl types::HostOutgoingValue for CapabilitiesView<'_> {
    async fn new_outgoing_value(&mut self) -> wasmtime::Result<Resource<OutgoingValue>> {
        let limit = self
            .blobstore()
            .map_or(UNLINKED_MAX_OBJECT_BYTES, |store| store.max_object_bytes());
        Ok(self.table.push(OutgoingValue {
            body: MemoryOutputPipe::new(limit),
            target: None,
        })?)
    }

    async fn outgoing_value_write_body(
        &mut self,
        value: Resource<OutgoingValue>,
    ) -> wasmtime::Result<Result<Resource<DynOutputStream>, ()>> {
        let body = self.table.get(&value)?.body.clone();
        let stream: DynOutputStream = Box::new(body);
        Ok(Ok(self.table.push(stream)?))
    }

    async fn finish(&mut self, value: Resource<OutgoingValue>) -> Outcome<()> {
        let value = self.table.delete(value)?;
        let Some((store, container, name)) = value.target else {
            return Ok(Ok(()));
        };
        let writing = store.write(&container, &name, value.body.contents().to_vec());
        answer(traced(self.blob_record(&*store, "write_data", &container), writing).await)
    }

    async fn drop(&mut self, value: Resource<OutgoingValue>) -> wasmtime::Result<()> {
        self.table.delete(value)?;
        Ok(())
    }
}

impl types::HostIncomingValue for CapabilitiesView<'_> {
    async fn incoming_value_consume_sync(
        &mut self,
        value: Resource<IncomingValue>,
    ) -> Outcome<Vec<u8>> {
        Ok(Ok(self.table.delete(value)?.bytes.to_vec()))
    }

    async fn incoming_value_consume_async(
        &mut self,
        value: Resource<IncomingValue>,
    ) -> Outcome<Resource<DynInputStream>> {
        let bytes = self.table.delete(value)?.bytes;
        let stream: DynInputStream = Box::new(MemoryInputPipe::new(bytes));
        Ok(Ok(self.table.push(stream)?))
    }

    async fn size(&mut self, value: Resource<IncomingValue>) -> wasmtime::Result<u64> {
        Ok(self.table.get(&value)?.bytes.len() as u64)
    }

    async fn drop(&mut self, value: Resource<IncomingValue>) -> wasmtime::Result<()> {
        self.table.delete(value)?;
        Ok(())
    }
}
