//! Capabilities used across the hosts of a lattice over a real `nats-server -js`: a messaging
//! capability on one host delivering to a handler on another (which answers through NATS),
//! and a key-value capability on one host used by components on others. A capability that
//! keeps its data inside one host is refused for components elsewhere, saying what to do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;
use std::time::Duration;

use support::lattice::{host, manager, placement};
use support::{NatsServer, client, free_port};

/// A spreadscaler's `instances` on hosts labelled `role={role}`.
fn on(role: &str, instances: u32) -> String {
    format!(
        "instances: {instances}\n            spread: [{{name: {role}, requirements: {{role: {role}}}}}]"
    )
}

/// A spreadscaler trait placing a capability on one host labelled `role={role}`.
fn capability_on(role: &str) -> String {
    format!(
        "      traits:\n        - type: spreadscaler\n          properties:\n            instances: 1\n            spread: [{{name: {role}, requirements: {{role: {role}}}}}]\n"
    )
}

/// The messaging example as app `name`: `ask`, the HTTP server (on `port`) and the broker on
/// the edge host, `echo` on the worker; the broker on the NATS servers `cluster_uris`, or in
/// process when `None`.
fn split_messaging(dir: &Path, name: &str, port: u16, cluster_uris: Option<&str>) -> String {
    let example = weft_examples::MESSAGING_ASK;
    let mut manifest = example
        .manifest
        .replace(
            "name: messaging\n  annotations",
            &format!("name: {name}\n  annotations"),
        )
        .replace("127.0.0.1:8005", &format!("127.0.0.1:{port}"))
        .replacen("instances: 100", &on("edge", 10), 1)
        .replacen("instances: 100", &on("worker", 10), 1)
        .replace(
            "        image: ghcr.io/wasmcloud/messaging-nats:0.23.1\n      traits:\n",
            &format!(
                "        image: ghcr.io/wasmcloud/messaging-nats:0.23.1\n{}",
                capability_on("edge")
            ),
        )
        .replace(
            "        image: ghcr.io/wasmcloud/http-server:0.27.0\n      traits:\n",
            &format!(
                "        image: ghcr.io/wasmcloud/http-server:0.27.0\n{}",
                capability_on("edge")
            ),
        );
    if let Some(uris) = cluster_uris {
        // Each consumer link gets its own config (a config with properties belongs to one).
        let consumer_target = "            target:\n              name: broker\n";
        let with_config = |side: &str| {
            format!(
                "{consumer_target}              config:\n                - name: {side}-nats\n                  properties: {{cluster_uris: \"{uris}\"}}\n"
            )
        };
        manifest = manifest
            .replace(consumer_target, "CONSUMER_TARGET")
            .replacen("CONSUMER_TARGET", &with_config("ask"), 1)
            .replacen("CONSUMER_TARGET", &with_config("echo"), 1)
            .replace(
                "subscriptions: \"echo.>\"",
                &format!("subscriptions: \"echo.>\"\n                    cluster_uris: \"{uris}\""),
            );
    }
    support::example_app(
        dir,
        name,
        &manifest,
        &[&example, &weft_examples::MESSAGING_ECHO],
        &[],
    )
}

