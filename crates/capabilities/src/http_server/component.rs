//! Serving requests with a component: a fresh, isolated instance per request from a
//! pre-instantiated `wasi:http/proxy` component.

use crate::call_context::{CallContext, TraceContext, trace_ids};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use wasmtime::Store;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{InstancePre, Linker, Resource, Val};
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};
use weft_runtime::{
    BusyLane, InstanceLimits, InvocationFailure, LoadedComponent, Runtime, Sliced, prepare_store,
};
use weft_telemetry::{
    ComponentRecorder, ComponentTelemetry, HTTP_HANDLER_FUNCTION, Invocation,
    MESSAGE_HANDLER_FUNCTION, Outcome, Trigger,
};

use super::handler::{RequestHandler, ResponseBody, ResponseFuture, text_response};
use crate::bindings::handler_world::MessageHandlerPre;
use crate::bindings::handler_world_0_3::MessageHandler03Pre;
use crate::component_calls::{
    ComponentCallError, define_linked_imports, exported_interfaces, unversioned,
};
use crate::component_limits::{Admission, AtCapacity, LimitHitCounts, LimitHits};
use crate::links::{ComponentLinks, LinkSlot};
use crate::messaging::{BrokerMessage, MessagingError};
use crate::{HttpInstanceState, OutgoingHttpPolicy};

/// The interface an HTTP component must export.
pub const INCOMING_HANDLER: &str = "wasi:http/incoming-handler";
/// The interface a component built against `wasmcloud:messaging@0.2.0` exports to take
/// messages (unversioned).
pub const MESSAGE_HANDLER: &str = "wasmcloud:messaging/handler";

/// Why a component cannot serve HTTP.
#[derive(Debug, thiserror::Error)]
pub enum ComponentHandlerError {
    /// It imports something this host does not provide.
    #[error("{component} cannot be served: {reason}")]
    MissingImport {
        /// The component's name.
        component: String,
        /// Wasmtime's explanation, naming the import.
        reason: String,
    },
    /// It does not export `wasi:http/incoming-handler`.
    #[error(
        "{component} does not export {INCOMING_HANDLER} (0.2.x), so it cannot serve HTTP; build it as a `wasi:http/proxy` component"
    )]
    NotAnHttpHandler {
        /// The component's name.
        component: String,
    },
    /// It exports nothing weft can call.
    #[error(
        "{component} exports no interface ({INCOMING_HANDLER}, a wasmcloud:messaging handler or one of its own), so nothing can call it"
    )]
    NothingToCall {
        /// The component's name.
        component: String,
    },
    /// An import meant for a component link cannot be forwarded.
    #[error("{component} cannot be linked to other components: {problem}")]
    UnlinkableImport {
        /// The component's name.
        component: String,
        /// Which import, and why.
        #[source]
        problem: crate::component_calls::UnlinkableImport,
    },
    /// The linker could not be set up.
    #[error("cannot set up the host interfaces: {0}")]
    Linker(String),
}

/// Calls one component — HTTP requests and messages — with one fresh instance per call, each
/// under the runtime's busy lane. Cheap to clone (shared parts).
#[derive(Clone)]
pub struct ComponentHandler {
    name: Arc<str>,
    /// Set when it exports `wasi:http/incoming-handler`.
    pre: Option<ProxyPre<HttpInstanceState>>,
    /// Set when it exports `wasmcloud:messaging/handler@0.2.0`.
    message_pre: Option<MessageHandlerPre<HttpInstanceState>>,
    /// Set when it exports `wasmcloud:messaging/incoming-handler@0.3.0`.
    message_pre_0_3: Option<MessageHandler03Pre<HttpInstanceState>>,
    /// For calls from other components into its exports.
    instance_pre: InstancePre<HttpInstanceState>,
    /// The interfaces it exports, full name by unversioned name.
    exports: Arc<HashMap<String, String>>,
    /// The interfaces it imports from other components (through component links).
    linked_imports: Arc<[String]>,
    limits: InstanceLimits,
    admission: Admission,
    hits: Arc<LimitHits>,
    busy: BusyLane,
    outgoing: OutgoingHttpPolicy,
    links: LinkSlot,
    metrics: ComponentRecorder,
}

