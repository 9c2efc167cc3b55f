//! A manifest deployed onto one in-process host by the reconciler: the hello example serves,
//! a second app on the same port is refused naming the first, undeploy closes the port.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use weft_host::Host;
use weft_lattice::InProcessBus;
use weft_manager::{
    AppState, AppStatus, DesiredApp, Reconciler, ReconcilerSettings, desired_state,
    resolve_relative_images,
};
use weft_runtime::{Runtime, RuntimeSettings};

const HELLO_MANIFEST: &str = include_str!("../../../examples/hello/wadm.yaml");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The hello example's manifest and component in `dir`, served on `port`, as app `name`.
fn hello_app(dir: &std::path::Path, name: &str, port: u16) -> DesiredApp {
    std::fs::create_dir_all(dir.join("build")).unwrap();
    let hello = weft_examples::find("hello").unwrap();
    std::fs::write(dir.join("build/http_hello_world.wasm"), hello.wasm).unwrap();
    let text = HELLO_MANIFEST
        .replace("127.0.0.1:8088", &format!("127.0.0.1:{port}"))
        .replace("name: hello", &format!("name: {name}"));
    let manifest = weft_manifest::load("wadm.yaml", &text).unwrap().manifest;
    let mut desired = desired_state(&manifest);
    resolve_relative_images(&mut desired, dir);
    desired
}

/// Deploys `desired` through the manager's reconciler; the reasons if it does not deploy.
async fn converge(reconciler: &Reconciler<Host>, desired: DesiredApp) -> Result<AppStatus, String> {
    let status = reconciler.apply(desired).await;
    match status.state {
        AppState::Deployed => Ok(status),
        _ => Err(weft_manager::join_reasons(&status.reasons)),
    }
}

fn host() -> Reconciler<Host> {
    let runtime = Runtime::new(&RuntimeSettings {
        max_instances: 32,
        ..RuntimeSettings::default()
    })
    .unwrap();
    let host = Host::new(
        "host-1",
        BTreeMap::new(),
        Arc::new(runtime),
        Duration::from_secs(5),
        Arc::new(InProcessBus::new()),
    );
    Reconciler::new(Arc::new(host), ReconcilerSettings::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hello_manifest_deploys_serves_and_undeploys() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let host = host();
    let desired = hello_app(dir.path(), "hello", port);

    converge(&host, desired).await.unwrap();
    let body = reqwest::get(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "Hello from weft!\n");

    // Another app asking for the same address and route is refused, naming the owner.
    let other_dir = tempfile::tempdir().unwrap();
    let squatter = hello_app(other_dir.path(), "squatter", port);
    let error = converge(&host, squatter.clone()).await.unwrap_err();
    assert!(error.contains("app hello"), "{error}");
    assert!(error.contains("squatter"), "{error}");
    // ... and the first app keeps serving.
    assert_eq!(
        reqwest::get(format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap()
            .status(),
        200
    );

    // Once the first app is gone, the second one's next reconcile takes the address.
    assert!(host.remove("hello").await.reasons.is_empty());
    converge(&host, squatter).await.unwrap();
    assert_eq!(
        reqwest::get(format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap()
            .status(),
        200
    );

    assert!(host.remove("squatter").await.reasons.is_empty());
    let observed = host.lattice().observe();
    assert!(
        observed.hosts[0].components.is_empty()
            && observed.links.is_empty()
            && observed.configs.is_empty()
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the port is closed once undeploy returns"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_capabilities_and_missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let host = host();
    let mut desired = hello_app(dir.path(), "hello", free_port());
    desired.workloads[1].image = "ghcr.io/wasmcloud/keyvalue-vault:0.7.0".into();
    let error = converge(&host, desired).await.unwrap_err();
    assert!(
        error.contains("keyvalue-vault") && error.contains("weft+builtin://http-server"),
        "{error}"
    );

    let mut desired = hello_app(dir.path(), "hello", free_port());
    desired.workloads[0].image = format!("file://{}/missing.wasm", dir.path().display());
    let error = converge(&host, desired).await.unwrap_err();
    assert!(error.contains("missing.wasm"), "{error}");
}
