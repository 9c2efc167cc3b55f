//! `weft new` and `weft build` end to end: every bundled template made into a project, built
//! by its real toolchain (cargo, componentize-py, npm with componentize-js), deployed on
//! `weft up` and asked; a wasmCloud project built from its `wasmcloud.toml` where wash puts
//! it; the errors a person meets on the way.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use support::{NatsServer, Weft, answer_until, client, free_port, up, weft};

/// How long a deployed app may take to answer (the first start compiles the component).
const ANSWER_DEADLINE: Duration = Duration::from_secs(90);

/// Where the tests' cargo builds share their compiled dependencies.
fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/template-builds")
}

/// `PATH` with the test run's Python environment first (scripts/test installs componentize-py
/// there; `WEFT_TEST_PYTHON` names its interpreter).
fn path_with_test_tools() -> String {
    let python = std::env::var("WEFT_TEST_PYTHON").unwrap_or_default();
    let bin = Path::new(&python).parent().map(Path::to_path_buf);
    let path = std::env::var("PATH").unwrap_or_default();
    match bin {
        Some(bin) if !python.is_empty() => format!("{}:{path}", bin.display()),
        _ => path,
    }
}

/// `weft ARGS` run in `dir` with the test run's toolchains; (exit code, stdout, stderr).
fn weft_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run_in(weft(), dir, args, &path_with_test_tools())
}

