//! Fuzz target `wadm-api`: requests to wadm's API on NATS (what `wash app` and wasmCloud's
//! `wadm-client` send) with any subject under `model.`, any body and content type, answered
//! by a control plane over a real NATS server and store. Every request gets a JSON answer and
//! the API keeps answering. Deploys are left out: they would start what a fuzzed manifest asks
//! for (listeners included); their body is read by the same code as `get` and `del`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::time::Duration;

use weft_api::wadm::WadmApi;
use weft_fuzz::{Target, Unstructured};
use weft_test_servers::NatsServer;

const LATTICE: &str = "fuzz";

/// The operations fuzzed (all but `deploy`, see the file's doc).
const OPERATIONS: &[&str] = &[
    "put", "list", "get", "versions", "del", "undeploy", "status", "history",
];

/// A request from fuzz bytes: its subject, content type and body.
fn request(input: &[u8]) -> Option<(String, Option<String>, Vec<u8>)> {
    let mut bytes = Unstructured::new(input);
    let operation = *bytes.choose(OPERATIONS).ok()?;
    let name: String = if bytes.ratio(3, 4).ok()? {
        "hello".to_owned()
    } else {
        bytes.arbitrary().ok()?
    };
    if !publishable(&name) {
        return None;
    }
    let content_type = match bytes.int_in_range(0..=3u8).ok()? {
        0 => None,
        1 => Some("application/json".to_owned()),
        2 => Some("application/yaml".to_owned()),
        _ => Some(bytes.arbitrary::<String>().ok()?)
            .filter(|value| !value.contains(['\r', '\n']))?
            .into(),
    };
    let subject = match operation {
        "put" | "list" => format!("wadm.api.{LATTICE}.model.{operation}"),
        _ => format!("wadm.api.{LATTICE}.model.{operation}.{name}"),
    };
    Some((subject, content_type, bytes.take_rest().to_vec()))
}

/// Whether NATS lets a client publish on a subject ending in `name` (a server closes the
/// connection of one that tries otherwise, so such names never reach the API). Header values
/// cannot hold line breaks either (the protocol ends a header with one).
fn publishable(name: &str) -> bool {
    !name.is_empty()
        && !name.split('.').any(str::is_empty)
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '*' || c == '>')
}

#[test]
fn fuzz_wadm_api() {
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let control = support::control_plane(dir.path());
    let api_client = runtime.block_on(async_nats::connect(nats.url())).unwrap();
    let _api = runtime
        .block_on(WadmApi::start(api_client, LATTICE, control))
        .unwrap();
    let client = runtime.block_on(async_nats::connect(nats.url())).unwrap();
    // wadm's API refuses relative images (it has no directory to resolve them against).
    let hello = include_str!("../../../examples/hello/wadm.yaml")
        .replace("file://./", "file:///nonexistent/");
    let mut target = Target::new("wadm-api")
        .cases(3_000)
        .seeds_under("examples", &["wadm.yaml"])
        .dictionary([r#"{"version": ""#, r#""}"#, "null", "\n", ": "]);
    for operation in [0u8, 4, 2] {
        // put, del and get of `hello`, no content type, a real manifest as the body (the
        // three bytes are what `request` reads first).
        let mut seed = vec![operation, 0, 0];
        seed.extend_from_slice(hello.as_bytes());
        target = target.seed(seed);
    }
    target.run(|input| {
        let Some((subject, content_type, body)) = request(input) else {
            return false;
        };
        let body_len = body.len();
        let answer = runtime.block_on(async {
            let mut headers = async_nats::HeaderMap::new();
            if let Some(content_type) = &content_type {
                headers.insert("Content-Type", content_type.as_str());
            }
            tokio::time::timeout(
                Duration::from_secs(10),
                client.request_with_headers(subject.clone(), headers, body.into()),
            )
            .await
        });
        let sent = format!(
            "{subject} (content type {content_type:?}, {} body bytes)",
            body_len
        );
        let message = answer
            .unwrap_or_else(|_| panic!("no answer within 10 s to {sent}"))
            .unwrap_or_else(|error| panic!("{sent} failed: {error}"));
        if let Err(error) = serde_json::from_slice::<serde_json::Value>(&message.payload) {
            panic!(
                "{subject} answered what is not JSON ({error}): {}",
                String::from_utf8_lossy(&message.payload)
            );
        }
        true
    });
}
