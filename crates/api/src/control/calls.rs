//! Calls to running components' exports from outside (`weft call`), through the process's
//! [`ComponentInvoker`].

use std::sync::PoisonError;

use serde_json::Value;
use weft_host::ComponentInvoker;

use super::{ControlError, ControlPlane};

impl ControlPlane {
    /// Reaches components through `invoker` from now on (the process's host, or the lattice).
    pub fn set_invoker(&self, invoker: ComponentInvoker) {
        *self.invoker.lock().unwrap_or_else(PoisonError::into_inner) = invoker;
    }

    /// Calls `function` of component `component` with JSON `args`; its results.
    pub async fn call_component(
        &self,
        component: &str,
        function: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, ControlError> {
        let invoker = self
            .invoker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Ok(invoker.call(component, function, args).await?)
    }
}
