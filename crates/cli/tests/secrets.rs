//! Secrets through the real binary: `weft secret put|list|del`, the secret-check example
//! reading one through `wasmcloud:secrets`, an app waiting for its secret, a new version seen
//! by the next request, a restart. A canary value is then looked for everywhere weft writes:
//! logs (at debug level), every CLI answer in text and JSON, errors, and every file in the
//! state directory (the store keeps values encrypted).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{Weft, client, client_with_input, entries_under, free_port, send, weft};

const CANARY: &str = "canary-7Jq2-never-print-4b9e";
const CANARY_TWO: &str = "canary-Xw81-never-print-c03d";

/// `weft up` on `state` logging at debug level (the most it can say).
fn up_verbose(state: &Path) -> Weft {
    let mut command = weft();
    command
        .env("WEFT_LOG", "debug")
        .args(["up", "--api-addr", "127.0.0.1:0", "--no-example"]);
    support::spawn_on(command, state)
}

/// The secret-check example in `dir`, served on `port`.
fn secret_check_app(dir: &Path, port: u16) -> String {
    let example = weft_examples::SECRET_CHECK;
    support::example_app(
        dir,
        "wadm",
        example.manifest,
        &[&example],
        &[("127.0.0.1:8003", &format!("127.0.0.1:{port}"))],
    )
}

/// POSTs `key` until the answer is `expected` (5 s at most); returns the last answer.
fn check_until(url: &str, key: &str, expected: u16) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer =
            std::panic::catch_unwind(|| send("POST", url, key)).unwrap_or((0, String::new()));
        if answer.0 == expected || Instant::now() > deadline {
            return answer;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Fails if `text` (from `what`) holds either canary.
fn assert_no_canary(what: &str, text: &str) {
    for canary in [CANARY, CANARY_TWO] {
        assert!(
            !text.contains(canary),
            "{what} shows a secret value:\n{text}"
        );
    }
}

#[test]
fn a_component_reads_its_secret_and_the_value_shows_nowhere() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    // Everything the CLI printed, searched for the canaries at the end.
    let said = std::cell::RefCell::new(String::new());
    let run = |args: &[&str]| {
        let (code, stdout, stderr) = client(state.path(), args);
        said.borrow_mut()
            .push_str(&format!("{args:?}\n{stdout}\n{stderr}\n"));
        (code, stdout, stderr)
    };

    let running = up_verbose(state.path());
    // The app waits for its secret, and says how to provide it.
    let file = secret_check_app(dir.path(), port);
    let (code, _, stderr) = run(&["app", "deploy", &file]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("secret `api-key` (read by `checker`) does not exist")
            && stderr.contains("weft secret put api-key"),
        "{stderr}"
    );

    // Putting it (from standard input, one trailing newline dropped) deploys the app.
    let (code, stdout, stderr) = client_with_input(
        state.path(),
        &["secret", "put", "api-key"],
        &format!("{CANARY}\n"),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("secret api-key stored (version 1)"),
        "{stdout}"
    );
    said.borrow_mut().push_str(&stdout);
    assert_eq!(check_until(&url, CANARY, 200), (200, "match\n".into()));
    assert_eq!(send("POST", &url, "a guess"), (403, "no match\n".into()));

    // A new version (from a file) is seen by the next request.
    let value_file = dir.path().join("value");
    std::fs::write(&value_file, CANARY_TWO).unwrap();
    let (code, stdout, stderr) = run(&[
        "secret",
        "put",
        "api-key",
        "--from-file",
        value_file.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let info: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (info["name"].as_str(), info["version"].as_u64()),
        (Some("api-key"), Some(2))
    );
    std::fs::remove_file(&value_file).unwrap();
    assert_eq!(send("POST", &url, CANARY), (403, "no match\n".into()));
    assert_eq!(send("POST", &url, CANARY_TWO), (200, "match\n".into()));

    // Bad input is refused without echoing the value.
    let (code, _, stderr) = client_with_input(state.path(), &["secret", "put", "bad/name"], CANARY);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`bad/name` is not a secret name"),
        "{stderr}"
    );
    said.borrow_mut().push_str(&stderr);
    let (code, _, stderr) = client_with_input(state.path(), &["secret", "put", "empty"], "\n");
    assert_eq!(code, 1);
    assert!(stderr.contains("is empty"), "{stderr}");

    // Everything weft says about the lattice, in text and JSON.
    for args in [
        &["secret", "list"][..],
        &["secret", "list", "-o", "json"],
        &["app", "status", "secret-check", "-o", "json"],
        &["app", "list", "-o", "json"],
        &["app", "history", "secret-check", "-o", "json"],
        &["get", "inventory", "-o", "json"],
        &["get", "hosts", "-o", "json"],
        &["get", "links", "-o", "json"],
        &["get", "config", "-o", "json"],
    ] {
        let (code, _, stderr) = run(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    assert!(
        said.borrow().contains("api-key (version 2)"),
        "{}",
        said.borrow()
    );

    // Deleted: the running component's next request cannot read it, and the status says why.
    let (code, _, stderr) = run(&["secret", "del", "api-key"]);
    assert_eq!(code, 0, "{stderr}");
    let (status, body) = send("POST", &url, CANARY_TWO);
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("secret api-key is not available"), "{body}");
    let (_, stdout, _) = run(&["app", "status", "secret-check"]);
    assert!(
        stdout.contains("secret `api-key` (read by `checker`) does not exist"),
        "{stdout}"
    );

    // Put back, it survives a restart (decrypted with the state directory's key).
    let (code, _, stderr) = client_with_input(state.path(), &["secret", "put", "api-key"], CANARY);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(check_until(&url, CANARY, 200), (200, "match\n".into()));
    let first_logs = running.logs();
    assert!(running.interrupt().success());
    let again = up_verbose(state.path());
    assert_eq!(check_until(&url, CANARY, 200), (200, "match\n".into()));
    let second_logs = again.logs();
    drop(again);

    assert_no_canary("what the CLI printed", &said.borrow());
    assert_no_canary("the log of the first `weft up`", &first_logs);
    assert_no_canary("the log of the restarted `weft up`", &second_logs);
    assert!(
        first_logs.contains("\"level\":\"DEBUG\""),
        "debug logging was not on"
    );
    assert!(
        first_logs.contains("a key matched"),
        "the guest's log is missing"
    );
    for path in entries_under(state.path()) {
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            for canary in [CANARY, CANARY_TWO] {
                assert!(
                    !bytes
                        .windows(canary.len())
                        .any(|window| window == canary.as_bytes()),
                    "{} holds a secret value in the clear",
                    path.display()
                );
            }
        }
    }
}
