//! `weft call COMPONENT FUNCTION [ARG...]`: a running component's export, called with JSON
//! arguments through the API, its results printed.

use anyhow::Context as _;
use serde_json::Value;

use crate::args::CallArgs;
use crate::commands::client::{Client, segment};
use crate::commands::state::Endpoint;
use crate::output::Output;

/// Runs `weft call`.
pub fn execute(call: CallArgs, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    let args = call
        .args
        .iter()
        .enumerate()
        .map(|(i, arg)| argument(arg).with_context(|| format!("argument {} (`{arg}`)", i + 1)))
        .collect::<anyhow::Result<Vec<Value>>>()?;
    let answer: Value = client.post(
        &format!("/v1/components/{}/call", segment(&call.component)),
        serde_json::json!({ "function": call.function, "args": args }),
    )?;
    let results = answer["results"].as_array().cloned().unwrap_or_default();
    output.result(&text(&results), &answer);
    Ok(())
}

/// `arg` as JSON, or as a string when it is not JSON (`hello` means `"hello"`). What starts
/// like a JSON array, object or string must be one: a typo there is said, not sent as text.
fn argument(arg: &str) -> anyhow::Result<Value> {
    match serde_json::from_str(arg) {
        Ok(value) => Ok(value),
        Err(error) if arg.trim_start().starts_with(['[', '{', '"']) => Err(anyhow::anyhow!(
            "it is not valid JSON ({error}); quote a plain string for the shell, e.g. '\"text\"'"
        )),
        Err(_) => Ok(Value::String(arg.to_owned())),
    }
}

/// The results one per line: a string as it is, anything else as JSON.
fn text(results: &[Value]) -> String {
    let lines: Vec<String> = results
        .iter()
        .map(|result| match result {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_json_else_strings() {
        assert_eq!(argument("3").unwrap(), serde_json::json!(3));
        assert_eq!(argument("\"3\"").unwrap(), serde_json::json!("3"));
        assert_eq!(
            argument("{\"a\": [1]}").unwrap(),
            serde_json::json!({"a": [1]})
        );
        assert_eq!(
            argument("hello world").unwrap(),
            serde_json::json!("hello world")
        );
        let error = argument("[1, 2").unwrap_err().to_string();
        assert!(error.contains("not valid JSON"), "{error}");
    }

    #[test]
    fn string_results_print_as_they_are() {
        let results = [serde_json::json!("hi"), serde_json::json!({"ok": 2})];
        assert_eq!(text(&results), "hi\n{\"ok\":2}");
    }
}
