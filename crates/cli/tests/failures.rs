//! Failures chosen, not hoped for. The acting manager is stopped at an exact step of a deploy
//! (`WEFT_TEST_PAUSE_AT`: the deploy stored, acknowledged, partly placed) and killed there; an
//! old manager cut off from NATS by a proxy comes back and sends a command it prepared before:
//! the host refuses it; `weft up` is killed with SIGKILL 200 times during writes and no
//! acknowledged write is lost.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::lattice::{
    hello_app, host, id, manager, manager_via, placed_within, placement, spread_manifest,
};
use support::{NatsServer, Weft, client, nats_request, weft};
use weft_test_servers::TcpProxy;

/// How long a pause point may take to be reached.
const REACH_DEADLINE: Duration = Duration::from_secs(30);

/// Waits until the manager paused at `point` (its `{point}.reached` file in `dir`).
fn wait_until_reached(dir: &Path, point: &str, manager: &Weft) {
    let file = dir.join(format!("{point}.reached"));
    let deadline = Instant::now() + REACH_DEADLINE;
    while !file.exists() {
        assert!(
            Instant::now() < deadline,
            "the manager never reached pause point {point}; its logs:\n{}",
            manager.logs()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Instances of `component` per host as the manager at `state` sees them; fails the test
/// when the manager does not answer or does not see all `hosts`, so "nothing placed" is an
/// answer, not a silence.
fn placement_seen(state: &Path, component: &str, hosts: usize) -> BTreeMap<String, u64> {
    let (code, stdout, stderr) = client(state, &["get", "inventory", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let inventory: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        inventory["hosts"].as_array().map(Vec::len),
        Some(hosts),
        "{stdout}"
    );
    placement(state, component)
}

/// The environment that makes a manager pause at `point`, with its files in `dir`.
fn pause_env(point: &str, dir: &Path) -> [(String, PathBuf); 2] {
    [
        ("WEFT_TEST_PAUSE_AT".to_owned(), PathBuf::from(point)),
        ("WEFT_TEST_PAUSE_DIR".to_owned(), dir.to_owned()),
    ]
}

/// Three labelled hosts, an acting manager that pauses at a chosen step, a standby.
struct Lattice {
    nats: NatsServer,
    name: &'static str,
    hosts: Vec<Weft>,
    leader: Weft,
    _standby: Weft,
    dirs: Vec<tempfile::TempDir>,
    pauses: tempfile::TempDir,
}

impl Lattice {
    /// Starts it; the leader pauses at `point`.
    fn start(name: &'static str, point: &str) -> Self {
        let nats = NatsServer::start();
        let dirs: Vec<_> = (0..6).map(|_| tempfile::tempdir().unwrap()).collect();
        let labels = [["zone=eu"], ["zone=eu"], ["zone=us"]];
        let hosts = (0..3)
            .map(|index| host(&nats, name, dirs[index].path(), &labels[index]))
            .collect();
        let pauses = tempfile::tempdir().unwrap();
        let leader = manager_via(
            &nats.url(),
            name,
            dirs[3].path(),
            &pause_env(point, pauses.path()),
        );
        let standby = manager(&nats, name, dirs[4].path());
        Self {
            nats,
            name,
            hosts,
            leader,
            _standby: standby,
            dirs,
            pauses,
        }
    }

    fn leader_state(&self) -> &Path {
        self.dirs[3].path()
    }

    fn standby_state(&self) -> &Path {
        self.dirs[4].path()
    }

    /// Each host's id with the instances the spread manifest gives it.
    fn spread_placement(&self) -> BTreeMap<String, u64> {
        self.hosts.iter().map(|host| (id(host), 2)).collect()
    }

    /// Kills the paused leader with SIGKILL and waits until the standby acts.
    fn kill_the_leader(&mut self) {
        self.leader.kill_now();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (code, _, _) = client(self.standby_state(), &["config", "put", "probe", "a=b"]);
            if code == 0 {
                return;
            }
            assert!(Instant::now() < deadline, "the standby never took over");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Asserts the standby placed app `spread` once: every instance in its place, one
    /// version stored, deployed.
    fn assert_spread_placed_once(&self) {
        let expected = self.spread_placement();
        let placed = placed_within(
            self.standby_state(),
            "spread-worker",
            &expected,
            Duration::from_secs(20),
        );
        assert!(placed.is_ok(), "placed: {placed:?}, expected {expected:?}");
        let (_, stdout, _) = client(self.standby_state(), &["app", "list", "-o", "json"]);
        let listed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let spread = listed["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|app| app["name"] == "spread")
            .unwrap_or_else(|| panic!("app spread is stored: {stdout}"))
            .clone();
        assert_eq!(spread["deployed"], "v1", "{spread}");
        assert_eq!(spread["versions"].as_array().map(Vec::len), Some(1));
    }
}

/// Whether host `host_id` of `lattice` runs `component`, as the host itself says
/// (wasmCloud's `host.get`), whatever any manager thinks.
fn host_runs(nats: &NatsServer, lattice: &str, host_id: &str, component: &str) -> bool {
    let subject = format!("wasmbus.ctl.v1.{lattice}.host.get.{host_id}");
    let answer = nats_request(nats, &subject, "");
    let inventory: serde_json::Value = serde_json::from_slice(&answer.payload).unwrap();
    let components = inventory["response"]["components"].as_array().unwrap();
    components.iter().any(|running| running["id"] == component)
}

/// `weft app deploy FILE` against the manager at `state`, running in the background.
fn deploy_in_background(file: &str, state: &Path) -> Child {
    weft()
        .args(["app", "deploy", file, "--state-dir"])
        .arg(state)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_manager_killed_once_the_deploy_is_stored_leaves_it_to_the_standby() {
    let mut lattice = Lattice::start("r2stored", "stored");
    let file = spread_manifest(lattice.dirs[5].path());
    let mut deploy = deploy_in_background(&file, lattice.leader_state());
    wait_until_reached(lattice.pauses.path(), "stored", &lattice.leader);
    lattice.kill_the_leader();
    assert!(
        !deploy.wait().unwrap().success(),
        "the deploy was never answered, so it must not say it succeeded"
    );
    // Stored as deployed: the standby finishes it although the client heard no answer.
    lattice.assert_spread_placed_once();
}

#[test]
fn a_manager_killed_after_acknowledging_a_deploy_leaves_it_to_the_standby() {
    // wadm's API acknowledges a deploy once stored and converges it in the background: the
    // leader pauses before its first command, after answering.
    let mut lattice = Lattice::start("r2acked", "command:0");
    let file = spread_manifest(lattice.dirs[5].path());
    let api = format!("wadm.api.{}", lattice.name);
    let manifest = std::fs::read_to_string(&file).unwrap();
    let put = nats_request(&lattice.nats, &format!("{api}.model.put"), &manifest);
    assert!(String::from_utf8_lossy(&put.payload).contains("created"));
    let deployed = nats_request(&lattice.nats, &format!("{api}.model.deploy.spread"), "{}");
    let answer = String::from_utf8_lossy(&deployed.payload).into_owned();
    assert!(answer.contains("acknowledged"), "{answer}");
    wait_until_reached(lattice.pauses.path(), "command-0", &lattice.leader);
    assert!(
        placement_seen(lattice.leader_state(), "spread-worker", 3).is_empty(),
        "nothing is placed yet"
    );
    lattice.kill_the_leader();
    lattice.assert_spread_placed_once();
}

#[test]
fn a_manager_killed_with_the_deploy_partly_placed_leaves_it_to_the_standby() {
    let mut lattice = Lattice::start("r2partly", "command:1");
    let file = spread_manifest(lattice.dirs[5].path());
    let mut deploy = deploy_in_background(&file, lattice.leader_state());
    wait_until_reached(lattice.pauses.path(), "command-1", &lattice.leader);
    let partly = placement_seen(lattice.leader_state(), "spread-worker", 3);
    assert_eq!(partly.len(), 1, "one host has its share: {partly:?}");
    lattice.kill_the_leader();
    assert!(!deploy.wait().unwrap().success());
    lattice.assert_spread_placed_once();
}

#[test]
fn an_old_manager_back_from_a_network_cut_has_its_commands_refused() {
    let nats = NatsServer::start();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let worker = host(&nats, "r3", dirs[0].path(), &[]);
    let proxy = TcpProxy::start(([127, 0, 0, 1], nats.port).into());
    let pauses = tempfile::tempdir().unwrap();
    let mut old = manager_via(
        &format!("nats://{}", proxy.addr()),
        "r3",
        dirs[1].path(),
        &pause_env("command:0", pauses.path()),
    );
    let new = manager(&nats, "r3", dirs[2].path());
    let file = hello_app(
        dirs[3].path(),
        "fenced",
        "        - type: spreadscaler\n          properties:\n            instances: 2\n",
    );

    // The old manager has its first command ready when its network goes.
    let mut deploy = deploy_in_background(&file, dirs[1].path());
    wait_until_reached(pauses.path(), "command-0", &old);
    proxy.cut();

    // The new manager takes over, places the app, and the app is undeployed through it.
    let placed = placed_within(
        dirs[2].path(),
        "fenced-worker",
        &BTreeMap::from([(id(&worker), 2)]),
        Duration::from_secs(20),
    );
    assert!(placed.is_ok(), "the new manager placed the app: {placed:?}");
    let (code, _, stderr) = client(dirs[2].path(), &["app", "undeploy", "fenced"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!host_runs(&nats, "r3", &id(&worker), "fenced-worker"));

    // The old manager goes on and its network comes back: the host refuses its command.
    let forwarded = proxy.forwarded();
    std::fs::write(pauses.path().join("command-0.go"), b"").unwrap();
    while !pauses.path().join("command-0.passed").exists() {
        std::thread::sleep(Duration::from_millis(10));
    }
    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !worker.logs().contains("from a manager that lost its lease") {
        assert!(
            !host_runs(&nats, "r3", &id(&worker), "fenced-worker"),
            "the old manager's command placed the undeployed app again"
        );
        assert!(
            Instant::now() < deadline,
            "the host never refused the old manager's command (reconnected: {}); host logs:\n{}\nold manager's logs:\n{}",
            proxy.forwarded() > forwarded,
            worker.logs(),
            old.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !host_runs(&nats, "r3", &id(&worker), "fenced-worker"),
        "the refused command placed nothing"
    );
    // Back on NATS, the old manager finds its lease taken and stops.
    let stopped = old.wait_exit();
    assert!(!stopped.success(), "{stopped}");
    assert!(
        !deploy.wait().unwrap().success(),
        "its deploy was never answered"
    );
    let _ = new;
}

/// How many times R4 kills `weft up`.
const KILLS: usize = 200;

/// What the writer of R4 sent and what was acknowledged.
#[derive(Default)]
struct Writes {
    /// Per config name: the last write sent and the last acknowledged (by write number).
    configs: BTreeMap<String, (u64, Option<u64>)>,
    /// App versions acknowledged as stored.
    versions: Vec<String>,
    /// Writes sent so far (each has its number).
    sent: u64,
}

impl Writes {
    /// Sends writes to the API in `api` (its `url` and `token`) until one fails (the process
    /// was killed); alternates configs `c0`…`c19` and versions of app `r4`.
    async fn send_until_killed(&mut self, api: &serde_json::Value) {
        let url = api["url"]
            .as_str()
            .unwrap()
            .trim_end_matches('/')
            .to_owned();
        let auth = format!("Bearer {}", api["token"].as_str().unwrap());
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        loop {
            self.sent += 1;
            let number = self.sent;
            let is_version = number.is_multiple_of(4);
            let request = if is_version {
                let source = format!(
                    "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: r4\n  annotations:\n    version: w{number}\nspec:\n  components:\n    - name: worker\n      type: component\n      properties:\n        image: file:///r4.wasm\n"
                );
                let body = serde_json::json!({"file": "r4.yaml", "source": source});
                http.post(format!("{url}/v1/apps")).json(&body)
            } else {
                let name = format!("c{}", number % 20);
                self.configs.entry(name.clone()).or_default().0 = number;
                let body = serde_json::json!({"values": {"v": number.to_string()}});
                http.put(format!("{url}/v1/configs/{name}")).json(&body)
            };
            let Ok(response) = request.header("authorization", &auth).send().await else {
                return;
            };
            if !response.status().is_success() {
                let status = response.status();
                panic!(
                    "write {number} refused: {status} {:?}",
                    response.text().await
                );
            }
            if is_version {
                self.versions.push(format!("w{number}"));
            } else {
                self.configs
                    .get_mut(&format!("c{}", number % 20))
                    .unwrap()
                    .1 = Some(number);
            }
        }
    }

    /// Asserts every acknowledged write is in the store of the `weft up` whose API is `api`:
    /// each config holds its last acknowledged write or a later one that was sent, and every
    /// acknowledged version is there.
    fn assert_kept(&self, state: &Path) {
        for (name, (last_sent, acknowledged)) in &self.configs {
            let Some(acknowledged) = acknowledged else {
                continue;
            };
            let (code, stdout, stderr) = client(state, &["config", "get", name, "-o", "json"]);
            assert_eq!(
                code, 0,
                "config {name} (acknowledged write {acknowledged}): {stderr}"
            );
            let config: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let kept: u64 = config["config"]["values"]["v"]
                .as_str()
                .unwrap_or_else(|| panic!("config {name}: {stdout}"))
                .parse()
                .unwrap();
            assert!(
                (*acknowledged..=*last_sent).contains(&kept),
                "config {name} holds write {kept}; acknowledged {acknowledged}, last sent {last_sent}"
            );
        }
        let (code, stdout, stderr) = client(state, &["app", "versions", "r4", "-o", "json"]);
        assert_eq!(code, 0, "{stderr}");
        let missing: Vec<_> = self
            .versions
            .iter()
            .filter(|version| !stdout.contains(&format!("\"{version}\"")))
            .collect();
        assert!(
            missing.is_empty(),
            "acknowledged versions lost: {missing:?}"
        );
    }
}

#[test]
fn two_hundred_kills_during_writes_lose_no_acknowledged_write() {
    let state = tempfile::tempdir().unwrap();
    let mut writes = Writes::default();
    // The kill comes 0–63 ms into the writes, varied by a fixed sequence.
    let mut delay_source: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..KILLS {
        let mut command = weft();
        command.args(["up", "--no-example", "--api-addr", "127.0.0.1:0"]);
        let mut up = support::spawn_on(command, state.path());
        let api: serde_json::Value =
            serde_json::from_slice(&std::fs::read(state.path().join("api.json")).unwrap()).unwrap();
        delay_source ^= delay_source << 13;
        delay_source ^= delay_source >> 7;
        delay_source ^= delay_source << 17;
        let delay = Duration::from_millis(delay_source % 64);
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(writes.send_until_killed(&api));
            });
            std::thread::sleep(delay);
            up.kill_now();
            writer.join().unwrap();
        });
    }
    let acknowledged = writes.versions.len()
        + writes
            .configs
            .values()
            .filter(|(_, acknowledged)| acknowledged.is_some())
            .count();
    assert!(
        writes.sent > KILLS as u64 * 2,
        "writes were under way at the kills: {} sent",
        writes.sent
    );
    eprintln!(
        "{} writes sent over {KILLS} kills; {acknowledged} checked",
        writes.sent
    );
    let _up = support::spawn_on(
        {
            let mut command = weft();
            command.args(["up", "--no-example", "--api-addr", "127.0.0.1:0"]);
            command
        },
        state.path(),
    );
    writes.assert_kept(state.path());
}
