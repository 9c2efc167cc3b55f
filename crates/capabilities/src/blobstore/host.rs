//! `wasi:blobstore` calls from a component, answered by the filesystem store its link chose.

use std::sync::Arc;

use bytes::Bytes;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream};

use super::fs::{FsBlobstore, modified_secs};
use crate::bindings::wasi::blobstore::{blobstore, container, types};
use crate::links::CapabilitiesView;

/// A container a component holds.
pub struct Container {
    store: Arc<FsBlobstore>,
    name: String,
}

/// Object names being listed.
pub struct ObjectNames {
    names: Vec<String>,
    next: usize,
}

/// A value being written: its bytes, and where `finish` puts them.
pub struct OutgoingValue {
    body: MemoryOutputPipe,
    target: Option<(Arc<FsBlobstore>, std::path::PathBuf)>,
}

/// A value read from a container.
pub struct IncomingValue {
    bytes: Bytes,
}

type Outcome<T> = wasmtime::Result<Result<T, String>>;

impl CapabilitiesView<'_> {
    fn blobstore(&self) -> Result<Arc<FsBlobstore>, String> {
        let name = self.link_name("wasi:blobstore/blobstore");
        self.links.blobstore.get(name).cloned().ok_or_else(|| {
            format!(
                "component {} has no wasi:blobstore link named `{name}`; link it to a blobstore capability in its manifest",
                self.links.component_id
            )
        })
    }

    fn open_container(&mut self, name: &str, create: bool) -> Outcome<Resource<Container>> {
        let store = match self.blobstore() {
            Ok(store) => store,
            Err(error) => return Ok(Err(error)),
        };
        let dir = match store.container_dir(name) {
            Ok(dir) => dir,
            Err(error) => return Ok(Err(error)),
        };
        if create {
            if dir.exists() {
                return Ok(Err(format!("container `{name}` already exists")));
            }
            if let Err(error) = std::fs::create_dir_all(&dir) {
                return Ok(Err(format!("cannot create container `{name}`: {error}")));
            }
        } else if !dir.is_dir() {
            return Ok(Err(format!("container `{name}` does not exist")));
        }
        Ok(Ok(self.table.push(Container {
            store,
            name: name.to_owned(),
        })?))
    }

    fn container(
        &self,
        container: &Resource<Container>,
    ) -> wasmtime::Result<(Arc<FsBlobstore>, String)> {
        let container = self.table.get(container)?;
        Ok((Arc::clone(&container.store), container.name.clone()))
    }
}

fn failed<T>(what: &str, error: std::io::Error) -> Result<T, String> {
    Err(format!("{what}: {error}"))
}

impl blobstore::Host for CapabilitiesView<'_> {
    async fn create_container(&mut self, name: String) -> Outcome<Resource<Container>> {
        self.open_container(&name, true)
    }

    async fn get_container(&mut self, name: String) -> Outcome<Resource<Container>> {
        self.open_container(&name, false)
    }

    async fn delete_container(&mut self, name: String) -> Outcome<()> {
        let dir = match self
            .blobstore()
            .and_then(|store| store.container_dir(&name))
        {
            Ok(dir) => dir,
            Err(error) => return Ok(Err(error)),
        };
        Ok(std::fs::remove_dir_all(&dir)
            .or_else(|error| failed(&format!("cannot delete container `{name}`"), error)))
    }

    async fn container_exists(&mut self, name: String) -> Outcome<bool> {
        Ok(self
            .blobstore()
            .and_then(|store| store.container_dir(&name))
            .map(|dir| dir.is_dir()))
    }

    async fn copy_object(&mut self, src: types::ObjectId, dest: types::ObjectId) -> Outcome<()> {
        let paths = self.blobstore().and_then(|store| {
            Ok((
                store.object_path(&src.container, &src.object)?,
                store.object_path(&dest.container, &dest.object)?,
            ))
        });
        let (from, to) = match paths {
            Ok(paths) => paths,
            Err(error) => return Ok(Err(error)),
        };
        if let Some(parent) = to.parent()
            && let Err(error) = std::fs::create_dir_all(parent)
        {
            return Ok(failed("cannot create the destination", error));
        }
        Ok(std::fs::copy(&from, &to)
            .map(|_| ())
            .or_else(|error| failed(&format!("cannot copy `{}`", src.object), error)))
    }

    async fn move_object(&mut self, src: types::ObjectId, dest: types::ObjectId) -> Outcome<()> {
        let copied = self.copy_object(src.clone(), dest).await?;
        if let Err(error) = copied {
            return Ok(Err(error));
        }
        let path = self
            .blobstore()
            .and_then(|store| store.object_path(&src.container, &src.object));
        Ok(path.and_then(|path| {
            std::fs::remove_file(path)
                .or_else(|error| failed(&format!("cannot remove `{}`", src.object), error))
        }))
    }
}

