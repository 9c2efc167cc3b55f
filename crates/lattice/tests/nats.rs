//! The NATS half of the lattice against a real `nats-server -js` on a free port: the store's
//! compare-and-swap and listing, two lattices on one server, events between processes as
//! CloudEvents, and connecting (servers that come up late, credentials refused).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use weft_lattice::{
    CloudEvent, EventBus as _, Expect, LatticeEvent, LatticeName, NatsBus, NatsConnectError,
    NatsSettings, NatsStore, Received, Store as _, StoreError,
};
use weft_test_servers::{NatsServer, free_port};

fn settings(url: String) -> NatsSettings {
    NatsSettings {
        urls: vec![url],
        ..NatsSettings::default()
    }
}

async fn client(nats: &NatsServer) -> async_nats::Client {
    settings(nats.url()).connect(|_, _| {}).await.unwrap()
}

async fn store(nats: &NatsServer, lattice: &str) -> NatsStore {
    NatsStore::open(client(nats).await, &lattice.parse().unwrap(), &nats.url())
        .await
        .unwrap()
}

#[tokio::test]
async fn writes_compare_and_swap_by_revision() {
    let nats = NatsServer::start();
    let store = store(&nats, "cas").await;
    let key = "links/shop-web/wasi:http/default";

    let first = store
        .put(key, b"v1".to_vec(), Expect::Absent)
        .await
        .unwrap();
    let again = store.put(key, b"other".to_vec(), Expect::Absent).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { found: Some(found), .. }) if found == first),
        "{again:?}"
    );
    let second = store
        .put(key, b"v2".to_vec(), Expect::Revision(first))
        .await
        .unwrap();
    assert!(second > first);
    let stale = store
        .put(key, b"v3".to_vec(), Expect::Revision(first))
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let entry = store.get(key).await.unwrap().unwrap();
    assert_eq!(
        (entry.value.as_slice(), entry.revision),
        (&b"v2"[..], second)
    );

    // Deletes check too, and a deleted key can be created again.
    let stale = store.delete(key, Expect::Revision(first)).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    assert!(store.delete(key, Expect::Revision(second)).await.unwrap());
    assert_eq!(store.get(key).await.unwrap(), None);
    assert!(!store.delete(key, Expect::Any).await.unwrap());
    let gone = store.delete(key, Expect::Revision(second)).await;
    assert!(
        matches!(gone, Err(StoreError::Conflict { found: None, .. })),
        "{gone:?}"
    );
    let third = store
        .put(key, b"v4".to_vec(), Expect::Absent)
        .await
        .unwrap();
    assert!(third > second);
    let any = store.put(key, b"v5".to_vec(), Expect::Any).await.unwrap();
    assert!(any > third);
}

#[tokio::test]
async fn lists_by_prefix_in_key_order_and_lattices_stay_apart() {
    let nats = NatsServer::start();
    let prod = store(&nats, "prod").await;
    let dev = store(&nats, "dev").await;
    assert!(
        prod.list("apps/").await.unwrap().is_empty(),
        "an empty bucket lists nothing"
    );
    for key in [
        "apps/b",
        "apps/a.b c",
        "apps/a/nested",
        "appsx/no",
        "configs/c",
    ] {
        prod.put(key, key.as_bytes().to_vec(), Expect::Any)
            .await
            .unwrap();
    }
    prod.delete("apps/b", Expect::Any).await.unwrap();
    dev.put("apps/only-dev", b"x".to_vec(), Expect::Any)
        .await
        .unwrap();

    let keys = |entries: Vec<(String, weft_lattice::Entry)>| {
        entries.into_iter().map(|(key, _)| key).collect::<Vec<_>>()
    };
    assert_eq!(
        keys(prod.list("apps/").await.unwrap()),
        ["apps/a.b c", "apps/a/nested"],
        "deleted keys and other prefixes are left out"
    );
    assert_eq!(keys(prod.list("app").await.unwrap()).len(), 3);
    assert_eq!(keys(dev.list("apps/").await.unwrap()), ["apps/only-dev"]);
    let listed = prod.list("configs/").await.unwrap();
    assert_eq!(listed[0].1.value, b"configs/c");
    assert_eq!(
        listed[0].1.revision,
        prod.get("configs/c").await.unwrap().unwrap().revision
    );
}

#[tokio::test]
async fn acknowledged_writes_survive_a_server_restart() {
    let nats = NatsServer::start();
    let port = nats.port;
    let store = store(&nats, "durable").await;
    let revision = store
        .put("apps/kept", b"manifest".to_vec(), Expect::Absent)
        .await
        .unwrap();
    let data = nats.stop();
    let nats = NatsServer::start_on(port, data, &[]);
    let reopened = self::store(&nats, "durable").await;
    let entry = reopened.get("apps/kept").await.unwrap().unwrap();
    assert_eq!(
        (entry.value, entry.revision),
        (b"manifest".to_vec(), revision)
    );
}

fn config_set(name: &str) -> LatticeEvent {
    LatticeEvent::ConfigSet {
        name: name.to_owned(),
    }
}

