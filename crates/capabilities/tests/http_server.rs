//! The HTTP server capability in-process: real sockets, real components, no binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use weft_capabilities::OutgoingHttpPolicy;
use weft_capabilities::component_limits::Admission;
use weft_capabilities::http_server::{ComponentHandler, HttpServer, RequestHandler, RouteSpec};
use weft_runtime::{ComponentSource, LoadedComponent, Runtime, RuntimeSettings};

const ANY_PORT: &str = "127.0.0.1:0";

fn runtime() -> Runtime {
    Runtime::new(&RuntimeSettings {
        max_instances: 64,
        memory_limit_bytes: 64 << 20,
        invocation_deadline: Duration::from_secs(2),
        ..RuntimeSettings::default()
    })
    .unwrap()
}

fn handler(runtime: &Runtime, path: &str) -> Arc<dyn RequestHandler> {
    handler_with(runtime, path, OutgoingHttpPolicy::deny_all())
}

fn handler_with(
    runtime: &Runtime,
    path: &str,
    outgoing: OutgoingHttpPolicy,
) -> Arc<dyn RequestHandler> {
    Arc::new(ComponentHandler::new(runtime, &loaded(runtime, path), outgoing).unwrap())
}

fn loaded(runtime: &Runtime, path: &str) -> LoadedComponent {
    runtime
        .load(&ComponentSource::File(PathBuf::from(path)))
        .unwrap()
}

