//! What a wasmCloud user does first: a fresh `weft up` (the bundled example deployed), then
//! wasmCloud 1.x's own example manifests, unchanged but for their `image:` lines, on the ports
//! and servers they name: the HTTP server on 0.0.0.0:8000, Redis on 6379, NATS on 4222 reached
//! by nats-py. The test runs in a network namespace of its own so those fixed ports are its own.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::netns::in_own_network;
use support::{NatsServer, RedisServer, client, get, spawn_on, weft};

/// The manifests, and the file each one's component image names.
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "http-hello-world.yaml",
        "http_hello_world_s.wasm",
        weft_test_components::WASMCLOUD_HELLO,
    ),
    (
        "http-keyvalue-counter.yaml",
        "http_keyvalue_counter_s.wasm",
        weft_test_components::WASMCLOUD_COUNTER,
    ),
    (
        "echo-messaging.yaml",
        "echo_messaging_s.wasm",
        weft_test_components::WASMCLOUD_ECHO,
    ),
];

/// Writes the wasmCloud manifests and their components (at the paths the manifests name) into
/// `dir`; returns the manifests' paths in [`EXAMPLES`] order.
fn write_examples(dir: &Path) -> Vec<String> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wasmcloud");
    std::fs::create_dir_all(dir.join("build")).unwrap();
    EXAMPLES
        .iter()
        .map(|(manifest, wasm, built)| {
            std::fs::copy(built, dir.join("build").join(wasm)).unwrap();
            let target = dir.join(manifest);
            std::fs::copy(fixtures.join(manifest), &target).unwrap();
            target.display().to_string()
        })
        .collect()
}

/// `weft app deploy FILE -o json` succeeds and the app is deployed.
fn deploy(state: &Path, file: &str) {
    let (code, stdout, stderr) = client(state, &["app", "deploy", file, "-o", "json"]);
    assert_eq!(code, 0, "deploying {file}: {stderr}");
    let deployed: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(deployed["status"], "deployed", "{deployed}");
}

/// Polls `weft app status NAME` until the app is deployed (30 s at most: the deploy's retries
/// back off up to that).
fn wait_until_deployed(state: &Path, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, stdout, _) = client(state, &["app", "status", name, "-o", "json"]);
        let status: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_default();
        if status["status"] == "deployed" {
            return;
        }
        assert!(Instant::now() < deadline, "{name} never deployed: {status}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One request with nats-py (installed by scripts/test); the reply's body.
fn nats_py_request(url: &str, subject: &str, body: &str) -> String {
    let python = std::env::var("WEFT_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/nats_request.py");
    let output = Command::new(&python)
        .arg(script)
        .args([url, subject, body])
        .output()
        .unwrap_or_else(|error| panic!("{python} runs: {error}"));
    assert!(
        output.status.success(),
        "nats-py's request failed (scripts/test installs nats-py and sets WEFT_TEST_PYTHON): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn wasmcloud_examples_deploy_next_to_the_bundled_example() {
    if !in_own_network("wasmcloud_examples_deploy_next_to_the_bundled_example") {
        return;
    }
    let redis = RedisServer::start_on(6379);
    let state = tempfile::tempdir().unwrap();
    let apps = tempfile::tempdir().unwrap();
    let files = write_examples(apps.path());

    // Everything at its defaults, as on a new user's machine.
    let mut command = weft();
    command.arg("up");
    let up = spawn_on(command, state.path());
    assert_eq!(up.ready["apps"][0]["status"], "deployed", "{}", up.ready);
    assert_eq!(
        get("http://127.0.0.1:8088/"),
        (200, "Hello from weft!\n".to_owned())
    );

    deploy(state.path(), &files[0]);
    assert_eq!(
        get("http://127.0.0.1:8000/"),
        (200, "Hello from Rust!\n".to_owned())
    );
    // Both examples listen on 0.0.0.0:8000, on weft as on wasmCloud: one at a time.
    assert_eq!(
        client(state.path(), &["app", "undeploy", "rust-hello-world"]).0,
        0
    );

    deploy(state.path(), &files[1]);
    assert_eq!(
        get("http://127.0.0.1:8000/counter"),
        (200, "Counter /counter: 1\n".to_owned())
    );
    assert_eq!(
        get("http://127.0.0.1:8000/counter?x=1"),
        (200, "Counter /counter: 2\n".to_owned())
    );
    assert_eq!(
        redis.get("/counter"),
        "2",
        "the count lives in the real Redis"
    );

    // Like wasmCloud's provider, messaging-nats talks to the local NATS server: while none
    // answers the deploy fails naming it, and it goes through once one does.
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &files[2]]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("127.0.0.1:4222"), "{stderr}");
    let nats = NatsServer::start_on(4222, tempfile::tempdir().unwrap(), &[]);
    wait_until_deployed(state.path(), "rust-echo-messaging");
    assert_eq!(
        nats_py_request(&nats.url(), "wasmcloud.echo", "HELLLLOOOOOO"),
        "HELLLLOOOOOO"
    );

    assert_eq!(
        get("http://127.0.0.1:8088/"),
        (200, "Hello from weft!\n".to_owned()),
        "the bundled example kept serving"
    );
    assert!(up.interrupt().success());
}
