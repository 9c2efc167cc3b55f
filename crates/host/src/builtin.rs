//! The built-in capabilities and the images that name them: one table, in one place.

/// A capability weft runs inside the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// Serves HTTP to components linked over `wasi:http/incoming-handler`.
    HttpServer,
    /// Answers `wasi:keyvalue` (store, atomics, batch) for components linked to it; the
    /// link picks the backend (embedded file by default).
    KeyValue,
    /// The same, backed by Redis unless the link says otherwise (wasmCloud's
    /// `keyvalue-redis` image).
    KeyValueRedis,
    /// The same, backed by NATS JetStream unless the link says otherwise (wasmCloud's
    /// `keyvalue-nats` image).
    KeyValueNats,
    /// Lets components linked to it make outgoing HTTP requests (`wasi:http/outgoing-handler`)
    /// to what the link allows.
    HttpClient,
    /// Carries `wasmcloud:messaging` between components: they publish and request through
    /// it, and it delivers what links subscribe to to their handlers; in process unless a link
    /// names NATS servers (`weft+builtin://messaging`).
    Messaging,
    /// The same over NATS, as wasmCloud's `messaging-nats` provider: the servers a link or the
    /// capability's config names, else the local NATS server (`nats://127.0.0.1:4222`).
    MessagingNats,
    /// Gives components linked to it `wasi:blobstore` over a directory.
    BlobstoreFs,
    /// Gives components linked to it `wasi:blobstore` over NATS JetStream object stores.
    BlobstoreNats,
}

impl Builtin {
    /// Its name in `weft+builtin://NAME`.
    pub fn name(self) -> &'static str {
        match self {
            Self::HttpServer => "http-server",
            Self::KeyValue => "keyvalue",
            Self::KeyValueRedis => "keyvalue-redis",
            Self::KeyValueNats => "keyvalue-nats",
            Self::HttpClient => "http-client",
            Self::Messaging => "messaging",
            Self::MessagingNats => "messaging-nats",
            Self::BlobstoreFs => "blobstore-fs",
            Self::BlobstoreNats => "blobstore-nats",
        }
    }

    /// Whether it is one of the messaging capabilities (in process or over NATS).
    pub fn is_messaging(self) -> bool {
        matches!(self, Self::Messaging | Self::MessagingNats)
    }

    /// Whether a component linked to it over `namespace:package` gets that interface from it.
    pub fn provides(self, namespace: &str, package: &str) -> bool {
        match self {
            Self::HttpServer => false,
            Self::KeyValue | Self::KeyValueRedis | Self::KeyValueNats => {
                namespace == "wasi" && package == "keyvalue"
            }
            Self::HttpClient => namespace == "wasi" && package == "http",
            Self::Messaging | Self::MessagingNats => {
                namespace == "wasmcloud" && package == "messaging"
            }
            Self::BlobstoreFs | Self::BlobstoreNats => {
                namespace == "wasi" && package == "blobstore"
            }
        }
    }

    /// What a component can import from it, for error hints.
    pub fn offers(self) -> &'static str {
        match self {
            Self::HttpServer => "nothing (it calls components over wasi:http/incoming-handler)",
            Self::KeyValue | Self::KeyValueRedis | Self::KeyValueNats => "wasi:keyvalue",
            Self::HttpClient => "wasi:http/outgoing-handler",
            Self::Messaging | Self::MessagingNats => "wasmcloud:messaging/consumer",
            Self::BlobstoreFs | Self::BlobstoreNats => "wasi:blobstore",
        }
    }
}

