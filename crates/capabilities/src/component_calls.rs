//! Component → component links: an interface a component imports that no capability serves is
//! answered by the component its link points at, called in process. The importer's linker
//! gets one forwarding function per imported function; each call looks up the link's target
//! when it is made, runs the target's export in a fresh instance of the target, and hands the
//! results back. Only plain values cross (no resources), as between two wRPC peers.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use wasmtime::Engine;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};

use crate::HttpInstanceState;
use crate::call_context::CallContext;
use crate::http_server::ComponentHandler;
use crate::wire_val::{WireVal, from_wire, to_wire};

/// How deep calls may nest (A calls B calls C …) before the host refuses: a link cycle would
/// otherwise start instances without end.
pub const MAX_CALL_DEPTH: u32 = 8;

/// The packages the host serves a component itself, beside WASI and what capabilities give
/// ([`crate::capability::packages`]); a component's imports from any other package are
/// answered by the components its links point at.
const OWN_PACKAGES: &[&str] = &["wasmcloud:bus", "wasmcloud:secrets"];

/// Components that run on the lattice's other hosts, for calls whose target does not run
/// here.
#[async_trait::async_trait]
pub trait RemoteComponents: Send + Sync + 'static {
    /// Calls `function` of `interface` on component `target` on another host for component
    /// `source`, in the context `call` (its depth and trace); its results, or why the call
    /// failed.
    async fn call(
        &self,
        source: String,
        target: String,
        interface: String,
        function: String,
        params: Vec<WireVal>,
        call: CallContext,
    ) -> Result<Vec<WireVal>, RemoteCallError>;
}

/// A call to a component on another host that did not come back with results.
#[derive(Debug, thiserror::Error)]
pub enum RemoteCallError {
    /// No host of the lattice serves the component.
    #[error("`{target}` runs on no host of the lattice")]
    NoHost {
        /// The component called.
        target: String,
    },
    /// The host serving it did not answer in time.
    #[error("`{target}` on another host did not answer within {timeout:?}")]
    Timeout {
        /// The component called.
        target: String,
        /// How long the call waited.
        timeout: std::time::Duration,
    },
    /// The request could not be sent, or its answer read.
    #[error("calling `{target}` on another host failed: {source}")]
    Transport {
        /// The component called.
        target: String,
        /// What failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The other host carried the call out and it failed (that host's words).
    #[error("{0}")]
    Failed(String),
}

/// Why an import meant for component links cannot be forwarded.
#[derive(Debug, thiserror::Error)]
pub enum UnlinkableImport {
    /// The interface carries a resource, which cannot cross a link.
    #[error(
        "it imports {interface}, which carries the resource `{resource}`; links between components carry plain values only, so export functions that take and return records, lists and strings"
    )]
    CarriesResource {
        /// The imported interface.
        interface: String,
        /// The resource.
        resource: String,
    },
    /// Wasmtime refused the forwarding function.
    #[error("cannot link {what}: {source:#}")]
    Linker {
        /// The interface or function.
        what: String,
        /// Wasmtime's error.
        #[source]
        source: wasmtime::Error,
    },
}

/// The components running on a host, by id, shared with everything that calls them: HTTP
/// routes, message subscriptions and other components; and the way to those running on other
/// hosts, when the host is in a lattice.
#[derive(Clone, Default)]
pub struct ComponentDirectory {
    handlers: Arc<RwLock<HashMap<String, Arc<ComponentHandler>>>>,
    remote: Arc<RwLock<Option<Arc<dyn RemoteComponents>>>>,
}

/// Where a call to a linked component goes.
pub(crate) enum CallTarget {
    /// The component runs here.
    Local(Arc<ComponentHandler>),
    /// It runs elsewhere (its id, and the way there).
    Remote(String, Arc<dyn RemoteComponents>),
}

impl ComponentDirectory {
    /// Sends calls to components that do not run here through `remote`.
    pub fn set_remote(&self, remote: Arc<dyn RemoteComponents>) {
        *self.remote.write().unwrap_or_else(PoisonError::into_inner) = Some(remote);
    }

    /// Where a call to component `id` goes: here, or another host when there is a lattice.
    pub(crate) fn target(&self, id: &str) -> Option<CallTarget> {
        if let Some(handler) = self.get(id) {
            return Some(CallTarget::Local(handler));
        }
        self.remote
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .map(|remote| CallTarget::Remote(id.to_owned(), remote))
    }

