//! Servers weft's tests start on free ports and stop when dropped: `nats-server` with
//! JetStream, `redis-server`, a CNCF distribution registry (`scripts/test` installs them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod live_subscription;

pub use live_subscription::{subscribe_live, unsubscribe_done};

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process this test started; killed when dropped.
pub struct Started(Child);

impl Started {
    /// Spawns `command` (output discarded) and waits until it listens on 127.0.0.1:`port`.
    pub fn listening(mut command: Command, port: u16, what: &str) -> Self {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{what} runs (scripts/test installs it): {error}"));
        let started = Self(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "{what} never listened on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        started
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `redis-server` this test started on a free port.
pub struct RedisServer {
    _process: Started,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl RedisServer {
    /// Starts one on `port` and waits until it accepts connections.
    pub fn start(port: u16) -> Self {
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"]);
        Self {
            _process: Started::listening(command, port, "redis-server"),
            port,
        }
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `redis-cli GET key`.
    pub fn get(&self, key: &str) -> String {
        let output = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "GET", key])
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

/// A CNCF distribution registry (`docker-registry`) this test started on a free port, on
/// plain HTTP, storing under a temporary directory.
pub struct RegistryServer {
    _process: Started,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where it keeps blobs and manifests.
    pub storage: tempfile::TempDir,
}

impl RegistryServer {
    /// Starts one on `port` and waits until it accepts connections.
    pub fn start(port: u16) -> Self {
        Self::start_with(port, "", "")
    }

    /// Starts one on `port` with `http_extra` added under `http:` (e.g. `tls:`) and
    /// `extra` at the top level of its config (e.g. `auth:`), both indented YAML.
    pub fn start_with(port: u16, http_extra: &str, extra: &str) -> Self {
        let storage = tempfile::tempdir().unwrap();
        let config = storage.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n{http_extra}{extra}",
                storage.path().join("data").display()
            ),
        )
        .unwrap();
        let mut command = Command::new("docker-registry");
        command.arg("serve").arg(&config);
        Self {
            _process: Started::listening(command, port, "docker-registry"),
            port,
            storage,
        }
    }

    /// `127.0.0.1:PORT`, what `--allow-insecure` takes.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// A `nats-server -js` this test started on a free port.
pub struct NatsServer {
    _process: Started,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where JetStream keeps its data.
    pub store: tempfile::TempDir,
}

impl NatsServer {
    /// Starts one with JetStream on `port` and waits until it accepts connections.
    pub fn start(port: u16) -> Self {
        Self::start_with(port, &[])
    }

    /// The same with `extra` arguments (e.g. `--user`, `--pass`).
    pub fn start_with(port: u16, extra: &[&str]) -> Self {
        Self::start_in(port, tempfile::tempdir().unwrap(), extra)
    }

    /// The same keeping JetStream's data in `store` (to restart a server on its data).
    pub fn start_in(port: u16, store: tempfile::TempDir, extra: &[&str]) -> Self {
        let mut command = Command::new("nats-server");
        command
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string()])
            .arg("-sd")
            .arg(store.path())
            .args(extra);
        Self {
            _process: Started::listening(command, port, "nats-server"),
            port,
            store,
        }
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops it, handing back its JetStream data for [`NatsServer::start_in`].
    pub fn stop(self) -> tempfile::TempDir {
        drop(self._process);
        self.store
    }
}
