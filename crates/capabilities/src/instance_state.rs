//! The data inside one instance's store: WASI, `wasi:http`, its resource table and limits.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};
use weft_runtime::{InstanceLimits, StoreLimits};
use weft_telemetry::ComponentRecorder;

use crate::call_context::CallContext;
use crate::component_calls::{
    CallTarget, ComponentCallError, MAX_CALL_DEPTH, package_of, unversioned,
};
use crate::http_client::{LINK_HINT, OutgoingHooks, OutgoingHttpPolicy, RUN_HINT, UNLINKED_HINT};
use crate::links::{CapabilitiesView, ComponentLinks, DEFAULT_LINK};
use crate::stdio::GuestLogStream;

/// Per-instance state of an HTTP component: nothing is shared between requests.
pub struct HttpInstanceState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    limits: StoreLimits,
    hooks: OutgoingHooks,
    links: Arc<ComponentLinks>,
    chosen_links: std::collections::BTreeMap<String, String>,
    /// How deep in component → component calls this instance runs, and its trace.
    call: CallContext,
}

impl HttpInstanceState {
    /// Fresh state for one instance of `component`: its stdout and stderr go to the log tagged
    /// with the component's name; no environment, arguments, files or sockets are granted, and
    /// outgoing HTTP reaches only what `outgoing` allows; capability calls are answered from
    /// `links`; it runs in `call`'s context (a request's trace, or a call from another
    /// component), which its log lines carry too.
    pub fn new(
        component: &Arc<str>,
        limits: &InstanceLimits,
        outgoing: &OutgoingHttpPolicy,
        links: Arc<ComponentLinks>,
        call: CallContext,
    ) -> Self {
        let trace = call.trace.clone().map(Arc::new);
        let wasi = WasiCtx::builder()
            .stdout(GuestLogStream::stdout(Arc::clone(component), trace.clone()))
            .stderr(GuestLogStream::stderr(Arc::clone(component), trace))
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Self {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            limits: limits.store_limits(),
            hooks: hooks(component, outgoing, &links, call.trace.clone()),
            links,
            chosen_links: std::collections::BTreeMap::new(),
            call,
        }
    }

    /// The same state, its outgoing requests recorded by `recorder` (the component's).
    pub(crate) fn recorded_by(mut self, recorder: &ComponentRecorder) -> Self {
        self.hooks.recorder = recorder.clone();
        self
    }

    /// The trace the instance's invocation runs in.
    pub(crate) fn trace(&self) -> Option<&crate::call_context::TraceContext> {
        self.call.trace.as_ref()
    }

    /// The id of the component this instance runs.
    pub(crate) fn component_id(&self) -> &str {
        &self.links.component_id
    }

    /// The component a call to `interface` (an import served by a component link) goes to,
    /// with the context the call runs in.
    pub(crate) fn component_call(
        &self,
        interface: &str,
    ) -> Result<(CallTarget, CallContext), ComponentCallError> {
        let component = &*self.links.component_id;
        let name = unversioned(interface);
        let package = package_of(interface).unwrap_or(name);
        let call = self.call.next();
        let depth = call.depth;
        if depth > MAX_CALL_DEPTH {
            return Err(ComponentCallError::TooDeep {
                component: component.to_owned(),
                interface: name.to_owned(),
                depth,
            });
        }
        let link_name = self
            .chosen_links
            .get(name)
            .map_or(DEFAULT_LINK, String::as_str);
        let target = self
            .links
            .components
            .get(link_name)
            .and_then(|targets| targets.get(package))
            .ok_or_else(|| ComponentCallError::NoLink {
                component: component.to_owned(),
                interface: name.to_owned(),
                package: package.to_owned(),
                link_name: link_name.to_owned(),
            })?;
        let handler = self.links.directory.target(target).ok_or_else(|| {
            ComponentCallError::TargetNotRunning {
                component: component.to_owned(),
                interface: name.to_owned(),
                target: target.clone(),
            }
        })?;
        Ok((handler, call))
    }

    /// The capability side of this state, for the capability bindings.
    pub fn capabilities(&mut self) -> CapabilitiesView<'_> {
        CapabilitiesView {
            links: &self.links,
            chosen: &mut self.chosen_links,
            table: &mut self.table,
            trace: self.call.trace.as_ref(),
            recorder: &self.hooks.recorder,
        }
    }

    /// The store's memory limiter, for [`weft_runtime::prepare_store`].
    pub fn limits(&mut self) -> &mut StoreLimits {
        &mut self.limits
    }
}

/// The settings of the component's HTTP client link: the default link's, else the first
/// by name.
fn http_client_link(links: &ComponentLinks) -> Option<&crate::HttpClientSettings> {
    let all = links
        .linked
        .all::<crate::http_client::HttpClientCapability>()?;
    all.get(DEFAULT_LINK).or_else(|| all.values().next())
}

/// An HTTP client link decides for a linked component; otherwise the handler's own policy
/// (what `weft run --allow-http` grants; nothing for components `weft up` runs).
fn hooks(
    component: &Arc<str>,
    outgoing: &OutgoingHttpPolicy,
    links: &ComponentLinks,
    trace: Option<crate::call_context::TraceContext>,
) -> OutgoingHooks {
    match http_client_link(links) {
        Some(link) => OutgoingHooks {
            policy: link.policy.clone(),
            component: Arc::clone(component),
            timeouts: Some((link.connect_timeout, link.first_byte_timeout)),
            allow_hint: LINK_HINT,
            trace,
            recorder: ComponentRecorder::disabled(),
        },
        None => OutgoingHooks {
            policy: outgoing.clone(),
            component: Arc::clone(component),
            timeouts: None,
            allow_hint: if links.app.is_some() {
                UNLINKED_HINT
            } else {
                RUN_HINT
            },
            trace,
            recorder: ComponentRecorder::disabled(),
        },
    }
}

impl WasiView for HttpInstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HttpInstanceState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