    /// The handler of component `id`, if it runs here.
    pub fn get(&self, id: &str) -> Option<Arc<ComponentHandler>> {
        self.handlers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// Makes `handler` the one that answers for component `id`.
    pub fn insert(&self, id: &str, handler: Arc<ComponentHandler>) {
        self.handlers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned(), handler);
    }

    /// Forgets component `id`.
    pub fn remove(&self, id: &str) {
        self.handlers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

/// Why a call from one component to another did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ComponentCallError {
    /// The caller has no link for the interface.
    #[error(
        "component `{component}` calls {interface} but has no link named `{link_name}` for {package}; add a link trait (namespace/package of {package}) on `{component}` whose target is the component that exports it"
    )]
    NoLink {
        /// The caller.
        component: String,
        /// The interface it called (`namespace:package/interface`).
        interface: String,
        /// `namespace:package`.
        package: String,
        /// The link name in use.
        link_name: String,
    },
    /// The link's target does not run on this host.
    #[error("component `{component}` calls {interface} on `{target}`, which is not running here")]
    TargetNotRunning {
        /// The caller.
        component: String,
        /// The interface it called.
        interface: String,
        /// The link's target.
        target: String,
    },
    /// The target does not export the function.
    #[error(
        "component `{target}` does not export {interface}.{function}, which a link points at it for; it exports {exports}"
    )]
    NotExported {
        /// The link's target.
        target: String,
        /// The interface called.
        interface: String,
        /// The function called.
        function: String,
        /// What the target does export, for the hint.
        exports: String,
    },
    /// Calls nested deeper than [`MAX_CALL_DEPTH`].
    #[error(
        "component `{component}` calls {interface} at depth {depth}, past the limit of {MAX_CALL_DEPTH}; do its links form a cycle?"
    )]
    TooDeep {
        /// The caller.
        component: String,
        /// The interface it called.
        interface: String,
        /// The depth the call would have run at.
        depth: u32,
    },
    /// The target already runs as many invocations as its limits policy allows.
    #[error(
        "component `{target}` is busy: it already runs {max} invocations at once, its max-concurrency; retry shortly, or raise max-concurrency in its limits policy"
    )]
    AtCapacity {
        /// The link's target.
        target: String,
        /// Its max-concurrency.
        max: u32,
    },
    /// The target failed while answering.
    #[error("component `{target}` failed while answering {interface}.{function}: {reason}")]
    Failed {
        /// The link's target.
        target: String,
        /// The interface called.
        interface: String,
        /// The function called.
        function: String,
        /// Why, as Wasmtime put it.
        reason: String,
    },
}

/// `namespace:package/interface` without its `@version`.
pub fn unversioned(name: &str) -> &str {
    name.split_once('@').map_or(name, |(name, _)| name)
}

/// `namespace:package` of an interface name, if it has one.
pub fn package_of(interface: &str) -> Option<&str> {
    unversioned(interface)
        .split_once('/')
        .map(|(package, _)| package)
}

/// Whether the host itself serves `interface`: all of `wasi:`, wasmCloud's host packages and
/// `capability_packages` (what the composed capabilities serve, [`crate::capability::packages`]).
fn served_by_host(interface: &str, capability_packages: &[&str]) -> bool {
    let Some(package) = package_of(interface) else {
        return true; // A bare name is no interface a link can name.
    };
    package.starts_with("wasi:")
        || OWN_PACKAGES.contains(&package)
        || capability_packages.contains(&package)
}

/// The interfaces `component` exports, full name by unversioned name.
pub(crate) fn exported_interfaces(
    component: &Component,
    engine: &Engine,
) -> HashMap<String, String> {
    component
        .component_type()
        .exports(engine)
        .filter(|(_, export)| matches!(export.ty, ComponentItem::ComponentInstance(_)))
        .map(|(name, _)| (unversioned(name).to_owned(), name.to_owned()))
        .collect()
}

