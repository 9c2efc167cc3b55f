//! `weft up` and the `weft app` client verbs, end to end through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use support::{answer_until, app_on, client, free_port, get, spawn_on, up, weft};

#[test]
fn up_serves_deploys_refuses_collisions_and_brings_apps_back_after_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let apps_dir = tempfile::tempdir().unwrap();
    let (hello_port, second_port) = (free_port(), free_port());

    let first = up(state.path(), hello_port);
    assert_eq!(first.ready["apps"][0]["name"], "hello");
    assert_eq!(
        first.ready["apps"][0]["status"], "deployed",
        "{}",
        first.ready
    );
    assert_eq!(
        get(&format!("http://127.0.0.1:{hello_port}/")).1,
        "Hello from weft!\n"
    );

    let second = app_on(apps_dir.path(), state.path(), "second", second_port);
    let (code, stdout, stderr) = client(state.path(), &["app", "deploy", &second, "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let deployed: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(deployed["status"], "deployed");
    assert_eq!(get(&format!("http://127.0.0.1:{second_port}/")).0, 200);

    // Another app on hello's address: refused, naming the app that has it.
    let third = app_on(apps_dir.path(), state.path(), "third", hello_port);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &third]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("app hello") && stderr.contains("third"),
        "{stderr}"
    );
    assert_eq!(
        get(&format!("http://127.0.0.1:{hello_port}/")).0,
        200,
        "hello keeps serving"
    );
    assert_eq!(client(state.path(), &["app", "undeploy", "third"]).0, 0);

    // Changes need the token.
    let api = first.ready["api"].as_str().unwrap().to_owned();
    let unauthorized = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            reqwest::Client::new()
                .post(format!("{api}/v1/apps/second/undeploy"))
                .send()
                .await
                .unwrap()
                .status()
        });
    assert_eq!(unauthorized, 401);
    // A malformed body is refused, not read as "deploy the latest".
    let api_file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state.path().join("api.json")).unwrap())
            .unwrap();
    let token = api_file["token"].as_str().unwrap().to_owned();
    let malformed = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let response = reqwest::Client::new()
                .post(format!("{api}/v1/apps/second/deploy"))
                .bearer_auth(&token)
                .body("{version: v1}")
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        });
    assert_eq!(malformed.0, 400, "{}", malformed.1);

    assert!(first.interrupt().success());
    let again = up(state.path(), free_port());
    let statuses: Vec<(String, String)> = again.ready["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|app| {
            (
                app["name"].as_str().unwrap().to_owned(),
                app["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("hello".into(), "deployed".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("second".into(), "deployed".into())),
        "{statuses:?}"
    );
    assert_eq!(get(&format!("http://127.0.0.1:{hello_port}/")).0, 200);
    assert_eq!(get(&format!("http://127.0.0.1:{second_port}/")).0, 200);

    let (code, stdout, _) = client(state.path(), &["app", "undeploy", "second"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("second -: undeployed"), "{stdout}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", second_port)).is_err(),
        "the port is closed"
    );
    let (code, _, stderr) = client(state.path(), &["app", "delete", "hello"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("undeploy it first"), "{stderr}");
}

/// Writes app `name` (the hello example) serving on `address` into `dir`; returns its path.
fn app_at(dir: &std::path::Path, state: &std::path::Path, name: &str, address: &str) -> String {
    let port = free_port();
    let file = app_on(dir, state, name, port);
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace(&format!("127.0.0.1:{port}"), address);
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_wildcard_address_and_a_specific_one_on_the_same_port_are_refused_naming_the_holder() {
    let state = tempfile::tempdir().unwrap();
    let apps = tempfile::tempdir().unwrap();
    let port = free_port();
    let weft = up(state.path(), free_port());
    let wide = app_at(
        apps.path(),
        state.path(),
        "wide",
        &format!("0.0.0.0:{port}"),
    );
    let narrow = app_at(
        apps.path(),
        state.path(),
        "narrow",
        &format!("127.0.0.1:{port}"),
    );

    // The second round deploys the versions the first one stored.
    for (first, first_name, second, second_name) in [
        (wide.as_str(), "wide", narrow.as_str(), "narrow"),
        ("narrow", "narrow", "wide", "wide"),
    ] {
        let (code, _, stderr) = client(state.path(), &["app", "deploy", first]);
        assert_eq!(code, 0, "{stderr}");
        let (code, _, stderr) = client(state.path(), &["app", "deploy", second]);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains(&format!("app {first_name} "))
                && stderr.contains(&format!("`weft app undeploy {first_name}` frees it"))
                && stderr.contains(second_name)
                && !stderr.contains("os error"),
            "{stderr}"
        );
        assert_eq!(
            get(&format!("http://127.0.0.1:{port}/")).0,
            200,
            "{first_name} keeps serving"
        );
        for name in [second_name, first_name] {
            assert_eq!(client(state.path(), &["app", "undeploy", name]).0, 0);
        }
    }
    assert!(weft.interrupt().success());
}

#[test]
fn what_wadm_accepts_but_weft_does_not_act_on_deploys_and_shows_as_ignored() {
    let state = tempfile::tempdir().unwrap();
    let apps = tempfile::tempdir().unwrap();
    let port = free_port();
    let weft = up(state.path(), free_port());
    let file = app_on(apps.path(), state.path(), "extras", port);
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "            instances: 100\n",
        "            instances: 100\n        - type: customscaler\n          properties:\n            replicas: 3\n",
        1,
    );
    std::fs::write(&file, text).unwrap();

    let (code, _, stderr) = client(state.path(), &["app", "validate", &file]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("ignored: the `customscaler` trait of `http-component`"),
        "{stdout}"
    );
    let (code, stdout, _) = client(state.path(), &["app", "status", "extras", "-o", "json"]);
    assert_eq!(code, 0);
    let status: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(status["status"], "deployed", "{status}");
    assert!(
        status["ignored"][0]
            .as_str()
            .is_some_and(|ignored| ignored.contains("customscaler")),
        "{status}"
    );
    assert_eq!(get(&format!("http://127.0.0.1:{port}/")).0, 200);
    assert!(weft.interrupt().success());
}

