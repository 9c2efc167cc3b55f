//! A lattice of separate processes over a real `nats-server -js`: three `weft host`s with
//! labels and `weft manager`s. A spread manifest is placed by weight and label; a host killed
//! with `kill -9` has its share placed on the others; the acting manager killed mid-way is
//! replaced and what runs stays put.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use support::lattice::{
    EdgeAndWorkers, capability_on, hello_app, host, host_with, id, kill_and_wait_until_gone,
    manager, manager_with, placed_within, placement, spread_manifest, spread_on,
};
use support::{NatsServer, Weft, app_status_of, client, free_port, weft};

#[test]
fn spreads_place_by_weight_and_survive_hosts_and_managers_dying() {
    let nats = NatsServer::start();
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

    for state in [dirs[3].path(), dirs[4].path()] {
        let (_, stdout, _) = client(state, &["get", "hosts", "-o", "json"]);
        let hosts: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            hosts["hosts"].as_array().unwrap().len(),
            3,
            "the acting manager and the standby see every host: {hosts}"
        );
    }

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
    assert_eq!(app_status_of(&stdout), "deployed", "{stdout}");

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

#[test]
fn a_nats_restart_leaves_apps_serving_and_the_lattice_whole() {
    let nats = NatsServer::start();
    let port = nats.port;
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let worker = host(&nats, "restart", dirs[0].path(), &["zone=eu"]);
    let worker_id = worker.ready["host_id"].as_str().unwrap().to_owned();
    let other = host(&nats, "restart", dirs[3].path(), &["zone=us"]);
    let other_id = other.ready["host_id"].as_str().unwrap().to_owned();
    let leader = manager(&nats, "restart", dirs[1].path());
    let file = spread_manifest(dirs[2].path());
    let (code, _, stderr) = client(dirs[1].path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let expected = BTreeMap::from([(worker_id.clone(), 4), (other_id, 2)]);
    let placed = placed_within(
        dirs[1].path(),
        "spread-worker",
        &expected,
        Duration::from_secs(5),
    );
    assert!(placed.is_ok(), "{placed:?}");

    // NATS goes away for longer than the host expiry, then comes back on its data.
    let data = nats.stop();
    std::thread::sleep(Duration::from_secs(2));
    let nats = NatsServer::start_on(port, data, &[]);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (code, _, _) = client(dirs[1].path(), &["config", "put", "after", "a=b"]);
        if code == 0 && placement(dirs[1].path(), "spread-worker") == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the lattice did not come back whole: {:?}\n{}",
            placement(dirs[1].path(), "spread-worker"),
            leader.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, stdout, _) = client(dirs[1].path(), &["app", "status", "spread", "-o", "json"]);
    assert_eq!(app_status_of(&stdout), "deployed", "{stdout}");
    let scaled = worker
        .logs()
        .lines()
        .filter(|line| line.contains("component scaled") && line.contains("spread-worker"))
        .count();
    assert_eq!(
        scaled,
        1,
        "scaled once, never stopped or moved:\n{}",
        worker.logs()
    );
    drop(nats);
}

#[test]
fn a_host_whose_lattice_has_no_manager_says_so() {
    let nats = NatsServer::start();
    let state = tempfile::tempdir().unwrap();
    let lonely = host(&nats, "lonely", state.path(), &[]);
    assert_eq!(lonely.ready["lattice"], "lonely");
    lonely.wait_for_log("that no manager manages the lattice", |event| {
        event["fields"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("no weft manager manages lattice lonely"))
    });

    let output = weft()
        .args(["host", "--state-dir"])
        .arg(state.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("give `--nats URL`"), "{stderr}");
    let output = weft()
        .args(["manager", "--state-dir"])
        .arg(state.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("give `--nats URL`"), "{stderr}");
}