impl ComponentHandler {
    /// Links `component` against WASI 0.2, `wasi:http` and the capability interfaces
    /// (key-value, config, logging) and pre-instantiates it; its outgoing HTTP requests reach
    /// only what `outgoing` allows. It starts with no links ([`Self::with_links`] gives it
    /// the host's).
    pub fn new(
        runtime: &Runtime,
        component: &LoadedComponent,
        outgoing: OutgoingHttpPolicy,
    ) -> Result<Self, ComponentHandlerError> {
        let handler = Self::for_host(runtime, component, outgoing)?;
        if handler.pre.is_none() {
            return Err(ComponentHandlerError::NotAnHttpHandler {
                component: component.name.clone(),
            });
        }
        Ok(handler)
    }

    /// Like [`Self::new`], for a host that also delivers messages: the component must export
    /// `wasi:http/incoming-handler`, a `wasmcloud:messaging` handler, or both.
    pub fn for_host(
        runtime: &Runtime,
        component: &LoadedComponent,
        outgoing: OutgoingHttpPolicy,
    ) -> Result<Self, ComponentHandlerError> {
        let mut linker: Linker<HttpInstanceState> = Linker::new(runtime.engine());
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|error| ComponentHandlerError::Linker(format!("{error:#}")))?;
        crate::links::add_to_linker(&mut linker)
            .map_err(|error| ComponentHandlerError::Linker(format!("{error:#}")))?;
        let linked_imports =
            define_linked_imports(&mut linker, &component.component, runtime.engine()).map_err(
                |problem| ComponentHandlerError::UnlinkableImport {
                    component: component.name.clone(),
                    problem,
                },
            )?;
        let exports = exported_interfaces(&component.component, runtime.engine());