fn run_in(mut command: Command, dir: &Path, args: &[&str], path: &str) -> (i32, String, String) {
    let output = command
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", shared_target())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `weft new NAME --template TEMPLATE` in `root`; the project's directory.
fn new_project(root: &Path, template: &str, name: &str) -> PathBuf {
    let (code, stdout, stderr) = weft_in(root, &["new", name, "--template", template]);
    assert_eq!(code, 0, "weft new failed: {stderr}");
    assert!(stdout.contains("weft build"), "{stdout}");
    root.join(name)
}

/// `weft build -o json` in `project`; its result.
fn build(project: &Path) -> Value {
    let (code, stdout, stderr) = weft_in(project, &["build", "-o", "json"]);
    assert_eq!(code, 0, "weft build failed: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// Replaces `from` with `to` in the project's `wadm.yaml` (a port or a NATS address of the
/// test's own, as a user would edit them).
fn edit_manifest(project: &Path, from: &str, to: &str) {
    let file = project.join("wadm.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(from), "{from} is not in {}", file.display());
    std::fs::write(&file, text.replace(from, to)).unwrap();
}

/// A `weft up` on a state directory of its own, with the project's manifest deployed and its
/// HTTP address moved to a free port; the weft and the app's base URL.
fn deploy_http(project: &Path, address: &str) -> (Weft, tempfile::TempDir, String) {
    let port = free_port();
    edit_manifest(project, address, &format!("127.0.0.1:{port}"));
    let (weft, state) = deploy(project);
    (weft, state, format!("http://127.0.0.1:{port}"))
}

fn deploy(project: &Path) -> (Weft, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let weft = up(state.path(), free_port());
    let manifest = project.join("wadm.yaml");
    let (code, _, stderr) = client(state.path(), &["app", "deploy", manifest.to_str().unwrap()]);
    assert_eq!(code, 0, "deploy failed: {stderr}");
    (weft, state)
}

/// The answer to GET `url` once the app serves.
fn answer(url: &str) -> String {
    let (status, body) = answer_until("GET", url, "", 200, ANSWER_DEADLINE);
    assert_eq!(status, 200, "{url} answered {status}: {body}");
    body
}

#[test]
fn new_lists_the_templates_and_refuses_what_it_cannot_make() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, _) = weft_in(root.path(), &["new", "--list", "-o", "json"]);
    assert_eq!(code, 0);
    let listed: Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<_> = listed["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|template| template["name"].as_str().unwrap().to_owned())
        .collect();
    for expected in [
        "rust-http-hello",
        "rust-kv-counter",
        "rust-messaging-handler",
        "python-http-hello",
        "typescript-http-hello",
    ] {
        assert!(names.iter().any(|name| name == expected), "{names:?}");
    }

    let (code, _, stderr) = weft_in(root.path(), &["new", "app", "--template", "go-hello"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no template `go-hello`") && stderr.contains("rust-kv-counter"),
        "{stderr}"
    );

    let (code, _, stderr) = weft_in(root.path(), &["new", "My App"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("cannot name a project") && stderr.contains("my-app"),
        "{stderr}"
    );

    std::fs::create_dir(root.path().join("taken")).unwrap();
    std::fs::write(root.path().join("taken/notes.txt"), "mine").unwrap();
    let (code, _, stderr) = weft_in(root.path(), &["new", "taken"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("not empty") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    let kept: Vec<_> = std::fs::read_dir(root.path().join("taken"))
        .unwrap()
        .collect();
    assert_eq!(kept.len(), 1, "weft new wrote into a directory with files");

    let (code, _, stderr) = weft_in(root.path(), &["build"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("not a component project") && stderr.contains("weft new"),
        "{stderr}"
    );
}

#[test]
fn rust_http_hello_builds_and_answers() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "rust-http-hello", "my-hello");
    let (code, stdout, stderr) = weft_in(&project, &["build"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Built Rust component") && stdout.contains("my_hello.wasm"),
        "{stdout}"
    );
    assert!(
        stderr.contains("cargo build --release --target wasm32-wasip2"),
        "{stderr}"
    );
    assert!(project.join("build/my_hello.wasm").is_file());

    let (_weft, _state, url) = deploy_http(&project, "127.0.0.1:8000");
    let body = answer(&format!("{url}/there"));
    assert_eq!(body, "Hello from my-hello! You asked for /there\n");
}

#[test]
fn rust_kv_counter_counts_in_the_built_in_store() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "rust-kv-counter", "tally");
    let built = build(&project);
    assert_eq!(built["language"], "rust");
    let (_weft, _state, url) = deploy_http(&project, "127.0.0.1:8000");
    assert_eq!(
        answer(&format!("{url}/a")),
        "/a has been asked for 1 time(s)\n"
    );
    assert_eq!(
        answer(&format!("{url}/a")),
        "/a has been asked for 2 time(s)\n"
    );
    assert_eq!(
        answer(&format!("{url}/b")),
        "/b has been asked for 1 time(s)\n"
    );
}

#[test]
fn rust_messaging_handler_answers_over_nats() {
    let nats = NatsServer::start();
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "rust-messaging-handler", "replier");
    build(&project);
    edit_manifest(&project, "nats://127.0.0.1:4222", &nats.url());
    let (_weft, _state) = deploy(&project);
    let reply = request_until_answered(&nats, "replier.hello", "hi");
    assert_eq!(reply, "replier got: hi");
}

/// The reply to a request on `subject`, retried while nobody subscribes yet (60 s at most).
fn request_until_answered(nats: &NatsServer, subject: &str, body: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = async_nats::connect(nats.url()).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let request = async_nats::Request::new()
                .payload(body.to_owned().into())
                .timeout(Some(Duration::from_secs(2)));
            match client.send_request(subject.to_owned(), request).await {
                Ok(reply) => return String::from_utf8_lossy(&reply.payload).into_owned(),
                Err(error) if tokio::time::Instant::now() > deadline => {
                    panic!("no reply on {subject}: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    })
}

#[test]
fn python_http_hello_builds_with_componentize_py_and_answers() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "python-http-hello", "py-hello");
    let built = build(&project);
    assert_eq!(built["language"], "python");
    assert!(
        built["component_path"]
            .as_str()
            .unwrap()
            .ends_with("build/py_hello.wasm")
    );
    let (_weft, _state, url) = deploy_http(&project, "127.0.0.1:8000");
    let body = answer(&format!("{url}/snake"));
    assert_eq!(
        body,
        "Hello from py-hello in Python! You asked for /snake\n"
    );
}

#[test]
fn typescript_http_hello_builds_with_npm_and_answers() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "typescript-http-hello", "ts-hello");
    let built = build(&project);
    assert_eq!(built["language"], "javascript");
    assert!(
        project.join("node_modules").is_dir(),
        "weft build did not run npm install"
    );
    let (_weft, _state, url) = deploy_http(&project, "127.0.0.1:8000");
    let body = answer(&format!("{url}/typed"));
    assert_eq!(
        body,
        "Hello from ts-hello in TypeScript! You asked for /typed\n"
    );
}

/// Copies the directory tree `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_wasmcloud_project_builds_where_wash_puts_it_and_deploys_unchanged() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("http-hello-world");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wasmcloud-project");
    copy_tree(&fixture, &project);
    // The code: the test guest that answers as wasmCloud's Rust hello-world does.
    let guest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-components/guests/wasmcloud-hello/src");
    copy_tree(&guest, &project.join("src"));
    let built = build(&project);
    assert!(
        built["component_path"]
            .as_str()
            .unwrap()
            .ends_with("build/http_hello_world.wasm")
    );
    let signed = project.join("build/http_hello_world_s.wasm");
    assert_eq!(
        built["copies"][0].as_str().unwrap(),
        signed.canonicalize().unwrap().to_str().unwrap()
    );
    assert_eq!(
        std::fs::read(&signed).unwrap(),
        std::fs::read(project.join("build/http_hello_world.wasm")).unwrap()
    );
    let (_weft, _state, url) = deploy_http(&project, "0.0.0.0:8000");
    assert_eq!(answer(&url), "Hello from Rust!\n");
}

#[test]
fn a_wasmcloud_build_command_runs_and_its_artifact_is_copied_to_destination() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "rust-http-hello", "custom");
    let artifact = shared_target().join("wasm32-wasip2/release/custom.wasm");
    std::fs::write(
        project.join("wasmcloud.toml"),
        format!(
            "name = \"custom\"\nlanguage = \"other\"\ntype = \"component\"\nversion = \"0.1.0\"\n\n\
             [component]\nbuild_command = \"cargo build --release --target wasm32-wasip2\"\n\
             build_artifact = {:?}\ndestination = \"out/custom_s.wasm\"\n",
            artifact.display().to_string()
        ),
    )
    .unwrap();
    let built = build(&project);
    assert_eq!(built["language"], "other");
    assert_eq!(
        built["component_path"].as_str().unwrap(),
        artifact.to_str().unwrap()
    );
    assert!(project.join("out/custom_s.wasm").is_file());

    std::fs::write(
        project.join("wasmcloud.toml"),
        "language = \"tinygo\"\ntype = \"component\"\nname = \"custom\"\n",
    )
    .unwrap();
    let (code, _, stderr) = weft_in(&project, &["build"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("wasmcloud.toml") && stderr.contains("build_command"),
        "{stderr}"
    );
}

#[test]
fn a_compile_error_shows_the_compiler_and_the_fix_builds_again() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "rust-http-hello", "broken");
    let source = project.join("src/lib.rs");
    let good = std::fs::read_to_string(&source).unwrap();
    std::fs::write(&source, good.replace("let path =", "let path: u32 =")).unwrap();

    let (code, _, stderr) = weft_in(&project, &["build", "-o", "json"]);
    assert_eq!(code, 1);
    let error: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    let message = error["error"].as_str().unwrap();
    assert!(
        message.contains("cargo build --release --target wasm32-wasip2` failed"),
        "{message}"
    );
    assert!(
        message.contains("error[E0308]: mismatched types"),
        "{message}"
    );

    let (code, _, stderr) = weft_in(&project, &["build"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("error[E0308]") && stderr.contains("its output is above"),
        "{stderr}"
    );

    std::fs::write(&source, good).unwrap();
    build(&project);
    assert!(project.join("build/broken.wasm").is_file());
}

