//! A CNCF distribution registry (`docker-registry`) on a port it picks (or one given), on
//! plain HTTP unless told otherwise, storing under a temporary directory.

use std::process::Command;

use crate::Started;

/// A registry this test started.
pub struct RegistryServer {
    _process: Started,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where it keeps blobs and manifests (and its config and log).
    pub storage: tempfile::TempDir,
}

impl RegistryServer {
    /// Starts one on a port it picks.
    pub fn start() -> Self {
        Self::start_with("", "")
    }

    /// Starts one on `port`: to bring a registry back on the address weft already uses.
    pub fn start_on(port: u16) -> Self {
        Self::launch(port, "", "")
    }

    /// Starts one with `http_extra` added under `http:` (e.g. `tls:`) and `extra` at the top
    /// level of its config (e.g. `auth:`), both indented YAML.
    pub fn start_with(http_extra: &str, extra: &str) -> Self {
        Self::launch(0, http_extra, extra)
    }

    fn launch(port: u16, http_extra: &str, extra: &str) -> Self {
        let storage = tempfile::tempdir().unwrap();
        let config = storage.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n{http_extra}{extra}",
                storage.path().join("data").display()
            ),
        )
        .unwrap();
        let mut command = Command::new("docker-registry");
        command.arg("serve").arg(&config);
        let log = storage.path().join("log");
        let mut process = Started::spawn(command, &log, "docker-registry");
        let Some(port) = process.wait_listening(listening_port) else {
            process.exited()
        };
        Self {
            _process: process,
            port,
            storage,
        }
    }

    /// `127.0.0.1:PORT`, what `--allow-insecure` takes.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// The port in the registry's `listening on 127.0.0.1:PORT` log line.
fn listening_port(output: &str) -> Option<u16> {
    let after = output.split("listening on 127.0.0.1:").nth(1)?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
