//! wasmCloud's control-interface client (`wasmcloud-control-interface` 3.x from crates.io, the
//! one `wash` drives hosts with) against `weft up --nats` in this process and a real
//! `nats-server`: hosts, inventory, labels, configs, links, scaling a component and starting
//! and stopping a built-in provider, as `wash get|label|config|link|scale|start|stop` send them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail loudly.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use wasmcloud_control_interface::{Client, ClientBuilder, HostInventory, Link};
use weft_process::ManagerProcess;
use weft_test_servers::{NatsServer, free_port};

mod support;
use support::{hello_component, host_config, manager_config, nats_config};

const LATTICE: &str = "ctltest";

/// The host's inventory once `done` holds for it (10 s at most).
async fn inventory_until(
    ctl: &Client,
    host_id: &str,
    what: &str,
    done: impl Fn(&HostInventory) -> bool,
) -> HostInventory {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = ctl.get_host_inventory(host_id).await.unwrap();
        let inventory = answer.into_data().expect("an inventory");
        if done(&inventory) {
            return inventory;
        }
        assert!(Instant::now() < deadline, "never {what}: {inventory:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every link in the lattice.
async fn lattice_links(ctl: &Client) -> Vec<Link> {
    let answer = ctl.get_links().await.unwrap();
    answer.into_data().unwrap_or_default()
}

/// The labels of the one host `get_hosts` finds.
async fn labels(ctl: &Client) -> std::collections::BTreeMap<String, String> {
    let hosts = ctl.get_hosts().await.unwrap();
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    hosts[0].data().expect("a host").labels().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn washs_control_client_drives_a_weft_host() {
    let nats = NatsServer::start();
    let (state, files) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let component = hello_component(files.path());
    let mut config = manager_config(state.path(), Some(nats_config(&nats, LATTICE)));
    config.host = Some(host_config(&[("zone", "eu")]));
    let weft = ManagerProcess::start(config).await.unwrap();
    let connection = async_nats_control::connect(nats.url()).await.unwrap();
    // `get_hosts` gathers answers for the whole auction timeout (5 s unless set), as wash
    // does; the one host here answers at once.
    let ctl = ClientBuilder::new(connection)
        .lattice(LATTICE)
        .auction_timeout(Duration::from_millis(300))
        .build();

    let host_id = the_host_and_its_labels(&ctl, &weft.ready().host_id).await;
    configs_are_put_read_and_deleted(&ctl).await;
    let image = format!("file://{}", component.display());
    served_by_hand(&ctl, &host_id, &image).await;
    stopped_by_hand(&ctl, &host_id, &image).await;

    // A host that is not in the lattice: the client says no one answered.
    let missing = "NBADHOSTAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert!(ctl.put_label(missing, "tier", "gold").await.is_err());
    weft.shut_down(true).await;
}

/// `wash get hosts` and `wash label`: the host, by an id wash accepts (an nkey server key,
/// `expected`), its labels, one put and deleted. Returns the id.
async fn the_host_and_its_labels(ctl: &Client, expected: &str) -> String {
    let hosts = ctl.get_hosts().await.unwrap();
    let host = hosts[0].data().expect("a host");
    let host_id = host.id().to_owned();
    assert_eq!(host_id, expected);
    assert!(
        nkeys::KeyPair::from_public_key(&host_id).is_ok() && host_id.starts_with('N'),
        "{host_id}"
    );
    assert_eq!(host.lattice(), LATTICE);
    let label =
        |labels: std::collections::BTreeMap<String, String>, key: &str| labels.get(key).cloned();
    assert_eq!(label(labels(ctl).await, "zone").as_deref(), Some("eu"));
    let put = ctl.put_label(&host_id, "tier", "gold").await.unwrap();
    assert!(put.succeeded(), "{}", put.message());
    assert_eq!(label(labels(ctl).await, "tier").as_deref(), Some("gold"));
    let deleted = ctl.delete_label(&host_id, "tier").await.unwrap();
    assert!(deleted.succeeded(), "{}", deleted.message());
    assert_eq!(label(labels(ctl).await, "tier"), None);
    host_id
}

/// `wash config put|get|del`.
async fn configs_are_put_read_and_deleted(ctl: &Client) {
    let greeting = HashMap::from([("text".to_owned(), "hi".to_owned())]);
    let put = ctl.put_config("greeting", greeting.clone()).await.unwrap();
    assert!(put.succeeded(), "{}", put.message());
    let stored = ctl.get_config("greeting").await.unwrap();
    assert_eq!(stored.data(), Some(&greeting));
    let deleted = ctl.delete_config("greeting").await.unwrap();
    assert!(deleted.succeeded(), "{}", deleted.message());
    let gone = ctl.get_config("greeting").await.unwrap();
    assert!(gone.data().is_none_or(HashMap::is_empty), "{gone:?}");
}

/// `wash scale component`, `wash start provider`, `wash link put`: the component `image`
/// served over HTTP by hand, outside any application.
async fn served_by_hand(ctl: &Client, host_id: &str, image: &str) {
    let scaled = ctl
        .scale_component(host_id, image, "byhand", 2, None, Vec::new(), false)
        .await
        .unwrap();
    assert!(scaled.succeeded(), "{}", scaled.message());
    let inventory = inventory_until(ctl, host_id, "byhand runs", |inventory| {
        inventory.components().iter().any(|c| c.id() == "byhand")
    })
    .await;
    let byhand = inventory.components().iter().find(|c| c.id() == "byhand");
    assert_eq!(byhand.unwrap().max_instances(), 2);
    let server = "ghcr.io/wasmcloud/http-server:0.27.0";
    let started = ctl
        .start_provider(host_id, server, "byhand-server", None, Vec::new())
        .await
        .unwrap();
    assert!(started.succeeded(), "{}", started.message());
    inventory_until(ctl, host_id, "the server runs", |inventory| {
        inventory
            .providers()
            .iter()
            .any(|p| p.id() == "byhand-server")
    })
    .await;
    let port = free_port();
    let listen = HashMap::from([("address".to_owned(), format!("127.0.0.1:{port}"))]);
    let put = ctl.put_config("byhand-listen", listen).await.unwrap();
    assert!(put.succeeded(), "{}", put.message());
    let linked = ctl.put_link(http_link()).await.unwrap();
    assert!(linked.succeeded(), "{}", linked.message());
    let answer = reqwest::get(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "Hello from weft!\n");
    let links = lattice_links(ctl).await;
    assert!(
        links
            .iter()
            .any(|link| link.source_id() == "byhand-server" && link.target() == "byhand"),
        "{links:?}"
    );
}

/// The server → `byhand` link `wash link put` sends.
fn http_link() -> Link {
    Link::builder()
        .source_id("byhand-server")
        .target("byhand")
        .name("default")
        .wit_namespace("wasi")
        .wit_package("http")
        .interfaces(vec!["incoming-handler".to_owned()])
        .source_config(vec!["byhand-listen".to_owned()])
        .build()
        .unwrap()
}

/// `wash link del`, `wash scale component … 0`, `wash stop provider`: nothing by hand is left.
async fn stopped_by_hand(ctl: &Client, host_id: &str, image: &str) {
    let unlinked = ctl
        .delete_link("byhand-server", "default", "wasi", "http")
        .await
        .unwrap();
    assert!(unlinked.succeeded(), "{}", unlinked.message());
    let links = lattice_links(ctl).await;
    assert!(
        !links.iter().any(|link| link.source_id() == "byhand-server"),
        "{links:?}"
    );
    let stopped = ctl
        .scale_component(host_id, image, "byhand", 0, None, Vec::new(), false)
        .await
        .unwrap();
    assert!(stopped.succeeded(), "{}", stopped.message());
    let provider = ctl.stop_provider(host_id, "byhand-server").await.unwrap();
    assert!(provider.succeeded(), "{}", provider.message());
    inventory_until(ctl, host_id, "nothing runs by hand", |inventory| {
        !inventory.components().iter().any(|c| c.id() == "byhand")
            && !inventory
                .providers()
                .iter()
                .any(|p| p.id() == "byhand-server")
    })
    .await;
}