#[test]
fn a_missing_toolchain_is_named_with_how_to_install_it() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "python-http-hello", "no-tools");
    let (code, _, stderr) = run_in(weft(), &project, &["build"], "/nonexistent");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`componentize-py` is not installed")
            && stderr.contains("pip install componentize-py"),
        "{stderr}"
    );
}

/// A running `weft dev -o json`: its events, one JSON object per line.
struct Dev {
    child: std::process::Child,
    events: std::sync::mpsc::Receiver<Value>,
}

impl Dev {
    fn start(project: &Path, state: &Path) -> Self {
        use std::io::BufRead as _;
        let mut child = weft()
            .arg("--state-dir")
            .arg(state)
            .args(["dev", "-o", "json"])
            .current_dir(project)
            .env("PATH", path_with_test_tools())
            .env("CARGO_TARGET_DIR", shared_target())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, events) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Ok(event) = serde_json::from_str(&line) {
                    let _ = send.send(event);
                }
            }
        });
        Self { child, events }
    }

    /// The next event; fails unless it is `kind`.
    fn next(&self, kind: &str) -> Value {
        let event = self
            .events
            .recv_timeout(Duration::from_secs(180))
            .unwrap_or_else(|_| panic!("no {kind} event from weft dev"));
        assert_eq!(event["event"], kind, "{event}");
        event
    }

    /// Ctrl-C, then the exit status.
    fn interrupt(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        self.child.wait().unwrap()
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Rewrites `file`, replacing `from` with `to`.
fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from} is not in {}", file.display());
    std::fs::write(file, text.replace(from, to)).unwrap();
}