#[test]
fn messages_reach_a_handler_on_another_host_and_it_answers_through_nats() {
    let nats = NatsServer::start(free_port());
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let edge = host(&nats, "msgs", dirs[0].path(), &["role=edge"]);
    let worker = host(&nats, "msgs", dirs[1].path(), &["role=worker"]);
    let _manager = manager(&nats, "msgs", dirs[2].path());
    let port = free_port();
    let file = split_messaging(dirs[3].path(), "split", port, Some(&nats.url()));
    let (code, _, stderr) = client(dirs[2].path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let worker_id = worker.ready["host_id"].as_str().unwrap();
    assert_eq!(
        placement(dirs[2].path(), "split-echo")
            .keys()
            .collect::<Vec<_>>(),
        [worker_id],
        "echo runs on the worker only"
    );

    let ask = format!("http://127.0.0.1:{port}/?subject=echo.hi&body=across");
    let answer = support::answer_until("GET", &ask, "", 200, Duration::from_secs(10));
    assert_eq!(
        answer,
        (200, "echo: across".into()),
        "edge: {}\nworker: {}",
        edge.logs(),
        worker.logs()
    );
    for round in 0..10 {
        let ask = format!("http://127.0.0.1:{port}/?subject=echo.n&body={round}");
        assert_eq!(support::get(&ask), (200, format!("echo: {round}")));
    }

    // The handler's host gone: the delivery fails at once, and the edge says why.
    drop(worker);
    let (status, _) = support::get(&ask);
    assert_eq!(status, 502);
    edge.wait_for_log("that echo runs nowhere", |event| {
        event.to_string().contains("runs on no host of the lattice")
    });
}

#[test]
fn an_in_process_broker_is_refused_for_components_on_other_hosts() {
    let nats = NatsServer::start(free_port());
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let _edge = host(&nats, "local", dirs[0].path(), &["role=edge"]);
    let _worker = host(&nats, "local", dirs[1].path(), &["role=worker"]);
    let _manager = manager(&nats, "local", dirs[2].path());
    let file = split_messaging(dirs[3].path(), "inproc", free_port(), None);
    let (code, _, stderr) = client(dirs[2].path(), &["app", "deploy", &file]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("carries messages inside the process of the host running it")
            && stderr.contains("cluster_uris"),
        "{stderr}"
    );
}

/// The counter example as app `name` with its component (3 instances) on the worker hosts
/// and its key-value capability `image` (target config `config`, a YAML flow mapping) and
/// HTTP server (on `port`) on the edge host.
fn split_counter(dir: &Path, name: &str, port: u16, image: &str, config: &str) -> String {
    let example = weft_examples::COUNTER;
    let manifest = example
        .manifest
        .replace("name: counter\n  annotations", &format!("name: {name}\n  annotations"))
        .replace("127.0.0.1:8001", &format!("127.0.0.1:{port}"))
        .replace("instances: 100", &on("worker", 3))
        .replace(
            "            target:\n              name: keyvalue\n",
            &format!(
                "            target:\n              name: keyvalue\n              config:\n                - name: {name}-store\n                  properties: {config}\n"
            ),
        )
        .replace(
            "        image: weft+builtin://keyvalue\n",
            &format!("        image: {image}\n{}", capability_on("edge")),
        )
        .replace(
            "        image: ghcr.io/wasmcloud/http-server:0.27.0\n      traits:\n",
            &format!(
                "        image: ghcr.io/wasmcloud/http-server:0.27.0\n{}",
                capability_on("edge")
            ),
        );
    support::example_app(dir, name, &manifest, &[&example], &[])
}

#[test]
fn components_on_other_hosts_share_a_key_value_store_on_nats() {
    let nats = NatsServer::start(free_port());
    let dirs: Vec<_> = (0..5).map(|_| tempfile::tempdir().unwrap()).collect();
    let edge = host(&nats, "kv", dirs[0].path(), &["role=edge"]);
    let _first = host(&nats, "kv", dirs[1].path(), &["role=worker"]);
    let _second = host(&nats, "kv", dirs[2].path(), &["role=worker"]);
    let _manager = manager(&nats, "kv", dirs[3].path());
    let port = free_port();
    let config = format!("{{url: \"{}\"}}", nats.url());
    let file = split_counter(
        dirs[4].path(),
        "count",
        port,
        "ghcr.io/wasmcloud/keyvalue-nats:0.3.1",
        &config,
    );
    let (code, _, stderr) = client(dirs[3].path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let edge_id = edge.ready["host_id"].as_str().unwrap();
    let placed = placement(dirs[3].path(), "count-counter");
    assert_eq!(placed.len(), 2, "{placed:?}");
    assert!(!placed.contains_key(edge_id), "{placed:?}");

    // Requests spread over both workers; every hit lands in the one store.
    let url = format!("http://127.0.0.1:{port}/shared");
    let first = support::answer_until("GET", &url, "", 200, Duration::from_secs(10));
    assert_eq!(first, (200, "hits /shared: 1\n".into()), "{}", edge.logs());
    for hit in 2..=20 {
        assert_eq!(support::get(&url), (200, format!("hits /shared: {hit}\n")));
    }

    // The in-memory store stays inside its host: refused for components elsewhere.
    let file = split_counter(
        dirs[4].path(),
        "mem",
        free_port(),
        "weft+builtin://keyvalue",
        "{backend: memory}",
    );
    let (code, _, stderr) = client(dirs[3].path(), &["app", "deploy", &file]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("keeps its data in the memory of the host running it")
            && stderr.contains("backend: redis"),
        "{stderr}"
    );
}
