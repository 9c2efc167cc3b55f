//! The capabilities a host links components to, and the backends each has open.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{Capability, Compose, HostEnv, Kind, LinkError, LinkRequest, Linked, Reach, compose};

/// Open backends of capability `C`, by (capability id, settings).
type OpenBackends<C> = HashMap<(String, <C as Capability>::Settings), <C as Capability>::Backend>;

/// The backends capability `C` has open on this host, by (capability id, settings).
pub struct CapabilityHost<C: Capability> {
    env: HostEnv,
    open: Mutex<OpenBackends<C>>,
}

impl<C: Capability> CapabilityHost<C> {
    fn new(env: HostEnv) -> Self {
        Self {
            env,
            open: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, OpenBackends<C>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The open backend capability `id` serves `settings` with, if any.
    pub fn backend(&self, id: &str, settings: &C::Settings) -> Option<C::Backend> {
        self.lock().get(&(id.to_owned(), settings.clone())).cloned()
    }

    /// Every open backend.
    pub fn backends(&self) -> Vec<C::Backend> {
        self.lock().values().cloned().collect()
    }

    /// Opens the backend of (`id`, `settings`) and keeps it; one opened meanwhile for the same
    /// key stays (links may already use it).
    pub fn opening(self: &Arc<Self>, id: &str, settings: C::Settings) -> Opening {
        let host = Arc::clone(self);
        let id = id.to_owned();
        Opening(Box::pin(async move {
            let backend = C::open(&id, &settings, &host.env).await?;
            host.lock().entry((id, settings)).or_insert(backend);
            Ok(())
        }))
    }
}

/// A backend being opened; it is kept once [`Opening::open`] succeeds.
pub struct Opening(Pin<Box<dyn Future<Output = Result<(), LinkError>> + Send>>);

impl Opening {
    /// Opens it; the error names where.
    pub async fn open(self) -> Result<(), LinkError> {
        self.0.await
    }
}

/// A link's settings for capability `C`; a link that lists secrets `C` does not read is
/// refused.
fn settings<C: Capability>(request: &LinkRequest<'_>) -> Result<C::Settings, LinkError> {
    if !C::READS_LINK_SECRETS && !request.link_secrets.is_empty() {
        let names: Vec<&str> = request.link_secrets.keys().map(String::as_str).collect();
        return Err(LinkError::Unsupported(format!(
            "the link to `{}` lists secrets ({}), which {} does not read; give them to the component in its own `secrets`",
            request.capability_id,
            names.join(", "),
            request.kind.name
        )));
    }
    C::on_link(request)
}

/// What the registry does with one capability, whatever its types.
trait Handler: Send + Sync {
    fn kinds(&self) -> &'static [Kind];
    fn package(&self) -> Option<&'static str>;
    fn offers(&self) -> &'static str;
    fn reach(&self, request: &LinkRequest<'_>) -> Result<Reach, LinkError>;
    fn prepare(&self, request: &LinkRequest<'_>) -> Result<Option<Opening>, LinkError>;
    fn publish(
        &self,
        request: &LinkRequest<'_>,
        name: &str,
        into: &mut Linked,
    ) -> Result<(), LinkError>;
    fn close_unused(&self, used: &[&LinkRequest<'_>]);
    fn stopped(&self, capability_id: &str);
}

/// [`CapabilityHost`] as a [`Handler`].
struct Typed<C: Capability>(Arc<CapabilityHost<C>>);

impl<C: Capability> Handler for Typed<C> {
    fn kinds(&self) -> &'static [Kind] {
        C::KINDS
    }

    fn package(&self) -> Option<&'static str> {
        C::PACKAGE
    }

    fn offers(&self) -> &'static str {
        C::OFFERS
    }

    fn reach(&self, request: &LinkRequest<'_>) -> Result<Reach, LinkError> {
        Ok(C::reach(&settings::<C>(request)?))
    }

    fn prepare(&self, request: &LinkRequest<'_>) -> Result<Option<Opening>, LinkError> {
        let settings = settings::<C>(request)?;
        let open = self.0.backend(request.capability_id, &settings).is_some();
        Ok((!open).then(|| self.0.opening(request.capability_id, settings)))
    }

    fn publish(
        &self,
        request: &LinkRequest<'_>,
        name: &str,
        into: &mut Linked,
    ) -> Result<(), LinkError> {
        let settings = settings::<C>(request)?;
        let backend = self
            .0
            .backend(request.capability_id, &settings)
            .ok_or(LinkError::NotOpen)?;
        into.insert::<C>(name.to_owned(), backend);
        Ok(())
    }

    fn close_unused(&self, used: &[&LinkRequest<'_>]) {
        let used: Vec<(&str, C::Settings)> = used
            .iter()
            .filter_map(|request| Some((request.capability_id, settings::<C>(request).ok()?)))
            .collect();
        self.0.lock().retain(|(id, settings), _| {
            C::keep_unlinked(settings)
                || used
                    .iter()
                    .any(|(used_id, used_settings)| used_id == id && used_settings == settings)
        });
    }

    fn stopped(&self, capability_id: &str) {
        self.0.lock().retain(|(id, _), _| id != capability_id);
    }
}

/// Every capability a host links components to ([`compose`]), with the backends each has
/// open. The host keeps one and asks it about each link.
pub struct Registry {
    handlers: Vec<Box<dyn Handler>>,
    typed: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl Registry {
    /// Every built-in capability, opening durable backends under `env`'s data directory.
    pub fn new(env: HostEnv) -> Self {
        let mut registry = Builder {
            env,
            registry: Self {
                handlers: Vec::new(),
                typed: HashMap::new(),
            },
        };
        compose(&mut registry);
        registry.registry
    }

    fn handler(&self, kind: &Kind) -> Option<&dyn Handler> {
        self.handlers
            .iter()
            .find(|handler| handler.kinds().contains(kind))
            .map(Box::as_ref)
    }

    /// Whether a capability of `kind` gives components `package` (`namespace:package`).
    pub fn provides(&self, kind: &Kind, package: &str) -> bool {
        self.handler(kind)
            .and_then(|handler| handler.package())
            .is_some_and(|provided| provided == package)
    }

    /// What a component can import from a capability of `kind`, for error hints.
    pub fn offers(&self, kind: &Kind) -> &'static str {
        self.handler(kind)
            .map_or("nothing", |handler| handler.offers())
    }

    /// Where the data a link reaches lives.
    pub fn reach(&self, request: &LinkRequest<'_>) -> Result<Reach, LinkError> {
        self.handler(request.kind)
            .map_or(Ok(Reach::Shared), |handler| handler.reach(request))
    }

    /// Checks a link's settings; returns what must be opened for it if that is not open yet.
    pub fn prepare(&self, request: &LinkRequest<'_>) -> Result<Option<Opening>, LinkError> {
        self.handler(request.kind)
            .map_or(Ok(None), |handler| handler.prepare(request))
    }

    /// Records in `into` the open backend link `name` reaches.
    pub fn publish(
        &self,
        request: &LinkRequest<'_>,
        name: &str,
        into: &mut Linked,
    ) -> Result<(), LinkError> {
        self.handler(request.kind)
            .map_or(Ok(()), |handler| handler.publish(request, name, into))
    }

    /// Closes the backends no link in `used` reaches any more (unless their capability keeps
    /// them, see [`Capability::keep_unlinked`]).
    pub fn close_unused(&self, used: &[LinkRequest<'_>]) {
        for handler in &self.handlers {
            let mine: Vec<&LinkRequest<'_>> = used
                .iter()
                .filter(|request| handler.kinds().contains(request.kind))
                .collect();
            handler.close_unused(&mine);
        }
    }

    /// Forgets what capability `id` held (its in-memory data, open files and connections).
    pub fn stopped(&self, id: &str) {
        for handler in &self.handlers {
            handler.stopped(id);
        }
    }

    /// The backends capability `C` has open, for the host's own uses of them (a messaging
    /// capability's subscriptions).
    pub fn host<C: Capability>(&self) -> Option<Arc<CapabilityHost<C>>> {
        Arc::clone(self.typed.get(&TypeId::of::<C>())?)
            .downcast::<CapabilityHost<C>>()
            .ok()
    }
}

/// Builds a [`Registry`] from [`compose`].
struct Builder {
    env: HostEnv,
    registry: Registry,
}

impl Compose for Builder {
    fn add<C: Capability>(&mut self) {
        let host = Arc::new(CapabilityHost::<C>::new(self.env.clone()));
        self.registry.typed.insert(
            TypeId::of::<C>(),
            Arc::clone(&host) as Arc<dyn Any + Send + Sync>,
        );
        self.registry.handlers.push(Box::new(Typed(host)));
    }
}

/// Collects every capability's kinds.
#[derive(Default)]
struct Kinds(Vec<&'static Kind>);

impl Compose for Kinds {
    fn add<C: Capability>(&mut self) {
        self.0.extend(C::KINDS);
    }
}

/// The built-in kind an image names, if any (`repository[:tag][@digest]`).
pub fn resolve(image: &str) -> Option<&'static Kind> {
    let repository = image
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/') && !tag.starts_with("//"))
        .map_or(image, |(repository, _)| repository);
    let repository = repository
        .split_once('@')
        .map_or(repository, |(name, _)| name);
    let mut kinds = Kinds::default();
    compose(&mut kinds);
    kinds
        .0
        .into_iter()
        .find(|kind| kind.images.contains(&repository))
}

/// Collects every capability's package.
#[derive(Default)]
struct Packages(Vec<&'static str>);

impl Compose for Packages {
    fn add<C: Capability>(&mut self) {
        self.0.extend(C::PACKAGE);
    }
}

/// The packages components import from capabilities (`wasi:keyvalue`, `wasmcloud:postgres`).
pub fn packages() -> Vec<&'static str> {
    let mut packages = Packages::default();
    compose(&mut packages);
    packages.0
}

/// The images weft knows, for error hints.
pub fn known_images() -> Vec<&'static str> {
    let mut kinds = Kinds::default();
    compose(&mut kinds);
    kinds
        .0
        .iter()
        .flat_map(|kind| kind.images.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::blobstore::BLOBSTORE_NATS;
    use crate::http_server::HTTP_SERVER;
    use crate::keyvalue::{KEYVALUE, KEYVALUE_NATS, KEYVALUE_REDIS};
    use crate::messaging::{MESSAGING, MESSAGING_NATS};

    #[test]
    fn wasmcloud_and_weft_images_resolve() {
        let cases: &[(&str, &Kind)] = &[
            ("ghcr.io/wasmcloud/http-server:0.27.0", &HTTP_SERVER),
            ("ghcr.io/wasmcloud/http-server@sha256:abc", &HTTP_SERVER),
            ("weft+builtin://http-server", &HTTP_SERVER),
            ("wasmcloud+builtin://http-server", &HTTP_SERVER),
            ("weft+builtin://keyvalue", &KEYVALUE),
            ("ghcr.io/wasmcloud/keyvalue-redis:0.28.1", &KEYVALUE_REDIS),
            ("ghcr.io/wasmcloud/keyvalue-nats:0.3.1", &KEYVALUE_NATS),
            ("ghcr.io/wasmcloud/blobstore-nats:0.3.1", &BLOBSTORE_NATS),
            ("ghcr.io/wasmcloud/messaging-nats:0.27.0", &MESSAGING_NATS),
            ("wasmcloud+builtin://messaging-nats", &MESSAGING_NATS),
            ("weft+builtin://messaging", &MESSAGING),
        ];
        for (image, kind) in cases {
            assert_eq!(resolve(image), Some(*kind), "{image}");
        }
        assert_eq!(resolve("ghcr.io/wasmcloud/http-server-fork:1"), None);
    }

    #[test]
    fn every_image_names_one_kind() {
        let images = known_images();
        let mut unique = images.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(images.len(), unique.len(), "an image names two kinds");
    }

    /// A registry keeps one backend per (capability, settings), closes unlinked connections,
    /// keeps backends holding data until their capability stops, and publishes by link name.
    #[tokio::test]
    async fn backends_open_once_and_close_when_unused() {
        let registry = Registry::new(HostEnv::default());
        let memory = BTreeMap::from([("backend".to_owned(), "memory".to_owned())]);
        let none = BTreeMap::new();
        let request = |config| LinkRequest {
            capability_id: "kv",
            kind: &KEYVALUE,
            link_config: config,
            capability_config: &none,
            link_secrets: &none,
            source_id: "component",
            link_name: "default",
        };
        let opening = registry
            .prepare(&request(&memory))
            .unwrap()
            .expect("not open yet");
        opening.open().await.unwrap();
        assert!(
            registry.prepare(&request(&memory)).unwrap().is_none(),
            "opened once"
        );
        let mut linked = Linked::default();
        registry
            .publish(&request(&memory), "cache", &mut linked)
            .unwrap();
        let store = linked
            .get::<crate::keyvalue::KeyValueCapability>("cache")
            .expect("published under its link name");
        store.set("b", "k", b"v".to_vec()).await.unwrap();

        registry.close_unused(&[]);
        assert!(
            registry.prepare(&request(&memory)).unwrap().is_none(),
            "memory stores hold data: kept while unlinked"
        );
        registry.stopped("kv");
        assert!(registry.prepare(&request(&memory)).unwrap().is_some());

        let durable = registry
            .prepare(&request(&none))
            .unwrap()
            .expect("embedded");
        let error = durable.open().await.unwrap_err();
        assert!(error.to_string().contains("no data directory"), "{error}");
    }

    #[test]
    fn a_bad_link_config_says_which_key() {
        let registry = Registry::new(HostEnv::default());
        let bad = BTreeMap::from([("backend".to_owned(), "etcd".to_owned())]);
        let none = BTreeMap::new();
        let error = registry
            .prepare(&LinkRequest {
                capability_id: "kv",
                kind: &KEYVALUE,
                link_config: &bad,
                capability_config: &none,
                link_secrets: &none,
                source_id: "component",
                link_name: "default",
            })
            .err()
            .expect("refused");
        assert!(error.to_string().contains("`backend: etcd`"), "{error}");
        assert!(
            std::error::Error::source(&error).is_some(),
            "keeps its cause"
        );
    }

    #[test]
    fn a_link_listing_secrets_its_capability_does_not_read_is_refused() {
        let registry = Registry::new(HostEnv::default());
        let secrets = BTreeMap::from([("URL".to_owned(), "redis://db:6379".to_owned())]);
        let none = BTreeMap::new();
        let error = registry
            .prepare(&LinkRequest {
                capability_id: "kv",
                kind: &KEYVALUE_REDIS,
                link_config: &none,
                capability_config: &none,
                link_secrets: &secrets,
                source_id: "component",
                link_name: "default",
            })
            .err()
            .expect("refused");
        assert!(error.to_string().contains("lists secrets (URL)"), "{error}");
        assert!(
            !error.to_string().contains("redis://db"),
            "never the value: {error}"
        );
    }
}
