//! Capabilities through the real binary: the counter example over the built-in key-value
//! store (durable across a restart), config changes seen by the next request, guest logs, and
//! links that cannot work.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;

use support::{NatsServer, RedisServer, client, free_port, get, send, up};

/// The counter example in `dir`, served on `port`; `edit` adjusts its manifest.
fn counter_app(dir: &Path, port: u16, edit: impl Fn(String) -> String) -> String {
    let example = weft_examples::COUNTER;
    let manifest = edit(
        example
            .manifest
            .replace("127.0.0.1:8001", &format!("127.0.0.1:{port}")),
    );
    support::example_app(dir, "wadm", &manifest, &[&example], &[])
}

#[test]
fn the_counter_counts_durably_reads_config_live_and_logs() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let running = up(state.path(), free_port());
    // The greeting comes from a config the app does not declare.
    let file = counter_app(dir.path(), port, |manifest| {
        manifest.replace(
            "              bucket: counter\n",
            "              bucket: counter\n          - name: counter-greeting\n",
        )
    });
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("weft config put counter-greeting"),
        "{stderr}"
    );
    let (code, _, stderr) = client(
        state.path(),
        &["config", "put", "counter-greeting", "greeting=hello"],
    );
    assert_eq!(code, 0, "{stderr}");

    let url = format!("http://127.0.0.1:{port}");
    let wait_deployed = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while get(&format!("{url}/a")).0 != 200 {
        assert!(std::time::Instant::now() < wait_deployed, "never served");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(get(&format!("{url}/a")), (200, "hello /a: 2\n".into()));
    assert_eq!(get(&format!("{url}/b")), (200, "hello /b: 1\n".into()));

    // A config change is seen by the next request, no restart.
    let (code, _, _) = client(
        state.path(),
        &["config", "put", "counter-greeting", "greeting=bye"],
    );
    assert_eq!(code, 0);
    assert_eq!(get(&format!("{url}/a")), (200, "bye /a: 3\n".into()));

    // Guest logs are events tagged with the component and app.
    running.wait_for_log("from the counter", |event| {
        event["target"] == "weft::guest"
            && support::field(event, "component") == "counter-counter"
            && support::field(event, "app") == "counter"
            && support::field(event, "message").contains("/a counted 3")
    });

    // The counts are durable.
    assert!(running.interrupt().success());
    let _again = up(state.path(), free_port());
    assert_eq!(get(&format!("{url}/a")), (200, "bye /a: 4\n".into()));
}

#[test]
fn unusable_key_value_links_fail_with_what_is_wrong() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());

    let wrong_key = tempfile::tempdir().unwrap();
    let file = counter_app(wrong_key.path(), free_port(), |manifest| {
        manifest.replace(
            "            target:\n              name: keyvalue\n",
            "            target:\n              name: keyvalue\n              config:\n                - name: kv-settings\n                  properties: {bucket_name: x}\n",
        )
    });
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`bucket_name`") && stderr.contains("accepted keys are: backend"),
        "{stderr}"
    );

    let wrong_target = tempfile::tempdir().unwrap();
    let file = counter_app(wrong_target.path(), free_port(), |manifest| {
        manifest
            .replace(
                "name: counter\n  annotations",
                "name: misrouted\n  annotations",
            )
            .replace(
                "            target:\n              name: keyvalue\n",
                "            target:\n              name: httpserver\n",
            )
    });
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("does not provide wasi:keyvalue") && stderr.contains("http-server"),
        "{stderr}"
    );
}

/// The counter example renamed to `name`, on `port`, using wasmCloud's Redis image at `url`.
fn redis_counter(dir: &Path, name: &str, port: u16, url: &str) -> String {
    counter_app(dir, port, |manifest| {
        manifest
            .replace("name: counter\n  annotations", &format!("name: {name}\n  annotations"))
            .replace(
                "image: weft+builtin://keyvalue",
                "image: ghcr.io/wasmcloud/keyvalue-redis:0.28.1",
            )
            .replace(
                "            target:\n              name: keyvalue\n",
                &format!(
                    "            target:\n              name: keyvalue\n              config:\n                - name: {name}-redis\n                  properties: {{url: \"{url}\"}}\n"
                ),
            )
    })
}

