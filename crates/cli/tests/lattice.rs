//! Configs, links and the lattice views through the real binary: an app waiting for a config
//! deploys the moment `weft config put` creates it, hand-made links serve and survive a
//! restart, and `weft get` shows what runs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::{HttpApp, client, free_port, get, hello_wasm, up, weft};

/// App `needy`, whose component reads config `needed-settings` or needs a host label.
fn needy_app(
    dir: &std::path::Path,
    state: &std::path::Path,
    port: u16,
    config: Option<&str>,
    requires: Option<(&str, &str)>,
) -> String {
    HttpApp {
        name: "needy",
        version: None,
        component: "web",
        image: &hello_wasm(state),
        port,
        config,
        requires,
    }
    .write(dir)
}

#[test]
fn a_missing_config_fails_with_the_fix_and_config_put_deploys_it_at_once() {
    let state = tempfile::tempdir().unwrap();
    let apps = tempfile::tempdir().unwrap();
    let port = free_port();
    let running = up(state.path(), free_port());
    let file = needy_app(
        apps.path(),
        state.path(),
        port,
        Some("needed-settings"),
        None,
    );

    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("config `needed-settings` does not exist")
            && stderr.contains("weft config put needed-settings"),
        "{stderr}"
    );

    // Watch the status while the config is created.
    let mut watch = weft()
        .args([
            "app",
            "status",
            "needy",
            "--watch",
            "-o",
            "json",
            "--state-dir",
        ])
        .arg(state.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    let stdout = watch.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let first: serde_json::Value =
        serde_json::from_str(&received.recv_timeout(Duration::from_secs(10)).unwrap()).unwrap();
    assert_eq!(first["status"], "failed");

    let put_at = Instant::now();
    let (code, _, stderr) = client(
        state.path(),
        &[
            "config",
            "put",
            "needed-settings",
            "greeting=hi",
            "mode=test",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let next: serde_json::Value =
        serde_json::from_str(&received.recv_timeout(Duration::from_secs(10)).unwrap()).unwrap();
    assert_eq!(next["status"], "deployed", "{next}");
    // The safety pass runs every 30 s; this is the config event waking the reconciler.
    assert!(
        put_at.elapsed() < Duration::from_secs(5),
        "{:?}",
        put_at.elapsed()
    );
    assert_eq!(get(&format!("http://127.0.0.1:{port}/")).0, 200);
    let _ = watch.kill();
    let _ = watch.wait();

    let (code, stdout, _) = client(state.path(), &["get", "config", "-o", "json"]);
    assert_eq!(code, 0);
    let configs: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        configs["configs"]["needed-settings"]["values"]["greeting"],
        "hi"
    );
    assert_eq!(
        configs["configs"]["needed-settings"]["app"],
        serde_json::Value::Null
    );
    assert_eq!(configs["configs"]["needy-listen"]["app"], "needy");
    let (code, stdout, _) = client(state.path(), &["config", "get", "needed-settings"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "greeting=hi\nmode=test\n");

    // A config a manifest owns is not for `weft config`.
    let (code, _, stderr) = client(state.path(), &["config", "del", "needy-listen"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("managed by application `needy`"),
        "{stderr}"
    );
    let (code, _, stderr) = client(state.path(), &["config", "put", "bad/name", "a=b"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not a config name"), "{stderr}");
    let (code, _, stderr) = client(state.path(), &["config", "put", "x", "novalue"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("is not KEY=VALUE"), "{stderr}");

    // The hand-made config survives a restart, so the app comes back deployed.
    assert!(running.interrupt().success());
    let again = up(state.path(), free_port());
    let needy = again.ready["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|app| app["name"] == "needy")
        .unwrap()
        .clone();
    assert_eq!(needy["status"], "deployed", "{needy}");
    assert_eq!(get(&format!("http://127.0.0.1:{port}/")).0, 200);
}

#[test]
fn hand_made_links_serve_survive_a_restart_and_go_away() {
    let state = tempfile::tempdir().unwrap();
    let hello_port = free_port();
    let extra_port = free_port();
    let running = up(state.path(), hello_port);

    let (code, _, stderr) = client(
        state.path(),
        &[
            "config",
            "put",
            "extra-listen",
            &format!("address=127.0.0.1:{extra_port}"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = client(
        state.path(),
        &[
            "link",
            "put",
            "hello-httpserver",
            "hello-http_component",
            "wasi",
            "http",
            "--interface",
            "incoming-handler",
            "--link-name",
            "extra",
            "--source-config",
            "extra-listen",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("(by hand)"), "{stdout}");
    assert_eq!(
        get(&format!("http://127.0.0.1:{extra_port}/")).1,
        "Hello from weft!\n"
    );

    let (code, stdout, _) = client(state.path(), &["link", "get"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("name default)-> hello-http_component (app hello)")
            && stdout.contains("name extra)-> hello-http_component (by hand)"),
        "{stdout}"
    );
    // The app's own link is not for `weft link`.
    let (code, _, stderr) = client(
        state.path(),
        &["link", "del", "hello-httpserver", "wasi", "http"],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("application `hello` owns the link"),
        "{stderr}"
    );

    let (code, stdout, _) = client(state.path(), &["get", "hosts", "-o", "json"]);
    assert_eq!(code, 0);
    let hosts: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(hosts["hosts"][0]["id"], "local");
    assert_eq!(hosts["hosts"][0]["components"], 1);
    assert_eq!(
        hosts["hosts"][0]["labels"]["hostcore.os"],
        std::env::consts::OS
    );
    let (code, stdout, _) = client(state.path(), &["get", "inventory"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("component hello-http_component x100")
            && stdout.contains(
                "capability hello-httpserver ghcr.io/wasmcloud/http-server:0.27.0 (app hello)"
            ),
        "{stdout}"
    );

    assert!(running.interrupt().success());
    let _again = up(state.path(), hello_port);
    assert_eq!(get(&format!("http://127.0.0.1:{extra_port}/")).0, 200);

    let delete_extra = [
        "link",
        "del",
        "hello-httpserver",
        "wasi",
        "http",
        "--link-name",
        "extra",
    ];
    let (code, _, stderr) = client(state.path(), &delete_extra);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", extra_port)).is_err(),
        "the link's port closes once `link del` returns"
    );
    assert_eq!(get(&format!("http://127.0.0.1:{hello_port}/")).0, 200);
    let (code, _, stderr) = client(state.path(), &delete_extra);
    assert_eq!(code, 1);
    assert!(stderr.contains("there is no link"), "{stderr}");
}

#[test]
fn a_label_put_places_an_app_waiting_for_such_a_host_and_survives_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let apps = tempfile::tempdir().unwrap();
    let port = free_port();
    let running = up(state.path(), free_port());
    let file = needy_app(apps.path(), state.path(), port, None, Some(("zone", "eu")));

    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(stderr.contains("labels zone=eu"), "{stderr}");
    let (code, stdout, stderr) = client(state.path(), &["label", "put", "zone=eu"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("host local: set zone=eu"), "{stdout}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while get_status(state.path()) != "deployed" {
        assert!(Instant::now() < deadline, "{}", get_status(state.path()));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(get(&format!("http://127.0.0.1:{port}/")).0, 200);

    let (code, _, stderr) = client(state.path(), &["label", "put", "hostcore.os=plan9"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("reserved"), "{stderr}");
    let (code, _, stderr) = client(
        state.path(),
        &["label", "put", "a=b", "--host", "elsewhere"],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("there is no host `elsewhere`"), "{stderr}");

    assert!(running.interrupt().success());
    let _again = up(state.path(), free_port());
    assert_eq!(get_status(state.path()), "deployed");
    let (_, stdout, _) = client(state.path(), &["get", "hosts"]);
    assert!(stdout.contains("zone=eu"), "{stdout}");
    let (code, _, stderr) = client(state.path(), &["label", "del", "zone"]);
    assert_eq!(code, 0, "{stderr}");
}

fn get_status(state: &std::path::Path) -> String {
    let (_, stdout, _) = client(state, &["app", "status", "needy", "-o", "json"]);
    serde_json::from_str::<serde_json::Value>(stdout.trim())
        .map(|view| view["status"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}