impl container::Host for CapabilitiesView<'_> {}

impl container::HostContainer for CapabilitiesView<'_> {
    async fn name(&mut self, container: Resource<Container>) -> Outcome<String> {
        Ok(Ok(self.container(&container)?.1))
    }

    async fn info(&mut self, container: Resource<Container>) -> Outcome<types::ContainerMetadata> {
        let (store, name) = self.container(&container)?;
        Ok(store
            .container_dir(&name)
            .map(|dir| types::ContainerMetadata {
                created_at: modified_secs(&dir),
                name,
            }))
    }

    async fn get_data(
        &mut self,
        container: Resource<Container>,
        name: String,
        start: u64,
        end: u64,
    ) -> Outcome<Resource<IncomingValue>> {
        let (store, container) = self.container(&container)?;
        let path = match store.object_path(&container, &name) {
            Ok(path) => path,
            Err(error) => return Ok(Err(error)),
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                return Ok(failed(
                    &format!("cannot read `{name}` in `{container}`"),
                    error,
                ));
            }
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
        let path = match store.object_path(&container, &name) {
            Ok(path) => path,
            Err(error) => return Ok(Err(error)),
        };
        self.table.get_mut(&data)?.target = Some((store, path));
        Ok(Ok(()))
    }

    async fn list_objects(
        &mut self,
        container: Resource<Container>,
    ) -> Outcome<Resource<ObjectNames>> {
        let (store, container) = self.container(&container)?;
        let dir = match store.container_dir(&container) {
            Ok(dir) => dir,
            Err(error) => return Ok(Err(error)),
        };
        let mut names = Vec::new();
        let mut pending = vec![dir.clone()];
        while let Some(next) = pending.pop() {
            let entries = match std::fs::read_dir(&next) {
                Ok(entries) => entries,
                Err(error) => return Ok(failed(&format!("cannot list `{container}`"), error)),
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if let Ok(relative) = path.strip_prefix(&dir) {
                    names.push(relative.to_string_lossy().into_owned());
                }
            }
        }
        names.sort();
        Ok(Ok(self.table.push(ObjectNames { names, next: 0 })?))
    }

    async fn delete_object(&mut self, container: Resource<Container>, name: String) -> Outcome<()> {
        let (store, container) = self.container(&container)?;
        Ok(store
            .object_path(&container, &name)
            .and_then(|path| match std::fs::remove_file(path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    failed(&format!("cannot delete `{name}`"), error)
                }
                _ => Ok(()),
            }))
    }

    async fn delete_objects(
        &mut self,
        container: Resource<Container>,
        names: Vec<String>,
    ) -> Outcome<()> {
        for name in names {
            let handle = Resource::new_borrow(container.rep());
            if let Err(error) = self.delete_object(handle, name).await? {
                return Ok(Err(error));
            }
        }
        Ok(Ok(()))
    }

    async fn has_object(&mut self, container: Resource<Container>, name: String) -> Outcome<bool> {
        let (store, container) = self.container(&container)?;
        Ok(store
            .object_path(&container, &name)
            .map(|path| path.is_file()))
    }

    async fn object_info(
        &mut self,
        container: Resource<Container>,
        name: String,
    ) -> Outcome<types::ObjectMetadata> {
        let (store, container) = self.container(&container)?;
        let path = match store.object_path(&container, &name) {
            Ok(path) => path,
            Err(error) => return Ok(Err(error)),
        };
        Ok(match std::fs::metadata(&path) {
            Ok(metadata) => Ok(types::ObjectMetadata {
                created_at: modified_secs(&path),
                size: metadata.len(),
                name,
                container,
            }),
            Err(error) => failed(&format!("no object `{name}` in `{container}`"), error),
        })
    }

    async fn clear(&mut self, container: Resource<Container>) -> Outcome<()> {
        let (store, container) = self.container(&container)?;
        let dir = match store.container_dir(&container) {
            Ok(dir) => dir,
            Err(error) => return Ok(Err(error)),
        };
        let cleared = std::fs::remove_dir_all(&dir).and_then(|()| std::fs::create_dir_all(&dir));
        Ok(cleared.or_else(|error| failed(&format!("cannot clear `{container}`"), error)))
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
            .map_or(64 * 1024 * 1024, |store| store.max_object_bytes());
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
        let Some((_, path)) = value.target else {
            return Ok(Ok(()));
        };
        if let Some(parent) = path.parent()
            && let Err(error) = std::fs::create_dir_all(parent)
        {
            return Ok(failed("cannot create the object's directory", error));
        }
        Ok(std::fs::write(&path, value.body.contents())
            .or_else(|error| failed("cannot write the object", error)))
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
