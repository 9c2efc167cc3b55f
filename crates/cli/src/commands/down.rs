//! `weft down`: ask the running `weft up` to stop, and wait until it has.

use std::time::{Duration, Instant};

use weft_process::api_file_path;

use crate::commands::client::Client;
use crate::commands::state::Endpoint;
use crate::output::Output;

/// How long `weft down` waits for `weft up` to finish its in-flight requests and exit.
const STOP_DEADLINE: Duration = Duration::from_secs(30);

/// How long one request to the stopping `weft up` may take (so a port that went silent
/// cannot hang `weft down`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// Stops the `weft up` that `endpoint` names, and waits until it has stopped serving the API.
pub fn execute(endpoint: &Endpoint, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect_with_timeout(endpoint, REQUEST_TIMEOUT)?;
    let _: serde_json::Value = client.post("/v1/shutdown", serde_json::json!({}))?;
    let api_file = api_file_path(&endpoint.state_dir);
    let started = Instant::now();
    let running = || match &endpoint.api {
        Some(_) => client.get::<serde_json::Value>("/v1/hosts").is_ok(),
        None => api_file.exists(),
    };
    while running() {
        anyhow::ensure!(
            started.elapsed() < STOP_DEADLINE,
            "weft up was asked to stop but is still running after {STOP_DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    output.result("weft is down", &serde_json::json!({ "stopped": true }));
    Ok(())
}
