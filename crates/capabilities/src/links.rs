//! What one component reaches through its links: its config, its key-value stores, its log
//! budget. The host resolves it whenever links or configs change and swaps it whole; each new
//! instance takes the current snapshot, so a change is visible to the next invocation.

use crate::call_context::TraceContext;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, PoisonError, RwLock};
use weft_telemetry::ComponentRecorder;

use wasmtime::component::{HasData, Linker, ResourceTable};

use weft_secrets::SecretValue;

use crate::bindings;
use crate::capability::{Linked, LinkerComposer, compose};
use crate::component_calls::ComponentDirectory;
use crate::instance_state::HttpInstanceState;
use crate::logging::LogLimiter;

/// Why a secret a component's manifest gives it cannot be read (never quoting the value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretUnavailable {
    /// The stored secret it names was deleted.
    #[error("the stored secret `{0}` is gone")]
    Gone(String),
    /// The `field` it names cannot be read from the stored value.
    #[error("{0}")]
    Field(#[source] weft_secrets::NoSuchField),
}

/// The link name a component uses unless it picks another.
pub const DEFAULT_LINK: &str = "default";

/// One component's resolved links, as instances see them.
pub struct ComponentLinks {
    /// The component's id.
    pub component_id: Arc<str>,
    /// The application that runs it, if any.
    pub app: Option<Arc<str>>,
    /// The merged values of the named configs the component reads (`wasi:config/store`).
    pub config: BTreeMap<String, String>,
    /// What its links to capabilities reach (stores, brokers, an HTTP client's settings), by
    /// capability and link name.
    pub linked: Linked,
    /// The components its imports from other components go to: target id by link name, then
    /// by `namespace:package`.
    pub components: BTreeMap<String, BTreeMap<String, String>>,
    /// Where those targets are found when a call is made.
    pub directory: ComponentDirectory,
    /// The secrets its manifest gives it, by the name it asks for: the value, or why it
    /// cannot have it (e.g. a `field` the stored value lacks; never quoting the value).
    pub secrets: BTreeMap<String, Result<SecretValue, SecretUnavailable>>,
    /// The names of its links by `namespace:package`, for `wasmcloud:bus/lattice`.
    pub link_names: BTreeMap<String, BTreeSet<String>>,
    /// How many log lines it may write (shared by all its instances).
    pub logs: Arc<LogLimiter>,
}

impl ComponentLinks {
    /// A component with no links and no config.
    pub fn unlinked(component_id: &str) -> Self {
        Self {
            component_id: Arc::from(component_id),
            app: None,
            config: BTreeMap::new(),
            linked: Linked::default(),
            components: BTreeMap::new(),
            directory: ComponentDirectory::default(),
            secrets: BTreeMap::new(),
            link_names: BTreeMap::new(),
            logs: Arc::new(LogLimiter::default()),
        }
    }
}

/// Where a component's current [`ComponentLinks`] are published; cheap to read per request.
#[derive(Clone)]
pub struct LinkSlot {
    current: Arc<RwLock<Arc<ComponentLinks>>>,
}

impl LinkSlot {
    /// A slot holding `links`.
    pub fn new(links: ComponentLinks) -> Self {
        Self {
            current: Arc::new(RwLock::new(Arc::new(links))),
        }
    }

    /// The current snapshot.
    pub fn get(&self) -> Arc<ComponentLinks> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Publishes a new snapshot; instances started from now on see it.
    pub fn set(&self, links: ComponentLinks) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(links);
    }
}

/// The capability side of one instance's state: its links, the link names it chose, and its
/// resource table.
pub struct CapabilitiesView<'a> {
    /// The component's links, as of the instance's start.
    pub links: &'a ComponentLinks,
    /// Link names chosen with `wasmcloud:bus/lattice.set-link-name`, by
    /// `namespace:package/interface`.
    pub chosen: &'a mut BTreeMap<String, String>,
    /// The instance's resource table.
    pub table: &'a mut ResourceTable,
    /// The trace the instance's invocation belongs to (messages it sends carry it).
    pub trace: Option<&'a TraceContext>,
    /// Records the component's capability calls (their spans and durations).
    pub recorder: &'a ComponentRecorder,
}

impl CapabilitiesView<'_> {
    /// The link name calls to `interface` (`namespace:package/interface`) use now.
    pub fn link_name(&self, interface: &str) -> &str {
        self.chosen
            .get(interface)
            .map_or(DEFAULT_LINK, String::as_str)
    }
}

/// Marks [`CapabilitiesView`] as the data the capability bindings work on.
pub struct Capabilities;

impl HasData for Capabilities {
    type Data<'a> = CapabilitiesView<'a>;
}

/// Adds every interface weft answers for components to `linker`: the component's own
/// (`wasi:config`, `wasi:logging`, `wasmcloud:bus/lattice`, `wasmcloud:secrets`) and every
/// capability's ([`compose`]).
pub fn add_to_linker(linker: &mut Linker<HttpInstanceState>) -> wasmtime::Result<()> {
    let view = HttpInstanceState::capabilities;
    type State = HttpInstanceState;
    bindings::wasi::config::store::add_to_linker::<State, Capabilities>(linker, view)?;
    bindings::wasi::logging::logging::add_to_linker::<State, Capabilities>(linker, view)?;
    bindings::wasi::config::runtime::add_to_linker::<State, Capabilities>(linker, view)?;
    bindings::wasmcloud::bus1_0_0::lattice::add_to_linker::<State, Capabilities>(linker, view)?;
    bindings::wasmcloud::bus2_0_0::lattice::add_to_linker::<State, Capabilities>(linker, view)?;
    bindings::wasmcloud::secrets::store::add_to_linker::<State, Capabilities>(linker, view)?;
    bindings::wasmcloud::secrets::reveal::add_to_linker::<State, Capabilities>(linker, view)?;
    let mut composer = LinkerComposer {
        linker,
        result: Ok(()),
    };
    compose(&mut composer);
    composer.result
}