        let instance_pre = linker
            .instantiate_pre(&component.component)
            .map_err(|error| ComponentHandlerError::MissingImport {
                component: component.name.clone(),
                reason: format!("{error:#}"),
            })?;
        let pre = ProxyPre::new(instance_pre.clone()).ok();
        let message_pre = MessageHandlerPre::new(instance_pre.clone()).ok();
        let message_pre_0_3 = MessageHandler03Pre::new(instance_pre.clone()).ok();
        if exports.is_empty() {
            return Err(ComponentHandlerError::NothingToCall {
                component: component.name.clone(),
            });
        }
        Ok(Self {
            metrics: ComponentRecorder::disabled(),
            name: Arc::from(component.name.as_str()),
            pre,
            message_pre,
            message_pre_0_3,
            instance_pre,
            exports: Arc::new(exports),
            linked_imports: Arc::from(linked_imports),
            limits: runtime.limits(),
            admission: Admission::unbounded(),
            hits: Arc::default(),
            busy: runtime.busy_lane().clone(),
            outgoing,
            links: LinkSlot::new(ComponentLinks::unlinked(&component.name)),
        })
    }

    /// Resolves the component's links from `links` (read again for every instance).
    pub fn with_links(mut self, links: LinkSlot) -> Self {
        self.links = links;
        self
    }

    /// Runs each instance under `limits` (the runtime's, or the component's own from
    /// [`InstanceLimits::with_own`]) and at most as many invocations at once as `admission`
    /// lets in.
    pub fn with_limits(mut self, limits: InstanceLimits, admission: Admission) -> Self {
        self.limits = limits;
        self.admission = admission;
        self
    }

    /// Carries on from `previous`, the handler of the same component this one replaces (a
    /// re-scale, a new image): the same hit counts, and, when its max-concurrency is the same,
    /// the same permits, so invocations still running on `previous` count against the bound.
    pub fn succeeding(mut self, previous: &ComponentHandler) -> Self {
        self.hits = Arc::clone(&previous.hits);
        if self.admission.max() == previous.admission.max() {
            self.admission = previous.admission.clone();
        }
        self
    }

    /// The limits each of its instances runs under.
    pub fn instance_limits(&self) -> InstanceLimits {
        self.limits
    }

    /// How many of its invocations may run at once (`None`: no bound).
    pub fn max_concurrency(&self) -> Option<u32> {
        self.admission.max()
    }

    /// Its invocations that hit a limit or trapped so far.
    pub fn limit_hits(&self) -> LimitHitCounts {
        self.hits.counts()
    }

    /// Records its invocations in `metrics`, under its lattice id `id` (which manifest names
    /// make, so the label stays bounded; its name can be an image path).
    pub fn with_telemetry(mut self, metrics: &ComponentTelemetry, id: &str) -> Self {
        self.metrics = metrics.of(id);
        self
    }

    /// The component's name, as logs call it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The interfaces it imports through component links (full names).
    pub fn linked_imports(&self) -> &[String] {
        &self.linked_imports
    }

    /// Whether it exports `interface` (`namespace:package/interface`, any version).
    pub fn exports_interface(&self, interface: &str) -> bool {
        self.exports.contains_key(unversioned(interface))
    }

    /// Whether it takes messages (`wasmcloud:messaging` 0.2.0's `handler` or 0.3.0's
    /// `incoming-handler`).
    pub fn handles_messages(&self) -> bool {
        self.message_pre.is_some() || self.message_pre_0_3.is_some()
    }

    /// Every function its exported interfaces hold, as (full interface name, function,
    /// type), sorted; resources' constructors, methods and static functions (`[method]…`)
    /// are left out, as nothing outside a component can hold a resource.
    pub fn exported_functions(&self) -> Vec<(String, String, ComponentFunc)> {
        let engine = self.instance_pre.engine();
        let component_type = self.instance_pre.component().component_type();
        let mut functions = Vec::new();
        for interface in self.exports.values() {
            let Some(ComponentItem::ComponentInstance(instance)) = component_type
                .get_export(engine, interface)
                .map(|export| export.ty)
            else {
                continue;
            };
            for (function, item) in instance.exports(engine) {
                if let ComponentItem::ComponentFunc(ty) = item.ty
                    && !function.starts_with('[')
                {
                    functions.push((interface.clone(), function.to_owned(), ty));
                }
            }
        }
        functions.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        functions
    }

    /// The interfaces it exports, for hints.
    pub fn exported_interfaces(&self) -> String {
        let mut names: Vec<&str> = self.exports.values().map(String::as_str).collect();
        names.sort_unstable();
        names.join(", ")
    }

    /// Runs `function` of `interface` with `params` (a call from a component on another host
    /// or from outside) under the busy lane, and returns its results.
    pub async fn call_export_owned(
        &self,
        interface: &str,
        function: &str,
        params: Vec<Val>,
        call: CallContext,
    ) -> Result<Vec<Val>, ComponentCallError> {
        let mut results = vec![Val::Bool(false); self.result_count(interface, function)];
        let handler = self.clone();
        let (interface, function) = (interface.to_owned(), function.to_owned());
        sliced(&self.busy, self.metrics.clone(), async move {
            handler
                .call_export(&interface, &function, &params, &mut results, call)
                .await
                .map(|()| results)
        })
        .await
    }

    /// How many results `interface`.`function` returns (0 when it has no such export).
    fn result_count(&self, interface: &str, function: &str) -> usize {
        let engine = self.instance_pre.engine();
        let component_type = self.instance_pre.component().component_type();
        let instance = self
            .exports
            .get(unversioned(interface))
            .and_then(|full_name| component_type.get_export(engine, full_name))
            .and_then(|export| match export.ty {
                ComponentItem::ComponentInstance(instance) => Some(instance),
                _ => None,
            });
        instance
            .as_ref()
            .and_then(|instance| instance.get_export(engine, function))
            .and_then(|export| match export.ty {
                ComponentItem::ComponentFunc(func) => Some(func.results().len()),
                _ => None,
            })
            .unwrap_or(0)
    }

    /// Calls `interface`.`function` of this component for another component, in the context
    /// `call` (its depth and trace), in a fresh instance; `params` and `results` are plain
    /// values.
    pub async fn call_export(
        &self,
        interface: &str,
        function: &str,
        params: &[Val],
        results: &mut [Val],
        call: CallContext,
    ) -> Result<(), ComponentCallError> {
        let not_exported = || ComponentCallError::NotExported {
            target: self.name.to_string(),
            interface: unversioned(interface).to_owned(),
            function: function.to_owned(),
            exports: self.exported_interfaces(),
        };
        let full_name = self
            .exports
            .get(unversioned(interface))
            .ok_or_else(not_exported)?;
        let component = self.instance_pre.component();
        let index = component
            .get_export_index(None, full_name)
            .and_then(|instance| component.get_export_index(Some(&instance), function))
            .ok_or_else(not_exported)?;
        let invocation = self.metrics.begin(
            Trigger::Call,
            &format!("{}.{function}", unversioned(interface)),
            call.trace.as_ref(),
        );
        let _admitted = match self.admission.try_admit() {
            Ok(admitted) => admitted,
            Err(at_capacity) => {
                finish(invocation, Outcome::Denied, &self.hits);
                return Err(ComponentCallError::AtCapacity {
                    target: self.name.to_string(),
                    max: at_capacity.max,
                });
            }
        };
        let call = CallContext {
            trace: invocation.hand_on(call.trace.clone()),
            ..call
        };
        let mut store = Store::new(
            self.instance_pre.engine(),
            HttpInstanceState::new(
                &self.name,
                &self.limits,
                &self.outgoing,
                self.links.get(),
                call,
            )
            .recorded_by(&self.metrics),
        );
        prepare_store(&mut store, &self.limits, HttpInstanceState::limits);
        let outcome = async {
            let instance = self.instance_pre.instantiate_async(&mut store).await?;
            invocation.instantiated();
            let func = instance
                .get_func(&mut store, index)
                .ok_or_else(|| wasmtime::format_err!("{full_name}.{function} is not a function"))?;
            func.call_async(&mut store, params, results).await
        }
        .await
        .map_err(|error| InvocationFailure::classify(&error));
        finish(invocation, outcome_of(&outcome), &self.hits);
        let (trace_id, span_id) = trace_ids(store.data().trace());
        outcome.map_err(|failure| {
            tracing::warn!(
                component = &*self.name,
                reason = failure.reason(),
                trace_id,
                span_id,
                "call from another component failed: {failure}"
            );
            ComponentCallError::Failed {
                target: self.name.to_string(),
                interface: unversioned(interface).to_owned(),
                function: function.to_owned(),
                reason: failure.to_string(),
            }
        })
    }

    /// Calls the component's message handler (`wasmcloud:messaging/handler@0.2.0`, else
    /// `incoming-handler@0.3.0`) with `message` in a fresh instance under the busy lane, in
    /// the trace `trace` it was sent in; the error says why it was not handled.
    pub async fn handle_message(
        &self,
        message: BrokerMessage,
        trace: Option<TraceContext>,
    ) -> Result<(), MessagingError> {
        if self.message_pre.is_none() && self.message_pre_0_3.is_none() {
            return Err(MessagingError::NoHandler {
                component: self.name.to_string(),
                interface: "wasmcloud:messaging/handler (0.2.0) or incoming-handler (0.3.0)",
            });
        }
        let handler = self.clone();
        sliced(&self.busy, self.metrics.clone(), async move {
            handler.deliver_message(message, trace).await
        })
        .await
    }

    /// [`Self::handle_message`] where the caller runs.
    async fn deliver_message(
        &self,
        message: BrokerMessage,
        trace: Option<TraceContext>,
    ) -> Result<(), MessagingError> {
        let invocation =
            self.metrics
                .begin(Trigger::Message, MESSAGE_HANDLER_FUNCTION, trace.as_ref());
        // A message waits for a running invocation to end, but no longer than it may run.
        let Ok(_admitted) =
            tokio::time::timeout(self.limits.deadline, self.admission.admit()).await
        else {
            finish(invocation, Outcome::Denied, &self.hits);
            return Err(MessagingError::Failed {
                component: self.name.to_string(),
                reason: "denied",
            });
        };
        let trace = invocation.hand_on(trace);
        let mut store = Store::new(
            self.instance_pre.engine(),
            HttpInstanceState::new(
                &self.name,
                &self.limits,
                &self.outgoing,
                self.links.get(),
                CallContext { depth: 0, trace },
            )
            .recorded_by(&self.metrics),
        );
        prepare_store(&mut store, &self.limits, HttpInstanceState::limits);
        let outcome = match (&self.message_pre, &self.message_pre_0_3) {
            (Some(pre), _) => {
                async {
                    let handler = pre.instantiate_async(&mut store).await?;
                    invocation.instantiated();
                    handler
                        .wasmcloud_messaging0_2_0_handler()
                        .call_handle_message(&mut store, &message)
                        .await
                }
                .await
            }
            (None, Some(pre)) => {
                crate::messaging::v0_3::deliver(pre, &mut store, message, &invocation).await
            }
            (None, None) => unreachable!("checked above"),
        };
        self.finish_message(invocation, outcome, store.data().trace())
    }

    /// Ends a message's `invocation` with `outcome`, said in the log when it failed.
    fn finish_message(
        &self,
        invocation: Invocation,
        outcome: wasmtime::Result<Result<(), String>>,
        trace: Option<&TraceContext>,
    ) -> Result<(), MessagingError> {
        let outcome = outcome.map_err(|error| InvocationFailure::classify(&error));
        let ended = match &outcome {
            Ok(Ok(())) => Outcome::Ok,
            Ok(Err(_)) => Outcome::Error,
            Err(failure) => failure_outcome(failure),
        };
        finish(invocation, ended, &self.hits);
        match outcome {
            Ok(result) => result.map_err(|reason| MessagingError::Refused { reason }),
            Err(failure) => {
                let (trace_id, span_id) = trace_ids(trace);
                tracing::warn!(
                    component = &*self.name,
                    reason = failure.reason(),
                    trace_id,
                    span_id,
                    "message handling failed: {failure}"
                );
                Err(MessagingError::Failed {
                    component: self.name.to_string(),
                    reason: failure.reason(),
                })
            }
        }
    }

    /// Serves `request` with a fresh instance of `pre`: admitted under the component's
    /// `max-concurrency` (503 with `Retry-After` when full), run in a task of its own under
    /// the busy lane, answered as soon as the guest hands over its response head.
    async fn serve<B>(
        name: Arc<str>,
        pre: ProxyPre<HttpInstanceState>,
        setup: InstanceSetup,
        request: Request<B>,
    ) -> Response<ResponseBody>
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let incoming = TraceContext::carried(request.extensions(), request.headers());
        let invocation =
            setup
                .recorder
                .begin(Trigger::Http, HTTP_HANDLER_FUNCTION, incoming.as_ref());
        let admitted = match setup.admission.try_admit() {
            Ok(admitted) => admitted,
            Err(at_capacity) => {
                finish(invocation, Outcome::Denied, &setup.hits);
                return denied_response(&name, at_capacity);
            }
        };
        let call = CallContext {
            depth: 0,
            trace: invocation.hand_on(incoming),
        };
        let state =
            HttpInstanceState::new(&name, &setup.limits, &setup.outgoing, setup.links, call)
                .recorded_by(&setup.recorder);
        let mut store = Store::new(pre.engine(), state);
        prepare_store(&mut store, &setup.limits, HttpInstanceState::limits);
        let (request, outparam, response) = match hand_over(&mut store, request) {
            Ok(handed) => handed,
            Err((status, reason)) => return text_response(status, reason),
        };
        let guest = GuestRun {
            name: Arc::clone(&name),
            pre,
            store,
            invocation,
            hits: setup.hits,
        };
        let mover = setup.recorder.clone();
        let run = async move {
            let _admitted = admitted;
            guest.handle(request, outparam).await
        };
        let invocation = tokio::spawn(sliced(&setup.busy, mover, run));
        answer(&name, response, invocation).await
    }
}

