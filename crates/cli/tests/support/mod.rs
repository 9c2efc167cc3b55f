//! Drives the real `weft` binary: start it, wait for it to say where it serves, collect its
//! logs, stop it.

#![allow(dead_code)] // Each test binary uses a different subset.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod lattice;
pub mod netns;

#[allow(unused_imports)] // Each test binary uses a different subset.
pub use weft_test_servers::{
    NatsServer, RedisServer, RegistryServer, Started, free_port, subscribe_live, unsubscribe_done,
};

/// How long a `weft` process may take to start serving.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// A `weft` command with a private cache directory.
pub fn weft() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weft"));
    command
        .env_remove("WEFT_LOG")
        .env_remove("WEFT_OUTPUT")
        .env_remove("WEFT_API")
        .env_remove("WEFT_TOKEN")
        .env("USER", "tester");
    command
}

/// A running `weft` process.
pub struct Weft {
    child: Child,
    stderr: Arc<Mutex<String>>,
    /// The first line it printed on stdout (parsed JSON with `-o json`).
    pub ready: serde_json::Value,
}

impl Weft {
    /// Starts `weft run ARGS -o json --listen 127.0.0.1:0` and waits until it serves.
    pub fn run(args: &[&str]) -> Self {
        let mut command = weft();
        command
            .arg("run")
            .args(args)
            .args([
                "-o",
                "json",
                "--log-format",
                "json",
                "--listen",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Self::spawn(command)
    }

    /// Starts `command` (stdout and stderr piped) and waits for its first stdout line.
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command.spawn().expect("weft starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().expect("stderr is piped");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver.recv_timeout(START_DEADLINE).unwrap_or_default();
        let ready = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
            let logs = stderr.lock().unwrap().clone();
            let _ = child.kill();
            panic!("weft did not report readiness; stdout: {line:?}\nstderr:\n{logs}")
        });
        Self {
            child,
            stderr,
            ready,
        }
    }

    /// The URL it serves.
    pub fn url(&self) -> String {
        self.ready["url"].as_str().expect("a url").to_owned()
    }

    /// Everything it logged so far.
    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until a log line satisfies `predicate`, or panics with the logs.
    pub fn wait_for_log(&self, what: &str, predicate: impl Fn(&serde_json::Value) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let found = self
                .logs()
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .any(|event| predicate(&event));
            if found {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("no log line {what}; logs:\n{}", self.logs());
    }

    /// Sends SIGINT (as Ctrl-C does) and waits for the exit status.
    pub fn interrupt(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        self.wait_exit()
    }

    /// Kills it with SIGKILL (no chance to clean up) and waits until it is gone.
    pub fn kill_now(&mut self) {
        self.child.kill().expect("the process can be killed");
        self.child.wait().expect("wait works");
    }

    /// Waits (up to 20 s) for the process to exit by itself.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                return status;
            }
            assert!(Instant::now() < deadline, "weft did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Weft {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `fields` of a JSON log event.
pub fn field<'a>(event: &'a serde_json::Value, name: &str) -> &'a str {
    event["fields"][name].as_str().unwrap_or_default()
}

/// A blocking GET returning status and body.
pub fn get(url: &str) -> (u16, String) {
    block_on(async {
        let response = reqwest::get(url).await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    })
}

/// A blocking request with `method` and `body`; returns status and body.
pub fn send(method: &str, url: &str, body: &str) -> (u16, String) {
    send_with(method, url, &[], body)
}

