//! A component served to other hosts keeps answering while it is scaled: requests arriving
//! through the HTTP server on one host reach it on another, none lost to a subscription that
//! is being replaced.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail loudly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use weft_process::{HostProcess, HostProcessConfig, ManagerProcess};
use weft_test_servers::{NatsServer, free_port};

mod support;
use support::{eventually, hello_component, host_config, manager_config, nats_config};

/// The hello component on `worker` hosts (`instances` of it), served over HTTP on `port` by
/// the edge host.
fn split_hello(component: &std::path::Path, port: u16, instances: usize, version: &str) -> String {
    format!(
        r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: split
  annotations:
    version: {version}
spec:
  components:
    - name: hello
      type: component
      properties:
        image: file://{}
      traits:
        - type: spreadscaler
          properties:
            instances: {instances}
            spread:
              - name: workers
                requirements: {{role: worker}}
    - name: server
      type: capability
      properties:
        image: ghcr.io/wasmcloud/http-server:0.27.0
      traits:
        - type: spreadscaler
          properties:
            instances: 1
            spread:
              - name: edge
                requirements: {{role: edge}}
        - type: link
          properties:
            namespace: wasi
            package: http
            interfaces: [incoming-handler]
            target: {{name: hello}}
            source:
              config:
                - name: listen
                  properties: {{address: "127.0.0.1:{port}"}}
"#,
        component.display()
    )
}

/// Deploys `manifest` and waits until the app is deployed.
async fn deploy(manager: &ManagerProcess, manifest: &str) {
    let control = manager.control();
    let (name, version) = control.put("split.yaml", manifest, "test").await.unwrap();
    control.deploy(&name, Some(&version), "test").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let view = control.view(&name).await.unwrap();
        if view.status == "deployed" && view.deployed.as_deref() == Some(version.as_str()) {
            return;
        }
        assert!(Instant::now() < deadline, "never deployed: {view:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_a_component_served_to_other_hosts_loses_no_request() {
    let nats = NatsServer::start();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let component = hello_component(dirs[2].path());
    let mut config = manager_config(dirs[0].path(), Some(nats_config(&nats, "scaling")));
    config.host = Some(host_config(&[("role", "edge")]));
    let manager = ManagerProcess::start(config).await.unwrap();
    let worker = HostProcess::start(HostProcessConfig {
        state_dir: dirs[1].path().to_path_buf(),
        nats: nats_config(&nats, "scaling"),
        host: host_config(&[("role", "worker")]),
        secrets_key: None,
        metrics_addr: None,
        enable_observability: false,
        logs: weft_telemetry::LogBridge::default(),
    })
    .await
    .unwrap();
    let worker_id = worker.ready().host_id.clone();
    eventually("the manager sees the worker", || {
        manager
            .control()
            .hosts()
            .iter()
            .any(|host| host.id == worker_id)
    })
    .await;
    let port = free_port();
    deploy(&manager, &split_hello(&component, port, 2, "v1")).await;

    // Requests one after another, each given far less than the 60 s a lost one would take.
    let url = format!("http://127.0.0.1:{port}/");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let running = Arc::new(AtomicBool::new(true));
    let asking = tokio::spawn({
        let running = Arc::clone(&running);
        async move {
            let mut answers = Vec::new();
            while running.load(Ordering::Relaxed) {
                let answer = client.get(&url).send().await;
                answers.push(answer.map(|response| response.status().as_u16()));
            }
            answers
        }
    });
    for (instances, version) in [(3, "v2"), (1, "v3"), (4, "v4")] {
        deploy(&manager, &split_hello(&component, port, instances, version)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    running.store(false, Ordering::Relaxed);
    let answers = asking.await.unwrap();
    let failed: Vec<_> = answers
        .iter()
        .filter(|answer| !matches!(answer, Ok(200)))
        .collect();
    assert!(answers.len() > 10, "too few requests: {}", answers.len());
    assert!(
        failed.is_empty(),
        "{} of {} failed: {failed:?}",
        failed.len(),
        answers.len()
    );

    worker.shut_down().await;
    manager.shut_down(true).await;
}