/// The guest's side of a request handed over to its store, and where its response head
/// arrives.
type HandedOver = (
    Resource<HostIncomingRequest>,
    Resource<HostResponseOutparam>,
    tokio::sync::oneshot::Receiver<
        Result<Response<ResponseBody>, wasmtime_wasi_http::p2::bindings::http::types::ErrorCode>,
    >,
);

/// Puts `request` and a response slot into `store`'s table, or the status and text that say
/// why they cannot be (400 for a request wasi-http cannot take).
fn hand_over<B>(
    store: &mut Store<HttpInstanceState>,
    request: Request<B>,
) -> Result<HandedOver, (StatusCode, String)>
where
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    let request = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, request)
        .map_err(|error| (StatusCode::BAD_REQUEST, format!("bad request: {error}")))?;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let outparam = store
        .data_mut()
        .http()
        .new_response_outparam(sender)
        .map_err(|error| (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))?;
    Ok((request, outparam, receiver))
}

/// One request's instance, from instantiation to the end of its handler.
struct GuestRun {
    name: Arc<str>,
    pre: ProxyPre<HttpInstanceState>,
    store: Store<HttpInstanceState>,
    invocation: Invocation,
    hits: Arc<LimitHits>,
}

impl GuestRun {
    /// Instantiates the component and calls its handler (it may keep streaming the body
    /// after handing over the response head); the invocation ends with how that went, and
    /// a failure is logged with the request's trace ids.
    async fn handle(
        mut self,
        request: Resource<HostIncomingRequest>,
        outparam: Resource<HostResponseOutparam>,
    ) -> Result<(), InvocationFailure> {
        let trace = self.store.data().trace().cloned();
        let outcome = async {
            let proxy = self.pre.instantiate_async(&mut self.store).await?;
            self.invocation.instantiated();
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut self.store, request, outparam)
                .await
        }
        .await
        .map_err(|error| InvocationFailure::classify(&error));
        finish(self.invocation, outcome_of(&outcome), &self.hits);
        outcome.inspect_err(|failure| {
            let (trace_id, span_id) = trace_ids(trace.as_ref());
            tracing::warn!(
                component = &*self.name,
                reason = failure.reason(),
                trace_id,
                span_id,
                "request failed: {failure}"
            );
        })
    }
}

