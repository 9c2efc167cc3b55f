//! Calling a running component's export from outside, with JSON values (`weft call`): the
//! function is found by name, the arguments are read against its parameter types, and the
//! results come back as JSON.

use serde_json::Value;
use wasmtime::component::types::ComponentFunc;

use crate::call_context::CallContext;
use crate::component_calls::ComponentCallError;
use crate::http_server::ComponentHandler;
use crate::json_val::{JsonValueError, carries_handles, from_json, to_json, type_name};

/// Why an outside call did not return results.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The component exports no function by that name.
    #[error("component `{component}` exports no function `{function}`; it exports: {exports}")]
    NoSuchFunction {
        /// The component.
        component: String,
        /// The name asked for.
        function: String,
        /// Every function it exports, `interface.function`.
        exports: String,
    },
    /// A bare function name that several interfaces export.
    #[error(
        "component `{component}` exports `{function}` from several interfaces; name one: {candidates}"
    )]
    Ambiguous {
        /// The component.
        component: String,
        /// The name asked for.
        function: String,
        /// The candidates, `interface.function`.
        candidates: String,
    },
    /// The function takes something a call from outside cannot give (a resource, a stream).
    #[error("{function} cannot be called from outside a component: {reason}")]
    NotCallable {
        /// The function, `interface.function`.
        function: String,
        /// Which parameter, and why.
        reason: String,
    },
    /// Not as many arguments as the function has parameters.
    #[error("{function} takes {expected} argument(s) ({signature}), not {given}")]
    ArgumentCount {
        /// The function, `interface.function`.
        function: String,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        given: usize,
        /// Its parameters, `name: type`.
        signature: String,
    },
    /// An argument that does not fit its parameter's type.
    #[error("{function}({signature}): {source}")]
    Argument {
        /// The function, `interface.function`.
        function: String,
        /// Its parameters, `name: type`.
        signature: String,
        /// Which argument, and what is wrong.
        #[source]
        source: JsonValueError,
    },
    /// The call ran and failed (a trap, its deadline).
    #[error(transparent)]
    Failed(#[from] ComponentCallError),
}

impl InvokeError {
    /// Whether the caller asked for something wrong (rather than the component failing).
    pub fn is_bad_request(&self) -> bool {
        !matches!(self, Self::Failed(_))
    }
}

impl ComponentHandler {
    /// Calls `function` (`namespace:package/interface.function`, or a bare function name
    /// only one exported interface has) with `args`, in the context `call`; its results.
    /// `id` is the component's id, for messages.
    pub async fn invoke_json(
        &self,
        id: &str,
        function: &str,
        args: &[Value],
        call: CallContext,
    ) -> Result<Vec<Value>, InvokeError> {
        let (interface, name, ty) = self.find_function(id, function)?;
        let full = format!("{interface}.{name}");
        let params = read_args(&full, &ty, args)?;
        let results = self
            .call_export_owned(&interface, &name, params, call)
            .await?;
        Ok(results.iter().map(to_json).collect())
    }

    fn find_function(
        &self,
        id: &str,
        wanted: &str,
    ) -> Result<(String, String, ComponentFunc), InvokeError> {
        let functions = self.exported_functions();
        let matching: Vec<_> = functions
            .iter()
            .filter(|(interface, name, _)| names_function(wanted, interface, name))
            .collect();
        match matching.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(InvokeError::NoSuchFunction {
                component: id.to_owned(),
                function: wanted.to_owned(),
                exports: listing(functions.iter()),
            }),
            several => Err(InvokeError::Ambiguous {
                component: id.to_owned(),
                function: wanted.to_owned(),
                candidates: listing(several.iter().copied()),
            }),
        }
    }
}

/// Whether `wanted` names `function` of `interface`: `interface.function` (the interface
/// with or without its version) or the bare `function`.
fn names_function(wanted: &str, interface: &str, function: &str) -> bool {
    let Some((asked_interface, asked_function)) = wanted.rsplit_once('.') else {
        return wanted == function;
    };
    if asked_function != function {
        return false;
    }
    let unversioned = crate::component_calls::unversioned(interface);
    asked_interface == interface || asked_interface == unversioned
}

fn listing<'a>(functions: impl Iterator<Item = &'a (String, String, ComponentFunc)>) -> String {
    let names: Vec<String> = functions
        .map(|(interface, name, _)| format!("{interface}.{name}"))
        .collect();
    if names.is_empty() {
        "no functions".to_owned()
    } else {
        names.join(", ")
    }
}

/// `name: type, …` of `ty`'s parameters.
fn signature(ty: &ComponentFunc) -> String {
    let params: Vec<String> = ty
        .params()
        .map(|(name, ty)| format!("{name}: {}", type_name(&ty)))
        .collect();
    params.join(", ")
}

fn read_args(
    function: &str,
    ty: &ComponentFunc,
    args: &[Value],
) -> Result<Vec<wasmtime::component::Val>, InvokeError> {
    if let Some((name, param)) = ty.params().find(|(_, param)| carries_handles(param)) {
        return Err(InvokeError::NotCallable {
            function: function.to_owned(),
            reason: format!(
                "its parameter `{name}` is {}, which has no JSON form; call it through its own protocol (HTTP, messages) instead",
                type_name(&param)
            ),
        });
    }
    if args.len() != ty.params().len() {
        return Err(InvokeError::ArgumentCount {
            function: function.to_owned(),
            expected: ty.params().len(),
            given: args.len(),
            signature: signature(ty),
        });
    }
    ty.params()
        .zip(args)
        .enumerate()
        .map(|(i, ((_, param), arg))| {
            from_json(&param, arg, &format!("args[{i}]")).map_err(|source| InvokeError::Argument {
                function: function.to_owned(),
                signature: signature(ty),
                source,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_is_named_with_or_without_its_interface_and_version() {
        let interface = "wasmcloud:examples/invoke@0.1.0";
        assert!(names_function("call", interface, "call"));
        assert!(names_function(
            "wasmcloud:examples/invoke.call",
            interface,
            "call"
        ));
        assert!(names_function(
            "wasmcloud:examples/invoke@0.1.0.call",
            interface,
            "call"
        ));
        assert!(!names_function(
            "wasmcloud:examples/other.call",
            interface,
            "call"
        ));
        assert!(!names_function(
            "wasmcloud:examples/invoke.run",
            interface,
            "call"
        ));
    }
}
