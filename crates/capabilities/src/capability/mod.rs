//! The shape every link-based capability has, and the one place they are composed.
//!
//! A capability is a type implementing [`Capability`]: the images that run it ([`Kind`]s),
//! the package components import from it, its `add_to_linker`, how a link's config becomes
//! its settings ([`Capability::on_link`], one pure parse, no I/O), and how settings open the
//! backend instances use ([`Capability::open`]). [`compose`] lists them all; the linker
//! ([`crate::add_to_linker`]) and the host's [`Registry`] are both built from that list, so a
//! new capability is one module plus one line there.

mod error;
mod linked;
mod registry;

use std::collections::BTreeMap;
use std::future::Future;
use std::hash::Hash;
use std::path::PathBuf;

use wasmtime::component::Linker;

use crate::instance_state::HttpInstanceState;

pub use error::{LinkError, NatsConnectError};
pub use linked::Linked;
pub use registry::{CapabilityHost, Opening, Registry, known_images, packages, resolve};

/// One way to run a capability, named by images: `weft+builtin://{name}` and the wasmCloud
/// images that mean the same provider. Kinds are compared by name.
#[derive(Debug)]
pub struct Kind {
    /// Its name in `weft+builtin://NAME`.
    pub name: &'static str,
    /// The image repositories (before any `:tag` or `@digest`) that name it.
    pub images: &'static [&'static str],
}

impl PartialEq for Kind {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Kind {}

/// A component's link to a capability, as the capability reads it.
pub struct LinkRequest<'a> {
    /// The capability's id.
    pub capability_id: &'a str,
    /// The kind of the capability (which image runs it).
    pub kind: &'static Kind,
    /// The link's merged target config (its named configs, later ones overriding).
    pub link_config: &'a BTreeMap<String, String>,
    /// The capability's own merged config (wasmCloud's provider config), which gives its links
    /// their defaults.
    pub capability_config: &'a BTreeMap<String, String>,
    /// The link's target secrets that are text, by the name the manifest gives them.
    pub link_secrets: &'a BTreeMap<String, String>,
    /// The component the link is from.
    pub source_id: &'a str,
    /// The link's name (`default` unless the manifest names it).
    pub link_name: &'a str,
}

impl LinkRequest<'_> {
    /// The value of one of `keys` (compared case-insensitively) in the capability's own config.
    pub fn capability_setting(&self, keys: &[&str]) -> Option<&str> {
        self.capability_config
            .iter()
            .find(|(key, _)| keys.iter().any(|wanted| key.eq_ignore_ascii_case(wanted)))
            .map(|(_, value)| value.as_str())
    }
}

/// What the host gives capabilities to open their backends with.
#[derive(Debug, Clone, Default)]
pub struct HostEnv {
    /// Where durable backends keep their files (`None`: durable backends are refused).
    pub data_dir: Option<PathBuf>,
}

/// Where the data a link reaches lives, which decides whether a component on another host
/// may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every host reaches the same data (a server such as Redis or NATS, or no data at all).
    Shared,
    /// Only the host running the capability has it.
    ThisHost {
        /// Where the data is, as "keeps its data in …".
        why: &'static str,
        /// How to give the link a backend every host reaches.
        hint: &'static str,
    },
}

/// One built-in capability: everything weft needs to know to link components to it.
pub trait Capability: Send + Sync + 'static {
    /// A link's settings (parsed by `on_link`, without I/O, whenever links are resolved);
    /// links with equal settings share one backend.
    type Settings: Clone + Eq + Hash + Send + Sync + 'static;
    /// What an instance uses through one link (cheap to clone: an `Arc` or small value).
    type Backend: Clone + Send + Sync + 'static;

    /// The kinds (images) that run it.
    const KINDS: &'static [Kind];
    /// The package components import from it (`wasi:keyvalue`); `None` if they import
    /// nothing (the HTTP server calls components instead).
    const PACKAGE: Option<&'static str>;
    /// What a component can import from it, for error hints.
    const OFFERS: &'static str;
    /// Whether it reads the link's target secrets ([`LinkRequest::link_secrets`]); a link to
    /// any other that lists secrets is refused, not silently ignored.
    const READS_LINK_SECRETS: bool = false;

    /// Adds its interfaces to `linker`, answered from each instance's [`Linked`] backends.
    fn add_to_linker(linker: &mut Linker<HttpInstanceState>) -> wasmtime::Result<()>;

    /// The settings of a link to it; the error says what is wrong with its config.
    fn on_link(request: &LinkRequest<'_>) -> Result<Self::Settings, LinkError>;

    /// Where the data behind `settings` lives.
    fn reach(_settings: &Self::Settings) -> Reach {
        Reach::Shared
    }

    /// Whether a backend stays open while no link uses it: true when it holds data in the
    /// host (memory, a file) or state other links rely on. Others close when their last link
    /// goes, or its settings change.
    fn keep_unlinked(_settings: &Self::Settings) -> bool {
        false
    }

    /// Opens the backend capability `capability_id` serves `settings` with (connecting to a
    /// server if it has one); the error names where.
    fn open(
        capability_id: &str,
        settings: &Self::Settings,
        env: &HostEnv,
    ) -> impl Future<Output = Result<Self::Backend, LinkError>> + Send;
}

/// Something built from the list of capabilities ([`compose`] calls [`Compose::add`] once per
/// capability).
pub trait Compose {
    /// Takes capability `C` in.
    fn add<C: Capability>(&mut self);
}

/// The composition root: every built-in capability weft links components to, in one place.
pub fn compose(into: &mut impl Compose) {
    into.add::<crate::http_server::HttpServerCapability>();
    into.add::<crate::keyvalue::KeyValueCapability>();
    into.add::<crate::http_client::HttpClientCapability>();
    into.add::<crate::messaging::MessagingCapability>();
    into.add::<crate::blobstore::BlobstoreCapability>();
    into.add::<crate::postgres::PostgresCapability>();
}

/// Adds every capability's interfaces to a linker.
pub(crate) struct LinkerComposer<'a> {
    pub(crate) linker: &'a mut Linker<HttpInstanceState>,
    pub(crate) result: wasmtime::Result<()>,
}

impl Compose for LinkerComposer<'_> {
    fn add<C: Capability>(&mut self) {
        if self.result.is_ok() {
            self.result = C::add_to_linker(self.linker);
        }
    }
}