/// `invocation` under the busy lane `busy`, its move counted by `recorder`.
fn sliced<F>(busy: &BusyLane, recorder: ComponentRecorder, invocation: F) -> Sliced<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    busy.run(invocation)
        .on_move(move || recorder.moved_to_busy_lane())
}

/// What a fresh instance is set up with.
struct InstanceSetup {
    limits: InstanceLimits,
    admission: Admission,
    hits: Arc<LimitHits>,
    outgoing: OutgoingHttpPolicy,
    links: Arc<ComponentLinks>,
    recorder: ComponentRecorder,
    busy: BusyLane,
}

/// The response the guest handed over, or why there is none: an error code it answered
/// with, how its invocation failed, or that it returned without one.
async fn answer(
    name: &str,
    response: tokio::sync::oneshot::Receiver<
        Result<Response<ResponseBody>, wasmtime_wasi_http::p2::bindings::http::types::ErrorCode>,
    >,
    invocation: tokio::task::JoinHandle<Result<(), InvocationFailure>>,
) -> Response<ResponseBody> {
    match response.await {
        Ok(Ok(response)) => response,
        Ok(Err(code)) => with_outcome(
            text_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("component {name} answered with an error: {code:?}"),
            ),
            Outcome::Error,
        ),
        Err(_) => match invocation.await {
            Ok(Err(failure)) => failure_response(name, &failure),
            Ok(Ok(())) => {
                tracing::warn!(
                    component = name,
                    reason = "no-response",
                    "request failed: the component returned without setting a response"
                );
                with_outcome(
                    text_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("component {name} returned without setting a response"),
                    ),
                    Outcome::Error,
                )
            }
            Err(join_error) => with_outcome(
                text_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("component {name} stopped unexpectedly: {join_error}"),
                ),
                Outcome::Error,
            ),
        },
    }
}

