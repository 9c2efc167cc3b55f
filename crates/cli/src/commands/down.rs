//! `weft down`: ask the running `weft up` to stop, and wait until it has.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::commands::client::Client;
use crate::commands::state::api_file_path;
use crate::output::Output;

/// How long `weft down` waits for `weft up` to finish its in-flight requests and exit.
const STOP_DEADLINE: Duration = Duration::from_secs(30);

/// Stops the `weft up` of `state_dir`.
pub fn execute(state_dir: &Path, output: &Output) -> anyhow::Result<()> {
    let client = Client::connect(state_dir)?;
    let _: serde_json::Value = client.post("/v1/shutdown", serde_json::json!({}))?;
    let api_file = api_file_path(state_dir);
    let started = Instant::now();
    while api_file.exists() {
        anyhow::ensure!(
            started.elapsed() < STOP_DEADLINE,
            "weft up was asked to stop but is still running after {STOP_DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    output.result("weft is down", &serde_json::json!({ "stopped": true }));
    Ok(())
}