#[test]
fn a_host_reads_the_lattices_secrets_with_the_managers_key() {
    let nats = NatsServer::start();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let key = dirs[2].path().join("secrets.key");
    let key_arg = key.to_str().unwrap();
    let _manager = manager_with(
        &nats,
        "secrets",
        dirs[0].path(),
        &["--secrets-key", key_arg],
    );
    let _host = host_with(
        &nats,
        "secrets",
        dirs[1].path(),
        &[],
        &["--secrets-key", key_arg],
    );
    let value = dirs[2].path().join("value");
    std::fs::write(&value, "first-value").unwrap();
    let put = |file: &Path| {
        client(
            dirs[0].path(),
            &[
                "secret",
                "put",
                "api-key",
                "--from-file",
                file.to_str().unwrap(),
            ],
        )
    };
    let (code, _, stderr) = put(&value);
    assert_eq!(code, 0, "{stderr}");

    // The secret-check example runs on the only host, outside the manager's process.
    let port = free_port();
    let example = weft_examples::SECRET_CHECK;
    let file = support::example_app(
        dirs[2].path(),
        "wadm",
        example.manifest,
        &[&example],
        &[("127.0.0.1:8003", &format!("127.0.0.1:{port}"))],
    );
    let (code, _, stderr) = client(dirs[0].path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let url = format!("http://127.0.0.1:{port}/");
    let answer_within = |guess: &str, expected: u16| {
        support::answer_until("POST", &url, guess, expected, Duration::from_secs(5))
    };
    assert_eq!(answer_within("first-value", 200), (200, "match\n".into()));

    // A new version reaches the host.
    std::fs::write(&value, "second-value").unwrap();
    let (code, _, stderr) = put(&value);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(answer_within("second-value", 200), (200, "match\n".into()));
    assert_eq!(answer_within("first-value", 403).0, 403);

    // A host without the key is told what to give it.
    let output = weft()
        .args(["host", "--nats", &nats.url(), "--lattice", "secrets"])
        .args(["--secrets-key", "/nonexistent/secrets.key", "--state-dir"])
        .arg(dirs[1].path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("copy the managers' key"), "{stderr}");
}

#[test]
fn the_http_server_on_one_host_serves_a_component_on_others() {
    let mut lattice = EdgeAndWorkers::start("calls", 2);
    let port = free_port();
    lattice.deploy(&support::lattice::split_hello(lattice.files(), port));
    assert!(
        !lattice
            .hosts_running("split-hello")
            .contains(&id(&lattice.edge)),
        "the component does not run on the edge host"
    );
    let url = format!("http://127.0.0.1:{port}/");
    let answer_within = |limit: Duration| support::answer_until("GET", &url, "", 200, limit);
    assert_eq!(
        answer_within(Duration::from_secs(5)),
        (200, "Hello from weft!\n".into())
    );
    for _ in 0..20 {
        assert_eq!(support::get(&url), (200, "Hello from weft!\n".into()));
    }

    // A body larger than one NATS message goes too (in parts).
    let (status, body) = support::send("POST", &url, &"x".repeat(2 << 20));
    assert_eq!((status, body.as_str()), (200, "Hello from weft!\n"));

    // A worker killed with kill -9: the other one answers.
    let first = lattice.workers.remove(0);
    kill_and_wait_until_gone(first, lattice.state());
    assert_eq!(
        answer_within(Duration::from_secs(3)),
        (200, "Hello from weft!\n".into())
    );
    for _ in 0..20 {
        assert_eq!(support::get(&url), (200, "Hello from weft!\n".into()));
    }
}

#[test]
fn a_component_calls_a_component_on_another_host() {
    let mut lattice = EdgeAndWorkers::start("links", 1);

    // The pipeline example: `front` and the HTTP server on the edge, `shout` on the worker.
    let port = free_port();
    let manifest = weft_examples::PIPELINE_FRONT
        .manifest
        .replacen("instances: 100", &spread_on("edge", 10), 1)
        .replacen("instances: 100", &spread_on("worker", 10), 1)
        .replace(
            "        image: ghcr.io/wasmcloud/http-server:0.27.0\n      traits:\n",
            &format!(
                "        image: ghcr.io/wasmcloud/http-server:0.27.0\n{}",
                capability_on("edge")
            ),
        )
        .replace("127.0.0.1:8002", &format!("127.0.0.1:{port}"));
    let file = support::example_app(
        lattice.files(),
        "pipeline",
        &manifest,
        &[
            &weft_examples::PIPELINE_FRONT,
            &weft_examples::PIPELINE_SHOUT,
        ],
        &[],
    );
    lattice.deploy(&file);
    let worker = lattice.workers.remove(0);
    assert_eq!(
        lattice.hosts_running("pipeline-shout"),
        [id(&worker)],
        "shout runs on the worker only"
    );
    assert_eq!(
        lattice.hosts_running("pipeline-front"),
        [id(&lattice.edge)],
        "front runs on the edge only"
    );
    let edge = &lattice.edge;

    let url = format!("http://127.0.0.1:{port}/");
    let answer = support::answer_until("POST", &url, "hello lattice", 200, Duration::from_secs(5));
    assert_eq!(
        answer,
        (200, "HELLO LATTICE! (2 words)\n".into()),
        "{}",
        edge.logs()
    );

    // The call carries the calling component's id and the request's trace context.
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let call = support::next_message_during(&lattice.nats, "weft.links.call.>", move || {
        let headers = [("traceparent", traceparent), ("tracestate", "weft=t")];
        let answer = support::send_with("POST", &url, &headers, "traced");
        assert_eq!(answer, (200, "TRACED! (1 words)\n".into()));
    });
    assert_eq!(call.subject.as_str(), "weft.links.call.pipeline-shout");
    let headers = call.headers.expect("the call has headers");
    let header = |name: &str| headers.get(name).map(|value| value.as_str().to_owned());
    assert_eq!(header("source-id").as_deref(), Some("pipeline-front"));
    assert_eq!(header("traceparent").as_deref(), Some(traceparent));
    assert_eq!(header("tracestate").as_deref(), Some("weft=t"));

    // `weft call` through the manager, which runs no component: over NATS to the worker.
    let call = |args: &[&str]| {
        let mut all = vec!["call", "pipeline-shout"];
        all.extend_from_slice(args);
        client(lattice.state(), &all)
    };
    let (code, stdout, stderr) = call(&["shout", "over nats"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), r#"{"text":"OVER NATS!","words":2}"#);
    let (code, _, stderr) = call(&["whisper"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no function `whisper`") && stderr.contains("transform@0.1.0.shout"),
        "{stderr}"
    );

    // The worker gone, the call fails at once, and the log says why.
    let url = format!("http://127.0.0.1:{port}/");
    kill_and_wait_until_gone(worker, lattice.state());
    let (code, _, stderr) = call(&["shout", "anyone"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("not running on any host of the lattice"),
        "{stderr}"
    );
    let started = Instant::now();
    let (status, _) = support::send("POST", &url, "anyone there");
    assert_eq!(status, 500);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it did not hang"
    );
    edge.wait_for_log("that shout runs nowhere", |event| {
        event["fields"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("runs on no host of the lattice"))
    });
}

#[test]
fn a_manager_killed_mid_deploy_is_replaced_and_the_deploy_lands_once() {
    let nats = NatsServer::start();
    let dirs: Vec<_> = (0..6).map(|_| tempfile::tempdir().unwrap()).collect();
    let eu1 = host(&nats, "middeploy", dirs[0].path(), &["zone=eu"]);
    let eu2 = host(&nats, "middeploy", dirs[1].path(), &["zone=eu"]);
    let us = host(&nats, "middeploy", dirs[2].path(), &["zone=us"]);
    let id = |host: &Weft| host.ready["host_id"].as_str().unwrap().to_owned();
    let leader = manager(&nats, "middeploy", dirs[3].path());
    let _standby = manager(&nats, "middeploy", dirs[4].path());
    let file = spread_manifest(dirs[5].path());

    // The deploy is under way (the hosts compile the component) when the leader dies.
    let mut deploy = weft()
        .args(["app", "deploy", &file, "--state-dir"])
        .arg(dirs[3].path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    drop(leader);
    let acknowledged = deploy.wait().unwrap().success();

    // The standby takes over; the app is either deployed once, with every instance in its
    // place, or (when the leader died before storing it) absent: never half or twice.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, _, _) = client(dirs[4].path(), &["config", "put", "probe", "a=b"]);
        if code == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the standby never took over");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, stdout, _) = client(dirs[4].path(), &["app", "list", "-o", "json"]);
    let stored = stdout.contains(r#""name":"spread""#);
    eprintln!("deploy acknowledged: {acknowledged}; stored: {stored}");
    assert!(
        stored || !acknowledged,
        "an acknowledged deploy was lost: {stdout}"
    );
    if !stored {
        let (code, _, stderr) = client(dirs[4].path(), &["app", "deploy", &file]);
        assert_eq!(code, 0, "{stderr}");
    }
    let (_, stdout, _) = client(dirs[4].path(), &["app", "list", "-o", "json"]);
    let deployed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let spread = deployed["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|app| app["name"] == "spread")
        .unwrap();
    if spread["deployed"].is_null() {
        let (code, _, stderr) = client(dirs[4].path(), &["app", "deploy", "spread"]);
        assert_eq!(code, 0, "{stderr}");
    }
    let expected = BTreeMap::from([(id(&eu1), 2), (id(&eu2), 2), (id(&us), 2)]);
    let placed = placed_within(
        dirs[4].path(),
        "spread-worker",
        &expected,
        Duration::from_secs(10),
    );
    assert!(placed.is_ok(), "{placed:?}");
    assert_eq!(
        spread["versions"].as_array().map(Vec::len),
        Some(1),
        "one version, stored once: {spread}"
    );
}

#[test]
fn restarting_everything_converges_with_nothing_lost_or_duplicated() {
    let nats = NatsServer::start();
    let port = nats.port;
    let dirs: Vec<_> = (0..9).map(|_| tempfile::tempdir().unwrap()).collect();
    let labels = [["zone=eu"], ["zone=eu"], ["zone=us"]];
    let hosts: Vec<Weft> = (0..3)
        .map(|i| host(&nats, "again", dirs[i].path(), &labels[i]))
        .collect();
    let first_manager = manager(&nats, "again", dirs[3].path());
    let file = spread_manifest(dirs[4].path());
    let (code, _, stderr) = client(dirs[3].path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = client(dirs[3].path(), &["config", "put", "kept", "a=b"]);
    assert_eq!(code, 0, "{stderr}");
    let per_host = |placed: &BTreeMap<String, u64>| {
        let mut counts: Vec<u64> = placed.values().copied().collect();
        counts.sort_unstable();
        counts
    };
    assert_eq!(
        per_host(&placement(dirs[3].path(), "spread-worker")),
        [2, 2, 2]
    );

    // Every process goes, NATS included; then NATS comes back on its data, and new hosts
    // and a new manager (fresh state directories) start.
    drop(first_manager);
    drop(hosts);
    let data = nats.stop();
    let nats = NatsServer::start_on(port, data, &[]);
    let hosts: Vec<Weft> = (0..3)
        .map(|i| host(&nats, "again", dirs[5 + i].path(), &labels[i]))
        .collect();
    let state = dirs[8].path();
    let _manager = manager(&nats, "again", state);
    let new_ids: Vec<String> = hosts
        .iter()
        .map(|host| host.ready["host_id"].as_str().unwrap().to_owned())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let placed = placement(state, "spread-worker");
        if per_host(&placed) == [2, 2, 2] && placed.keys().all(|id| new_ids.contains(id)) {
            break;
        }
        assert!(Instant::now() < deadline, "never converged: {placed:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // One app, one version, deployed; the config kept.
    let (_, stdout, _) = client(state, &["app", "versions", "spread", "-o", "json"]);
    let versions: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        versions["versions"].as_array().map(Vec::len),
        Some(1),
        "{versions}"
    );
    let (_, stdout, _) = client(state, &["app", "status", "spread", "-o", "json"]);
    assert_eq!(app_status_of(&stdout), "deployed", "{stdout}");
    let (_, stdout, _) = client(state, &["config", "get", "kept", "-o", "json"]);
    assert!(stdout.contains(r#""a":"b""#), "{stdout}");
}

/// A manifest running the hello component on every host labelled `tier=gold` (daemonscaler,
/// 2 instances each).
fn daemon_manifest(dir: &Path) -> String {
    hello_app(
        dir,
        "daemon",
        "        - type: daemonscaler
          properties:
            instances: 2
            spread:
              - name: gold
                requirements: {tier: gold}
",
    )
}

#[test]
fn a_daemonscaler_follows_labels_and_hosts_joining() {
    let nats = NatsServer::start();
    let dirs: Vec<_> = (0..6).map(|_| tempfile::tempdir().unwrap()).collect();
    let gold = host(&nats, "daemon", dirs[0].path(), &["tier=gold"]);
    let plain = host(&nats, "daemon", dirs[1].path(), &[]);
    let state = dirs[2].path();
    let _manager = manager(&nats, "daemon", state);
    let file = daemon_manifest(dirs[3].path());
    let (code, _, stderr) = client(state, &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let (gold_id, plain_id) = (id(&gold), id(&plain));
    let expect = |expected: &[(&str, u64)]| {
        let expected: BTreeMap<String, u64> = expected
            .iter()
            .map(|(host, count)| ((*host).to_owned(), *count))
            .collect();
        let placed = placed_within(state, "daemon-worker", &expected, Duration::from_secs(5));
        assert!(placed.is_ok(), "expected {expected:?}, got {placed:?}");
    };
    expect(&[(&gold_id, 2)]);

    // A label put on the plain host: it runs its 2 at once; removed: they go.
    let (code, _, stderr) = client(state, &["label", "put", "--host", &plain_id, "tier=gold"]);
    assert_eq!(code, 0, "{stderr}");
    expect(&[(&gold_id, 2), (&plain_id, 2)]);
    let (code, _, stderr) = client(state, &["label", "del", "--host", &plain_id, "tier"]);
    assert_eq!(code, 0, "{stderr}");
    expect(&[(&gold_id, 2)]);

    // A gold host joining gets its 2; a host leaving takes only its own.
    let joined = host(&nats, "daemon", dirs[4].path(), &["tier=gold"]);
    let joined_id = id(&joined);
    expect(&[(&gold_id, 2), (&joined_id, 2)]);
    drop(gold);
    expect(&[(&joined_id, 2)]);
}

#[test]
fn bodies_larger_than_a_nats_message_cross_hosts_in_parts() {
    let nats = NatsServer::start();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let _edge = host(&nats, "big", dirs[0].path(), &["role=edge"]);
    let _worker = host(&nats, "big", dirs[1].path(), &["role=worker"]);
    let state = dirs[2].path();
    let _manager = manager(&nats, "big", state);
    let port = free_port();
    let file =
        support::lattice::split_http(dirs[3].path(), port, Path::new(weft_test_components::ECHO));
    let (code, _, stderr) = client(state, &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let url = format!("http://127.0.0.1:{port}/upload");
    support::answer_until("GET", &url, "", 200, Duration::from_secs(5));

    // 6 MiB to the echo component on the worker and back, through NATS's default 1 MiB
    // messages: the parts are asked for one by one, and the body comes back whole.
    let body: String = (0..6 << 20)
        .map(|index| char::from(b'a' + (index % 26) as u8))
        .collect();
    let sent = body.clone();
    let part = support::next_message_during(&nats, "weft.big.part.>", move || {
        let (status, echoed) = support::send("POST", &url, &sent);
        assert_eq!(status, 200, "{}", &echoed[..echoed.len().min(300)]);
        assert!(echoed.contains(&sent), "the body came back whole");
    });
    assert!(part.reply.is_some(), "a part is asked for: {part:?}");
    drop(body);
}

#[test]
fn a_component_on_another_host_may_take_longer_than_ten_seconds() {
    let lattice = EdgeAndWorkers::start("slow", 1);
    let port = free_port();
    let file =
        support::lattice::split_http(lattice.files(), port, Path::new(weft_test_components::SLOW));
    // Past the hosts' 10 s default: the component's own limit travels to the worker.
    let manifest = std::fs::read_to_string(&file).unwrap().replacen(
        "spec:\n",
        "spec:\n  policies:\n    - {name: patient, type: limits.weft.dev/v1alpha1, properties: {components: hello, timeout: 20s}}\n",
        1,
    );
    std::fs::write(&file, manifest).unwrap();
    lattice.deploy(&file);
    let url = format!("http://127.0.0.1:{port}/?ms=11000");
    let quick = format!("http://127.0.0.1:{port}/?ms=1");
    support::answer_until("GET", &quick, "", 200, Duration::from_secs(5));
    // NATS clients give up on a request after 10 s unless told otherwise; a call across
    // hosts waits as long as the component may run.
    let started = Instant::now();
    let (status, body) = support::get(&url);
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() >= Duration::from_secs(11));
}
