//! Components built against `wasmcloud:messaging@0.3.0` through the real binary: linked with
//! the interface names wasmCloud's own manifests use (`consumer`, `handler`) and with 0.3.0's
//! (`producer`, `request-reply`, `incoming-handler`), in process next to a 0.2.0 component
//! and over a real `nats-server`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;

use support::{NatsServer, client, free_port, get, up};

/// How the test app reaches its broker.
struct Broker<'a> {
    /// The capability's image.
    image: &'a str,
    /// `cluster_uris` for both links, when the broker is NATS.
    nats: Option<&'a str>,
    /// The interfaces of the components' import links.
    imports: &'a str,
    /// The interfaces of the broker's handler link to `echo`.
    handler: &'a str,
}

/// An app of `echo` (the 0.3.0 guest, on HTTP port `echo_port`, subscribed to `echo.>`) and
/// `ask` (the 0.2.0 messaging example, on `ask_port`), both linked to `broker`; returns the
/// manifest's path.
fn app(dir: &Path, name: &str, broker: &Broker<'_>, ask_port: u16, echo_port: u16) -> String {
    let servers = broker
        .nats
        .map(|url| format!(", cluster_uris: \"{url}\""))
        .unwrap_or_default();
    // A component linked to the broker over `imports`, its link's target config naming the
    // NATS servers when there are some.
    let linked = |component: &str, image: &str, imports: &str| {
        let config = broker
            .nats
            .map(|url| {
                format!(", config: [{{name: {name}-{component}-nats, properties: {{cluster_uris: \"{url}\"}}}}]")
            })
            .unwrap_or_default();
        format!(
            r#"    - name: {component}
      type: component
      properties: {{image: "file://{image}"}}
      traits:
        - type: spreadscaler
          properties: {{instances: 10}}
        - type: link
          properties: {{namespace: wasmcloud, package: messaging, interfaces: [{imports}], target: {{name: broker{config}}}}}
"#
        )
    };
    let ask = linked("ask", weft_examples::MESSAGING_ASK.path, "consumer");
    let echo = linked("echo", weft_test_components::MESSAGING_0_3, broker.imports);
    let (image, handler) = (broker.image, broker.handler);
    let manifest = format!(
        r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: {name}
  annotations: {{version: v1}}
spec:
  components:
{ask}{echo}    - name: broker
      type: capability
      properties: {{image: "{image}"}}
      traits:
        - type: link
          properties:
            namespace: wasmcloud
            package: messaging
            interfaces: [{handler}]
            target: {{name: echo}}
            source:
              config: [{{name: {name}-subscriptions, properties: {{subscriptions: "echo.>"{servers}}}}}]
{server}"#,
        server = support::http_server_serving(&[("ask", ask_port), ("echo", echo_port)]),
    );
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, manifest).unwrap();
    file.display().to_string()
}

/// Deploys `file` and waits until it is deployed.
fn deploy(state: &Path, file: &str) {
    let (code, _, stderr) = client(state, &["app", "deploy", file]);
    assert_eq!(code, 0, "deploying {file}: {stderr}");
}

#[test]
fn a_0_3_component_linked_with_wasmclouds_interface_names_answers_a_0_2_one_in_process() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let (ask_port, echo_port) = (free_port(), free_port());
    let broker = Broker {
        image: "weft+builtin://messaging",
        nats: None,
        imports: "consumer",
        handler: "handler",
    };
    deploy(
        state.path(),
        &app(dir.path(), "mixed", &broker, ask_port, echo_port),
    );

    let ask = |body: &str| {
        get(&format!(
            "http://127.0.0.1:{ask_port}/?subject=echo.hi&body={body}"
        ))
    };
    assert_eq!(
        ask("hello"),
        (200, "hello".into()),
        "0.2.0 asks, 0.3.0 replies"
    );
    assert_eq!(ask("again"), (200, "again".into()));

    let echo = |path: &str| get(&format!("http://127.0.0.1:{echo_port}{path}"));
    let (status, body) = echo("/request?body=x&replies=3");
    assert_eq!(status, 502);
    assert!(body.contains("first reply"), "{body}");
    let (status, body) = echo("/request?body=x&timeout=200");
    assert_eq!(status, 502);
    assert!(body.contains("no topic"), "{body}");
    let (status, body) = echo("/send?link=elsewhere&topic=echo.x&body=x");
    assert_eq!(status, 502);
    assert!(
        body.contains("Connection")
            && body.contains("no wasmcloud:messaging link named `elsewhere`"),
        "{body}"
    );
}

#[test]
fn a_0_3_component_linked_with_its_own_interface_names_answers_and_sends_over_nats() {
    let nats = NatsServer::start();
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let (ask_port, echo_port) = (free_port(), free_port());
    let url = nats.url();
    let broker = Broker {
        image: "ghcr.io/wasmcloud/messaging-nats:0.27.0",
        nats: Some(&url),
        imports: "producer, request-reply",
        handler: "incoming-handler",
    };
    deploy(
        state.path(),
        &app(dir.path(), "overnats", &broker, ask_port, echo_port),
    );

    let reply = support::nats_request(&nats, "echo.hi", "from nats");
    assert_eq!(&reply.payload[..], b"from nats");
    let sent = support::next_message_during(&nats, "sent.>", move || {
        let answer = get(&format!(
            "http://127.0.0.1:{echo_port}/send?topic=sent.one&body=produced"
        ));
        assert_eq!(answer, (200, "sent".into()));
    });
    assert_eq!(sent.subject.as_str(), "sent.one");
    assert_eq!(&sent.payload[..], b"produced");
    assert_eq!(
        get(&format!(
            "http://127.0.0.1:{ask_port}/?subject=echo.there&body=hello"
        )),
        (200, "hello".into()),
        "a 0.2.0 request over NATS gets the 0.3.0 reply"
    );
}
