//! Component → component calls to a component that runs on another host of the lattice, over
//! NATS. A host serves every component it runs on `weft.{lattice}.call.{component_id}` in the
//! queue group `weft-call` (so calls spread over all hosts running it). A call is JSON
//! `{interface, function, params, depth}` with values in [`WireVal`]'s self-describing form;
//! the answer is `{"ok": [results]}` or `{"error": "why"}`. A call from outside (`weft call`)
//! carries the header `call-form: invoke` and is `{function, args}` with plain JSON values,
//! which only the host running the component can type; its answer is `{"ok": [results]}`, or
//! `{"error": "why"}` with `"bad_request": true` when the function or arguments were wrong. The NATS headers carry the calling
//! component's id (`source-id`) and the W3C trace context of the request the call belongs to
//! (`traceparent`, `tracestate`), which the called component's own calls carry on.

use crate::served_remotely::CurrentHandler;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use weft_capabilities::call_context::{CallContext, TraceContext};
use weft_capabilities::component_calls::{RemoteCallError, RemoteComponents};
use weft_capabilities::http_server::ComponentHandler;
use weft_capabilities::wire_val::{WireVal, from_wire, to_wire};

use crate::component_invoker::CallFailure;
use crate::remote_http::RemoteCalls;
use crate::remote_serve::header;
use async_nats::RequestErrorKind;
use weft_telemetry::Hop;

/// How long a call to a component on another host may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// The queue group hosts serve component calls in.
const SERVERS: &str = "weft-call";

#[derive(Serialize, Deserialize)]
struct Call {
    interface: String,
    function: String,
    params: Vec<WireVal>,
    depth: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer {
    Ok(Vec<WireVal>),
    Error(String),
}

/// A call from outside: a function by name, arguments as plain JSON.
#[derive(Serialize, Deserialize)]
struct Invoke {
    function: String,
    args: Vec<serde_json::Value>,
}

/// The header that marks a call from outside ([`Invoke`]) rather than a component's [`Call`],
/// so a component's calls are read once, as they always were.
const CALL_FORM: &str = "call-form";

/// The results, or why not and whether the caller asked wrongly (the function or arguments).
#[derive(Serialize, Deserialize)]
struct InvokeAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ok: Option<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default)]
    bad_request: bool,
}

impl RemoteCalls {
    fn call_subject(&self, component_id: &str) -> String {
        format!("weft.{}.call.{component_id}", self.lattice())
    }

    /// Asks a host that runs `component_id` to call it with `payload`, within `trace`.
    async fn ask_to_call(
        &self,
        component_id: &str,
        headers: async_nats::HeaderMap,
        payload: Vec<u8>,
        trace: Option<&TraceContext>,
    ) -> Result<async_nats::Message, async_nats::RequestError> {
        let subject = self.call_subject(component_id);
        self.ask_host(
            Hop::Call,
            subject,
            headers,
            payload.into(),
            CALL_TIMEOUT,
            trace,
        )
        .await
    }

    /// Serves calls to `handler` (component `component_id`) from components on other hosts
    /// until the returned task is aborted.
    pub(crate) async fn serve_calls(
        &self,
        component_id: &str,
        handler: CurrentHandler,
    ) -> Result<tokio::task::JoinHandle<()>, async_nats::SubscribeError> {
        let id = component_id.to_owned();
        let subject = self.call_subject(component_id);
        self.serve_queue(subject, SERVERS, Hop::Call, move |message, trace| {
            let handler = handler.get();
            let id = id.clone();
            async move {
                if header(&message, CALL_FORM).as_deref() == Some("invoke") {
                    let answer = answer_invoke(&handler, &id, &message.payload, trace).await;
                    return (
                        async_nats::HeaderMap::new(),
                        weft_lattice::json_bytes(&answer),
                    );
                }
                let answer = match serde_json::from_slice::<Call>(&message.payload) {
                    Ok(call) => answer(&handler, call, trace).await,
                    Err(error) => Answer::Error(format!("the call cannot be read: {error}")),
                };
                let payload = weft_lattice::json_bytes(&answer);
                (async_nats::HeaderMap::new(), payload)
            }
        })
        .await
    }
}