async fn next(subscription: &mut weft_lattice::Subscription) -> Received {
    tokio::time::timeout(Duration::from_secs(5), subscription.next())
        .await
        .expect("an event within 5 s")
}

#[tokio::test]
async fn events_cross_processes_as_cloud_events_once_each() {
    let nats = NatsServer::start();
    let lattice: LatticeName = "events".parse().unwrap();
    let here = NatsBus::start(client(&nats).await, lattice.clone(), "host-a")
        .await
        .unwrap();
    let there = NatsBus::start(client(&nats).await, lattice.clone(), "host-b")
        .await
        .unwrap();
    let elsewhere = NatsBus::start(client(&nats).await, "other".parse().unwrap(), "host-c")
        .await
        .unwrap();
    let watcher = client(&nats).await;
    let mut wire = weft_test_servers::subscribe_live(
        &watcher,
        "wasmbus.evt.events.>",
        "wasmbus.evt.events.probe",
    )
    .await;
    let (mut at_here, mut at_there, mut at_elsewhere) =
        (here.subscribe(), there.subscribe(), elsewhere.subscribe());

    here.publish(config_set("one"));
    there.publish(config_set("two"));
    for subscription in [&mut at_here, &mut at_there] {
        let mut got = vec![next(subscription).await, next(subscription).await];
        got.sort_by_key(|received| format!("{received:?}"));
        assert_eq!(
            got,
            [
                Received::Event(config_set("one")),
                Received::Event(config_set("two"))
            ]
        );
    }
    let message = tokio::time::timeout(Duration::from_secs(5), wire.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.subject.as_str(), "wasmbus.evt.events.config_set");
    let cloud: CloudEvent = serde_json::from_slice(&message.payload).unwrap();
    assert_eq!(cloud.kind, "com.wasmcloud.lattice.config_set");
    assert_eq!(cloud.specversion, "1.0");
    assert!(["host-a", "host-b"].contains(&cloud.source.as_str()));

    // Nothing more: no echo of a bus's own events, nothing from the other lattice. A marker
    // published afterwards on each lattice must be the next thing each bus receives.
    let marker = NatsBus::start(client(&nats).await, lattice, "host-m")
        .await
        .unwrap();
    let other_marker = NatsBus::start(client(&nats).await, "other".parse().unwrap(), "host-d")
        .await
        .unwrap();
    marker.publish(config_set("marker"));
    other_marker.publish(config_set("marker"));
    for subscription in [&mut at_here, &mut at_there, &mut at_elsewhere] {
        assert_eq!(
            next(subscription).await,
            Received::Event(config_set("marker"))
        );
    }
}

#[tokio::test]
async fn connecting_waits_for_late_servers_and_stops_at_refused_credentials() {
    let port = free_port();
    let waits = Arc::new(Mutex::new(Vec::new()));
    let connecting = {
        let waits = Arc::clone(&waits);
        tokio::spawn(async move {
            settings(format!("nats://127.0.0.1:{port}"))
                .connect(move |reason, delay| {
                    waits.lock().unwrap().push((reason.to_owned(), delay));
                })
                .await
        })
    };
    // The server comes up only once the client has waited for it twice.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while waits.lock().unwrap().len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no retries");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _nats = NatsServer::start_on(port, tempfile::tempdir().unwrap(), &[]);
    let client = tokio::time::timeout(Duration::from_secs(10), connecting)
        .await
        .unwrap()
        .unwrap();
    assert!(client.is_ok(), "{:?}", client.err());
    let waits = waits.lock().unwrap().clone();
    assert!(waits.len() >= 2, "{waits:?}");
    assert!(
        waits[0]
            .0
            .contains(&format!("cannot reach NATS at nats://127.0.0.1:{port}")),
        "{waits:?}"
    );
    assert!(waits[1].1 > waits[0].1, "backoff grows: {waits:?}");

    let guarded = NatsServer::start_with(&["--user", "ann", "--pass", "s3cret"]);
    let guarded_port = guarded.port;
    let mut wrong = settings(format!("nats://127.0.0.1:{guarded_port}"));
    wrong.user = Some("ann".into());
    wrong.password = Some("wrong".into());
    let refused = tokio::time::timeout(Duration::from_secs(10), wrong.connect(|_, _| {}))
        .await
        .expect("refused credentials are not retried");
    assert!(
        matches!(&refused, Err(NatsConnectError::Refused { .. })),
        "{:?}",
        refused.err()
    );
    let message = refused.err().unwrap().to_string();
    assert!(message.contains("--nats-user"), "{message}");
    wrong.password = Some("s3cret".into());
    assert!(wrong.connect(|_, _| {}).await.is_ok());
}

/// Connects with `settings`, or says why not within a few seconds (a TLS handshake the
/// server ends may read as "cannot reach", which is retried: then the last reason given).
async fn try_connect(settings: &NatsSettings) -> Result<async_nats::Client, String> {
    let last_reason = std::sync::Mutex::new(String::new());
    let waiting = |reason: &str, _| *last_reason.lock().unwrap() = reason.to_owned();
    match tokio::time::timeout(Duration::from_secs(4), settings.connect(waiting)).await {
        Ok(connected) => connected.map_err(|error| error.to_string()),
        Err(_) => Err(format!("still retrying: {}", last_reason.lock().unwrap())),
    }
}

