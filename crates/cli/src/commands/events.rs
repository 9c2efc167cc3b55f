//! `weft events` (alias `weft spy`): the lattice's events as they happen, one line each (one
//! CloudEvent JSON object per line with `-o json`), until Ctrl-C or `weft up` stops.

use anyhow::Context as _;
use serde_json::Value;

use crate::args::EventsArgs;
use crate::commands::client::{Client, segment};
use crate::commands::state::Endpoint;
use crate::output::Output;

/// Runs `weft events`.
pub fn execute(args: &EventsArgs, endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(endpoint)?;
    let opened = || eprintln!("following the lattice's events (Ctrl-C stops)");
    client.watch(&path(args), opened, |data| {
        let event: Value =
            serde_json::from_str(data).context("the API sent an event weft does not understand")?;
        output.result(&line(&event), &event);
        Ok(true)
    })
}

/// `/v1/events` with the filters `args` asks for.
fn path(args: &EventsArgs) -> String {
    let mut query = Vec::new();
    if !args.types.is_empty() {
        query.push(format!("type={}", segment(&args.types.join(","))));
    }
    if let Some(host) = &args.host {
        query.push(format!("host={}", segment(host)));
    }
    if let Some(app) = &args.app {
        query.push(format!("app={}", segment(app)));
    }
    if args.heartbeats {
        query.push("heartbeats=true".to_owned());
    }
    if query.is_empty() {
        "/v1/events".to_owned()
    } else {
        format!("/v1/events?{}", query.join("&"))
    }
}

/// `TIME TYPE SOURCE key=value …` for one CloudEvent (`missed` notes say how many were lost).
fn line(event: &Value) -> String {
    if let Some(missed) = event["missed"].as_u64() {
        return format!("({missed} events missed: this follower fell behind)");
    }
    let kind = event["type"].as_str().unwrap_or_default();
    let kind = kind.strip_prefix("com.wasmcloud.lattice.").unwrap_or(kind);
    let mut text = format!(
        "{} {kind} {}",
        event["time"].as_str().unwrap_or_default(),
        event["source"].as_str().unwrap_or_default()
    );
    if let Some(data) = event["data"].as_object() {
        for (key, value) in data {
            let shown = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            text.push_str(&format!(" {key}={shown}"));
        }
    }
    text
}
