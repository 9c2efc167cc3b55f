//! OpenTelemetry export through the real binary: `weft up` sends its spans and metrics to an
//! OTLP receiver the test starts, over OTLP/HTTP and over gRPC; a request that carries a
//! `traceparent` becomes one trace (SERVER → invocation → CLIENT) whose context reaches the
//! upstream, log lines become OTLP log records in their span, and key-value and blobstore calls are CLIENT spans too; across two hosts every
//! NATS hop is a CLIENT/SERVER pair in the same trace; `OTEL_SDK_DISABLED=true` never
//! connects; a bad variable stops the start with a message naming it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::time::Duration;

use support::{client, free_port, send_with};
use weft_test_servers::{OtlpReceiver, ReceivedSpan};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// `weft up` on `state` with `env` set, serving the bundled example on `example_port`.
fn up_with(state: &std::path::Path, example_port: u16, env: &[(&str, &str)]) -> support::Weft {
    let mut command = support::weft();
    command
        .envs(env.iter().copied())
        .args(["up", "--api-addr", "127.0.0.1:0"])
        .args(["--example-address", &format!("127.0.0.1:{example_port}")]);
    support::spawn_on(command, state)
}

/// The one span of `spans` that `matches`, or a panic listing them all.
fn only<'a>(
    spans: &'a [ReceivedSpan],
    what: &str,
    matches: impl Fn(&ReceivedSpan) -> bool,
) -> &'a ReceivedSpan {
    let found: Vec<_> = spans.iter().filter(|span| matches(span)).collect();
    assert_eq!(found.len(), 1, "one {what} expected among {spans:#?}");
    found[0]
}

