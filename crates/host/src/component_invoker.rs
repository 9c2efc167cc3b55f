//! `weft call`: a running component's export called from outside with JSON values — on this
//! host when the component runs here, else on a host of the lattice that runs it.

use serde_json::Value;
use weft_capabilities::call_context::CallContext;
use weft_capabilities::component_calls::{ComponentDirectory, RemoteCallError};
use weft_capabilities::component_invoke::InvokeError;

use crate::remote_http::RemoteCalls;

/// Calls components' exports for people and scripts.
#[derive(Clone, Default)]
pub struct ComponentInvoker {
    local: Option<ComponentDirectory>,
    remote: Option<RemoteCalls>,
}

/// Why an outside call returned no results.
#[derive(Debug, thiserror::Error)]
pub enum CallFailure {
    /// No host runs the component.
    #[error(
        "component `{component}` is not running {scope}; `weft get inventory` lists the components that run"
    )]
    NotRunning {
        /// The component asked for.
        component: String,
        /// `here` or `on any host of the lattice`.
        scope: &'static str,
    },
    /// The call was made here and did not return.
    #[error(transparent)]
    Invoke(#[from] InvokeError),
    /// The host that runs it refused the call as asked wrongly (that host's words).
    #[error("{0}")]
    Refused(String),
    /// The call to the host that runs it failed.
    #[error(transparent)]
    Remote(RemoteCallError),
}

impl CallFailure {
    /// Whether the caller asked for something wrong (an unknown function, bad arguments).
    pub fn is_bad_request(&self) -> bool {
        match self {
            Self::Invoke(error) => error.is_bad_request(),
            Self::Refused(_) => true,
            Self::NotRunning { .. } | Self::Remote(_) => false,
        }
    }

    /// Whether the host running it did not answer in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Remote(RemoteCallError::Timeout { .. }))
    }

    /// Whether the component runs nowhere.
    pub fn is_not_running(&self) -> bool {
        matches!(self, Self::NotRunning { .. })
    }
}

impl ComponentInvoker {
    /// Calls components of `directory` (a host's), and through it the lattice's others.
    pub(crate) fn new(directory: ComponentDirectory, remote: Option<RemoteCalls>) -> Self {
        Self {
            local: Some(directory),
            remote,
        }
    }

    /// Calls components on the lattice's hosts only (a process that runs none itself).
    pub fn remote(calls: RemoteCalls) -> Self {
        Self {
            local: None,
            remote: Some(calls),
        }
    }

    /// Calls `function` of component `component` with `args`; its results as JSON.
    pub async fn call(
        &self,
        component: &str,
        function: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, CallFailure> {
        if let Some(handler) = self.local.as_ref().and_then(|local| local.get(component)) {
            let context = CallContext {
                depth: 0,
                trace: None,
            };
            return Ok(handler
                .invoke_json(component, function, args, context)
                .await?);
        }
        let Some(remote) = &self.remote else {
            return Err(CallFailure::NotRunning {
                component: component.to_owned(),
                scope: "here",
            });
        };
        remote.invoke(component, function, args).await
    }
}
