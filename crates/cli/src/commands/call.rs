//! `weft call COMPONENT FUNCTION [ARG...]`: a running component's export, called with JSON
//! arguments through the API, its results printed.

use serde_json::Value;

use crate::args::CallArgs;
use crate::commands::client::{Client, segment};
use crate::commands::state::Endpoint;
use crate::output::Output;

/// Runs `weft call`.
pub fn execute(call: CallArgs, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    let args: Vec<Value> = call.args.iter().map(|arg| argument(arg)).collect();
    let answer: Value = client.post(
        &format!("/v1/components/{}/call", segment(&call.component)),
        serde_json::json!({ "function": call.function, "args": args }),
    )?;
    let results = answer["results"].as_array().cloned().unwrap_or_default();
    output.result(&text(&results), &answer);
    Ok(())
}

/// `arg` as JSON, or as a string when it is not JSON (`hello` means `"hello"`).
fn argument(arg: &str) -> Value {
    serde_json::from_str(arg).unwrap_or_else(|_| Value::String(arg.to_owned()))
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
        assert_eq!(argument("3"), serde_json::json!(3));
        assert_eq!(argument("\"3\""), serde_json::json!("3"));
        assert_eq!(argument("{\"a\": [1]}"), serde_json::json!({"a": [1]}));
        assert_eq!(argument("hello world"), serde_json::json!("hello world"));
    }

    #[test]
    fn string_results_print_as_they_are() {
        let results = [serde_json::json!("hi"), serde_json::json!({"ok": 2})];
        assert_eq!(text(&results), "hi\n{\"ok\":2}");
    }
}