#[test]
fn dev_redeploys_each_save_keeps_the_last_good_version_and_cleans_up() {
    let root = tempfile::tempdir().unwrap();
    let project = new_project(root.path(), "rust-http-hello", "live");
    let port = free_port();
    edit_manifest(&project, "127.0.0.1:8000", &format!("127.0.0.1:{port}"));
    let url = format!("http://127.0.0.1:{port}/x");
    let state = tempfile::tempdir().unwrap();
    let _weft = up(state.path(), free_port());
    let dev = Dev::start(&project, state.path());
    let source = project.join("src/lib.rs");

    let first = dev.next("deployed");
    assert_eq!(first["app"], "live");
    assert_eq!(support::get(&url).1, "Hello from live! You asked for /x\n");

    edit(&source, "Hello from", "Howdy from");
    dev.next("deployed");
    // The first request after the deploy is answered by the new code.
    assert_eq!(support::get(&url).1, "Howdy from live! You asked for /x\n");

    edit(&source, "let greeting =", "let greeting: u8 =");
    let failed = dev.next("failed");
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("error[E0308]"), "{failed}");
    assert!(
        failed["serving"]
            .as_str()
            .unwrap()
            .contains("keeps serving"),
        "{failed}"
    );
    assert_eq!(support::get(&url).1, "Howdy from live! You asked for /x\n");

    // The fix, in one save.
    let broken = std::fs::read_to_string(&source).unwrap();
    let fixed = broken.replace("let greeting: u8 =", "let greeting =");
    std::fs::write(&source, fixed.replace("Howdy from", "Fixed in")).unwrap();
    dev.next("deployed");
    assert_eq!(support::get(&url).1, "Fixed in live! You asked for /x\n");

    let status = dev.interrupt();
    assert!(status.success(), "weft dev ended with {status}");
    let (_, apps, _) = client(state.path(), &["app", "list", "-o", "json"]);
    assert!(
        !apps.contains("\"live\""),
        "dev left its app behind: {apps}"
    );
    let (status, _) = answer_until("GET", &url, "", 0, Duration::from_secs(10));
    assert_eq!(status, 0, "the app still serves after Ctrl-C");
}
