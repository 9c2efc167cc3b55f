//! Capabilities used across the hosts of a lattice over a real `nats-server -js`: a messaging
//! capability on one host delivering to a handler on another (which answers through NATS),
//! and a key-value capability on one host used by components on others. A capability that
//! keeps its data inside one host is refused for components elsewhere, saying what to do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;
use std::time::Duration;

use support::lattice::{EdgeAndWorkers, capability_on, id, kill_and_wait_until_gone, spread_on};
use support::{client, free_port};

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
        .replacen("instances: 100", &spread_on("edge", 10), 1)
        .replacen("instances: 100", &spread_on("worker", 10), 1)
        .replace(
            "        image: weft+builtin://messaging\n      traits:\n",
            &format!(
                "        image: weft+builtin://messaging\n{}",
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
    let mut lattice = EdgeAndWorkers::start("msgs", 1);
    let port = free_port();
    let nats_url = lattice.nats.url();
    lattice.deploy(&split_messaging(
        lattice.files(),
        "split",
        port,
        Some(&nats_url),
    ));
    let worker = lattice.workers.remove(0);
    assert_eq!(
        lattice.hosts_running("split-echo"),
        [id(&worker)],
        "echo runs on the worker only"
    );
    let edge = &lattice.edge;

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

    // The request's trace context goes with the message to the handler's host.
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let traced = format!("http://127.0.0.1:{port}/?subject=echo.t&body=traced");
    let delivery = support::next_message_during(&lattice.nats, "weft.msgs.msg.>", move || {
        let answer = support::send_with("GET", &traced, &[("traceparent", traceparent)], "");
        assert_eq!(answer, (200, "echo: traced".into()));
    });
    assert_eq!(delivery.subject.as_str(), "weft.msgs.msg.split-echo");
    let headers = delivery.headers.expect("the delivery has headers");
    assert_eq!(
        headers.get("traceparent").map(|value| value.as_str()),
        Some(traceparent)
    );
    assert_eq!(
        headers.get("subject").map(|value| value.as_str()),
        Some("echo.t")
    );

    // The handler's host gone: the delivery fails at once, and the edge says why.
    kill_and_wait_until_gone(worker, lattice.state());
    let (status, _) = support::get(&ask);
    assert_eq!(status, 502);
    edge.wait_for_log("that echo runs nowhere", |event| {
        event.to_string().contains("runs on no host of the lattice")
    });
}

#[test]
fn an_in_process_broker_is_refused_for_components_on_other_hosts() {
    let lattice = EdgeAndWorkers::start("local", 1);
    let file = split_messaging(lattice.files(), "inproc", free_port(), None);
    let (code, _, stderr) = client(lattice.state(), &["app", "deploy", &file]);
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
        .replace("instances: 100", &spread_on("worker", 3))
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
    let lattice = EdgeAndWorkers::start("kv", 2);
    let port = free_port();
    let config = format!("{{url: \"{}\"}}", lattice.nats.url());
    lattice.deploy(&split_counter(
        lattice.files(),
        "count",
        port,
        "ghcr.io/wasmcloud/keyvalue-nats:0.3.1",
        &config,
    ));
    let mut running = lattice.hosts_running("count-counter");
    running.sort();
    let mut workers: Vec<String> = lattice.workers.iter().map(id).collect();
    workers.sort();
    assert_eq!(running, workers, "the counter runs on both workers only");
    let edge = &lattice.edge;

    // Requests spread over both workers; every hit lands in the one store.
    let url = format!("http://127.0.0.1:{port}/shared");
    let first = support::answer_until("GET", &url, "", 200, Duration::from_secs(10));
    assert_eq!(first, (200, "hits /shared: 1\n".into()), "{}", edge.logs());
    for hit in 2..=20 {
        assert_eq!(support::get(&url), (200, format!("hits /shared: {hit}\n")));
    }

    // The in-memory store stays inside its host: refused for components elsewhere.
    let file = split_counter(
        lattice.files(),
        "mem",
        free_port(),
        "weft+builtin://keyvalue",
        "{backend: memory}",
    );
    let (code, _, stderr) = client(lattice.state(), &["app", "deploy", &file]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("keeps its data in the memory of the host running it")
            && stderr.contains("backend: redis"),
        "{stderr}"
    );
}
