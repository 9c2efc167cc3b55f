//! Whole processes started in this test process, no binary: `weft up` alone on its embedded
//! store, and `weft manager` / `weft host` in a lattice over a real `nats-server`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail loudly.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use weft_process::{HostProcess, HostProcessConfig, ManagerProcess, Role, StartError};
use weft_test_servers::{NatsServer, PrometheusServer, free_port, promtool_check_metrics};

mod support;
use support::{eventually, host_config, manager_config, nats_config};

/// Polls `url` until it answers 200, returning the body.
async fn body_when_served(url: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(response) = reqwest::get(url).await
            && response.status().is_success()
        {
            return response.text().await.unwrap();
        }
        assert!(Instant::now() < deadline, "{url} never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_serves_bounded_metrics_that_prometheus_scrapes() {
    let state = tempfile::tempdir().unwrap();
    let example: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let mut config = manager_config(state.path(), None);
    config.host = Some(host_config(&[]));
    config.example = Some(example);
    let up = ManagerProcess::start(config).await.unwrap();
    body_when_served(&format!("http://{example}/")).await;
    // A thousand distinct paths (and query strings) make no new series.
    let client = reqwest::Client::new();
    for i in 0..1000 {
        let url = format!("http://{example}/items/{i}?page={i}");
        let response = client.get(url).send().await.unwrap();
        assert!(response.status().is_success());
        // Read to the end: a client that leaves early makes the guest's body write fail,
        // which hello answers with a panic (a trap, counted as such).
        assert_eq!(response.text().await.unwrap(), "Hello from weft!\n");
    }

    let metrics_url = format!("{}/metrics", up.ready().api);
    let scrape = || client.get(&metrics_url).bearer_auth(up.read_token()).send();
    let response = scrape().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    if let Err(complaints) = promtool_check_metrics(&text) {
        panic!("promtool finds fault with /metrics: {complaints}\n{text}");
    }
    let series: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("http_server_request_duration_seconds_count"))
        .collect();
    assert_eq!(series.len(), 1, "one series for every path: {series:?}");
    assert!(
        series[0].contains(r#"http_route="/*""#) && series[0].contains(r#"weft_app="hello""#),
        "{series:?}"
    );
    assert!(series[0].ends_with(" 1001"), "{series:?}");
    assert!(!text.contains("/items/"), "no path is a label");
    assert!(
        text.contains(r#"weft_apps{weft_app_status="deployed"} 1"#),
        "{text}"
    );
    assert!(text.contains("weft_lattice_hosts 1"), "{text}");
    // An invocation ends after its response head is sent, so the last may still be counting.
    let invocations_counted = |text: &str| {
        text.lines().any(|line| {
            line.starts_with(
                r#"weft_component_invocation_duration_seconds_count{weft_component_id="hello-"#,
            ) && line.ends_with(" 1001")
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = text;
    while !invocations_counted(&text) {
        assert!(
            Instant::now() < deadline,
            "counted by component id, not its image path: {text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        text = scrape().await.unwrap().text().await.unwrap();
    }

    // A real Prometheus scrapes it and sees the count grow.
    // With the read-only token: what a Prometheus server is given.
    let target = up.ready().api.trim_start_matches("http://");
    let prometheus = PrometheusServer::scraping(target, Some(up.read_token()));
    let total = || prometheus.query("sum(http_server_request_duration_seconds_count)");
    // Blocking polls, off the runtime's workers: the API must answer the scrapes meanwhile.
    let scraped_at_least = |wanted: f64| {
        tokio::task::block_in_place(|| {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !total().is_some_and(|seen| seen >= wanted) {
                assert!(
                    Instant::now() < deadline,
                    "Prometheus never saw {wanted}: {:?}",
                    total()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        });
    };
    scraped_at_least(1001.0);
    for _ in 0..10 {
        client
            .get(format!("http://{example}/"))
            .send()
            .await
            .unwrap();
    }
    scraped_at_least(1011.0);
    up.shut_down(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_serves_the_example_writes_its_api_file_and_brings_it_back_after_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let example: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let mut config = manager_config(state.path(), None);
    config.host = Some(host_config(&[]));
    config.example = Some(example);

    let up = ManagerProcess::start(config.clone()).await.unwrap();
    assert_eq!(up.role(), &Role::Alone);
    assert_eq!(up.ready().host_id, "local");
    assert_eq!(up.ready().apps.len(), 1, "the example is deployed");
    let served = body_when_served(&format!("http://{example}/")).await;
    assert_eq!(served, "Hello from weft!\n");
    let api_file: weft_process::ApiFile =
        serde_json::from_slice(&std::fs::read(weft_process::api_file_path(state.path())).unwrap())
            .unwrap();
    assert_eq!(api_file.url, up.ready().api);
    assert_eq!(api_file.token, up.token());
    assert_eq!(api_file.read_token, up.read_token());
    assert_ne!(api_file.read_token, api_file.token);
    up.shut_down(true).await;
    assert!(!weft_process::api_file_path(state.path()).exists());

    let again = ManagerProcess::start(config).await.unwrap();
    let apps = &again.ready().apps;
    assert_eq!(apps.len(), 1, "restored, not deployed twice: {apps:?}");
    assert_eq!(
        body_when_served(&format!("http://{example}/")).await,
        "Hello from weft!\n"
    );
    again.shut_down(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_in_a_lattice_has_an_nkey_id_kept_across_restarts_and_its_own_state_dir() {
    let nats = NatsServer::start();
    let state = tempfile::tempdir().unwrap();
    let config = HostProcessConfig {
        state_dir: state.path().to_path_buf(),
        nats: nats_config(&nats, "ids"),
        host: host_config(&[]),
        secrets_key: None,
        metrics_addr: None,
        enable_observability: false,
        logs: weft_telemetry::LogBridge::default(),
    };
    let host = HostProcess::start(config.clone()).await.unwrap();
    let id = host.ready().host_id.clone();
    nkeys::KeyPair::from_public_key(&id).expect("an nkey public key");
    assert!(id.starts_with('N'), "a server key: {id}");

    let error = HostProcess::start(config.clone()).await.err().unwrap();
    assert!(matches!(error, StartError::StateDirInUse { .. }), "{error}");
    assert!(error.to_string().contains("--state-dir"), "{error}");

    host.shut_down().await;
    let again = HostProcess::start(config).await.unwrap();
    assert_eq!(again.ready().host_id, id, "the same host after a restart");
    again.shut_down().await;
}

#[tokio::test]
async fn a_manager_with_neither_a_lattice_nor_a_host_refuses_to_start() {
    let state = tempfile::tempdir().unwrap();
    let error = ManagerProcess::start(manager_config(state.path(), None))
        .await
        .err()
        .unwrap();
    assert!(matches!(error, StartError::NothingToManage), "{error}");
    assert!(error.to_string().contains("--nats"), "{error}");
}

#[tokio::test]
async fn a_state_directory_that_is_a_file_is_named_with_the_flag_to_change_it() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut config = manager_config(file.path(), None);
    config.host = Some(host_config(&[]));
    let error = ManagerProcess::start(config).await.err().unwrap();
    assert!(
        matches!(error, StartError::StateDirIsFile { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&file.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("--state-dir"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_lattice_one_manager_leads_another_stands_by_and_takes_over_and_hosts_join() {
    let nats = NatsServer::start();
    let (first_state, second_state, host_state) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let first = ManagerProcess::start(manager_config(
        first_state.path(),
        Some(nats_config(&nats, "inproc")),
    ))
    .await
    .unwrap();
    assert_eq!(first.role(), &Role::Leader);
    assert_eq!(first.ready().lattice.as_deref(), Some("inproc"));

    let host = HostProcess::start(HostProcessConfig {
        state_dir: host_state.path().to_path_buf(),
        nats: nats_config(&nats, "inproc"),
        host: host_config(&[("zone", "east")]),
        secrets_key: None,
        metrics_addr: None,
        enable_observability: false,
        logs: weft_telemetry::LogBridge::default(),
    })
    .await
    .unwrap();
    let host_id = host.ready().host_id.clone();
    assert!(
        host.ready()
            .labels
            .contains(&("zone".into(), "east".into()))
    );
    eventually("the leader sees the host", || {
        first
            .control()
            .hosts()
            .iter()
            .any(|info| info.id == host_id)
    })
    .await;

    let second = ManagerProcess::start(manager_config(
        second_state.path(),
        Some(nats_config(&nats, "inproc")),
    ))
    .await
    .unwrap();
    let Role::Standby { leader } = second.role() else {
        panic!("the second manager leads: {:?}", second.role());
    };
    assert_eq!(leader.holder, first.ready().host_id);
    assert_eq!(leader.api.as_deref(), Some(first.ready().api.as_str()));
    assert!(second.control().standing_by().is_some());

    first.shut_down(true).await;
    eventually("the standby takes over", || {
        second.control().standing_by().is_none()
    })
    .await;
    eventually("the new leader sees the host", || {
        second
            .control()
            .hosts()
            .iter()
            .any(|info| info.id == host_id)
    })
    .await;
    second.shut_down(true).await;
    host.shut_down().await;
}
