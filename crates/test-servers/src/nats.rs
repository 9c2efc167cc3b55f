//! `nats-server -js` on a port it picks (or one given), JetStream data in a temporary
//! directory.

use std::path::Path;
use std::process::Command;

use crate::Started;

/// A `nats-server -js` this test started.
pub struct NatsServer {
    process: Started,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where JetStream keeps its data (and the server its log and ports file).
    pub store: tempfile::TempDir,
}

impl NatsServer {
    /// Starts one with JetStream on a port it picks.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// The same with `extra` arguments (e.g. `--user`, `--pass`).
    pub fn start_with(extra: &[&str]) -> Self {
        Self::launch(None, tempfile::tempdir().unwrap(), extra)
    }

    /// Starts one on `port` keeping JetStream's data in `store`: to restart a server on its
    /// address and data, or to start one where weft was already told to look.
    pub fn start_on(port: u16, store: tempfile::TempDir, extra: &[&str]) -> Self {
        Self::launch(Some(port), store, extra)
    }

    fn launch(port: Option<u16>, store: tempfile::TempDir, extra: &[&str]) -> Self {
        let ports_dir = store.path().join("ports");
        let _ = std::fs::remove_dir_all(&ports_dir);
        std::fs::create_dir_all(&ports_dir).unwrap();
        let mut command = Command::new("nats-server");
        let port_arg = port.map_or("-1".to_owned(), |port| port.to_string());
        command
            .args(["-js", "-a", "127.0.0.1", "-p", &port_arg])
            .arg("-sd")
            .arg(store.path())
            .arg("--ports_file_dir")
            .arg(&ports_dir)
            .args(extra);
        let mut process = Started::spawn(command, &store.path().join("log"), "nats-server");
        let Some(port) = process.wait_listening(|_| client_port(&ports_dir)) else {
            process.exited()
        };
        Self {
            process,
            port,
            store,
        }
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops it, handing back its JetStream data for [`NatsServer::start_on`].
    pub fn stop(self) -> tempfile::TempDir {
        drop(self.process);
        self.store
    }
}

/// The client port in the ports file nats-server writes (`{"nats":["nats://HOST:PORT"]}`).
fn client_port(ports_dir: &Path) -> Option<u16> {
    let file = std::fs::read_dir(ports_dir).ok()?.flatten().next()?;
    let ports: serde_json::Value =
        serde_json::from_slice(&std::fs::read(file.path()).ok()?).ok()?;
    let url = ports.get("nats")?.get(0)?.as_str()?;
    url.rsplit(':').next()?.parse().ok()
}
