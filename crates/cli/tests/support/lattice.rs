//! Processes of a lattice over NATS: `weft host` and `weft manager`, and what the manager
//! sees placed.

use std::collections::BTreeMap;
use std::path::Path;

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
    let mut command = weft();
    command
        .args(["host", "--nats", &nats.url(), "--lattice", lattice])
        .args(labels.iter().flat_map(|label| ["--label", label]))
        .args(extra);
    spawn_on(command, state)
}

/// `weft manager` on `lattice` with its API's files in `state`.
pub fn manager(nats: &NatsServer, lattice: &str, state: &Path) -> Weft {
    manager_with(nats, lattice, state, &[])
}

/// The same with `extra` arguments.
pub fn manager_with(nats: &NatsServer, lattice: &str, state: &Path, extra: &[&str]) -> Weft {
    let mut command = weft();
    command
        .args(["manager", "--nats", &nats.url(), "--lattice", lattice])
        .args(["--api-addr", "127.0.0.1:0", "--lease-term", "1s"])
        .args(extra);
    spawn_on(command, state)
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
        let nats = NatsServer::start();
        let dirs: Vec<_> = (0..workers + 3)
            .map(|_| tempfile::tempdir().unwrap())
            .collect();
        let edge = host(&nats, lattice, dirs[0].path(), &["role=edge"]);
        let workers = (0..workers)
            .map(|i| host(&nats, lattice, dirs[3 + i].path(), &["role=worker"]))
            .collect();
        let manager = manager(&nats, lattice, dirs[1].path());
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