impl ComponentHandler {
    /// Serves a request whose body arrives in parts ([`super::body_from_parts`]), in a fresh
    /// instance.
    pub fn handle_in_parts(&self, request: Request<ResponseBody>) -> ResponseFuture {
        self.handle_any(request)
    }

    /// Serves a request with any body wasi-http can read, in a fresh instance.
    fn handle_any<B>(&self, request: Request<B>) -> ResponseFuture
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let Some(pre) = self.pre.clone() else {
            let name = Arc::clone(&self.name);
            return Box::pin(async move {
                text_response(
                    StatusCode::NOT_IMPLEMENTED,
                    format!(
                        "component {name} does not serve HTTP (it exports no {INCOMING_HANDLER})"
                    ),
                )
            });
        };
        Box::pin(Self::serve(
            Arc::clone(&self.name),
            pre,
            InstanceSetup {
                limits: self.limits,
                admission: self.admission.clone(),
                hits: Arc::clone(&self.hits),
                outgoing: self.outgoing.clone(),
                links: self.links.get(),
                recorder: self.metrics.clone(),
                busy: self.busy.clone(),
            },
            request,
        ))
    }
}

impl RequestHandler for ComponentHandler {
    fn handle(&self, request: Request<Incoming>) -> ResponseFuture {
        self.handle_any(request)
    }
}

