//! `weft up --nats`: the API, manager and host of one process on a lattice over a real
//! `nats-server -js` started on a free port. Apps live in the lattice's JetStream bucket, so a
//! new process on the lattice brings them back; lattices on one NATS stay apart; NATS that is
//! not up yet is waited for; refused credentials end the start with what to do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;

use support::{NatsServer, Weft, client, free_port, get, spawn_on, weft};

/// `weft up --nats URL --lattice LATTICE` on `state`, the bundled example on `example_port`.
fn up_on_nats(state: &Path, url: &str, lattice: &str, example_port: u16, extra: &[&str]) -> Weft {
    let mut command = weft();
    command
        .args(["up", "--api-addr", "127.0.0.1:0"])
        .args(["--nats", url, "--lattice", lattice])
        .args(["--example-address", &format!("127.0.0.1:{example_port}")])
        .args(extra);
    spawn_on(command, state)
}

fn app_names(state: &Path) -> Vec<String> {
    let (code, stdout, stderr) = client(state, &["app", "list", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let listed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    listed["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|app| app["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn apps_live_in_the_lattice_and_lattices_stay_apart() {
    let nats = NatsServer::start();
    let (first_state, other_state, next_state) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let port = free_port();
    let first = up_on_nats(first_state.path(), &nats.url(), "blue", port, &[]);
    assert_eq!(first.ready["lattice"], "blue");
    // An nkey server public key, as wasmCloud hosts have and `wash` expects.
    let host_id = first.ready["host_id"].as_str().unwrap();
    assert!(
        host_id.len() == 56
            && host_id.starts_with('N')
            && host_id
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
        "{}",
        first.ready
    );
    assert_eq!(
        get(&format!("http://127.0.0.1:{port}/")),
        (200, "Hello from weft!\n".into())
    );
    assert_eq!(app_names(first_state.path()), ["hello"]);

    let other = up_on_nats(
        other_state.path(),
        &nats.url(),
        "green",
        free_port(),
        &["--no-example"],
    );
    assert!(
        app_names(other_state.path()).is_empty(),
        "green sees nothing of blue"
    );
    drop(other);

    // A new process on blue, with a state directory of its own, runs what blue holds.
    assert!(first.interrupt().success());
    let next = up_on_nats(
        next_state.path(),
        &nats.url(),
        "blue",
        free_port(),
        &["--no-example"],
    );
    assert_eq!(next.ready["apps"][0]["name"], "hello", "{}", next.ready);
    assert_eq!(
        next.ready["apps"][0]["status"], "deployed",
        "{}",
        next.ready
    );
    assert_eq!(
        get(&format!("http://127.0.0.1:{port}/")),
        (200, "Hello from weft!\n".into())
    );
}

#[test]
fn nats_not_up_yet_is_waited_for_and_refused_credentials_end_the_start() {
    let port = free_port();
    let late = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        NatsServer::start_on(port, tempfile::tempdir().unwrap(), &[])
    });
    let state = tempfile::tempdir().unwrap();
    let url = format!("nats://127.0.0.1:{port}");
    let running = up_on_nats(
        state.path(),
        &url,
        "default",
        free_port(),
        &["--no-example"],
    );
    let _nats = late.join().unwrap();
    let logs = running.logs();
    assert!(
        logs.contains(&format!("cannot reach NATS at {url}")) && logs.contains("retrying in"),
        "{logs}"
    );
    drop(running);

    let guarded = NatsServer::start_with(&["--user", "ann", "--pass", "s3cret"]);
    let guarded_port = guarded.port;
    let output = weft()
        .args(["up", "--api-addr", "127.0.0.1:0", "--no-example"])
        .args(["--nats", &format!("nats://127.0.0.1:{guarded_port}")])
        .args(["--nats-user", "ann", "--nats-password", "wrong"])
        .arg("--state-dir")
        .arg(state.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refused the connection") && stderr.contains("--nats-user"),
        "{stderr}"
    );

    let output = weft()
        .args(["up", "--nats", &url, "--lattice", "blue.green"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a lattice name"), "{stderr}");
}

/// Waits (up to `limit`) until `url` answers 200; how long that took.
fn serving_within(url: &str, limit: std::time::Duration) -> Option<std::time::Duration> {
    let started = std::time::Instant::now();
    let (status, _) = support::answer_until("GET", url, "", 200, limit);
    (status == 200).then(|| started.elapsed())
}

#[test]
fn a_standby_takes_over_when_the_manager_stops_or_dies() {
    let nats = NatsServer::start();
    let states: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let term = ["--lease-term", "1s"];
    let standby_args = ["--no-example", "--lease-term", "1s"];

    let first = up_on_nats(states[0].path(), &nats.url(), "ha", port, &term);
    assert_eq!(first.ready["role"], "leader", "{}", first.ready);
    assert_eq!(get(&url).0, 200);
    let second = up_on_nats(
        states[1].path(),
        &nats.url(),
        "ha",
        free_port(),
        &standby_args,
    );
    assert_eq!(second.ready["role"], "standby", "{}", second.ready);
    assert_eq!(second.ready["leader"]["holder"], first.ready["host_id"]);
    assert_eq!(second.ready["leader"]["api"], first.ready["api"]);
    let (code, _, stderr) = client(states[1].path(), &["config", "put", "extra", "a=b"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("standing by for lattice ha")
            && stderr.contains(first.ready["api"].as_str().unwrap()),
        "{stderr}"
    );

    // A clean stop gives the lease up: the standby takes over at once.
    assert!(first.interrupt().success());
    let back = serving_within(&url, std::time::Duration::from_secs(5));
    assert!(
        back.is_some_and(|took| took < std::time::Duration::from_secs(1)),
        "served again after {back:?}, within the term"
    );
    let (code, _, stderr) = client(states[1].path(), &["config", "put", "extra", "a=b"]);
    assert_eq!(code, 0, "the new manager takes changes: {stderr}");

    // A manager that dies is replaced once its lease lapses (one term).
    let third = up_on_nats(
        states[2].path(),
        &nats.url(),
        "ha",
        free_port(),
        &standby_args,
    );
    assert_eq!(third.ready["role"], "standby", "{}", third.ready);
    assert_eq!(third.ready["leader"]["holder"], second.ready["host_id"]);
    drop(second); // SIGKILL
    let back = serving_within(&url, std::time::Duration::from_secs(10));
    assert!(
        back.is_some_and(|took| took < std::time::Duration::from_secs(3)),
        "served again after {back:?}"
    );
    let (_, stdout, _) = client(states[2].path(), &["config", "get", "extra", "-o", "json"]);
    assert!(
        stdout.contains(r#""a":"b""#),
        "what the dead manager stored is kept: {stdout}"
    );
}

/// Sends a control request on `subject` with `body`; the JSON reply.
fn ctl(nats: &NatsServer, subject: &str, body: &str) -> serde_json::Value {
    ctl_at(&nats.url(), subject, body)
}

/// Asserts that the control request on `subject` with `body` is refused with a message
/// containing `expected`.
fn assert_refused(nats: &NatsServer, subject: &str, body: &str, expected: &str) {
    let answer = ctl(nats, subject, body);
    assert_eq!(answer["success"], false, "{subject}: {answer}");
    assert!(
        answer["message"].as_str().unwrap().contains(expected),
        "{subject}: {answer}"
    );
}

/// The same to the NATS server at `url`.
fn ctl_at(url: &str, subject: &str, body: &str) -> serde_json::Value {
    ctl_request(url, subject, body).unwrap_or_else(|| panic!("no one answers {subject}"))
}

/// The answer to the control request on `subject`, `None` when no one listens there.
fn ctl_request(url: &str, subject: &str, body: &str) -> Option<serde_json::Value> {
    let (url, subject, body) = (url.to_owned(), subject.to_owned(), body.to_owned());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            // Through weft's own connection settings, which read a user and password in the URL.
            let settings = weft_lattice::NatsSettings {
                urls: vec![url],
                ..weft_lattice::NatsSettings::default()
            };
            let client = settings.connect(|_, _| {}).await.unwrap();
            let reply = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                client.request(subject.clone(), body.into()),
            )
            .await
            .unwrap_or_else(|_| panic!("no answer on {subject}"));
            match reply {
                Ok(reply) => Some(serde_json::from_slice(&reply.payload).unwrap()),
                Err(error) if error.kind() == async_nats::RequestErrorKind::NoResponders => None,
                Err(error) => panic!("{subject}: {error}"),
            }
        })
}

#[test]
fn the_control_interface_answers_like_wasmcloud() {
    let nats = NatsServer::start();
    let state = tempfile::tempdir().unwrap();
    let port = free_port();
    let running = up_on_nats(
        state.path(),
        &nats.url(),
        "ctl",
        port,
        &["--label", "zone=eu"],
    );
    let host_id = running.ready["host_id"].as_str().unwrap().to_owned();
    let subject = |rest: &str| format!("wasmbus.ctl.v1.ctl.{rest}");

    let ping = ctl(&nats, &subject("host.ping"), "");
    assert_eq!(ping["success"], true, "{ping}");
    assert_eq!(ping["response"]["id"], host_id.as_str());
    assert_eq!(ping["response"]["lattice"], "ctl");
    assert_eq!(ping["response"]["labels"]["zone"], "eu");

    let inventory = ctl(&nats, &subject(&format!("host.get.{host_id}")), "");
    let components = inventory["response"]["components"].as_array().unwrap();
    assert_eq!(components.len(), 1, "{inventory}");
    assert_eq!(components[0]["id"], "hello-http_component");
    assert_eq!(components[0]["annotations"]["weft.app"], "hello");
    assert_eq!(
        inventory["response"]["providers"][0]["id"],
        "hello-httpserver"
    );

    // Labels, configs and links change through it as through the API.
    let put = ctl(
        &nats,
        &subject(&format!("label.put.{host_id}")),
        r#"{"key": "tier", "value": "gold"}"#,
    );
    assert_eq!(put["success"], true, "{put}");
    let (_, hosts, _) = client(state.path(), &["get", "hosts"]);
    assert!(hosts.contains("tier=gold"), "{hosts}");
    let put = ctl(
        &nats,
        &subject("config.put.shared"),
        r#"{"greeting": "hi"}"#,
    );
    assert_eq!(put["success"], true, "{put}");
    let got = ctl(&nats, &subject("config.get.shared"), "");
    assert_eq!(got["response"]["greeting"], "hi", "{got}");
    let links = ctl(&nats, &subject("link.get"), "");
    let links = links["response"].as_array().unwrap();
    assert!(
        links
            .iter()
            .any(|link| link["source_id"] == "hello-httpserver"
                && link["target"] == "hello-http_component"
                && link["wit_namespace"] == "wasi"),
        "{links:?}"
    );

    // What cannot be read changes nothing and says what was expected.
    for (rest, body, expected) in [
        ("config.put.shared", "not json", "send JSON"),
        ("config.put.shared", r#"{"n": 1}"#, "string values only"),
        (
            &format!("label.put.{host_id}") as &str,
            r#"{"value": "x"}"#,
            "key",
        ),
        (&format!("component.scale.{host_id}"), "{}", "component_ref"),
        (
            &format!("component.update.{host_id}"),
            "{}",
            "deploy a manifest",
        ),
        // A manager's command for another lattice (carried by a mapped subject).
        (
            &format!("weft.execute.{host_id}"),
            r#"{"fence": 99, "lattice": "elsewhere", "command": {"command": "delete_config", "name": "shared"}}"#,
            "for lattice `elsewhere`, and this host is in lattice `ctl`",
        ),
    ] {
        assert_refused(&nats, &subject(rest), body, expected);
    }
    let got = ctl(&nats, &subject("config.get.shared"), "");
    assert_eq!(got["response"], serde_json::json!({"greeting": "hi"}));
    assert_eq!(get(&format!("http://127.0.0.1:{port}/")).0, 200);

    // Every change asked, carried out or refused, is in the audit log; reads are not.
    let (code, stdout, stderr) = client(state.path(), &["audit", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let audit: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let entries = audit["entries"].as_array().unwrap();
    let seen: Vec<String> = entries
        .iter()
        .map(|entry| format!("{} {}", entry["action"].as_str().unwrap(), entry["outcome"]))
        .collect();
    assert_eq!(entries.len(), 7, "{seen:#?}");
    assert_eq!(seen[0], format!("label.put.{host_id} \"ok\""));
    assert_eq!(seen[1], "config.put.shared \"ok\"");
    assert!(
        seen[2].contains("refused: ") && seen[2].contains("send JSON"),
        "{seen:#?}"
    );
    assert!(
        seen[6].starts_with(&format!("component.update.{host_id}")),
        "{seen:#?}"
    );
    assert!(entries.iter().all(|entry| entry["via"] == "ctl"
        && entry["who"] == "nats"
        && entry["answered_by"] == host_id.as_str()));
}

#[test]
fn components_and_capabilities_run_by_hand_through_the_control_interface() {
    let nats = NatsServer::start();
    let state = tempfile::tempdir().unwrap();
    let running = up_on_nats(state.path(), &nats.url(), "hand", free_port(), &[]);
    let host_id = running.ready["host_id"].as_str().unwrap().to_owned();
    let subject = |operation: &str| format!("wasmbus.ctl.v1.hand.{operation}.{host_id}");
    let ok = |answer: serde_json::Value| assert_eq!(answer["success"], true, "{answer}");

    // What `wash start component` / `wash start provider` / `wash link put` send.
    let image = format!("file://{}", support::hello_wasm(state.path()));
    let scale = format!(
        r#"{{"component_ref": "{image}", "component_id": "byhand", "max_instances": 2, "host_id": "{host_id}", "component_limits": {{"max_memory_limit": "33554432", "max_execution_time": "3"}}}}"#
    );
    let scaled = {
        let (nats_url, scale_subject) = (nats.url(), subject("component.scale"));
        support::next_message_during(&nats, "wasmbus.evt.hand.component_scaled", move || {
            let answer = ctl_at(&nats_url, &scale_subject, &scale);
            assert_eq!(answer["success"], true, "{answer}");
        })
    };
    // The event is wasmCloud's: its type, the host as source, and its data's fields.
    let event: serde_json::Value = serde_json::from_slice(&scaled.payload).unwrap();
    assert_eq!(event["type"], "com.wasmcloud.lattice.component_scaled");
    assert_eq!(event["source"], host_id.as_str());
    assert_eq!(event["data"]["component_id"], "byhand");
    assert_eq!(event["data"]["image_ref"], image.as_str());
    assert_eq!(event["data"]["max_instances"], 2);
    assert_eq!(event["data"]["annotations"], serde_json::json!({}));
    let start = r#"{"provider_id": "byhand-server", "provider_ref": "ghcr.io/wasmcloud/http-server:0.27.0"}"#;
    ok(ctl(&nats, &subject("provider.start"), start));
    let port = free_port();
    let listen = format!(r#"{{"address": "127.0.0.1:{port}"}}"#);
    ok(ctl(
        &nats,
        "wasmbus.ctl.v1.hand.config.put.byhand-listen",
        &listen,
    ));
    let link = r#"{"source_id": "byhand-server", "target": "byhand", "name": "default", "wit_namespace": "wasi", "wit_package": "http", "interfaces": ["incoming-handler"], "source_config": ["byhand-listen"], "target_config": []}"#;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        // The link waits for the server and the component to start.
        let answer = ctl(&nats, "wasmbus.ctl.v1.hand.link.put", link);
        if answer["success"] == true {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{answer}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let url = format!("http://127.0.0.1:{port}/");
    let answer = support::answer_until("GET", &url, "", 200, std::time::Duration::from_secs(5));
    assert_eq!(answer, (200, "Hello from weft!\n".into()));

    // The host and the manager both see it, outside any application.
    let inventory = ctl(&nats, &subject("host.get"), "");
    let components = inventory["response"]["components"].as_array().unwrap();
    let byhand = components.iter().find(|c| c["id"] == "byhand").unwrap();
    assert_eq!(byhand["max_instances"], 2);
    assert_eq!(byhand["annotations"], serde_json::json!({}));
    // wasmCloud's `component_limits` are in effect: 32 MiB, 3 s.
    assert_eq!(byhand["weft_limits"]["memory_bytes"], 32 << 20, "{byhand}");
    assert_eq!(byhand["weft_limits"]["timeout_ms"], 3000, "{byhand}");
    // The manager learns it from the host's next heartbeat (every 500 ms).
    let listed = format!("component byhand x2 {image} (by hand)");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let (_, stdout, _) = client(state.path(), &["get", "inventory"]);
        if stdout.contains(&listed) || std::time::Instant::now() > deadline {
            assert!(stdout.contains(&listed), "{stdout}");
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // What an application runs, unknown images and malformed bodies are refused.
    for (operation, body, expected) in [
        (
            "component.scale",
            r#"{"component_ref": "x", "component_id": "hello-http_component", "count": 0}"#,
            "part of application `hello`",
        ),
        (
            "provider.start",
            r#"{"provider_id": "p", "provider_ref": "ghcr.io/acme/custom-provider:1.0.0"}"#,
            "names none of weft's built-in capabilities",
        ),
        (
            "provider.stop",
            r#"{"provider_id": "hello-httpserver"}"#,
            "part of application",
        ),
        (
            "provider.stop",
            r#"{"provider_id": "nobody"}"#,
            "no capability `nobody`",
        ),
        (
            "component.scale",
            r#"{"component_id": "x"}"#,
            "component_ref",
        ),
        (
            "component.scale",
            r#"{"component_ref": "x", "component_id": "y", "count": 1, "component_limits": {"max_execution_time": "soon"}}"#,
            "`component_limits.max_execution_time: soon` is not a positive whole number of seconds",
        ),
    ] {
        assert_refused(&nats, &subject(operation), body, expected);
    }

    // Scaled to 0 and stopped, they are gone; the application still serves.
    let stop = format!(r#"{{"component_ref": "{image}", "component_id": "byhand", "count": 0}}"#);
    ok(ctl(&nats, &subject("component.scale"), &stop));
    ok(ctl(
        &nats,
        &subject("provider.stop"),
        r#"{"provider_id": "byhand-server"}"#,
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let inventory = ctl(&nats, &subject("host.get"), "");
        let text = inventory["response"].to_string();
        if !text.contains("\"byhand\"") && !text.contains("byhand-server") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (_, stdout, _) = client(state.path(), &["app", "status", "hello"]);
    assert!(stdout.starts_with("hello"), "{stdout}");
    assert!(stdout.contains("deployed"), "{stdout}");
}

/// Host ids `weft get hosts -o json` lists for the `weft up` on `state`.
fn host_ids(state: &Path) -> Vec<String> {
    let (code, stdout, stderr) = client(state, &["get", "hosts", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let listed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    listed["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|host| host["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn tenants_in_their_own_nats_accounts_share_a_server_and_lattice_name_but_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("accounts.conf");
    let accounts = "accounts {\n  shop: { jetstream: enabled, users: [ { user: shop, password: shop-pass } ] }\n  bank: { jetstream: enabled, users: [ { user: bank, password: bank-pass } ] }\n}\n";
    std::fs::write(&config, accounts).unwrap();
    let nats = NatsServer::start_with(&["-c", config.to_str().unwrap()]);
    let as_user =
        |user: &str, password: &str| format!("nats://{user}:{password}@127.0.0.1:{}", nats.port);
    let (shop_state, bank_state) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let shop = up_on_nats(
        shop_state.path(),
        &nats.url(),
        "default",
        free_port(),
        &["--nats-user", "shop", "--nats-password", "shop-pass"],
    );
    let bank = up_on_nats(
        bank_state.path(),
        &as_user("bank", "bank-pass"),
        "default",
        free_port(),
        &[],
    );
    let shop_host = shop.ready["host_id"].as_str().unwrap().to_owned();
    let bank_host = bank.ready["host_id"].as_str().unwrap().to_owned();

    // Each lattice `default` holds its own host and its own example app.
    assert_eq!(host_ids(shop_state.path()), [shop_host.as_str()]);
    assert_eq!(host_ids(bank_state.path()), [bank_host.as_str()]);
    assert_eq!(app_names(shop_state.path()), ["hello"]);
    assert_eq!(app_names(bank_state.path()), ["hello"]);

    // A config put in one is not in the other, through the API or a control request.
    let (code, _, stderr) = client(shop_state.path(), &["config", "put", "prices", "eur=1"]);
    assert_eq!(code, 0, "{stderr}");
    let (_, bank_config, _) = client(bank_state.path(), &["get", "config", "-o", "json"]);
    assert!(!bank_config.contains("prices"), "{bank_config}");
    let put = ctl_at(
        &as_user("bank", "bank-pass"),
        "wasmbus.ctl.v1.default.config.put.prices",
        r#"{"eur": "0"}"#,
    );
    assert_eq!(put["success"], true, "{put}");
    let (_, shop_prices, _) = client(shop_state.path(), &["config", "get", "prices"]);
    assert_eq!(
        shop_prices.trim(),
        "eur=1",
        "the bank's request reached only its own lattice"
    );

    // A control request naming the other tenant's host reaches no one.
    let request = ctl_request(
        &as_user("bank", "bank-pass"),
        &format!("wasmbus.ctl.v1.default.label.put.{shop_host}"),
        r#"{"key": "owner", "value": "bank"}"#,
    );
    assert!(
        request.is_none(),
        "no host of the bank's account is {shop_host}"
    );
    // Each tenant's audit log has only its own changes.
    let (_, shop_audit, _) = client(shop_state.path(), &["audit"]);
    assert!(
        shop_audit.contains("PUT /v1/configs/prices") && !shop_audit.contains("config.put"),
        "{shop_audit}"
    );
    let (_, bank_audit, _) = client(bank_state.path(), &["audit"]);
    assert!(
        bank_audit.contains("config.put.prices") && !bank_audit.contains("/v1/"),
        "{bank_audit}"
    );
}
