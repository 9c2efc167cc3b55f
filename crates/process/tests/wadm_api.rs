//! wadm's API on NATS, driven by wasmCloud's own client (`wadm-client` from crates.io) against
//! `weft up --nats` in this process and a real `nats-server`: put, list, get, versions, deploy,
//! status until deployed, the status and notification subjects, undeploy, delete, and the
//! error answers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail loudly.

use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use wadm_client::error::ClientError;
use wadm_client::{Client, ClientConnectOptions};
use wadm_types::api::StatusType;
use weft_lattice::{AuditChannel, AuditQuery};
use weft_process::ManagerProcess;
use weft_test_servers::{NatsServer, free_port};

mod support;
use support::{hello_component, host_config, manager_config, nats_config};

const LATTICE: &str = "wadmtest";

fn hello(component: &Path, port: u16, version: &str) -> Vec<u8> {
    format!(
        r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: greeter
  annotations:
    version: {version}
    description: says hello
spec:
  components:
    - name: hello
      type: component
      properties:
        image: file://{}
      traits:
        - type: spreadscaler
          properties:
            instances: 1
    - name: server
      type: capability
      properties:
        image: ghcr.io/wasmcloud/http-server:0.27.0
      traits:
        - type: link
          properties:
            namespace: wasi
            package: http
            interfaces: [incoming-handler]
            target: {{name: hello}}
            source:
              config:
                - name: listen
                  properties: {{address: "127.0.0.1:{port}"}}
"#,
        component.display()
    )
    .into_bytes()
}

async fn weft_up(nats: &NatsServer, state: &Path) -> ManagerProcess {
    let mut config = manager_config(state, Some(nats_config(nats, LATTICE)));
    config.host = Some(host_config(&[]));
    ManagerProcess::start(config).await.unwrap()
}

/// `weft up --nats` on a fresh `nats-server`, the hello component on disk, and wadm's client.
struct Lattice {
    nats: NatsServer,
    _state: tempfile::TempDir,
    files: tempfile::TempDir,
    component: std::path::PathBuf,
    weft: ManagerProcess,
    client: Client,
}

async fn lattice() -> Lattice {
    let nats = NatsServer::start();
    let (state, files) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let component = hello_component(files.path());
    let weft = weft_up(&nats, state.path()).await;
    let options = ClientConnectOptions {
        url: Some(nats.url()),
        ..Default::default()
    };
    let client = Client::new(LATTICE, None, options).await.unwrap();
    Lattice {
        nats,
        _state: state,
        files,
        component,
        weft,
        client,
    }
}

