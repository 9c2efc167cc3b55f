//! The key-value capability's shape: its images, its interfaces, and a link's backend.

use std::sync::Arc;

use wasmtime::component::Linker;

use super::{
    DEFAULT_NATS_URL, DEFAULT_REDIS_URL, EmbeddedKeyValue, KeyValueBackend, KeyValueKind,
    KeyValueSettings, MemoryKeyValue, NatsKeyValue, RedisKeyValue,
};
use crate::bindings::wasi::keyvalue::{atomics, batch, store};
use crate::capability::{Capability, HostEnv, Kind, LinkError, LinkRequest, Reach};
use crate::instance_state::HttpInstanceState;
use crate::links::Capabilities;

/// `weft+builtin://keyvalue`: the link picks the backend (an embedded file by default).
pub const KEYVALUE: Kind = Kind {
    name: "keyvalue",
    images: &["weft+builtin://keyvalue", "wasmcloud+builtin://keyvalue"],
};

/// wasmCloud's `keyvalue-redis`: Redis unless the link says otherwise.
pub const KEYVALUE_REDIS: Kind = Kind {
    name: "keyvalue-redis",
    images: &[
        "ghcr.io/wasmcloud/keyvalue-redis",
        "wasmcloud.azurecr.io/kvredis",
        "weft+builtin://keyvalue-redis",
    ],
};

/// wasmCloud's `keyvalue-nats`: NATS JetStream unless the link says otherwise.
pub const KEYVALUE_NATS: Kind = Kind {
    name: "keyvalue-nats",
    images: &[
        "ghcr.io/wasmcloud/keyvalue-nats",
        "weft+builtin://keyvalue-nats",
    ],
};

/// Answers `wasi:keyvalue` (store, atomics, batch) for components linked to it.
pub struct KeyValueCapability;

impl Capability for KeyValueCapability {
    type Settings = KeyValueSettings;
    type Backend = Arc<dyn KeyValueBackend>;

    const KINDS: &'static [Kind] = &[KEYVALUE, KEYVALUE_REDIS, KEYVALUE_NATS];
    const PACKAGE: Option<&'static str> = Some("wasi:keyvalue");
    const OFFERS: &'static str = "wasi:keyvalue";

    fn add_to_linker(linker: &mut Linker<HttpInstanceState>) -> wasmtime::Result<()> {
        let view = HttpInstanceState::capabilities;
        store::add_to_linker::<_, Capabilities>(linker, view)?;
        atomics::add_to_linker::<_, Capabilities>(linker, view)?;
        batch::add_to_linker::<_, Capabilities>(linker, view)
    }

    /// The link's target config over the kind's default; as wasmCloud's providers, a URL in
    /// the capability's own config is the default of its links.
    fn on_link(request: &LinkRequest<'_>) -> Result<KeyValueSettings, LinkError> {
        let capability_url = || {
            request
                .capability_setting(&["url", "cluster_uri"])
                .map(str::to_owned)
        };
        let default = if *request.kind == KEYVALUE_REDIS {
            KeyValueKind::Redis {
                url: capability_url().unwrap_or_else(|| DEFAULT_REDIS_URL.to_owned()),
            }
        } else if *request.kind == KEYVALUE_NATS {
            KeyValueKind::Nats {
                url: capability_url().unwrap_or_else(|| DEFAULT_NATS_URL.to_owned()),
                bucket: None,
                auto_create: true,
            }
        } else {
            KeyValueKind::Embedded
        };
        Ok(KeyValueSettings::from_config(request.link_config, default)?)
    }

    fn reach(settings: &KeyValueSettings) -> Reach {
        let why = match settings.kind {
            KeyValueKind::Redis { .. } | KeyValueKind::Nats { .. } => return Reach::Shared,
            KeyValueKind::Memory => "keeps its data in the memory of the host running it",
            KeyValueKind::Embedded => "keeps its data in a file on the host running it",
        };
        Reach::ThisHost {
            why,
            hint: "`backend: redis` or `backend: nats` in the link's target config, or the keyvalue-redis or keyvalue-nats image",
        }
    }

    fn keep_unlinked(settings: &KeyValueSettings) -> bool {
        matches!(settings.kind, KeyValueKind::Memory | KeyValueKind::Embedded)
    }

    async fn open(
        capability_id: &str,
        settings: &KeyValueSettings,
        env: &HostEnv,
    ) -> Result<Arc<dyn KeyValueBackend>, LinkError> {
        Ok(match &settings.kind {
            KeyValueKind::Memory => Arc::new(MemoryKeyValue::new()),
            KeyValueKind::Embedded => {
                let Some(dir) = &env.data_dir else {
                    return Err(LinkError::NoDataDir {
                        what: "a durable key-value store",
                        hint: "set `backend: memory` in the link's target config",
                    });
                };
                let file = dir.join("keyvalue").join(format!("{capability_id}.redb"));
                Arc::new(EmbeddedKeyValue::open(&file).map_err(LinkError::backend)?)
            }
            KeyValueKind::Redis { url } => Arc::new(
                RedisKeyValue::connect(url)
                    .await
                    .map_err(LinkError::backend)?,
            ),
            KeyValueKind::Nats {
                url,
                bucket,
                auto_create,
            } => Arc::new(
                NatsKeyValue::connect(url, bucket.clone(), *auto_create)
                    .await
                    .map_err(LinkError::backend)?,
            ),
        })
    }
}