#[test]
fn the_counter_runs_on_redis_and_waits_for_an_unreachable_one() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let redis = RedisServer::start();

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let file = redis_counter(dir.path(), "counter", port, &redis.url());
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let url = format!("http://127.0.0.1:{port}");
    assert_eq!(get(&format!("{url}/a")), (200, "hits /a: 1\n".into()));
    assert_eq!(get(&format!("{url}/a")), (200, "hits /a: 2\n".into()));
    assert_eq!(
        redis.get("hits/a"),
        "2",
        "other Redis clients read the counter"
    );

    // A Redis nobody runs yet: the deploy fails naming it, and a retry connects once it is up.
    let later_port = free_port();
    let later_url = format!("redis://127.0.0.1:{later_port}");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let file = redis_counter(dir.path(), "later", port, &later_url);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("cannot reach Redis at {later_url}")),
        "{stderr}"
    );
    let _later = RedisServer::start_on(later_port);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (_, stdout, _) = client(state.path(), &["app", "status", "later"]);
        if stdout.starts_with("later v0.1.0: deployed") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never recovered: {stdout}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        get(&format!("http://127.0.0.1:{port}/x")),
        (200, "hits /x: 1\n".into())
    );
}

#[test]
fn outgoing_requests_carry_the_trace_of_the_request_that_made_them() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let (fetch_port, upstream_port) = (free_port(), support::trace_echo(2));
    let config = format!("{{allowed_hosts: \"127.0.0.1:{upstream_port}\"}}");
    let file = support::fetch_app(dir.path(), "traced", fetch_port, Some(&config));
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let fetch = format!("http://127.0.0.1:{fetch_port}/?url=http://127.0.0.1:{upstream_port}/");
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert_eq!(
        support::send_with("GET", &fetch, &[("traceparent", traceparent)], ""),
        (200, traceparent.to_owned())
    );
    assert_eq!(get(&fetch), (200, "none".to_owned()));
}

/// App `slow`: the slow test guest on `port`, the upstream that takes its time.
fn slow_app(dir: &Path, port: u16) -> String {
    support::HttpApp {
        name: "slow",
        version: None,
        component: "slow",
        image: weft_test_components::SLOW,
        port,
        config: None,
        requires: None,
    }
    .write(dir)
}

#[test]
fn outgoing_http_reaches_what_the_link_allows_within_its_timeouts() {
    let state = tempfile::tempdir().unwrap();
    let hello_port = free_port();
    let running = up(state.path(), hello_port);
    let dir = tempfile::tempdir().unwrap();
    let (fetch_port, slow_port) = (free_port(), free_port());
    let config = format!(
        "{{allowed_hosts: \"127.0.0.1:{hello_port}, 127.0.0.1:{slow_port}\", first_byte_timeout_ms: \"400\"}}"
    );
    let file = support::fetch_app(dir.path(), "proxy", fetch_port, Some(&config));
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let file = slow_app(dir.path(), slow_port);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");

    let fetch = |url: &str| get(&format!("http://127.0.0.1:{fetch_port}/?url={url}"));
    assert_eq!(
        fetch(&format!("http://127.0.0.1:{hello_port}/")),
        (200, "Hello from weft!\n".into())
    );
    let started = std::time::Instant::now();
    let (status, body) = fetch(&format!("http://127.0.0.1:{slow_port}/?ms=3000"));
    assert_eq!(status, 502, "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2500),
        "the first-byte timeout cut it short: {:?}",
        started.elapsed()
    );
    for denied in [
        format!("http://127.0.0.1:{}/", free_port()),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ] {
        let (status, body) = fetch(&denied);
        assert_eq!(status, 502, "{denied}: {body}");
        assert!(body.contains("HttpRequestDenied"), "{denied}: {body}");
    }
    running.wait_for_log("a denial that says how to allow it", |event| {
        support::field(event, "message").contains("allowed_hosts")
            && support::field(event, "destination") == "169.254.169.254:80"
    });
}

