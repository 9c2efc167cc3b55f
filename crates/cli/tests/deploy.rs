//! Deploys through the real binary: upgrades under a request loop fail no request, a failed
//! deploy leaves the running version serving, and every bad input says what is wrong.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::{HttpApp, client, free_port, get, hello_wasm, up};

/// App `shop` at `version`: component `component` running `image` (a path), on `port`.
fn shop(dir: &Path, version: &str, component: &str, image: &str, port: u16) -> String {
    HttpApp {
        name: "shop",
        version: Some(version),
        component,
        image,
        port,
        config: None,
        requires: None,
    }
    .write(dir)
}

/// Requests in a loop until stopped: (requests, failures, bodies seen in order of change).
fn request_loop(
    url: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(usize, Vec<String>, Vec<String>)> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let http = reqwest::Client::new();
            let (mut requests, mut failures, mut seen) = (0, Vec::new(), Vec::<String>::new());
            while !stop.load(Ordering::SeqCst) {
                requests += 1;
                match http.get(&url).send().await {
                    Ok(response) if response.status() == 200 => {
                        let body = response.text().await.unwrap_or_default();
                        let kind = if body.starts_with("Hello") {
                            "hello"
                        } else {
                            "echo"
                        };
                        if seen.last().map(String::as_str) != Some(kind) {
                            seen.push(kind.to_owned());
                        }
                    }
                    Ok(response) => failures.push(format!("status {}", response.status())),
                    Err(error) => failures.push(error.to_string()),
                }
            }
            (requests, failures, seen)
        })
    })
}

fn deploy(state: &Path, file: &str) -> (i32, String) {
    let (code, stdout, stderr) = client(state, &["app", "deploy", file]);
    (code, format!("{stdout}{stderr}"))
}

#[test]
fn upgrades_under_a_request_loop_fail_no_request_and_a_failed_deploy_keeps_serving() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _up = up(state.path(), free_port());
    let hello = &hello_wasm(state.path());
    let echo = weft_test_components::ECHO;

    let (code, out) = deploy(state.path(), &shop(dir.path(), "v1", "web", hello, port));
    assert_eq!(code, 0, "{out}");
    let url = format!("http://127.0.0.1:{port}/");
    assert_eq!(get(&url).0, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let looping = request_loop(url.clone(), Arc::clone(&stop));
    let settle = || std::thread::sleep(Duration::from_millis(300));
    settle();
    // v2: same component, new image (swapped in place).
    let (code, out) = deploy(state.path(), &shop(dir.path(), "v2", "web", echo, port));
    assert_eq!(code, 0, "{out}");
    settle();
    // v3: a renamed component, so a new id: start it, switch the link, stop the old one.
    let (code, out) = deploy(
        state.path(),
        &shop(dir.path(), "v3", "storefront", hello, port),
    );
    assert_eq!(code, 0, "{out}");
    settle();
    // v4 cannot start: the deploy fails and v3 keeps serving.
    let missing = dir.path().join("missing.wasm");
    let (code, out) = deploy(
        state.path(),
        &shop(dir.path(), "v4", "broken", missing.to_str().unwrap(), port),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing.wasm"), "{out}");
    settle();
    stop.store(true, Ordering::SeqCst);
    let (requests, failures, seen) = looping.join().unwrap();

    assert!(requests > 50, "only {requests} requests");
    assert!(
        failures.is_empty(),
        "{} of {requests} failed; the first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert_eq!(
        seen,
        ["hello", "echo", "hello"],
        "v1, v2, v3 in turn, and v3 stayed"
    );
    let (_, stdout, _) = client(state.path(), &["get", "inventory"]);
    assert!(
        stdout.contains("shop-storefront") && !stdout.contains("shop-web "),
        "the old component is gone once v3 serves: {stdout}"
    );
    let (_, stdout, _) = client(state.path(), &["app", "status", "shop"]);
    assert!(stdout.starts_with("shop v4: failed"), "{stdout}");

    // Deploying v3 again repairs it.
    let (code, out) = deploy(state.path(), "shop");
    assert_eq!(code, 1, "latest is still v4: {out}");
    let (code, _, stderr) = client(state.path(), &["app", "deploy", "shop", "v3"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(get(&url).1, "Hello from weft!\n");
}

#[test]
fn bad_manifests_are_refused_with_positions_and_nothing_stored_is_lost() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let hello_port = free_port();
    let _up = up(state.path(), hello_port);
    let write = |name: &str, text: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        file.display().to_string()
    };

    let broken = write(
        "broken.yaml",
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: [unclosed\n",
    );
    let (code, out) = deploy(state.path(), &broken);
    assert_eq!(code, 1);
    assert!(out.contains("broken.yaml:"), "{out}");

    let wrong_type = write(
        "wrong-type.yaml",
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: typed\nspec:\n  components:\n    - name: web\n      type: component\n      properties: {image: file://./a.wasm}\n      traits:\n        - type: spreadscaler\n          properties: {instances: many}\n",
    );
    let (code, out) = deploy(state.path(), &wrong_type);
    assert_eq!(code, 1);
    assert!(
        out.contains("wrong-type.yaml:12:") && out.contains("instances"),
        "{out}"
    );

    let missing_target = write(
        "missing-target.yaml",
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: linked\n  annotations: {}\nspec:\n  components:\n    - name: server\n      type: capability\n      properties: {image: ghcr.io/wasmcloud/http-server:0.27.0}\n      traits:\n        - type: link\n          properties:\n            namespace: wasi\n            package: http\n            interfaces: [incoming-handler]\n            target: {name: nowhere}\n",
    );
    let (code, out) = deploy(state.path(), &missing_target);
    assert_eq!(code, 1);
    assert!(
        out.contains("missing-target.yaml:17:") && out.contains("nowhere"),
        "{out}"
    );

    let missing_image = shop(
        dir.path(),
        "v1",
        "web",
        dir.path().join("absent.wasm").to_str().unwrap(),
        free_port(),
    );
    let (code, out) = deploy(state.path(), &missing_image);
    assert_eq!(code, 1);
    assert!(
        out.contains("absent.wasm") && out.contains("deployed but not running"),
        "{out}"
    );

    // Nothing refused was stored, and what was stored still runs.
    let (code, stdout, _) = client(state.path(), &["app", "list", "-o", "json"]);
    assert_eq!(code, 0);
    let apps: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let names: Vec<&str> = apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|app| app["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["hello", "shop"]);
    assert_eq!(get(&format!("http://127.0.0.1:{hello_port}/")).0, 200);
}

#[test]
fn a_port_held_by_another_process_fails_the_deploy_and_it_recovers_by_itself() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    let hello = hello_wasm(state.path());

    let (code, out) = deploy(state.path(), &shop(dir.path(), "v1", "web", &hello, port));
    assert_eq!(code, 1);
    assert!(out.contains(&format!("127.0.0.1:{port}")), "{out}");

    // Once the port is free, a retry (backoff, no user action) takes it.
    drop(squatter);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, stdout, _) = client(state.path(), &["app", "status", "shop"]);
        if stdout.starts_with("shop v1: deployed") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never recovered: {stdout}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(get(&format!("http://127.0.0.1:{port}/")).0, 200);
}
