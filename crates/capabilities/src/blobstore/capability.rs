//! The blobstore capability's shape: its images, `wasi:blobstore`, and a link's store.

use std::sync::Arc;

use wasmtime::component::Linker;

use super::{BlobBackend, BlobstoreSettings, FsBlobstore, NatsBlobstore, NatsBlobstoreSettings};
use crate::bindings::wasi::blobstore::{blobstore, container, types};
use crate::capability::{Capability, HostEnv, Kind, LinkError, LinkRequest, Reach};
use crate::instance_state::HttpInstanceState;
use crate::links::Capabilities;

/// wasmCloud's `blobstore-fs`: containers are directories.
pub const BLOBSTORE_FS: Kind = Kind {
    name: "blobstore-fs",
    images: &[
        "ghcr.io/wasmcloud/blobstore-fs",
        "wasmcloud.azurecr.io/blobstore_fs",
        "weft+builtin://blobstore-fs",
        "wasmcloud+builtin://blobstore-fs",
    ],
};

/// wasmCloud's `blobstore-nats`: containers are JetStream object stores.
pub const BLOBSTORE_NATS: Kind = Kind {
    name: "blobstore-nats",
    images: &[
        "ghcr.io/wasmcloud/blobstore-nats",
        "weft+builtin://blobstore-nats",
        "wasmcloud+builtin://blobstore-nats",
    ],
};

/// A blobstore link's settings, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BlobLinkSettings {
    /// A directory.
    Fs(BlobstoreSettings),
    /// A NATS server.
    Nats(NatsBlobstoreSettings),
}

/// Gives components linked to it `wasi:blobstore`.
pub struct BlobstoreCapability;

impl Capability for BlobstoreCapability {
    type Settings = BlobLinkSettings;
    type Backend = Arc<dyn BlobBackend>;

    const KINDS: &'static [Kind] = &[BLOBSTORE_FS, BLOBSTORE_NATS];
    const PACKAGE: Option<&'static str> = Some("wasi:blobstore");
    const OFFERS: &'static str = "wasi:blobstore";

    fn add_to_linker(linker: &mut Linker<HttpInstanceState>) -> wasmtime::Result<()> {
        let view = HttpInstanceState::capabilities;
        types::add_to_linker::<_, Capabilities>(linker, view)?;
        container::add_to_linker::<_, Capabilities>(linker, view)?;
        blobstore::add_to_linker::<_, Capabilities>(linker, view)
    }

    fn on_link(request: &LinkRequest<'_>) -> Result<BlobLinkSettings, LinkError> {
        Ok(if *request.kind == BLOBSTORE_NATS {
            BlobLinkSettings::Nats(NatsBlobstoreSettings::from_config(request.link_config)?)
        } else {
            BlobLinkSettings::Fs(BlobstoreSettings::from_config(request.link_config)?)
        })
    }

    fn reach(settings: &BlobLinkSettings) -> Reach {
        match settings {
            BlobLinkSettings::Nats(_) => Reach::Shared,
            BlobLinkSettings::Fs(_) => Reach::ThisHost {
                why: "keeps its blobs in a directory of the host running it",
                hint: "the `ghcr.io/wasmcloud/blobstore-nats` image",
            },
        }
    }

    fn keep_unlinked(settings: &BlobLinkSettings) -> bool {
        matches!(settings, BlobLinkSettings::Fs(_))
    }

    /// A directory store's default root is `DATA_DIR/blobstore/{capability id}`.
    async fn open(
        capability_id: &str,
        settings: &BlobLinkSettings,
        env: &HostEnv,
    ) -> Result<Arc<dyn BlobBackend>, LinkError> {
        let settings = match settings {
            BlobLinkSettings::Nats(settings) => {
                return Ok(Arc::new(NatsBlobstore::connect(settings.clone()).await?));
            }
            BlobLinkSettings::Fs(settings) => settings,
        };
        let root = match (&settings.root, &env.data_dir) {
            (Some(root), _) => root.clone(),
            (None, Some(dir)) => dir.join("blobstore").join(capability_id),
            (None, None) => {
                return Err(LinkError::NoDataDir {
                    what: "a blobstore",
                    hint: "set `root` in the link's target config",
                });
            }
        };
        let store =
            FsBlobstore::open(&root, settings.max_object_bytes).map_err(LinkError::backend)?;
        Ok(Arc::new(store))
    }
}
