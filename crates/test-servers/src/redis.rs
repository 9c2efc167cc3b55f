//! `redis-server` without persistence, on a free port (another one when it was taken first).

use std::process::Command;

use crate::{Started, free_port};

/// How many ports to try before giving up.
const ATTEMPTS: usize = 5;

/// A `redis-server` this test started.
pub struct RedisServer {
    _process: Started,
    /// Its port on 127.0.0.1.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts one on a free port; Redis cannot pick one itself, so a port another test took
    /// first is retried on another.
    pub fn start() -> Self {
        for _ in 0..ATTEMPTS {
            if let Some(server) = Self::try_start_on(free_port()) {
                return server;
            }
        }
        panic!("redis-server found no free port in {ATTEMPTS} attempts")
    }

    /// Starts one on `port`, where weft was already told to look.
    pub fn start_on(port: u16) -> Self {
        Self::try_start_on(port)
            .unwrap_or_else(|| panic!("redis-server cannot listen on {port}: is it taken?"))
    }

    fn try_start_on(port: u16) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .current_dir(dir.path());
        let mut process = Started::spawn(command, &dir.path().join("log"), "redis-server");
        process.wait_listening(|_| Some(port))?;
        Some(Self {
            _process: process,
            port,
            _dir: dir,
        })
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
