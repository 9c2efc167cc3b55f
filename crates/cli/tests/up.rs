//! `weft up` and the `weft app` client verbs, end to end through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use support::{app_on, client, free_port, get, spawn_on, up, weft};

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