/// The same with the request headers `headers`.
pub fn send_with(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
    let body = body.to_owned();
    block_on(async {
        let mut request = reqwest::Client::new().request(method, url).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request sent");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    })
}

/// Sends `method` `url` with `body` until the answer's status is `status` or `limit` has
/// passed (nothing listening counts as status 0); the last answer.
pub fn answer_until(
    method: &str,
    url: &str,
    body: &str,
    status: u16,
    limit: Duration,
) -> (u16, String) {
    let started = Instant::now();
    loop {
        let answer =
            std::panic::catch_unwind(|| send(method, url, body)).unwrap_or((0, String::new()));
        if answer.0 == status || started.elapsed() > limit {
            return answer;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every file and directory under `root`, at any depth.
pub fn entries_under(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            }
            found.push(entry.path());
        }
    }
    found
}

/// Starts `weft up` on `state` (API on a free port, the bundled example on `example_port`).
pub fn up(state: &Path, example_port: u16) -> Weft {
    let mut command = weft();
    command
        .args(["up", "--api-addr", "127.0.0.1:0"])
        .args(["--example-address", &format!("127.0.0.1:{example_port}")]);
    spawn_on(command, state)
}

/// Starts `command` with JSON output and logs and `--state-dir state`, and waits until it is
/// ready.
pub fn spawn_on(mut command: Command, state: &Path) -> Weft {
    command
        .args(["-o", "json", "--log-format", "json"])
        .arg("--state-dir")
        .arg(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Weft::spawn(command)
}

/// The application's own status in `weft app status NAME -o json`'s output (not one of its
/// parts'); empty when the output is not a status.
pub fn app_status_of(stdout: &str) -> String {
    serde_json::from_str::<serde_json::Value>(stdout)
        .ok()
        .and_then(|app| app["status"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Runs `weft ARGS --state-dir STATE`; returns (exit code, stdout, stderr).
pub fn client(state: &Path, args: &[&str]) -> (i32, String, String) {
    client_with_env(state, args, &[])
}

/// Runs `weft ARGS` with `input` on standard input; returns (exit code, stdout, stderr).
pub fn client_with_input(state: &Path, args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = weft()
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The same with environment variables `env` set.
pub fn client_with_env(
    state: &Path,
    args: &[&str],
    env: &[(&str, &Path)],
) -> (i32, String, String) {
    let mut command = weft();
    command.args(args).arg("--state-dir").arg(state);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The hello example's manifest as app `name` on `port`, next to a copy of its component.
pub fn app_on(dir: &Path, state: &Path, name: &str, port: u16) -> String {
    std::fs::create_dir_all(dir.join("build")).unwrap();
    std::fs::copy(
        state.join("examples/hello/build/http_hello_world.wasm"),
        dir.join("build/http_hello_world.wasm"),
    )
    .unwrap();
    let manifest = include_str!("../../../../examples/hello/wadm.yaml")
        .replace("name: hello", &format!("name: {name}"))
        .replace("127.0.0.1:8088", &format!("127.0.0.1:{port}"));
    let file = dir.join(format!("{name}.yaml"));
    std::fs::write(&file, manifest).unwrap();
    file.display().to_string()
}

/// An application of one HTTP component behind the built-in HTTP server.
pub struct HttpApp<'a> {
    /// Application name.
    pub name: &'a str,
    /// Its `version` annotation, if any.
    pub version: Option<&'a str>,
    /// The component's name.
    pub component: &'a str,
    /// The component's absolute path.
    pub image: &'a str,
    /// Where the HTTP server listens (127.0.0.1).
    pub port: u16,
    /// A config the component reads (not declared by the app).
    pub config: Option<&'a str>,
    /// A label a host must have to run the component.
    pub requires: Option<(&'a str, &'a str)>,
}

impl HttpApp<'_> {
    /// Writes the manifest into `dir` (as `NAME[-VERSION].yaml`) and returns its path.
    pub fn write(&self, dir: &Path) -> String {
        let annotations = self.version.map_or_else(
            || "\n  annotations: {}".to_owned(),
            |version| format!("\n  annotations: {{version: {version}}}"),
        );
        let config = self
            .config
            .map(|name| format!(", config: [{{name: {name}}}]"))
            .unwrap_or_default();
        let spread = self
            .requires
            .map(|(key, value)| {
                format!(", spread: [{{name: required, requirements: {{{key}: {value}}}}}]")
            })
            .unwrap_or_default();
        let (name, component, image, port) = (self.name, self.component, self.image, self.port);
        let manifest = format!(
            r#"apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: {name}{annotations}
spec:
  components:
    - name: {component}
      type: component
      properties: {{image: "file://{image}"{config}}}
      traits:
        - type: spreadscaler
          properties: {{instances: 50{spread}}}
{server}"#,
            server = http_server_component(component, port),
        );
        let file = dir.join(match self.version {
            Some(version) => format!("{name}-{version}.yaml"),
            None => format!("{name}.yaml"),
        });
        std::fs::write(&file, manifest).unwrap();
        file.display().to_string()
    }
}

/// Writes `manifest` (an example's `wadm.yaml`) into `dir` as `FILE.yaml` with each
/// `(from, to)` edit applied (a `from` the manifest lacks fails the test, so a changed
/// example cannot silently skip an edit), and copies `components` into `dir/build/`, where
/// the example's `file://./build/NAME.wasm` images point. Returns the manifest's path.
pub fn example_app(
    dir: &Path,
    file: &str,
    manifest: &str,
    components: &[&weft_examples::Example],
    edits: &[(&str, &str)],
) -> String {
    std::fs::create_dir_all(dir.join("build")).unwrap();
    for component in components {
        let built = Path::new(component.path);
        std::fs::copy(built, dir.join("build").join(built.file_name().unwrap())).unwrap();
    }
    let mut text = manifest.to_owned();
    for (from, to) in edits {
        assert!(
            text.contains(from),
            "the example manifest has no `{from}`:\n{text}"
        );
        text = text.replace(from, to);
    }
    let path = dir.join(format!("{file}.yaml"));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The bundled hello component that `weft up` wrote into `state`.
pub fn hello_wasm(state: &Path) -> String {
    state
        .join("examples/hello/build/http_hello_world.wasm")
        .display()
        .to_string()
}

/// One `spec.components` entry (YAML): an HTTP server capability named `server` serving
/// component `target` on 127.0.0.1:`port`.
pub fn http_server_component(target: &str, port: u16) -> String {
    http_server_serving(&[(target, port)])
}

/// An HTTP server capability named `server` serving each `(component, port)` on
/// 127.0.0.1:`port`, one link each (named after its target when there are several, as one
/// source may link an interface once per link name).
pub fn http_server_serving(targets: &[(&str, u16)]) -> String {
    let mut yaml = "    - name: server\n      type: capability\n      properties: {image: ghcr.io/wasmcloud/http-server:0.27.0}\n      traits:\n".to_owned();
    for (target, port) in targets {
        let (name, config) = if targets.len() > 1 {
            (
                format!("\n            name: {target}"),
                format!("listen-{target}"),
            )
        } else {
            (String::new(), "listen".to_owned())
        };
        yaml.push_str(&format!(
            r#"        - type: link
          properties:{name}
            namespace: wasi
            package: http
            interfaces: [incoming-handler]
            target: {{name: {target}}}
            source:
              config: [{{name: {config}, properties: {{address: "127.0.0.1:{port}"}}}}]
"#
        ));
    }
    yaml
}

/// Runs `work` to its end on a runtime of its own.
fn block_on<F: std::future::Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(work)
}

/// The reply to a NATS request of `body` on `subject` (5 s at most), through a client of the
/// test's own.
pub fn nats_request(nats: &NatsServer, subject: &str, body: &str) -> async_nats::Message {
    block_on(async {
        let client = async_nats::connect(nats.url()).await.unwrap();
        let request = async_nats::Request::new()
            .payload(body.to_owned().into())
            .timeout(Some(Duration::from_secs(5)));
        client
            .send_request(subject.to_owned(), request)
            .await
            .unwrap()
    })
}

/// The first message on `subject` (a NATS subject, or a filter ending in `>`) while `act`
/// runs.
pub fn next_message_during(
    nats: &NatsServer,
    subject: &str,
    act: impl FnOnce() + Send + 'static,
) -> async_nats::Message {
    use futures_util::StreamExt as _;
    block_on(async {
        let client = async_nats::connect(nats.url()).await.unwrap();
        let probe = subject.replace('>', "probe");
        let mut messages = subscribe_live(&client, subject, &probe).await;
        let acting = tokio::task::spawn_blocking(act);
        let message = tokio::time::timeout(Duration::from_secs(5), messages.next())
            .await
            .expect("a message within 5 s")
            .expect("the subscription is open");
        acting.await.unwrap();
        unsubscribe_done(&client, messages).await;
        message
    })
}

/// The fetch example as app `name` on `port`: its HTTP client link's target config is
/// `client_config` (a YAML flow mapping), or the link is gone when that is `None`.
pub fn fetch_app(dir: &Path, name: &str, port: u16, client_config: Option<&str>) -> String {
    let example = weft_examples::FETCH;
    let settings = "                  properties:\n                    allowed_hosts: example.com\n                    first_byte_timeout_ms: \"5000\"\n";
    let link_start = "        - type: link\n          properties:\n            namespace: wasi\n            package: http\n            interfaces: [outgoing-handler]\n";
    let manifest = match client_config {
        Some(config) => example.manifest.replace(
            settings,
            &format!("                  properties: {config}\n"),
        ),
        None => {
            let start = example.manifest.find(link_start).unwrap();
            let end = example.manifest.find(settings).unwrap() + settings.len();
            format!("{}{}", &example.manifest[..start], &example.manifest[end..])
        }
    };
    example_app(
        dir,
        name,
        &manifest,
        &[&example],
        &[
            (
                "name: fetch\n  annotations",
                &format!("name: {name}\n  annotations"),
            ),
            ("127.0.0.1:8007", &format!("127.0.0.1:{port}")),
        ],
    )
}

/// An upstream on a free port answering each of `requests` requests with the `traceparent`
/// it carried (`none` without one); its port.
pub fn trace_echo(requests: usize) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut traceparent = "none".to_owned();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("traceparent")
                {
                    traceparent = value.trim().to_owned();
                }
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{traceparent}",
                traceparent.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
        }
    });
    port
}