/// Deploys `example` (from `dir`, as file `name`) on the `weft up` at `state`, its HTTP
/// server moved from `address` to a free port, which it returns.
fn deploy_example(
    state: &std::path::Path,
    dir: &std::path::Path,
    name: &str,
    example: &weft_examples::Example,
    address: &str,
) -> u16 {
    let port = free_port();
    let moved = format!("127.0.0.1:{port}");
    let file = support::example_app(
        dir,
        name,
        example.manifest,
        &[example],
        &[(address, &moved)],
    );
    let (code, _, stderr) = client(state, &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    port
}

/// A traced request through the fetch example: HTTP in, the component, its outgoing request.
fn a_request_is_one_trace_over(protocol: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let receiver = runtime.block_on(OtlpReceiver::start());
    let state = tempfile::tempdir().unwrap();
    let endpoint = receiver.endpoint();
    let up = up_with(
        state.path(),
        free_port(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "200"),
            ("OTEL_SERVICE_NAME", "edge"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let (fetch_port, upstream_port) = (free_port(), support::trace_echo(1));
    let config = format!("{{allowed_hosts: \"127.0.0.1:{upstream_port}\"}}");
    let file = support::fetch_app(dir.path(), "traced", fetch_port, Some(&config));
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");

    let caller = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    let fetch = format!("http://127.0.0.1:{fetch_port}/?url=http://127.0.0.1:{upstream_port}/");
    let (status, upstream_saw) = send_with("GET", &fetch, &[("traceparent", &caller)], "");
    assert_eq!(status, 200, "{upstream_saw}");
    assert!(
        upstream_saw.starts_with(&format!("00-{TRACE_ID}-")) && upstream_saw.ends_with("-01"),
        "the upstream gets the caller's trace: {upstream_saw}"
    );
    let upstream_parent = upstream_saw.split('-').nth(2).unwrap().to_owned();

    let trace = runtime.block_on(receiver.wait_for_trace(TRACE_ID, |trace| trace.len() >= 3));
    let server = only(&trace, "SERVER span", |span| span.kind == 2);
    assert_eq!(server.parent_span_id, CALLER_SPAN, "{server:#?}");
    assert!(server.name.starts_with("GET /"), "{server:#?}");
    assert_eq!(server.attributes["http.request.method"], "GET");
    assert_eq!(server.attributes["http.response.status_code"], "200");
    assert_eq!(server.attributes["url.path"], "/");
    assert_eq!(server.attributes["weft.app"], "traced");
    let invocation = only(&trace, "invocation span", |span| {
        span.parent_span_id == server.span_id
    });
    assert!(
        invocation
            .name
            .ends_with("wasi:http/incoming-handler.handle"),
        "{invocation:#?}"
    );
    assert_eq!(invocation.attributes["weft.invocation.outcome"], "ok");
    let outgoing = only(&trace, "CLIENT span", |span| span.kind == 3);
    assert_eq!(outgoing.parent_span_id, invocation.span_id, "{outgoing:#?}");
    assert_eq!(
        outgoing.span_id, upstream_parent,
        "the upstream's parent is the CLIENT span"
    );
    assert_eq!(outgoing.name, "GET");
    assert_eq!(
        outgoing.attributes["server.port"],
        upstream_port.to_string()
    );
    assert_eq!(outgoing.attributes["http.response.status_code"], "200");
    for span in &trace {
        assert_eq!(span.protocol, protocol, "{span:#?}");
        assert_eq!(span.resource["service.name"], "edge", "{span:#?}");
        assert!(
            span.resource.contains_key("service.instance.id"),
            "{span:#?}"
        );
    }

    // Key-value calls are CLIENT spans under the invocation that made them.
    let counter_port = deploy_example(
        state.path(),
        dir.path(),
        "counted",
        &weft_examples::COUNTER,
        "127.0.0.1:8001",
    );
    let other_trace = "0af7651916cd43dd8448eb211c80319c";
    let (status, body) = send_with(
        "GET",
        &format!("http://127.0.0.1:{counter_port}/a"),
        &[("traceparent", &format!("00-{other_trace}-{CALLER_SPAN}-01"))],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let counted = runtime.block_on(
        receiver.wait_for_trace(other_trace, |trace| trace.iter().any(|span| span.kind == 3)),
    );
    let increment = only(&counted, "key-value span", |span| span.kind == 3);
    assert_eq!(increment.name, "increment counter", "{increment:#?}");
    assert_eq!(increment.attributes["db.operation.name"], "increment");
    assert!(
        !increment
            .attributes
            .values()
            .any(|value| value.contains("hits/")),
        "keys stay out of spans: {increment:#?}"
    );
    let invocation = only(&counted, "counter invocation", |span| {
        span.span_id == increment.parent_span_id
    });
    let server = only(&counted, "counter SERVER span", |span| span.kind == 2);
    assert_eq!(invocation.parent_span_id, server.span_id);
    // The guest's log line says which trace and span it belongs to.
    up.wait_for_log("from the guest, with its trace", |event| {
        event["target"] == "weft::guest"
            && event["fields"]["trace_id"] == other_trace
            && event["fields"]["span_id"] == invocation.span_id.as_str()
    });
    // And the same line reaches the collector as an OTLP log record in that span.
    let record = runtime.block_on(
        receiver
            .wait_for_log(|log| log.trace_id == other_trace && log.span_id == invocation.span_id),
    );
    assert_eq!(record.protocol, protocol, "{record:#?}");
    assert!(record.body.contains("counted"), "{record:#?}");
    assert_eq!(record.resource["service.name"], "edge", "{record:#?}");
    // weft's own lines go too, outside any trace.
    runtime.block_on(receiver.wait_for_log(|log| {
        log.severity == "INFO" && log.trace_id.is_empty() && log.body == "component scaled"
    }));

    // Blobstore calls too, named after the container, never the object.
    let blobs_port = deploy_example(
        state.path(),
        dir.path(),
        "blobs",
        &weft_examples::BLOBS,
        "127.0.0.1:8004",
    );
    let blob_trace = "5b8aa5a2d2c872e8321cf37308d69df2";
    let (status, body) = send_with(
        "PUT",
        &format!("http://127.0.0.1:{blobs_port}/?name=secret-plans.txt"),
        &[("traceparent", &format!("00-{blob_trace}-{CALLER_SPAN}-01"))],
        "plans",
    );
    assert!(status < 300, "{status} {body}");
    let stored = runtime.block_on(receiver.wait_for_trace(blob_trace, |trace| {
        trace.iter().any(|span| span.name == "write_data files")
    }));
    let write = only(&stored, "blobstore write", |span| {
        span.name == "write_data files"
    });
    assert_eq!(write.kind, 3, "{write:#?}");
    assert_eq!(write.attributes["db.system.name"], "weft.filesystem");
    assert_eq!(write.attributes["db.collection.name"], "files");
    assert!(
        !stored
            .iter()
            .flat_map(|span| span.attributes.values().chain([&span.name]))
            .any(|value| value.contains("secret-plans")),
        "object names stay out of spans: {stored:#?}"
    );

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let names = receiver.metric_names();
        let sent = |name: &str| names.iter().any(|sent| sent == name);
        if sent("http.server.request.duration")
            && sent("http.client.request.duration")
            && sent("weft.capability.call.duration")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the metrics never arrived: {names:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_request_is_one_trace_over_otlp_http() {
    a_request_is_one_trace_over("http/protobuf");
}

#[test]
fn a_request_is_one_trace_over_otlp_grpc() {
    a_request_is_one_trace_over("grpc");
}

#[test]
fn with_the_sdk_disabled_nothing_connects_to_the_collector() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let receiver = runtime.block_on(OtlpReceiver::start());
    let state = tempfile::tempdir().unwrap();
    let endpoint = receiver.endpoint();
    let example_port = free_port();
    let up = up_with(
        state.path(),
        example_port,
        &[
            ("OTEL_SDK_DISABLED", "true"),
            ("WASMCLOUD_OBSERVABILITY_ENABLED", "true"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_SCHEDULE_DELAY", "10"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "10"),
        ],
    );
    let (status, _) = send_with(
        "GET",
        &format!("http://127.0.0.1:{example_port}/"),
        &[("traceparent", &format!("00-{TRACE_ID}-{CALLER_SPAN}-01"))],
        "",
    );
    assert_eq!(status, 200);
    assert!(up.interrupt().success());
    assert_eq!(receiver.connections(), 0);
}

#[test]
fn an_unusable_telemetry_variable_stops_the_start_and_names_itself() {
    let state = tempfile::tempdir().unwrap();
    let output = support::weft()
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
        .args(["up", "--api-addr", "127.0.0.1:0", "--example-address"])
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--state-dir")
        .arg(state.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("OTEL_EXPORTER_OTLP_PROTOCOL=\"http/json\" is not supported"),
        "{stderr}"
    );
    assert!(stderr.contains("use http/protobuf"), "{stderr}");
}

#[test]
fn a_request_served_on_another_host_stays_one_trace() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let receiver = runtime.block_on(OtlpReceiver::start());
    let endpoint = receiver.endpoint();
    let lattice = support::lattice::EdgeAndWorkers::start_with_env(
        "traced",
        1,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let port = free_port();
    lattice.deploy(&support::lattice::split_hello(lattice.files(), port));
    let url = format!("http://127.0.0.1:{port}/");
    support::answer_until("GET", &url, "", 200, Duration::from_secs(10));
    let caller = format!("00-{TRACE_ID}-{CALLER_SPAN}-01");
    let (status, body) = send_with("GET", &url, &[("traceparent", &caller)], "");
    assert_eq!(status, 200, "{body}");

    let trace = runtime.block_on(receiver.wait_for_trace(TRACE_ID, |trace| trace.len() >= 4));
    let server = only(&trace, "the edge's SERVER span", |span| {
        span.parent_span_id == CALLER_SPAN
    });
    assert_eq!(server.kind, 2, "{server:#?}");
    let sent = only(&trace, "the hop's CLIENT span", |span| {
        span.parent_span_id == server.span_id
    });
    assert_eq!(sent.kind, 3, "{sent:#?}");
    assert!(sent.name.starts_with("send weft."), "{sent:#?}");
    assert_eq!(sent.attributes["weft.lattice.hop"], "http", "{sent:#?}");
    let answered = only(&trace, "the hop's SERVER span", |span| {
        span.parent_span_id == sent.span_id
    });
    assert_eq!(answered.kind, 2, "{answered:#?}");
    let invocation = only(&trace, "invocation span", |span| {
        span.parent_span_id == answered.span_id
    });
    let host_of = |span: &ReceivedSpan| span.resource["service.instance.id"].clone();
    let (edge, worker) = (
        support::lattice::id(&lattice.edge),
        support::lattice::id(&lattice.workers[0]),
    );
    assert_eq!(host_of(server), edge);
    assert_eq!(host_of(sent), edge);
    assert_eq!(host_of(answered), worker);
    assert_eq!(host_of(invocation), worker);

    // The manager's commands to the worker are CLIENT/SERVER pairs too.
    let control = |span: &ReceivedSpan| {
        span.attributes.get("weft.lattice.hop").map(String::as_str) == Some("control")
    };
    let executed = |span: &ReceivedSpan| {
        control(span)
            && span.kind == 2
            && host_of(span) == worker
            && span.name.contains(".weft.execute.")
    };
    // The manager's span ends after the worker's, so it may arrive in a later export.
    let spans = runtime.block_on(receiver.wait_for_spans(Duration::from_secs(20), |spans| {
        spans.iter().any(|answer| {
            executed(answer)
                && spans
                    .iter()
                    .any(|span| span.span_id == answer.parent_span_id)
        })
    }));
    let answer = spans
        .iter()
        .find(|answer| {
            executed(answer)
                && spans
                    .iter()
                    .any(|span| span.span_id == answer.parent_span_id)
        })
        .unwrap();
    let command = only(&spans, "the command's CLIENT span", |span| {
        span.span_id == answer.parent_span_id
    });
    assert!(control(command) && command.kind == 3, "{command:#?}");
    assert_ne!(host_of(command), worker, "the manager sent it");
    assert_eq!(command.trace_id, answer.trace_id);
}

/// `weft events ARGS -o json` on `state`, its stdout lines sent on the returned channel once
/// it says it follows.
fn follow_events(
    state: &std::path::Path,
    args: &[&str],
) -> (
    std::process::Child,
    std::sync::mpsc::Receiver<serde_json::Value>,
) {
    use std::io::BufRead as _;
    let mut child = support::weft()
        .arg("events")
        .args(args)
        .args(["-o", "json", "--state-dir"])
        .arg(state)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    stderr.read_line(&mut said).unwrap();
    assert!(said.starts_with("following the lattice's events"), "{said}");
    let (sender, events) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = sender.send(serde_json::from_str(&line).unwrap());
        }
    });
    (child, events)
}

#[test]
fn weft_events_follows_the_lattice_by_type_and_app() {
    let state = tempfile::tempdir().unwrap();
    let _up = support::up(state.path(), free_port());
    let (mut follower, events) = follow_events(
        state.path(),
        &[
            "--type",
            "component_scaled,provider_started",
            "--app",
            "counter",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    // Another app first: none of its events pass the filter.
    let fetch = support::fetch_app(dir.path(), "other", free_port(), None);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &fetch]);
    assert_eq!(code, 0, "{stderr}");
    let example = weft_examples::COUNTER;
    let manifest = example
        .manifest
        .replace("127.0.0.1:8001", &format!("127.0.0.1:{}", free_port()));
    let file = support::example_app(dir.path(), "counter", &manifest, &[&example], &[]);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");

    let mut seen = Vec::new();
    while let Ok(event) = events.recv_timeout(Duration::from_secs(5)) {
        seen.push(event);
        let kinds: Vec<_> = seen.iter().map(|event| event["type"].clone()).collect();
        if kinds.contains(&"com.wasmcloud.lattice.component_scaled".into())
            && kinds.contains(&"com.wasmcloud.lattice.provider_started".into())
        {
            break;
        }
    }
    follower.kill().unwrap();
    let _ = follower.wait();
    let scaled = seen
        .iter()
        .find(|event| event["type"] == "com.wasmcloud.lattice.component_scaled")
        .unwrap_or_else(|| panic!("no component_scaled event in {seen:#?}"));
    assert_eq!(scaled["specversion"], "1.0");
    assert!(
        scaled["data"]["component_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("counter-")),
        "{scaled:#}"
    );
    assert!(
        seen.iter()
            .all(|event| event.to_string().contains("counter-")
                && !event.to_string().contains("other-")),
        "only the counter app's events: {seen:#?}"
    );

    let output = support::weft()
        .args(["events", "--type", "component_exploded", "--state-dir"])
        .arg(state.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`component_exploded` is not an event type")
            && stderr.contains("component_scaled"),
        "{stderr}"
    );
}