/// 503 for resource limits (deadline, memory), 500 for faults; the details stay in the log.
fn failure_response(name: &str, failure: &InvocationFailure) -> Response<ResponseBody> {
    let status = if failure.is_resource_limit() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    with_outcome(
        text_response(
            status,
            format!(
                "component {name} failed ({}); the host log has the details",
                failure.reason()
            ),
        ),
        failure_outcome(failure),
    )
}

/// 503 with `Retry-After` for a request turned away at the component's max-concurrency.
fn denied_response(name: &str, at_capacity: AtCapacity) -> Response<ResponseBody> {
    tracing::debug!(
        component = name,
        reason = "denied",
        "request turned away: {at_capacity}"
    );
    let mut response = text_response(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "component {name} is busy: {at_capacity}; retry shortly, or raise max-concurrency in its limits policy"
        ),
    );
    response.headers_mut().insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from_static("1"),
    );
    with_outcome(response, Outcome::Denied)
}

/// Ends `invocation` with `outcome`, counted in `hits` when it hit a limit or trapped.
fn finish(invocation: Invocation, outcome: Outcome, hits: &LimitHits) {
    hits.record(outcome);
    invocation.finish(outcome);
}

/// `response`, marked with how the invocation behind it ended (the listener counts the
/// request's `error.type` from it).
fn with_outcome(mut response: Response<ResponseBody>, outcome: Outcome) -> Response<ResponseBody> {
    response.extensions_mut().insert(outcome);
    response
}

/// How an invocation that returned `result` ended.
fn outcome_of<T>(result: &Result<T, InvocationFailure>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(failure) => failure_outcome(failure),
    }
}

/// The outcome a failure counts as.
fn failure_outcome(failure: &InvocationFailure) -> Outcome {
    match failure {
        InvocationFailure::Deadline(_) => Outcome::Timeout,
        InvocationFailure::Memory(_) => Outcome::Memory,
        InvocationFailure::StackOverflow | InvocationFailure::Trap(_) => Outcome::Trap,
        InvocationFailure::Host(_) => Outcome::Error,
    }
}