#[tokio::test]
async fn a_token_an_nkey_and_a_client_certificate_let_a_process_in_and_their_absence_does_not() {
    // A token.
    let guarded = NatsServer::start_with(&["--auth", "lattice-token-0123"]);
    let mut with_token = settings(guarded.url());
    let refused = try_connect(&with_token).await.unwrap_err();
    assert!(refused.contains("--nats-token"), "{refused}");
    with_token.token = Some("lattice-token-0123".into());
    assert!(try_connect(&with_token).await.is_ok());

    // An nkey, from a seed file as `nk -gen user` writes it.
    let dir = tempfile::tempdir().unwrap();
    let user = nkeys::KeyPair::new_user();
    let config = dir.path().join("nats.conf");
    let users = format!(
        "authorization {{ users = [ {{ nkey: {} }} ] }}\n",
        user.public_key()
    );
    std::fs::write(&config, users).unwrap();
    let guarded = NatsServer::start_with(&["-c", config.to_str().unwrap()]);
    let seed_file = dir.path().join("user.nk");
    let mut with_nkey = settings(guarded.url());
    with_nkey.nkey_file = Some(seed_file.clone());
    std::fs::write(&seed_file, "not a seed\n").unwrap();
    let unusable = try_connect(&with_nkey).await.unwrap_err();
    assert!(
        unusable.contains("user.nk") && unusable.contains("nk -gen user"),
        "{unusable}"
    );
    let stranger = nkeys::KeyPair::new_user();
    std::fs::write(&seed_file, stranger.seed().unwrap()).unwrap();
    assert!(
        try_connect(&with_nkey)
            .await
            .unwrap_err()
            .contains("refused")
    );
    std::fs::write(&seed_file, format!("{}\n", user.seed().unwrap())).unwrap();
    assert!(try_connect(&with_nkey).await.is_ok());

    // TLS that verifies clients: the CA alone is not enough, a client certificate is.
    let pki = weft_test_servers::TestPki::new();
    let ((certificate, key), ca) = (pki.server(), pki.ca());
    let tls = [
        "--tls",
        "--tlscert",
        certificate.to_str().unwrap(),
        "--tlskey",
        key.to_str().unwrap(),
        "--tlsverify",
        "--tlscacert",
        ca.to_str().unwrap(),
    ];
    let verifying = NatsServer::start_with(&tls);
    let mut with_tls = settings(verifying.url());
    with_tls.tls_ca = Some(ca);
    let without_certificate = try_connect(&with_tls).await.unwrap_err();
    assert!(
        without_certificate.contains("--nats-tls-cert")
            && !without_certificate.contains("retrying"),
        "the refusal ends the attempts and says what to give: {without_certificate}"
    );
    with_tls.tls_client = Some(pki.client());
    let stranger = weft_test_servers::TestPki::new();
    let mut trusting_a_stranger = with_tls.clone();
    trusting_a_stranger.tls_ca = Some(stranger.ca());
    let unverified = try_connect(&trusting_a_stranger).await.unwrap_err();
    assert!(
        unverified.contains("invalid peer certificate") && !unverified.contains("retrying"),
        "{unverified}"
    );
    let client = try_connect(&with_tls).await.unwrap();
    let reply = client.request("nobody.answers", "".into()).await;
    assert!(reply.is_err(), "a working connection: no responders");
}

#[tokio::test]
async fn a_creds_file_lets_a_process_into_an_operator_mode_server() {
    // As `nsc` sets a server up: an operator, an account with JetStream, users' `.creds`.
    let operator = weft_test_servers::NatsOperator::new();
    let config = operator.server_config();
    let guarded = NatsServer::start_with(&["-c", config.to_str().unwrap()]);
    let mut with_creds = settings(guarded.url());
    let refused = try_connect(&with_creds).await.unwrap_err();
    assert!(refused.contains("--nats-creds"), "{refused}");

    with_creds.credentials_file = Some(operator.stranger_creds());
    let stranger = try_connect(&with_creds).await.unwrap_err();
    assert!(
        stranger.contains("refused the connection") && !stranger.contains("retrying"),
        "{stranger}"
    );

    let missing = operator.user_creds("lost").with_file_name("nowhere.creds");
    with_creds.credentials_file = Some(missing);
    let unreadable = try_connect(&with_creds).await.unwrap_err();
    assert!(
        unreadable.contains("nowhere.creds") && unreadable.contains("nsc generate creds"),
        "{unreadable}"
    );

    with_creds.credentials_file = Some(operator.user_creds("weft"));
    let client = try_connect(&with_creds).await.unwrap();
    // The lattice's store works there: the account has JetStream.
    let lattice: LatticeName = "creds".parse().unwrap();
    let store = NatsStore::open(client, &lattice, &guarded.url())
        .await
        .unwrap();
    store.put("k", b"v".to_vec(), Expect::Absent).await.unwrap();
    assert_eq!(store.get("k").await.unwrap().unwrap().value, b"v");
}
