//! Processes of a lattice over NATS: `weft host` and `weft manager`, and what the manager
//! sees placed.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use super::{NatsServer, Weft, client, spawn_on, weft};

/// `weft host` on `lattice` with `labels`, keeping its caches in `state`.
pub fn host(nats: &NatsServer, lattice: &str, state: &Path, labels: &[&str]) -> Weft {
    host_with(nats, lattice, state, labels, &[])
}

/// The same with `extra` arguments.
pub fn host_with(
    nats: &NatsServer,
    lattice: &str,
    state: &Path,
    labels: &[&str],
    extra: &[&str],
) -> Weft {
    spawn_on(host_command(nats, lattice, labels, extra), state)
}

/// The `weft host` command on `lattice` with `labels` and `extra` arguments.
fn host_command(
    nats: &NatsServer,
    lattice: &str,
    labels: &[&str],
    extra: &[&str],
) -> std::process::Command {
    let mut command = weft();
    command
        .args(["host", "--nats", &nats.url(), "--lattice", lattice])
        .args(labels.iter().flat_map(|label| ["--label", label]))
        .args(extra);
    command
}

/// `weft manager` on `lattice` with its API's files in `state`.
pub fn manager(nats: &NatsServer, lattice: &str, state: &Path) -> Weft {
    manager_with(nats, lattice, state, &[])
}

/// The same with `extra` arguments.
pub fn manager_with(nats: &NatsServer, lattice: &str, state: &Path, extra: &[&str]) -> Weft {
    spawn_on(manager_command(nats, lattice, extra), state)
}

/// `weft manager` reaching NATS at `url` (a proxy, say), with environment variables `env`.
pub fn manager_via(
    url: &str,
    lattice: &str,
    state: &Path,
    env: &[(impl AsRef<std::ffi::OsStr>, impl AsRef<std::ffi::OsStr>)],
) -> Weft {
    let mut command = manager_command_on(url, lattice, &[]);
    command.envs(env.iter().map(|(key, value)| (key, value)));
    spawn_on(command, state)
}

/// The `weft manager` command line of [`manager_with`].
fn manager_command(nats: &NatsServer, lattice: &str, extra: &[&str]) -> std::process::Command {
    manager_command_on(&nats.url(), lattice, extra)
}

/// The same for NATS at `url`.
fn manager_command_on(url: &str, lattice: &str, extra: &[&str]) -> std::process::Command {
    let mut command = weft();
    command
        .args(["manager", "--nats", url, "--lattice", lattice])
        .args(["--api-addr", "127.0.0.1:0", "--lease-term", "1s"])
        .args(extra);
    command
}

/// Instances of `component` per host id, as the manager at `state` sees them.
pub fn placement(state: &Path, component: &str) -> BTreeMap<String, u64> {
    let (_, stdout, _) = client(state, &["get", "inventory", "-o", "json"]);
    let Ok(inventory) = serde_json::from_str::<serde_json::Value>(&stdout) else {
        return BTreeMap::new();
    };
    inventory["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|host| {
            let count = host["components"]
                .as_array()?
                .iter()
                .find(|running| running["id"] == component)?["count"]
                .as_u64()?;
            Some((host["id"].as_str()?.to_owned(), count))
        })
        .collect()
}

/// A lattice on a NATS server of its own: an edge host (`role=edge`), worker hosts
/// (`role=worker`), a manager, and a directory for manifests. Processes stop before NATS.
pub struct EdgeAndWorkers {
    /// The edge host.
    pub edge: Weft,
    /// The worker hosts.
    pub workers: Vec<Weft>,
    /// The manager.
    pub manager: Weft,
    /// The NATS server.
    pub nats: NatsServer,
    dirs: Vec<tempfile::TempDir>,
}

impl EdgeAndWorkers {
    /// Starts lattice `lattice` with `workers` worker hosts.
    pub fn start(lattice: &str, workers: usize) -> Self {
        Self::start_with_env(lattice, workers, &[])
    }

    /// The same, the hosts and the manager started with the environment variables `env`.
    pub fn start_with_env(lattice: &str, workers: usize, env: &[(&str, &str)]) -> Self {
        let nats = NatsServer::start();
        let dirs: Vec<_> = (0..workers + 3)
            .map(|_| tempfile::tempdir().unwrap())
            .collect();
        let host = |state: &Path, label: &str| {
            let mut command = host_command(&nats, lattice, &[label], &[]);
            command.envs(env.iter().copied());
            spawn_on(command, state)
        };
        let edge = host(dirs[0].path(), "role=edge");
        let workers = (0..workers)
            .map(|i| host(dirs[3 + i].path(), "role=worker"))
            .collect();
        let mut command = manager_command(&nats, lattice, &[]);
        command.envs(env.iter().copied());
        let manager = spawn_on(command, dirs[1].path());
        Self {
            edge,
            workers,
            manager,
            nats,
            dirs,
        }
    }

