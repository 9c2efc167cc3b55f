//! A lattice of separate processes over a real `nats-server -js`: three `weft host`s with
//! labels and `weft manager`s. A spread manifest is placed by weight and label; a host killed
//! with `kill -9` has its share placed on the others; the acting manager killed mid-way is
//! replaced and what runs stays put.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::{NatsServer, Weft, client, free_port, weft};

/// `weft host` on `lattice` with `labels`, keeping its caches in `state`.
fn host(nats: &NatsServer, lattice: &str, state: &Path, labels: &[&str]) -> Weft {
    let mut command = weft();
    command
        .args(["host", "--nats", &nats.url(), "--lattice", lattice])
        .args(["-o", "json", "--log-format", "json"])
        .args(labels.iter().flat_map(|label| ["--label", label]))
        .arg("--state-dir")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Weft::spawn(command)
}

/// `weft manager` on `lattice` with its API's files in `state`.
fn manager(nats: &NatsServer, lattice: &str, state: &Path) -> Weft {
    let mut command = weft();
    command
        .args(["manager", "--nats", &nats.url(), "--lattice", lattice])
        .args(["--api-addr", "127.0.0.1:0", "--lease-term", "1s"])
        .args(["-o", "json", "--log-format", "json"])
        .arg("--state-dir")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Weft::spawn(command)
}

/// Instances of `component` per host id, as the manager at `state` sees them.
fn placement(state: &Path, component: &str) -> BTreeMap<String, u64> {
    let (_, stdout, _) = client(state, &["get", "inventory", "-o", "json"]);
    let Ok(inventory) = serde_json::from_str::<serde_json::Value>(&stdout) else {
        return BTreeMap::new();
    };
    inventory["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|host| {
            let count = host["components"]
                .as_array()?
                .iter()
                .find(|running| running["id"] == component)?["count"]
                .as_u64()?;
            Some((host["id"].as_str()?.to_owned(), count))
        })
        .collect()
}

/// Waits (up to `limit`) until the placement is `expected`; how long that took.
fn placed_within(
    state: &Path,
    component: &str,
    expected: &BTreeMap<String, u64>,
    limit: Duration,
) -> Result<Duration, BTreeMap<String, u64>> {
    let started = Instant::now();
    loop {
        let now = placement(state, component);
        if &now == expected {
            return Ok(started.elapsed());
        }
        if started.elapsed() > limit {
            return Err(now);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A manifest running the hello component with 6 instances, 2 parts in zone eu to 1 in us.
fn spread_manifest(dir: &Path) -> String {
    let component = dir.join("hello.wasm");
    std::fs::copy(weft_examples::EXAMPLES[0].path, &component).unwrap();
    let file = dir.join("spread.yaml");
    std::fs::write(
        &file,
        format!(
            r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: spread
  annotations:
    version: v1
spec:
  components:
    - name: worker
      type: component
      properties:
        image: file://{}
      traits:
        - type: spreadscaler
          properties:
            instances: 6
            spread:
              - name: eu
                requirements: {{zone: eu}}
                weight: 2
              - name: us
                requirements: {{zone: us}}
                weight: 1
"#,
            component.display()
        ),
    )
    .unwrap();
    file.display().to_string()
}

#[test]
fn spreads_place_by_weight_and_survive_hosts_and_managers_dying() {
    let nats = NatsServer::start(free_port());
    let dirs: Vec<_> = (0..6).map(|_| tempfile::tempdir().unwrap()).collect();
    let eu1 = host(&nats, "spread", dirs[0].path(), &["zone=eu"]);
    let eu2 = host(&nats, "spread", dirs[1].path(), &["zone=eu"]);
    let us = host(&nats, "spread", dirs[2].path(), &["zone=us"]);
    let id = |host: &Weft| host.ready["host_id"].as_str().unwrap().to_owned();
    let (eu1_id, eu2_id, us_id) = (id(&eu1), id(&eu2), id(&us));
    let leader = manager(&nats, "spread", dirs[3].path());
    assert_eq!(leader.ready["role"], "leader", "{}", leader.ready);
    let standby = manager(&nats, "spread", dirs[4].path());
    assert_eq!(standby.ready["role"], "standby", "{}", standby.ready);

    let (_, stdout, _) = client(dirs[3].path(), &["get", "hosts", "-o", "json"]);
    let hosts: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(hosts["hosts"].as_array().unwrap().len(), 3, "{hosts}");

    let file = spread_manifest(dirs[5].path());
    let (code, _, stderr) = client(dirs[3].path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    // 6 by weight 2:1 is 4 in eu (2 per host) and 2 in us.
    let expected = BTreeMap::from([(eu1_id.clone(), 2), (eu2_id.clone(), 2), (us_id.clone(), 2)]);
    let placed = placed_within(
        dirs[3].path(),
        "spread-worker",
        &expected,
        Duration::from_secs(5),
    );
    assert!(placed.is_ok(), "{placed:?}");

    // kill -9 of an eu host: the other eu host takes its share.
    drop(eu2);
    let expected = BTreeMap::from([(eu1_id.clone(), 4), (us_id.clone(), 2)]);
    let replaced = placed_within(
        dirs[3].path(),
        "spread-worker",
        &expected,
        Duration::from_secs(10),
    );
    assert!(
        replaced
            .as_ref()
            .is_ok_and(|took| *took < Duration::from_secs(3)),
        "{replaced:?}"
    );

    // kill -9 of the acting manager: the standby takes over and changes nothing that runs.
    drop(leader);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, _, _) = client(dirs[4].path(), &["config", "put", "probe", "a=b"]);
        if code == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the standby never took over");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(placement(dirs[4].path(), "spread-worker"), expected);
    let (_, stdout, _) = client(dirs[4].path(), &["app", "status", "spread", "-o", "json"]);
    assert!(stdout.contains(r#""status":"deployed""#), "{stdout}");

    // A new host joins and gets its share at once.
    let eu3 = host(&nats, "spread", dirs[1].path(), &["zone=eu"]);
    let expected = BTreeMap::from([(eu1_id, 2), (id(&eu3), 2), (us_id, 2)]);
    let joined = placed_within(
        dirs[4].path(),
        "spread-worker",
        &expected,
        Duration::from_secs(5),
    );
    assert!(joined.is_ok(), "{joined:?}");
    drop(standby);
}