#[test]
fn outgoing_http_without_a_link_or_with_a_wrong_key_is_refused() {
    let state = tempfile::tempdir().unwrap();
    let hello_port = free_port();
    let running = up(state.path(), hello_port);

    let wrong = tempfile::tempdir().unwrap();
    let file = support::fetch_app(wrong.path(), "wrong", free_port(), Some("{timeout: \"5\"}"));
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`timeout`") && stderr.contains("allowed_hosts, connect_timeout_ms"),
        "{stderr}"
    );
    let (code, _, _) = client(state.path(), &["app", "undeploy", "wrong"]);
    assert_eq!(code, 0);

    let unlinked = tempfile::tempdir().unwrap();
    let fetch_port = free_port();
    let file = support::fetch_app(unlinked.path(), "unlinked", fetch_port, None);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let (status, body) = get(&format!(
        "http://127.0.0.1:{fetch_port}/?url=http://127.0.0.1:{hello_port}/"
    ));
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("HttpRequestDenied"), "{body}");
    running.wait_for_log("a denial that says to link an HTTP client", |event| {
        support::field(event, "message").contains("link the component to an HTTP client")
    });
}

#[test]
fn a_component_picks_one_of_its_key_value_links_by_name() {
    let state = tempfile::tempdir().unwrap();
    let running = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let manifest = format!(
        r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: picker
  annotations: {{}}
spec:
  components:
    - name: picker
      type: component
      properties: {{image: "file://{image}"}}
      traits:
        - type: spreadscaler
          properties: {{instances: 10}}
        - type: link
          properties:
            namespace: wasi
            package: keyvalue
            interfaces: [store, atomics]
            target:
              name: first
              config: [{{name: first-settings, properties: {{backend: memory}}}}]
        - type: link
          properties:
            name: second
            namespace: wasi
            package: keyvalue
            interfaces: [store, atomics]
            target:
              name: second
              config: [{{name: second-settings, properties: {{backend: memory}}}}]
    - name: first
      type: capability
      properties: {{image: weft+builtin://keyvalue}}
    - name: second
      type: capability
      properties: {{image: weft+builtin://keyvalue}}
{server}"#,
        server = support::http_server_component("picker", port),
        image = weft_test_components::KV_LINKS,
    );
    let file = dir.path().join("picker.yaml");
    std::fs::write(&file, manifest).unwrap();
    let (code, _, stderr) = client(state.path(), &["app", "deploy", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");

    let count = |link: &str| get(&format!("http://127.0.0.1:{port}/?link={link}"));
    assert_eq!(count("default"), (200, "default: 1\n".into()));
    assert_eq!(count("second"), (200, "second: 1\n".into()));
    assert_eq!(count("second"), (200, "second: 2\n".into()));
    assert_eq!(count("default"), (200, "default: 2\n".into()));
    let (status, body) = count("third");
    assert_eq!(status, 500);
    assert!(
        body.contains("no wasi:keyvalue link named `third`") && body.contains("default, second"),
        "{body}"
    );

    // wasmcloud:bus/lattice@1.0.0 picks the same way; it reports nothing back, so an unknown
    // name shows in the log and in the call that follows.
    let count_v1 = |link: &str| get(&format!("http://127.0.0.1:{port}/?link={link}&bus=1"));
    assert_eq!(count_v1("second"), (200, "second: 3\n".into()));
    assert_eq!(count_v1("default"), (200, "default: 3\n".into()));
    let (status, body) = count_v1("third");
    assert_eq!(status, 500, "{body}");
    running.wait_for_log("the unknown link name", |event| {
        support::field(event, "message").contains(
            "set-link-name: component picker-picker has no wasi:keyvalue link named `third`",
        )
    });
}

#[test]
fn links_to_one_capability_with_different_servers_each_reach_their_own() {
    let (first, second) = (RedisServer::start(), RedisServer::start());
    let state = tempfile::tempdir().unwrap();
    let running = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // As with wasmCloud's provider, each link to the one Redis capability has its own
    // connection, to the server its config names.
    let manifest = format!(
        r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: two-redis
  annotations: {{}}
spec:
  components:
    - name: picker
      type: component
      properties: {{image: "file://{image}"}}
      traits:
        - type: spreadscaler
          properties: {{instances: 10}}
        - type: link
          properties:
            namespace: wasi
            package: keyvalue
            interfaces: [store, atomics]
            target:
              name: kvredis
              config: [{{name: first-redis, properties: {{url: "{first}"}}}}]
        - type: link
          properties:
            name: second
            namespace: wasi
            package: keyvalue
            interfaces: [store, atomics]
            target:
              name: kvredis
              config: [{{name: second-redis, properties: {{url: "{second}"}}}}]
    - name: kvredis
      type: capability
      properties: {{image: ghcr.io/wasmcloud/keyvalue-redis:0.29.0}}
{server}"#,
        server = support::http_server_component("picker", port),
        image = weft_test_components::KV_LINKS,
        first = first.url(),
        second = second.url(),
    );
    let file = dir.path().join("two-redis.yaml");
    std::fs::write(&file, manifest).unwrap();
    let (code, _, stderr) = client(state.path(), &["app", "deploy", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");

    let count = |link: &str| get(&format!("http://127.0.0.1:{port}/?link={link}"));
    assert_eq!(count("default"), (200, "default: 1\n".into()));
    assert_eq!(count("default"), (200, "default: 2\n".into()));
    assert_eq!(count("second"), (200, "second: 1\n".into()));
    assert_eq!(
        (first.get("hits"), second.get("hits")),
        ("2".into(), "1".into())
    );
    drop(running);
}

#[test]
fn config_reads_the_same_through_store_and_the_legacy_runtime_interface() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let example = weft_examples::CONFIG_READBACK;
    let file = support::example_app(
        dir.path(),
        "readback",
        example.manifest,
        &[&example],
        &[("127.0.0.1:8006", &format!("127.0.0.1:{port}"))],
    );
    // The app waits for the config made by hand.
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("weft config put readback-overrides"),
        "{stderr}"
    );
    let (code, _, stderr) = client(
        state.path(),
        &["config", "put", "readback-overrides", "mode=fast"],
    );
    assert_eq!(code, 0, "{stderr}");
    let url = format!("http://127.0.0.1:{port}");
    let patience = std::time::Duration::from_secs(5);
    let greeting = (200, "store: hello\nruntime: hello\n".to_owned());
    assert_eq!(
        get_until(&format!("{url}/greeting"), &greeting, patience),
        greeting
    );
    assert_eq!(
        get(&format!("{url}/mode")),
        (200, "store: fast\nruntime: fast\n".into())
    );
    assert_eq!(
        get(&format!("{url}/absent")),
        (200, "store: -\nruntime: -\n".into())
    );
    assert_eq!(
        get(&format!("{url}/")),
        (200, "store: greeting,mode\nruntime: greeting,mode\n".into())
    );
    let (code, _, _) = client(
        state.path(),
        &["config", "put", "readback-overrides", "mode=slow"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        get(&format!("{url}/mode")),
        (200, "store: slow\nruntime: slow\n".into())
    );
}

/// The messaging example as app `NAME` on `port`, its handler link's source config
/// `link_config` (a YAML flow mapping); with `nats_config`, both consumer links also read
/// that (existing) config.
fn messaging_app(
    dir: &Path,
    name: &str,
    port: u16,
    link_config: &str,
    nats_config: Option<&str>,
) -> String {
    let consumer_target = "            target:\n              name: broker\n";
    let nats_target = nats_config.map(|config| {
        format!("            target:\n              name: broker\n              config:\n                - name: {config}\n")
    });
    let subscriptions = format!("                  properties: {link_config}\n");
    let mut edits = vec![
        (
            "name: messaging\n  annotations",
            format!("name: {name}\n  annotations"),
        ),
        ("127.0.0.1:8005", format!("127.0.0.1:{port}")),
        (
            "                  properties:\n                    subscriptions: \"echo.>\"\n",
            subscriptions,
        ),
    ];
    if let Some(target) = nats_target {
        edits.push((consumer_target, target));
    }
    let edits: Vec<(&str, &str)> = edits
        .iter()
        .map(|(from, to)| (*from, to.as_str()))
        .collect();
    let example = weft_examples::MESSAGING_ASK;
    support::example_app(
        dir,
        name,
        example.manifest,
        &[&example, &weft_examples::MESSAGING_ECHO],
        &edits,
    )
}

/// GETs `url` until it answers `expected` (within `patience`); returns the last answer.
fn get_until(url: &str, expected: &(u16, String), patience: std::time::Duration) -> (u16, String) {
    let deadline = std::time::Instant::now() + patience;
    loop {
        let answer = std::panic::catch_unwind(|| get(url)).unwrap_or((0, String::new()));
        if &answer == expected || std::time::Instant::now() > deadline {
            return answer;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn messaging_runs_over_nats_waits_for_it_and_survives_its_restart() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let nats_port = free_port();
    let url = format!("nats://127.0.0.1:{nats_port}");
    let (code, _, stderr) = client(
        state.path(),
        &[
            "config",
            "put",
            "nats-servers",
            &format!("cluster_uris={url}"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let file = messaging_app(
        dir.path(),
        "natsmessages",
        port,
        &format!("{{subscriptions: \"echo.>|echoers\", cluster_uris: \"{url}\"}}"),
        Some("nats-servers"),
    );
    // NATS is not up yet: the deploy fails naming it, and goes through once it is.
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("cannot reach NATS at {url}")),
        "{stderr}"
    );
    let nats = NatsServer::start_on(nats_port, tempfile::tempdir().unwrap(), &[]);
    let ask = format!("http://127.0.0.1:{port}/?subject=echo.hi&body=hello");
    let echoed = (200, "echo: hello".to_owned());
    let patience = std::time::Duration::from_secs(20);
    assert_eq!(get_until(&ask, &echoed, patience), echoed);
    let (status, body) = get(&format!(
        "http://127.0.0.1:{port}/?subject=nobody.home&body=x"
    ));
    assert_eq!(status, 502);
    assert!(body.contains("no subscriber for `nobody.home`"), "{body}");

    // The messages really go through NATS: without it requests fail, and once it is back
    // the connections and subscriptions come back by themselves.
    drop(nats);
    let (status, _) = get(&ask);
    assert_eq!(status, 502);
    let _nats = NatsServer::start_on(nats_port, tempfile::tempdir().unwrap(), &[]);
    assert_eq!(get_until(&ask, &echoed, patience), echoed);
}

#[test]
fn messages_reach_a_handler_only_component_and_its_reply_comes_back() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let file = messaging_app(
        dir.path(),
        "messages",
        port,
        "{subscriptions: \"echo.>\"}",
        None,
    );
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");

    let ask = |subject: &str, body: &str| {
        get(&format!(
            "http://127.0.0.1:{port}/?subject={subject}&body={body}"
        ))
    };
    assert_eq!(ask("echo.hi", "hello"), (200, "echo: hello".into()));
    assert_eq!(ask("echo.there", "again"), (200, "echo: again".into()));
    let (status, body) = ask("nobody.home", "x");
    assert_eq!(status, 502);
    assert!(body.contains("no subscriber for `nobody.home`"), "{body}");

    let file = messaging_app(
        dir.path(),
        "misconfigured",
        free_port(),
        "{topics: \"echo.>\"}",
        None,
    );
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`topics`") && stderr.contains("subscriptions, cluster_uris"),
        "{stderr}"
    );
}

/// The blobs example as app `NAME` on `port`, its blobstore link's target config `config`
/// (a YAML flow mapping), on the filesystem blobstore.
fn blobs_app(dir: &Path, name: &str, port: u16, config: &str) -> String {
    blobs_app_on(
        dir,
        name,
        port,
        config,
        "ghcr.io/wasmcloud/blobstore-fs:0.10.1",
    )
}

/// The same on the blobstore capability `capability` (an image).
fn blobs_app_on(dir: &Path, name: &str, port: u16, config: &str, capability: &str) -> String {
    let example = weft_examples::BLOBS;
    support::example_app(
        dir,
        name,
        example.manifest,
        &[&example],
        &[
            (
                "name: blobs\n  annotations",
                &format!("name: {name}\n  annotations"),
            ),
            ("127.0.0.1:8004", &format!("127.0.0.1:{port}")),
            (
                "image: ghcr.io/wasmcloud/blobstore-fs:0.10.1",
                &format!("image: {capability}"),
            ),
            (
                "                  properties:\n                    max_object_bytes: \"16777216\"\n",
                &format!("                  properties: {config}\n"),
            ),
        ],
    )
}

#[test]
fn blobs_are_files_under_the_root_and_nothing_escapes_it() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let port = free_port();
    let file = blobs_app(
        dir.path(),
        "blobs",
        port,
        &format!("{{root: \"{}\"}}", root.display()),
    );
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let url = |name: &str| format!("http://127.0.0.1:{port}/?name={name}");

    assert_eq!(send("PUT", &url("notes/hello.txt"), "hi there").0, 200);
    assert_eq!(get(&url("notes/hello.txt")), (200, "hi there".into()));
    assert_eq!(
        std::fs::read_to_string(root.join("files/notes/hello.txt")).unwrap(),
        "hi there"
    );
    assert_eq!(get(&url("absent")).0, 404);

    let (status, body) = get(&url("../../etc/passwd"));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("is not an object name"), "{body}");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("files/out")).unwrap();
    let (status, body) = send("PUT", &url("out/planted"), "x");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("outside the blobstore root"), "{body}");
    assert!(!outside.join("planted").exists());

    let file = blobs_app(dir.path(), "misconfigured", free_port(), "{bucket: x}");
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`bucket`") && stderr.contains("root, max_object_bytes"),
        "{stderr}"
    );
}

#[test]
fn blobs_on_nats_object_stores() {
    let nats = NatsServer::start();
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let image = "ghcr.io/wasmcloud/blobstore-nats:0.3.1";
    let config = format!("{{cluster_uri: \"{}\"}}", nats.url());
    let file = blobs_app_on(dir.path(), "natsblobs", port, &config, image);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    let url = |name: &str| format!("http://127.0.0.1:{port}/?name={name}");
    assert_eq!(send("PUT", &url("notes/hello.txt"), "hi there").0, 200);
    assert_eq!(get(&url("notes/hello.txt")), (200, "hi there".into()));
    assert_eq!(send("PUT", &url("notes/hello.txt"), "replaced").0, 200);
    assert_eq!(get(&url("notes/hello.txt")), (200, "replaced".into()));
    assert_eq!(get(&url("absent")).0, 404);
    // The container (`files`, what the guest creates) is a JetStream object store.
    assert!(
        support::entries_under(nats.store.path())
            .iter()
            .any(|path| path.is_dir() && path.ends_with("OBJ_files")),
        "no OBJ_files stream under the NATS store"
    );

    let file = blobs_app_on(
        dir.path(),
        "natsmisconfigured",
        free_port(),
        "{root: /x}",
        image,
    );
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`root`") && stderr.contains("cluster_uri, js_domain"),
        "{stderr}"
    );
}

#[test]
fn key_value_on_nats_jetstream() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let manifest = format!(
        r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: natskv
  annotations: {{}}
spec:
  components:
    - name: counter
      type: component
      properties: {{image: "file://{image}"}}
      traits:
        - type: spreadscaler
          properties: {{instances: 10}}
        - type: link
          properties:
            namespace: wasi
            package: keyvalue
            interfaces: [store, atomics]
            target:
              name: kv
              config: [{{name: kv-nats, properties: {{cluster_uri: "{url}"}}}}]
    - name: kv
      type: capability
      properties: {{image: ghcr.io/wasmcloud/keyvalue-nats:0.3.1}}
{server}"#,
        server = support::http_server_component("counter", port),
        image = weft_test_components::KV_LINKS,
        url = nats.url(),
    );
    let file = dir.path().join("natskv.yaml");
    std::fs::write(&file, manifest).unwrap();
    let (code, _, stderr) = client(state.path(), &["app", "deploy", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let count = || get(&format!("http://127.0.0.1:{port}/?link=default"));
    assert_eq!(count(), (200, "default: 1\n".into()));
    assert_eq!(count(), (200, "default: 2\n".into()));
    // The bucket (`hits`, the identifier the component opens) is a JetStream stream.
    let streams: Vec<_> = support::entries_under(nats.store.path())
        .into_iter()
        .filter(|path| path.is_dir())
        .collect();
    assert!(
        streams.iter().any(|path| path.ends_with("KV_hits")),
        "no KV_hits stream under the NATS store: {streams:?}"
    );
}