#[test]
fn clients_say_what_is_wrong() {
    let state = tempfile::tempdir().unwrap();
    let (code, _, stderr) = client(state.path(), &["app", "list"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("no running weft found") && stderr.contains("weft up"),
        "{stderr}"
    );

    let mut command = weft();
    command
        .args(["up", "--api-addr", "127.0.0.1:0", "--example-address"])
        .arg(format!("127.0.0.1:{}", free_port()))
        .env("WEFT_API_READ_TOKEN", "dashboard-token-0123");
    let running = spawn_on(command, state.path());
    let (code, _, stderr) = client(
        state.path(),
        &["app", "undeploy", "hello", "--token", "wrong"],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("needs a token"), "{stderr}");
    // The read-only token reads, and is refused a change; both show in `weft audit`.
    let reader = ["--token", "dashboard-token-0123"];
    let (code, stdout, stderr) = client(state.path(), &[&["app", "list"][..], &reader].concat());
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("hello"), "{stdout}");
    let undeploy = [&["app", "undeploy", "hello"][..], &reader].concat();
    let (code, _, stderr) = client(state.path(), &undeploy);
    assert_eq!(code, 1);
    assert!(stderr.contains("only reads"), "{stderr}");
    // --api and --token reach a weft whose state directory is elsewhere.
    let api_file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state.path().join("api.json")).unwrap())
            .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = client(
        elsewhere.path(),
        &[
            "config",
            "put",
            "remote",
            "a=b",
            "--api",
            api_file["url"].as_str().unwrap(),
            "--token",
            api_file["token"].as_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("config remote set"), "{stdout}");
    let (code, stdout, stderr) = client(state.path(), &["audit", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let audit: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let actions: Vec<(&str, &str)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().unwrap(),
                entry["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions.len(),
        2,
        "a wrong token is not audited: {actions:?}"
    );
    assert_eq!(actions[0].0, "POST /v1/apps/hello/undeploy");
    assert!(actions[0].1.starts_with("refused (403)"), "{actions:?}");
    assert_eq!(actions[1], ("PUT /v1/configs/remote", "ok"));
    let (code, stdout, _) = client(state.path(), &["audit", "--since", "1h", "--limit", "1"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("api PUT /v1/configs/remote -> ok (answered by local)")
            && !stdout.contains("undeploy"),
        "{stdout}"
    );
    drop(running);
    let _up = up(state.path(), free_port());
    let (code, _, stderr) = client(state.path(), &["app", "status", "nope"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("there is no application `nope`"),
        "{stderr}"
    );
    let (code, _, stderr) = client(state.path(), &["app", "deploy", "missing/app.yaml"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("missing/app.yaml does not exist"),
        "{stderr}"
    );

    let bad = state.path().join("bad.yaml");
    std::fs::write(&bad, "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: bad app\n  annotations: {}\nspec:\n  components: []\n").unwrap();
    let (code, _, stderr) = client(state.path(), &["app", "deploy", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("bad.yaml:4:9") && stderr.contains("may only contain"),
        "{stderr}"
    );
}

#[test]
fn a_second_up_on_the_same_state_directory_is_refused() {
    let state = tempfile::tempdir().unwrap();
    let _first = up(state.path(), free_port());
    let output = weft()
        .args([
            "up",
            "--api-addr",
            "127.0.0.1:0",
            "--no-example",
            "--state-dir",
        ])
        .arg(state.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("another weft process"), "{stderr}");
}

#[test]
fn versions_history_and_down() {
    let state = tempfile::tempdir().unwrap();
    let mut running = up(state.path(), free_port());

    let (code, stdout, stderr) = client(state.path(), &["app", "versions", "hello", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let versions: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(versions["versions"][0]["version"], "v0.1.0");
    assert_eq!(versions["versions"][0]["deployed"], true);

    let (code, stdout, _) = client(state.path(), &["app", "history", "hello"]);
    assert_eq!(code, 0);
    let actions: Vec<&str> = stdout
        .lines()
        .map(|line| line.split(' ').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(actions, vec!["put", "deploy"], "{stdout}");
    let (_, stdout, _) = client(state.path(), &["app", "deploy", "hello", "-o", "json"]);
    assert!(stdout.contains("\"deployed\""), "{stdout}");
    let (_, stdout, _) = client(state.path(), &["app", "history", "hello", "-o", "json"]);
    let history: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(history["history"][2]["by"], "tester", "{history}");

    let (code, stdout, stderr) = client(state.path(), &["down"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("weft is down"), "{stdout}");
    assert!(running.wait_exit().success());
    let (code, _, stderr) = client(state.path(), &["app", "list"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no running weft found"), "{stderr}");
    // Stopping is a change too: the next start's audit log has it.
    let _again = up(state.path(), free_port());
    let (_, stdout, _) = client(state.path(), &["audit"]);
    assert!(
        stdout.contains("POST /v1/shutdown -> ok: stopping"),
        "{stdout}"
    );
}

/// A `weft up` started with `--detach` (not this test's child): killed by its PID if the
/// test ends without `weft down` having stopped it.
struct Detached(u32);

impl Detached {
    /// Whether it still runs (a zombie waiting to be reaped has stopped).
    fn is_running(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", self.0))
            .is_ok_and(|stat| stat.split(' ').nth(2) != Some("Z"))
    }
}

impl Drop for Detached {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = std::process::Command::new("kill")
                .args(["-9", &self.0.to_string()])
                .status();
        }
    }
}

/// `weft up -d` with `args`, JSON output and `--state-dir state`.
fn up_detached(state: &std::path::Path, args: &[&str]) -> std::process::Output {
    weft()
        .args(["up", "-d", "-o", "json"])
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .output()
        .unwrap()
}

#[test]
fn up_detached_returns_once_serving_logs_to_a_file_and_down_stops_it() {
    let state = tempfile::tempdir().unwrap();
    let example = free_port();
    let example_address = format!("127.0.0.1:{example}");
    let args = [
        "--api-addr",
        "127.0.0.1:0",
        "--example-address",
        &example_address,
    ];
    let started = up_detached(state.path(), &args);
    let stderr = String::from_utf8_lossy(&started.stderr);
    assert!(started.status.success(), "{stderr}");
    let ready: serde_json::Value = serde_json::from_slice(&started.stdout).unwrap();
    let background = Detached(u32::try_from(ready["pid"].as_u64().unwrap()).unwrap());
    assert!(background.is_running());

    // It serves after the command returned: the API and the bundled example.
    let (code, _, stderr) = client(state.path(), &["app", "list"]);
    assert_eq!(code, 0, "{stderr}");
    let url = format!("http://{example_address}/");
    let (status, body) = answer_until("GET", &url, "", 200, std::time::Duration::from_secs(30));
    assert_eq!(status, 200, "{body}");
    let log = std::fs::read_to_string(state.path().join("weft.log")).unwrap();
    assert_eq!(
        ready["log"],
        state.path().join("weft.log").display().to_string()
    );
    assert!(
        log.contains("\"api\""),
        "its ready report is in the log: {log}"
    );

    // A second one on the same state directory is refused, saying how to stop the first.
    let again = up_detached(state.path(), &args);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("already up") && stderr.contains("weft down"),
        "{stderr}"
    );

    let (code, _, stderr) = client(state.path(), &["down"]);
    assert_eq!(code, 0, "{stderr}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while background.is_running() {
        assert!(
            std::time::Instant::now() < deadline,
            "weft down did not stop it"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // A start that fails says why, from the log.
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = holder.local_addr().unwrap().to_string();
    let failed = up_detached(state.path(), &["--api-addr", &taken, "--no-example"]);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stopped before it was ready") && stderr.contains(&taken),
        "{stderr}"
    );
}

/// `weft doctor -o json` with `args` and PATH `path`: exit code and its checks by name.
fn doctor(
    state: &std::path::Path,
    path: &std::path::Path,
    args: &[&str],
) -> (
    Option<i32>,
    std::collections::BTreeMap<String, serde_json::Value>,
) {
    let output = weft()
        .args(["doctor", "-o", "json"])
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .env("PATH", path)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "doctor printed a report: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let checks = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| (check["name"].as_str().unwrap().to_owned(), check.clone()))
        .collect();
    (output.status.code(), checks)
}

#[test]
fn doctor_names_what_is_missing_and_what_is_in_the_way() {
    // The ports it checks are fixed (7878, 8000): in a network of its own.
    if !support::netns::in_own_network("doctor_names_what_is_missing_and_what_is_in_the_way") {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let no_tools = tempfile::tempdir().unwrap();
    let _examples_port = std::net::TcpListener::bind("127.0.0.1:8000").unwrap();
    let nats = support::NatsServer::start();
    let nowhere_port = free_port();
    let nowhere = format!("nats://user:secret@127.0.0.1:{nowhere_port}");
    let (code, checks) = doctor(
        state.path(),
        no_tools.path(),
        &["--nats", &nats.url(), "--nats", &nowhere],
    );
    assert_eq!(code, Some(1), "{checks:#?}");
    let check = |name: &str| {
        checks
            .get(name)
            .unwrap_or_else(|| panic!("no check {name}: {checks:#?}"))
    };
    let cargo = check("cargo (Rust components)");
    assert_eq!(cargo["verdict"], "missing");
    assert!(cargo["fix"].as_str().unwrap().contains("rustup"));
    assert_eq!(
        check("componentize-py (Python components)")["verdict"],
        "missing"
    );
    assert_eq!(
        check("npm (TypeScript and JavaScript components)")["verdict"],
        "missing"
    );
    assert!(
        check("weft")["fix"]
            .as_str()
            .unwrap()
            .contains("weft up -d")
    );
    assert_eq!(check("port 7878 (the API)")["verdict"], "ok");
    let examples = check("port 8000 (wasmCloud's HTTP examples)");
    assert_eq!(examples["verdict"], "problem", "{examples}");
    assert_eq!(
        check(&format!("NATS at 127.0.0.1:{}", nats.port))["verdict"],
        "ok"
    );
    // Named without the password its URL holds.
    let unreachable = check(&format!("NATS at 127.0.0.1:{nowhere_port}"));
    assert_eq!(unreachable["verdict"], "problem");
    assert!(!format!("{checks:?}").contains("secret"));

    // With weft up elsewhere, the API's port is still checked; then on it.
    let mut command = weft();
    command.args(["up", "--api-addr", "127.0.0.1:0", "--no-example"]);
    let elsewhere = spawn_on(command, state.path());
    let holder = std::net::TcpListener::bind("127.0.0.1:7878").unwrap();
    let (_, checks) = doctor(state.path(), no_tools.path(), &[]);
    assert_eq!(checks["weft"]["verdict"], "ok", "{checks:#?}");
    assert_eq!(checks["port 7878 (the API)"]["verdict"], "problem");
    drop((holder, elsewhere));

    // With weft up on the API's port and the toolchains on PATH.
    let mut command = weft();
    command.args(["up", "--api-addr", "127.0.0.1:7878", "--no-example"]);
    let _up = spawn_on(command, state.path());
    let path = std::env::var_os("PATH").unwrap();
    let (_, checks) = doctor(state.path(), std::path::Path::new(&path), &[]);
    assert_eq!(checks["weft"]["verdict"], "ok", "{checks:#?}");
    assert_eq!(
        checks["port 7878 (the API)"]["detail"],
        "served by the running weft"
    );
    assert_eq!(checks["cargo (Rust components)"]["verdict"], "ok");
}