/// Image prefixes (before any `:tag`) and the built-in each one names.
const IMAGES: &[(&str, Builtin)] = &[
    ("ghcr.io/wasmcloud/http-server", Builtin::HttpServer),
    ("wasmcloud.azurecr.io/httpserver", Builtin::HttpServer),
    ("weft+builtin://http-server", Builtin::HttpServer),
    ("wasmcloud+builtin://http-server", Builtin::HttpServer),
    ("weft+builtin://keyvalue", Builtin::KeyValue),
    ("wasmcloud+builtin://keyvalue", Builtin::KeyValue),
    ("ghcr.io/wasmcloud/keyvalue-redis", Builtin::KeyValueRedis),
    ("wasmcloud.azurecr.io/kvredis", Builtin::KeyValueRedis),
    ("weft+builtin://keyvalue-redis", Builtin::KeyValueRedis),
    ("ghcr.io/wasmcloud/keyvalue-nats", Builtin::KeyValueNats),
    ("weft+builtin://keyvalue-nats", Builtin::KeyValueNats),
    ("ghcr.io/wasmcloud/http-client", Builtin::HttpClient),
    ("wasmcloud.azurecr.io/httpclient", Builtin::HttpClient),
    ("weft+builtin://http-client", Builtin::HttpClient),
    ("wasmcloud+builtin://http-client", Builtin::HttpClient),
    ("ghcr.io/wasmcloud/messaging-nats", Builtin::MessagingNats),
    (
        "wasmcloud.azurecr.io/nats_messaging",
        Builtin::MessagingNats,
    ),
    ("wasmcloud+builtin://messaging-nats", Builtin::MessagingNats),
    ("weft+builtin://messaging-nats", Builtin::MessagingNats),
    ("weft+builtin://messaging", Builtin::Messaging),
    ("wasmcloud+builtin://messaging", Builtin::Messaging),
    ("ghcr.io/wasmcloud/blobstore-fs", Builtin::BlobstoreFs),
    ("wasmcloud.azurecr.io/blobstore_fs", Builtin::BlobstoreFs),
    ("weft+builtin://blobstore-fs", Builtin::BlobstoreFs),
    ("wasmcloud+builtin://blobstore-fs", Builtin::BlobstoreFs),
    ("ghcr.io/wasmcloud/blobstore-nats", Builtin::BlobstoreNats),
    ("weft+builtin://blobstore-nats", Builtin::BlobstoreNats),
    ("wasmcloud+builtin://blobstore-nats", Builtin::BlobstoreNats),
];

/// The built-in capability an image names, if any.
pub fn resolve(image: &str) -> Option<Builtin> {
    let repository = image
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/') && !tag.starts_with("//"))
        .map_or(image, |(repository, _)| repository);
    let repository = repository
        .split_once('@')
        .map_or(repository, |(name, _)| name);
    IMAGES
        .iter()
        .find(|(prefix, _)| *prefix == repository)
        .map(|(_, builtin)| *builtin)
}

/// The images weft knows, for error hints.
pub fn known_images() -> Vec<&'static str> {
    IMAGES.iter().map(|(image, _)| *image).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasmcloud_and_weft_images_resolve() {
        assert_eq!(
            resolve("ghcr.io/wasmcloud/http-server:0.27.0"),
            Some(Builtin::HttpServer)
        );
        assert_eq!(
            resolve("ghcr.io/wasmcloud/http-server@sha256:abc"),
            Some(Builtin::HttpServer)
        );
        assert_eq!(
            resolve("weft+builtin://http-server"),
            Some(Builtin::HttpServer)
        );
        assert_eq!(
            resolve("wasmcloud+builtin://http-server"),
            Some(Builtin::HttpServer)
        );
        assert_eq!(resolve("weft+builtin://keyvalue"), Some(Builtin::KeyValue));
        assert_eq!(
            resolve("ghcr.io/wasmcloud/keyvalue-redis:0.28.1"),
            Some(Builtin::KeyValueRedis)
        );
        assert_eq!(
            resolve("ghcr.io/wasmcloud/keyvalue-nats:0.3.1"),
            Some(Builtin::KeyValueNats)
        );
        assert_eq!(
            resolve("ghcr.io/wasmcloud/blobstore-nats:0.3.1"),
            Some(Builtin::BlobstoreNats)
        );
        assert_eq!(
            resolve("ghcr.io/wasmcloud/messaging-nats:0.27.0"),
            Some(Builtin::MessagingNats)
        );
        assert_eq!(
            resolve("wasmcloud+builtin://messaging-nats"),
            Some(Builtin::MessagingNats)
        );
        assert_eq!(
            resolve("weft+builtin://messaging"),
            Some(Builtin::Messaging)
        );
        assert_eq!(resolve("ghcr.io/wasmcloud/http-server-fork:1"), None);
    }
}
