//! A Prometheus server (Debian's `prometheus`) scraping one target every 250 ms, on a port it
//! picks, with its data in a temporary directory; and `promtool check metrics`, its linter.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use crate::Started;

/// A Prometheus this test started.
pub struct PrometheusServer {
    _process: Started,
    /// Its port on 127.0.0.1.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl PrometheusServer {
    /// Starts one scraping `http://TARGET/metrics` (`TARGET` is `host:port`), sending
    /// `Authorization: Bearer TOKEN` when given a token.
    pub fn scraping(target: &str, token: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        let authorization = token.map_or_else(String::new, |token| {
            format!("    authorization:\n      type: Bearer\n      credentials: '{token}'\n")
        });
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 250ms\n  scrape_timeout: 200ms\nscrape_configs:\n  - job_name: weft\n{authorization}    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let mut command = Command::new("prometheus");
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg("--web.listen-address=127.0.0.1:0");
        let mut process = Started::spawn(command, &dir.path().join("log"), "prometheus");
        let Some(port) = process.wait_listening(listening_port) else {
            process.exited()
        };
        Self {
            _process: process,
            port,
            _dir: dir,
        }
    }

    /// The value of the instant query `promql` (its first series), `None` while it has no
    /// result.
    pub fn query(&self, promql: &str) -> Option<f64> {
        let query: String = form_urlencoded::byte_serialize(promql.as_bytes()).collect();
        let path = format!("/api/v1/query?query={query}");
        let body = http_get(self.port, &path);
        let answer: serde_json::Value = serde_json::from_str(&body).ok()?;
        answer["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|value| value.parse().ok())
    }
}

/// What `promtool check metrics` says of `exposition` (Prometheus text): `Ok` when it finds
/// nothing wrong, else its complaints.
pub fn promtool_check_metrics(exposition: &str) -> Result<(), String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("promtool runs (scripts/test installs prometheus): {error}")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The port in Prometheus' `msg="Listening on" address=127.0.0.1:PORT` log line.
fn listening_port(output: &str) -> Option<u16> {
    let after = output
        .split("msg=\"Listening on\" address=127.0.0.1:")
        .nth(1)?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The body of `GET path` on 127.0.0.1:`port` (HTTP/1.0, so the server closes when done).
fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}