async fn answer(handler: &ComponentHandler, call: Call, trace: Option<TraceContext>) -> Answer {
    let params = call.params.into_iter().map(from_wire).collect();
    let context = CallContext {
        depth: call.depth,
        trace,
    };
    match handler
        .call_export_owned(&call.interface, &call.function, params, context)
        .await
    {
        Ok(results) => match results.iter().map(to_wire).collect() {
            Ok(results) => Answer::Ok(results),
            Err(reason) => Answer::Error(reason.to_string()),
        },
        Err(error) => Answer::Error(error.to_string()),
    }
}

/// Carries out the call from outside in `payload` on `handler` (component `id`).
async fn answer_invoke(
    handler: &ComponentHandler,
    id: &str,
    payload: &[u8],
    trace: Option<TraceContext>,
) -> InvokeAnswer {
    let refused = |error: String, bad_request| InvokeAnswer {
        ok: None,
        error: Some(error),
        bad_request,
    };
    let invoke: Invoke = match serde_json::from_slice(payload) {
        Ok(invoke) => invoke,
        Err(error) => return refused(format!("the call cannot be read: {error}"), true),
    };
    let context = CallContext { depth: 0, trace };
    match handler
        .invoke_json(id, &invoke.function, &invoke.args, context)
        .await
    {
        Ok(results) => InvokeAnswer {
            ok: Some(results),
            error: None,
            bad_request: false,
        },
        Err(error) => refused(error.to_string(), error.is_bad_request()),
    }
}

impl RemoteCalls {
    /// Calls `function` of `component` with JSON `args` on a host that runs it.
    pub(crate) async fn invoke(
        &self,
        component: &str,
        function: &str,
        args: &[serde_json::Value],
    ) -> Result<Vec<serde_json::Value>, CallFailure> {
        let request = Invoke {
            function: function.to_owned(),
            args: args.to_vec(),
        };
        let payload = weft_lattice::json_bytes(&request);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(CALL_FORM, "invoke");
        let reply = self
            .ask_to_call(component, headers, payload, None)
            .await
            .map_err(|error| match error.kind() {
                RequestErrorKind::NoResponders => CallFailure::NotRunning {
                    component: component.to_owned(),
                    scope: "on any host of the lattice",
                },
                RequestErrorKind::TimedOut => CallFailure::Remote(RemoteCallError::Timeout {
                    target: component.to_owned(),
                    timeout: CALL_TIMEOUT,
                }),
                RequestErrorKind::Other => CallFailure::Remote(RemoteCallError::Transport {
                    target: component.to_owned(),
                    source: error.into(),
                }),
            })?;
        let answer: InvokeAnswer = serde_json::from_slice(&reply.payload).map_err(|error| {
            CallFailure::Remote(RemoteCallError::Transport {
                target: component.to_owned(),
                source: error.into(),
            })
        })?;
        match (answer.ok, answer.error) {
            (Some(results), _) => Ok(results),
            (None, Some(reason)) if answer.bad_request => Err(CallFailure::Refused(reason)),
            (None, reason) => Err(CallFailure::Remote(RemoteCallError::Failed(
                reason.unwrap_or_else(|| "the host gave no reason".to_owned()),
            ))),
        }
    }
}

#[async_trait::async_trait]
impl RemoteComponents for RemoteCalls {
    async fn call(
        &self,
        source: String,
        target: String,
        interface: String,
        function: String,
        params: Vec<WireVal>,
        context: CallContext,
    ) -> Result<Vec<WireVal>, RemoteCallError> {
        let call = Call {
            interface,
            function,
            params,
            depth: context.depth,
        };
        let transport =
            |source: Box<dyn std::error::Error + Send + Sync>| RemoteCallError::Transport {
                target: target.clone(),
                source,
            };
        let payload = serde_json::to_vec(&call).map_err(|error| transport(error.into()))?;
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("source-id", source.as_str());
        let reply = self
            .ask_to_call(&target, headers, payload, context.trace.as_ref())
            .await
            .map_err(|error| match error.kind() {
                RequestErrorKind::NoResponders => RemoteCallError::NoHost {
                    target: target.clone(),
                },
                RequestErrorKind::TimedOut => RemoteCallError::Timeout {
                    target: target.clone(),
                    timeout: CALL_TIMEOUT,
                },
                RequestErrorKind::Other => transport(error.into()),
            })?;
        match serde_json::from_slice::<Answer>(&reply.payload) {
            Ok(Answer::Ok(results)) => Ok(results),
            Ok(Answer::Error(reason)) => Err(RemoteCallError::Failed(reason)),
            Err(error) => Err(transport(error.into())),
        }
    }
}
