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