/// Defines a forwarding function in `linker` for every function `component` imports from a
/// package the host does not serve; returns those interfaces' full names. An imported
/// interface that carries resources cannot be forwarded: the error names it.
pub(crate) fn define_linked_imports(
    linker: &mut Linker<HttpInstanceState>,
    component: &Component,
    engine: &Engine,
) -> Result<Vec<String>, UnlinkableImport> {
    let mut linked = Vec::new();
    let capability_packages = crate::capability::packages();
    for (name, import) in component.component_type().imports(engine) {
        let ComponentItem::ComponentInstance(instance) = import.ty else {
            continue;
        };
        if served_by_host(name, &capability_packages) {
            continue;
        }
        let mut functions = Vec::new();
        for (function, item) in instance.exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(_) => functions.push(function.to_owned()),
                ComponentItem::Resource(_) => {
                    return Err(UnlinkableImport::CarriesResource {
                        interface: name.to_owned(),
                        resource: function.to_owned(),
                    });
                }
                _ => {}
            }
        }
        let mut scope = linker
            .instance(name)
            .map_err(|source| UnlinkableImport::Linker {
                what: name.to_owned(),
                source,
            })?;
        let interface: Arc<str> = Arc::from(name);
        for function in functions {
            forward(&mut scope, &interface, &function).map_err(|source| {
                UnlinkableImport::Linker {
                    what: format!("{name}.{function}"),
                    source,
                }
            })?;
        }
        linked.push(name.to_owned());
    }
    Ok(linked)
}

/// Defines `function` of `interface` in `scope` as a call to the component the caller's link
/// names: in this process, or on another host.
fn forward(
    scope: &mut wasmtime::component::LinkerInstance<'_, HttpInstanceState>,
    interface: &Arc<str>,
    function: &str,
) -> wasmtime::Result<()> {
    let interface = Arc::clone(interface);
    let function: Arc<str> = Arc::from(function);
    let name = Arc::clone(&function);
    scope.func_new_async(&name, move |store, _ty, params, results| {
        let interface = Arc::clone(&interface);
        let function = Arc::clone(&function);
        Box::new(async move {
            let (target, call) = store.data().component_call(&interface)?;
            match target {
                CallTarget::Local(target) => {
                    target
                        .call_export(&interface, &function, params, results, call)
                        .await?;
                    Ok(())
                }
                CallTarget::Remote(target, remote) => {
                    let source = store.data().component_id().to_owned();
                    let call = RemoteCall {
                        source,
                        target,
                        interface: &interface,
                        function: &function,
                        call,
                    };
                    call.run(remote.as_ref(), params, results).await
                }
            }
        })
    })
}

/// One call to a component on another host.
struct RemoteCall<'a> {
    source: String,
    target: String,
    interface: &'a str,
    function: &'a str,
    call: CallContext,
}

impl RemoteCall<'_> {
    /// Sends `params` and fills `results` with the answer.
    async fn run(
        self,
        remote: &dyn RemoteComponents,
        params: &[wasmtime::component::Val],
        results: &mut [wasmtime::component::Val],
    ) -> wasmtime::Result<()> {
        let params = params
            .iter()
            .map(to_wire)
            .collect::<Result<Vec<_>, _>>()
            .map_err(wasmtime::Error::msg)?;
        let (interface, function) = (self.interface, self.function);
        let answer = remote
            .call(
                self.source,
                self.target.clone(),
                interface.to_owned(),
                function.to_owned(),
                params,
                self.call,
            )
            .await
            .map_err(|reason| ComponentCallError::Failed {
                target: self.target,
                interface: unversioned(interface).to_owned(),
                function: function.to_owned(),
                reason: reason.to_string(),
            })?;
        if answer.len() != results.len() {
            return Err(wasmtime::format_err!(
                "{interface}.{function} on another host returned {} results, not {}",
                answer.len(),
                results.len()
            ));
        }
        for (slot, value) in results.iter_mut().zip(answer) {
            *slot = from_wire(value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_packages_are_not_forwarded() {
        let packages = crate::capability::packages();
        let served = |interface| served_by_host(interface, &packages);
        assert!(served("wasi:keyvalue/store@0.2.0-draft"));
        assert!(served("wasi:http/types@0.2.6"));
        assert!(served("wasmcloud:messaging/consumer@0.2.0"));
        assert!(served("wasmcloud:postgres/query@0.1.1-draft"));
        assert!(!served("example:pipeline/transform@0.1.0"));
        assert!(!served("wasmcloud:example/greet"));
    }

    #[test]
    fn names_split_into_package_and_version() {
        assert_eq!(
            unversioned("example:pipeline/transform@0.1.0"),
            "example:pipeline/transform"
        );
        assert_eq!(
            package_of("example:pipeline/transform@0.1.0"),
            Some("example:pipeline")
        );
        assert_eq!(package_of("run"), None);
    }
}