    /// The manager's state directory (where `weft` clients find its API).
    pub fn state(&self) -> &Path {
        self.dirs[1].path()
    }

    /// A directory for manifests and components.
    pub fn files(&self) -> &Path {
        self.dirs[2].path()
    }

    /// Deploys the manifest `file`, which must succeed.
    pub fn deploy(&self, file: &str) {
        let (code, _, stderr) = client(self.state(), &["app", "deploy", file]);
        assert_eq!(code, 0, "{stderr}");
    }

    /// The ids of the hosts running `component`, as the manager sees them.
    pub fn hosts_running(&self, component: &str) -> Vec<String> {
        placement(self.state(), component).into_keys().collect()
    }
}

/// A host's id.
pub fn id(host: &Weft) -> String {
    host.ready["host_id"].as_str().unwrap().to_owned()
}

/// A spreadscaler's `instances` on hosts labelled `role={role}`.
pub fn spread_on(role: &str, instances: u32) -> String {
    format!(
        "instances: {instances}\n            spread: [{{name: {role}, requirements: {{role: {role}}}}}]"
    )
}

/// A spreadscaler trait placing a capability on one host labelled `role={role}`.
pub fn capability_on(role: &str) -> String {
    format!(
        "      traits:\n        - type: spreadscaler\n          properties:\n            instances: 1\n            spread: [{{name: {role}, requirements: {{role: {role}}}}}]\n"
    )
}

/// Kills `host` (`kill -9`) and waits until the manager at `state` has dropped it from the
/// lattice, up to 5 s. A request NATS routes to a host in the instant it dies waits for its
/// timeout; once the manager has noticed, NATS has long let go of the host's subscriptions.
pub fn kill_and_wait_until_gone(host: Weft, state: &Path) {
    let host_id = id(&host);
    drop(host);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (_, stdout, _) = client(state, &["get", "hosts", "-o", "json"]);
        if !stdout.contains(&host_id) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the manager still counts {host_id}: {stdout}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The hello example with its HTTP server on hosts labelled `role=edge` and its component
/// (4 instances) on hosts labelled `role=worker`, serving on `port`.
pub fn split_hello(dir: &Path, port: u16) -> String {
    split_http(dir, port, Path::new(weft_examples::EXAMPLES[0].path))
}

/// The same with the HTTP component `component` (a built file) in place of hello.
pub fn split_http(dir: &Path, port: u16, component: &Path) -> String {
    let file = dir.join("split.yaml");
    std::fs::write(
        &file,
        format!(
            r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: split
  annotations:
    version: v1
spec:
  components:
    - name: hello
      type: component
      properties:
        image: file://{}
      traits:
        - type: spreadscaler
          properties:
            instances: 4
            spread:
              - name: workers
                requirements: {{role: worker}}
    - name: server
      type: capability
      properties:
        image: ghcr.io/wasmcloud/http-server:0.27.0
      traits:
        - type: spreadscaler
          properties:
            instances: 1
            spread:
              - name: edge
                requirements: {{role: edge}}
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
        ),
    )
    .unwrap();
    file.display().to_string()
}

/// Waits (up to `limit`) until the placement is `expected`; how long that took.
pub fn placed_within(
    state: &Path,
    component: &str,
    expected: &BTreeMap<String, u64>,
    limit: Duration,
) -> Result<Duration, BTreeMap<String, u64>> {
    let started = Instant::now();
    loop {
        let now = placement(state, component);
        if &now == expected {
            return Ok(started.elapsed());
        }
        if started.elapsed() > limit {
            return Err(now);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Writes the manifest `manifest` makes from the path of a copy of the hello component to
/// `dir/file`; the manifest's path.
pub fn write_hello_app(dir: &Path, file: &str, manifest: impl FnOnce(&Path) -> String) -> String {
    let component = dir.join("hello.wasm");
    std::fs::copy(weft_examples::EXAMPLES[0].path, &component).unwrap();
    let file = dir.join(file);
    std::fs::write(&file, manifest(&component)).unwrap();
    file.display().to_string()
}

/// A manifest `name` (written to `dir/{name}.yaml`) running a copy of the hello component as
/// `worker` with the scaler `scaler` (its `type` and `properties`, YAML at 8 spaces).
pub fn hello_app(dir: &Path, name: &str, scaler: &str) -> String {
    write_hello_app(dir, &format!("{name}.yaml"), |component| {
        format!(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: {name}\n  annotations:\n    version: v1\nspec:\n  components:\n    - name: worker\n      type: component\n      properties:\n        image: file://{}\n      traits:\n{scaler}",
            component.display()
        )
    })
}

/// A manifest running the hello component with 6 instances, 2 parts in zone eu to 1 in us.
pub fn spread_manifest(dir: &Path) -> String {
    hello_app(
        dir,
        "spread",
        "        - type: spreadscaler
          properties:
            instances: 6
            spread:
              - name: eu
                requirements: {zone: eu}
                weight: 2
              - name: us
                requirements: {zone: us}
                weight: 1
",
    )
}