async fn status_becomes(client: &Client, name: &str, wanted: StatusType) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = client.get_manifest_status(name).await.unwrap();
        if status.info.status_type == wanted {
            return;
        }
        assert!(Instant::now() < deadline, "never {wanted:?}: {status:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A raw request on the lattice's wadm API, answered as JSON.
async fn raw(nats: &async_nats::Client, operation: &str, body: &'static str) -> serde_json::Value {
    let subject = format!("wadm.api.{LATTICE}.model.{operation}");
    let answer = nats.request(subject, body.into()).await.unwrap();
    serde_json::from_slice(&answer.payload).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wadm_client_puts_deploys_watches_undeploys_and_deletes_an_app() {
    let Lattice {
        nats,
        _state,
        files: _files,
        component,
        weft,
        client,
    } = lattice().await;
    let raw_nats = async_nats::connect(nats.url()).await.unwrap();
    let mut statuses = raw_nats
        .subscribe(format!("wadm.status.{LATTICE}.greeter"))
        .await
        .unwrap();
    let mut notifications = raw_nats
        .subscribe(format!("wadm.evt.{LATTICE}"))
        .await
        .unwrap();
    raw_nats.flush().await.unwrap();

    let port = free_port();
    let (name, version) = client
        .put_manifest(hello(&component, port, "v1"))
        .await
        .unwrap();
    assert_eq!((name.as_str(), version.as_str()), ("greeter", "v1"));
    let listed = client.list_manifests().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "greeter");
    assert_eq!(listed[0].description.as_deref(), Some("says hello"));
    assert_eq!(listed[0].deployed_version, None);
    let manifest = client.get_manifest("greeter", None).await.unwrap();
    assert_eq!(manifest.metadata.name, "greeter");
    assert_eq!(manifest.version(), "v1");
    assert_eq!(manifest.spec.components.len(), 2);
    let versions = client.list_versions("greeter").await.unwrap();
    assert_eq!(versions.len(), 1);
    assert!(!versions[0].deployed);

    client.deploy_manifest("greeter", None).await.unwrap();
    status_becomes(&client, "greeter", StatusType::Deployed).await;
    let served = reqwest::get(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap();
    assert_eq!(served.text().await.unwrap(), "Hello from weft!\n");
    let status = client.get_manifest_status("greeter").await.unwrap();
    let scalers: Vec<(&str, &str, StatusType)> = status
        .scalers
        .iter()
        .map(|s| (s.kind.as_str(), s.name.as_str(), s.info.status_type))
        .collect();
    assert_eq!(
        scalers,
        [
            ("SpreadScaler", "greeter-hello", StatusType::Deployed),
            ("SpreadScaler", "greeter-server", StatusType::Deployed),
            (
                "LinkScaler",
                "greeter-server -(wasi:http)-> greeter-hello",
                StatusType::Deployed
            ),
        ],
        "{status:?}"
    );
    assert!(status.scalers.iter().all(|s| s.id.len() == 64));
    let seen_by_weft = weft.control().view("greeter").await.unwrap();
    assert_eq!(seen_by_weft.deployed.as_deref(), Some("v1"));
    assert_eq!(seen_by_weft.status, "deployed");
    assert!(client.list_versions("greeter").await.unwrap()[0].deployed);

    let published = tokio::time::timeout(Duration::from_secs(5), notifications.next())
        .await
        .unwrap()
        .unwrap();
    let event: serde_json::Value = serde_json::from_slice(&published.payload).unwrap();
    assert_eq!(event["type"], "com.wadm.manifest_published");
    assert_eq!(event["data"]["metadata"]["name"], "greeter");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let update = tokio::time::timeout(Duration::from_secs(10), statuses.next())
            .await
            .unwrap()
            .unwrap();
        let status: wadm_types::api::Status = serde_json::from_slice(&update.payload).unwrap();
        if status.info.status_type == StatusType::Deployed {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no deployed status was published"
        );
    }

    client.undeploy_manifest("greeter").await.unwrap();
    status_becomes(&client, "greeter", StatusType::Undeployed).await;
    let unpublished = tokio::time::timeout(Duration::from_secs(5), notifications.next())
        .await
        .unwrap()
        .unwrap();
    let event: serde_json::Value = serde_json::from_slice(&unpublished.payload).unwrap();
    assert_eq!(event["type"], "com.wadm.manifest_unpublished");
    assert_eq!(event["data"]["name"], "greeter");

    assert!(client.delete_manifest("greeter", None).await.unwrap());
    assert!(client.list_manifests().await.unwrap().is_empty());
    assert!(
        !client.delete_manifest("greeter", None).await.unwrap(),
        "a noop"
    );

    // Deleted the instant its deploy is acknowledged: nothing of it stays running.
    let port = free_port();
    client
        .put_and_deploy_manifest(hello(&component, port, "v2"))
        .await
        .unwrap();
    assert!(client.delete_manifest("greeter", None).await.unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !weft
        .control()
        .inventory()
        .iter()
        .all(|host| host.components.is_empty())
    {
        assert!(
            Instant::now() < deadline,
            "still running: {:?}",
            weft.control().inventory()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        reqwest::get(format!("http://127.0.0.1:{port}/"))
            .await
            .is_err()
    );

    // Each change wadm's client asked for is in the audit log, in order; reads are not.
    let audit = weft.control().audit().read(AuditQuery::default()).await;
    let entries = audit.unwrap();
    let actions: Vec<&str> = entries.iter().map(|entry| entry.action.as_str()).collect();
    let expected = [
        "model.put",
        "model.deploy.greeter",
        "model.undeploy.greeter",
        "model.del.greeter",
        "model.del.greeter",
        "model.put",
        "model.deploy.greeter",
        "model.del.greeter",
    ];
    assert_eq!(actions, expected);
    assert!(entries[0].outcome.starts_with("ok") && entries[0].outcome.contains("greeter"));
    assert!(entries.iter().all(|entry| entry.via == AuditChannel::Wadm
        && entry.who == "nats"
        && entry.outcome.starts_with("ok")));
    weft.shut_down(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_answer_is_wadms_shape_with_weft_s_message() {
    let Lattice {
        nats,
        _state,
        files: _files,
        component,
        weft,
        client,
    } = lattice().await;

    assert!(matches!(
        client.get_manifest("nope", None).await,
        Err(ClientError::NotFound(_))
    ));
    assert!(matches!(
        client.deploy_manifest("nope", None).await,
        Err(ClientError::NotFound(_))
    ));
    assert!(matches!(
        client.undeploy_manifest("nope").await,
        Err(ClientError::NotFound(_))
    ));
    assert!(matches!(
        client.list_versions("nope").await,
        Err(ClientError::NotFound(_))
    ));
    assert!(matches!(
        client.get_manifest_status("nope").await,
        Err(ClientError::NotFound(_))
    ));

    let manifest = hello(&component, free_port(), "v1");
    client.put_manifest(manifest.clone()).await.unwrap();
    let Err(ClientError::ApiError(conflict)) = client.put_manifest(manifest).await else {
        panic!("a second put of v1 is refused");
    };
    assert!(conflict.contains("already has version `v1`"), "{conflict}");
    let Err(ClientError::ApiError(missing)) = client.deploy_manifest("greeter", Some("v9")).await
    else {
        panic!("deploying a missing version is refused");
    };
    assert!(
        missing.contains("does not have a version 'v9'"),
        "{missing}"
    );

    // A manifest wadm's client accepts but weft's validator does not: a link to nothing.
    let broken = String::from_utf8(hello(&component, free_port(), "v2"))
        .unwrap()
        .replace("target: {name: hello}", "target: {name: nobody}");
    let Err(ClientError::ApiError(invalid)) = client.put_manifest(broken.into_bytes()).await else {
        panic!("an invalid manifest is refused");
    };
    assert!(invalid.contains("model.put:"), "located: {invalid}");
    assert!(invalid.contains("nobody"), "{invalid}");

    // A relative `file://` image has no directory to resolve against over NATS.
    let relative = String::from_utf8(hello(&component, free_port(), "v3"))
        .unwrap()
        .replace(
            &format!("file://{}", component.display()),
            "file://./build/hello.wasm",
        );
    let Err(ClientError::ApiError(relative)) = client.put_manifest(relative.into_bytes()).await
    else {
        panic!("a relative file image is refused");
    };
    assert!(
        relative.contains("`file://./build/hello.wasm`"),
        "{relative}"
    );
    assert!(relative.contains("weft app deploy FILE"), "{relative}");

    // Only the part that cannot be placed fails, saying why.
    let picky = String::from_utf8(hello(&component, free_port(), "v4"))
        .unwrap()
        .replace(
            "instances: 1",
            "instances: 1\n            spread: [{name: mars, requirements: {zone: mars}}]",
        );
    client.put_manifest(picky.into_bytes()).await.unwrap();
    client.deploy_manifest("greeter", Some("v4")).await.unwrap();
    status_becomes(&client, "greeter", StatusType::Failed).await;
    let status = client.get_manifest_status("greeter").await.unwrap();
    let hello_scaler = status
        .scalers
        .iter()
        .find(|s| s.name == "greeter-hello")
        .unwrap();
    assert_eq!(hello_scaler.info.status_type, StatusType::Failed);
    assert!(
        hello_scaler.info.message.contains("zone=mars"),
        "{status:?}"
    );
    let server_scaler = status
        .scalers
        .iter()
        .find(|s| s.name == "greeter-server")
        .unwrap();
    assert_ne!(
        server_scaler.info.status_type,
        StatusType::Failed,
        "{status:?}"
    );

    // An explicit id another deployed app gives: the put is stored, the deploy refused (wadm).
    let with_id = |name: &str| {
        format!(
            "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: {name}
  annotations:
    version: v1
spec:
  components:
    - name: worker
      type: component
      properties:
        image: file://{}
        id: shared-worker
      traits:
        - type: spreadscaler
          properties:
            instances: 1
",
            component.display()
        )
        .into_bytes()
    };
    client
        .put_and_deploy_manifest(with_id("first"))
        .await
        .unwrap();
    client.put_manifest(with_id("second")).await.unwrap();
    let Err(ClientError::ApiError(taken)) = client.deploy_manifest("second", None).await else {
        panic!("deploying an id another app runs is refused");
    };
    assert!(
        taken.contains(
            "Component identifier 'shared-worker' is already deployed in a different application 'first'"
        ),
        "{taken}"
    );
    assert!(taken.contains("weft app undeploy first"), "{taken}");
    assert!(
        !client.list_versions("second").await.unwrap()[0].deployed,
        "nothing was deployed"
    );

    let raw_nats = async_nats::connect(nats.url()).await.unwrap();
    let not_yaml = raw(&raw_nats, "put", "{ this is : [ not").await;
    assert_eq!(not_yaml["result"], "error", "{not_yaml}");
    let message = not_yaml["message"].as_str().unwrap();
    assert!(
        message.contains("model.put:2:1: error: this is not valid YAML or JSON"),
        "{message}"
    );
    let bad_body = raw(&raw_nats, "deploy.greeter", "[1, 2]").await;
    assert_eq!(bad_body["result"], "error", "{bad_body}");
    assert!(
        bad_body["message"]
            .as_str()
            .unwrap()
            .contains("{\"version\""),
        "{bad_body}"
    );
    let history = raw(&raw_nats, "history.greeter", "").await;
    assert!(
        history["message"]
            .as_str()
            .unwrap()
            .contains("weft app history greeter")
    );
    let dotted = raw(&raw_nats, "get.my.app", "").await;
    assert!(
        dotted["message"]
            .as_str()
            .unwrap()
            .contains("extra components"),
        "{dotted}"
    );
    let unknown = raw(&raw_nats, "launch.greeter", "").await;
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("Unsupported subject"),
        "{unknown}"
    );
    weft.shut_down(true).await;
}