async fn serve(server: &HttpServer, handler: Arc<dyn RequestHandler>, owner: &str) -> SocketAddr {
    server
        .add_route(
            ANY_PORT.parse().unwrap(),
            RouteSpec::catch_all(),
            owner,
            handler,
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_sees_method_path_headers_and_body() {
    let runtime = runtime();
    let server = HttpServer::new(Duration::from_secs(5));
    let addr = serve(
        &server,
        handler(&runtime, weft_test_components::ECHO),
        "echo",
    )
    .await;

    let response = reqwest::Client::new()
        .put(format!("http://{addr}/some/path?x=1"))
        .header("x-custom", "yes")
        .body("the body")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        text.starts_with("method: PUT\npath: /some/path?x=1\n"),
        "{text}"
    );
    assert!(text.contains("header: x-custom: yes\n"), "{text}");
    assert!(text.ends_with("\n\nthe body"), "{text}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_stream_both_ways() {
    let runtime = runtime();
    let server = HttpServer::new(Duration::from_secs(5));
    let echo = serve(
        &server,
        handler(&runtime, weft_test_components::ECHO),
        "echo",
    )
    .await;
    let streaming = serve(
        &server,
        handler(&runtime, weft_test_components::STREAMING),
        "streaming",
    )
    .await;
    let client = reqwest::Client::new();

    // 8 MiB out of the component, in 512 flushed chunks with no content-length.
    let response = client
        .get(format!("http://{streaming}/?chunks=512&size=16384"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-length").is_none());
    let mut received = 0usize;
    let mut chunks = 0usize;
    let mut response = response;
    while let Some(chunk) = response.chunk().await.unwrap() {
        received += chunk.len();
        chunks += 1;
    }
    assert_eq!(received, 512 * 16384);
    assert!(chunks > 1, "the body arrived in one piece");

    // 16 MiB into the component and back out, without the host buffering it whole.
    let upload: Vec<u8> = (0..16 << 20)
        .map(|index: u32| (index % 251) as u8)
        .collect();
    let response = client
        .post(format!("http://{echo}/upload"))
        .body(upload.clone())
        .send()
        .await
        .unwrap();
    let body = response.bytes().await.unwrap();
    assert!(body.ends_with(&upload), "echoed {} bytes", body.len());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_components_are_contained_and_the_host_keeps_serving() {
    let runtime = runtime();
    let server = HttpServer::new(Duration::from_secs(5));
    let healthy = serve(
        &server,
        handler(&runtime, weft_test_components::ECHO),
        "echo",
    )
    .await;
    let client = reqwest::Client::new();

    for (path, expected_status) in [
        (weft_test_components::SPIN_LOOP, 503),
        (weft_test_components::MEMORY_BOMB, 503),
        (weft_test_components::TRAP, 500),
        (weft_test_components::DEEP_RECURSION, 500),
    ] {
        let hostile = serve(&server, handler(&runtime, path), path).await;
        let response = client
            .get(format!("http://{hostile}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected_status, "{path}");
        // Containment: the host still answers, on this listener and on others.
        let again = client
            .get(format!("http://{hostile}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), expected_status, "{path} (second request)");
        let ok = client
            .get(format!("http://{healthy}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200, "after {path}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_guest_does_not_starve_other_requests() {
    // Spinning guests get a long deadline: without yielding on epoch ticks, the healthy
    // request would wait for it.
    let deadline = Duration::from_secs(8);
    let runtime = Runtime::new(&RuntimeSettings {
        max_instances: 16,
        invocation_deadline: deadline,
        ..RuntimeSettings::default()
    })
    .unwrap();
    let server = HttpServer::new(Duration::from_secs(5));
    let spin = serve(
        &server,
        handler(&runtime, weft_test_components::SPIN_LOOP),
        "spin",
    )
    .await;
    let echo = serve(
        &server,
        handler(&runtime, weft_test_components::ECHO),
        "echo",
    )
    .await;
    let client = reqwest::Client::new();

    // Occupy both worker threads with spinning guests, then ask the healthy component.
    let spinners: Vec<_> = (0..2)
        .map(|_| tokio::spawn(client.get(format!("http://{spin}/")).send()))
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    let response = client.get(format!("http://{echo}/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let waited = started.elapsed();
    for spinner in spinners {
        assert_eq!(spinner.await.unwrap().unwrap().status(), 503);
    }
    server.shutdown().await;
    // Far below the spinners' deadline, with room for a loaded CI machine.
    assert!(
        waited < deadline / 2,
        "the healthy request waited {waited:?}"
    );
    // At least the two spinners moved (the healthy request computes for microseconds, but a
    // loaded machine may preempt it mid-poll for longer than the slice).
    assert!(
        runtime.busy_lane().moved() >= 2,
        "the spinners moved to the busy lane"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_listener_routes_by_host_and_path_and_refuses_collisions() {
    let runtime = runtime();
    let server = HttpServer::new(Duration::from_secs(5));
    let echo = handler(&runtime, weft_test_components::ECHO);
    let streaming = handler(&runtime, weft_test_components::STREAMING);

    let addr = server
        .add_route(
            ANY_PORT.parse().unwrap(),
            RouteSpec {
                host: None,
                path_prefix: Some("/echo".into()),
            },
            "app one",
            Arc::clone(&echo),
        )
        .await
        .unwrap();
    server
        .add_route(
            addr,
            RouteSpec {
                host: Some("stream.test".into()),
                path_prefix: None,
            },
            "app two",
            Arc::clone(&streaming),
        )
        .await
        .unwrap();

    let client = reqwest::Client::new();
    let echoed = client
        .get(format!("http://{addr}/echo/x"))
        .send()
        .await
        .unwrap();
    assert!(echoed.text().await.unwrap().starts_with("method: GET"));
    let streamed = client
        .get(format!("http://{addr}/echo?chunks=1&size=3"))
        .header("host", "stream.test")
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.text().await.unwrap(), "aaa");
    let unrouted = client
        .get(format!("http://{addr}/elsewhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(unrouted.status(), 404);

    let collision = server
        .add_route(
            addr,
            RouteSpec {
                host: None,
                path_prefix: Some("/echo/".into()),
            },
            "app three",
            echo,
        )
        .await
        .unwrap_err();
    let message = collision.to_string();
    assert!(
        message.contains("app one") && message.contains("app three"),
        "{message}"
    );

    // Removing the last route closes the listener.
    assert!(
        server
            .remove_route(
                addr,
                &RouteSpec {
                    host: None,
                    path_prefix: Some("/echo".into())
                },
                "app one"
            )
            .await
    );
    assert!(
        server
            .remove_route(
                addr,
                &RouteSpec {
                    host: Some("stream.test".into()),
                    path_prefix: None
                },
                "app two"
            )
            .await
    );
    // The port is closed by the time the last route is gone.
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binding_an_address_in_use_says_so() {
    let taken = std::net::TcpListener::bind(ANY_PORT).unwrap();
    let addr = taken.local_addr().unwrap();
    let runtime = runtime();
    let server = HttpServer::new(Duration::from_secs(5));
    let error = server
        .add_route(
            addr,
            RouteSpec::catch_all(),
            "late",
            handler(&runtime, weft_test_components::ECHO),
        )
        .await
        .unwrap_err();
    assert!(error.is_addr_in_use(), "{error}");
    assert!(error.to_string().contains(&addr.to_string()), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests_and_stops_accepting() {
    let runtime = runtime();
    let server = Arc::new(HttpServer::new(Duration::from_secs(5)));
    let addr = serve(
        &server,
        handler(&runtime, weft_test_components::SLOW),
        "slow",
    )
    .await;

    let in_flight = tokio::spawn(
        reqwest::Client::new()
            .get(format!("http://{addr}/?ms=1500"))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.shutdown().await;

    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "slow done");
    let refused = reqwest::Client::new()
        .get(format!("http://{addr}/"))
        .send()
        .await;
    assert!(refused.is_err(), "still accepting after shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn components_that_are_not_http_handlers_are_refused() {
    let runtime = runtime();
    let component = runtime
        .load(&ComponentSource::File(PathBuf::from(
            weft_test_components::CLI_COMMAND,
        )))
        .unwrap();
    let error = ComponentHandler::new(&runtime, &component, OutgoingHttpPolicy::deny_all())
        .err()
        .unwrap();
    let message = error.to_string();
    assert!(message.contains("wasi:http/incoming-handler"), "{message}");
    assert!(message.contains("cli_command.wasm"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_http_is_denied_unless_the_destination_is_allowed() {
    let runtime = runtime();
    let server = HttpServer::new(Duration::from_secs(5));
    let upstream = serve(
        &server,
        handler(&runtime, weft_test_components::ECHO),
        "upstream",
    )
    .await;
    let client = reqwest::Client::new();
    let fetch_via = |addr: SocketAddr| format!("http://{addr}/?url=http://{upstream}/hello");

    let denied = serve(
        &server,
        handler(&runtime, weft_examples::FETCH.path),
        "deny",
    )
    .await;
    let response = client.get(fetch_via(denied)).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert!(response.text().await.unwrap().contains("HttpRequestDenied"));

    // `*` does not include loopback addresses: they must be named.
    let star = OutgoingHttpPolicy::allow(["*"]).unwrap();
    let anywhere = serve(
        &server,
        handler_with(&runtime, weft_examples::FETCH.path, star),
        "star",
    )
    .await;
    let response = client.get(fetch_via(anywhere)).send().await.unwrap();
    assert_eq!(response.status(), 502);

    let named = OutgoingHttpPolicy::allow([upstream.to_string().as_str()]).unwrap();
    let allowed = serve(
        &server,
        handler_with(&runtime, weft_examples::FETCH.path, named),
        "allow",
    )
    .await;
    let response = client.get(fetch_via(allowed)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .starts_with("method: GET\npath: /hello\n")
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_max_concurrency_gets_503_with_retry_after_and_is_counted() {
    let runtime = runtime();
    let component = loaded(&runtime, weft_test_components::SLOW);
    let limited = ComponentHandler::new(&runtime, &component, OutgoingHttpPolicy::deny_all())
        .unwrap()
        .with_limits(runtime.limits(), Admission::at_most(1));
    let counted = limited.clone();
    let server = HttpServer::new(Duration::from_secs(5));
    let addr = serve(&server, Arc::new(limited), "slow").await;

    let running = tokio::spawn(
        reqwest::Client::new()
            .get(format!("http://{addr}/?ms=1000"))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let denied = reqwest::get(format!("http://{addr}/?ms=1")).await.unwrap();
    assert_eq!(denied.status(), 503);
    assert_eq!(denied.headers()["retry-after"], "1");
    let body = denied.text().await.unwrap();
    assert!(body.contains("its max-concurrency"), "{body}");

    assert_eq!(running.await.unwrap().unwrap().status(), 200);
    let after = reqwest::get(format!("http://{addr}/?ms=1")).await.unwrap();
    assert_eq!(after.status(), 200);
    assert_eq!(counted.limit_hits().denied, 1);
    assert_eq!(counted.max_concurrency(), Some(1));
}
