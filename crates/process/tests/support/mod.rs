//! What the process tests share: settings for a process on a real `nats-server`, the hello
//! component on disk, and polling.

#![allow(dead_code)] // Each test binary uses a part.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use weft_lattice::NatsSettings;
use weft_process::{HostConfig, ManagerConfig, NatsConfig};
use weft_test_servers::NatsServer;

/// A host with `labels`, beating every 200 ms.
pub fn host_config(labels: &[(&str, &str)]) -> HostConfig {
    HostConfig {
        labels: labels
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect(),
        heartbeat: Duration::from_millis(200),
        busy_lane: Some(weft_runtime::BusyLaneSettings::default()),
        deadline: weft_runtime::RuntimeSettings::default().invocation_deadline,
        memory_limit_bytes: weft_runtime::RuntimeSettings::default().memory_limit_bytes,
        oci: Default::default(),
    }
}

/// A manager with its API on a free port and short lease and expiry; no host, no example.
pub fn manager_config(state_dir: &Path, nats: Option<NatsConfig>) -> ManagerConfig {
    ManagerConfig {
        state_dir: state_dir.to_path_buf(),
        api_addr: ([127, 0, 0, 1], 0).into(),
        read_token: None,
        nats,
        secrets_key: None,
        lease_term: Duration::from_millis(600),
        host_expiry: Duration::from_millis(800),
        host: None,
        example: None,
        enable_observability: false,
        logs: weft_telemetry::LogBridge::default(),
        pauses: weft_process::Pauses::none(),
    }
}

/// Lattice `lattice` on `nats`.
pub fn nats_config(nats: &NatsServer, lattice: &str) -> NatsConfig {
    NatsConfig {
        settings: NatsSettings {
            urls: vec![nats.url()],
            ..NatsSettings::default()
        },
        lattice: lattice.parse().unwrap(),
    }
}

/// The hello example's component written into `dir`.
pub fn hello_component(dir: &Path) -> PathBuf {
    let component = dir.join("hello.wasm");
    std::fs::write(&component, weft_examples::find("hello").unwrap().wasm).unwrap();
    component
}

/// Waits until `done` holds.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
