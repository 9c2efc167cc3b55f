//! Component → component links through the real binary: the pipeline example calls its second
//! component in process; links that cannot carry anything are refused with the reason, and a
//! component calling without a link fails its request with a log line naming the link to add;
//! `weft call` reaches the exports from outside.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{client, free_port, send, up};

/// The pipeline example as app `name` in `dir`, served on `port`; `edit` adjusts its manifest.
fn pipeline_app(dir: &Path, name: &str, port: u16, edit: impl Fn(String) -> String) -> String {
    let front = weft_examples::PIPELINE_FRONT;
    let manifest = edit(
        front
            .manifest
            .replace("name: pipeline\n", &format!("name: {name}\n"))
            .replace("name: pipeline-http", &format!("name: {name}-http"))
            .replace("127.0.0.1:8002", &format!("127.0.0.1:{port}")),
    );
    support::example_app(
        dir,
        name,
        &manifest,
        &[&front, &weft_examples::PIPELINE_SHOUT],
        &[],
    )
}

/// POSTs `body` until the app answers something other than "nothing listens" (5 s at most).
fn post_when_served(url: &str, body: &str) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = std::panic::catch_unwind(|| send("POST", url, body));
        match answer {
            Ok(answer) if answer.0 != 404 => return answer,
            _ => assert!(Instant::now() < deadline, "{url} was never served"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_pipeline_calls_its_second_component_in_process() {
    let state = tempfile::tempdir().unwrap();
    let running = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let file = pipeline_app(dir.path(), "pipeline", port, |manifest| manifest);
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");

    let url = format!("http://127.0.0.1:{port}/");
    assert_eq!(
        post_when_served(&url, "hello pipeline"),
        (200, "HELLO PIPELINE! (2 words)\n".into())
    );
    assert_eq!(
        send("POST", &url, "  a b c  "),
        (200, "A B C! (3 words)\n".into())
    );
    weft_call_reaches_the_exports(state.path());

    // Without the link, the front's call fails and the log names the link to add.
    let unlinked = pipeline_app(dir.path(), "unlinked", free_port(), |manifest| {
        let start = manifest
            .find("        - type: link\n          properties:\n            namespace: example")
            .unwrap();
        let end = manifest[start..]
            .find("              name: shout\n")
            .unwrap()
            + start;
        format!(
            "{}{}",
            &manifest[..start],
            &manifest[end + "              name: shout\n".len()..]
        )
    });
    let unlinked_port = std::fs::read_to_string(&unlinked)
        .unwrap()
        .split("address: 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap()
        .to_owned();
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &unlinked]);
    assert_eq!(code, 0, "{stderr}");
    let (status, body) = post_when_served(&format!("http://127.0.0.1:{unlinked_port}/"), "quiet");
    assert_eq!(status, 500, "{body}");
    running.wait_for_log("the missing link", |event| {
        support::field(event, "message").contains(
            "component `unlinked-front` calls example:pipeline/transform but has no link named `default` for example:pipeline",
        )
    });
}

/// `weft call` of the pipeline's `shout`: by bare and full name, its result as JSON, and
/// every wrong call refused with what to do.
fn weft_call_reaches_the_exports(state: &Path) {
    let call = |args: &[&str]| {
        let mut all = vec!["call"];
        all.extend_from_slice(args);
        client(state, &all)
    };
    let (code, stdout, stderr) = call(&["pipeline-shout", "shout", "hello call"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), r#"{"text":"HELLO CALL!","words":2}"#);
    let (code, stdout, stderr) = call(&[
        "pipeline-shout",
        "example:pipeline/transform@0.1.0.shout",
        "\"3\"",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let answer: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(answer["results"][0]["text"], "3!", "{answer}");

    let refused = |args: &[&str], expected: &[&str]| {
        let (code, _, stderr) = call(args);
        assert_eq!(code, 1, "{args:?}");
        for part in expected {
            assert!(stderr.contains(part), "{args:?}: {stderr}");
        }
    };
    refused(
        &["pipeline-shout", "whisper"],
        &[
            "component `pipeline-shout` exports no function `whisper`",
            "example:pipeline/transform@0.1.0.shout",
        ],
    );
    refused(
        &["pipeline-shout", "shout", "3"],
        &["args[0]", "is not string", "text: string"],
    );
    refused(&["pipeline-shout", "shout"], &["takes 1 argument", "not 0"]);
    refused(
        &["pipeline-front", "handle"],
        &["cannot be called from outside", "request"],
    );
    refused(
        &["pipeline-nobody", "shout", "x"],
        &["`pipeline-nobody` is not running", "weft get inventory"],
    );
}

#[test]
fn component_links_that_carry_nothing_are_refused() {
    let state = tempfile::tempdir().unwrap();
    let _up = up(state.path(), free_port());
    let dir = tempfile::tempdir().unwrap();

    let typo = pipeline_app(dir.path(), "typo", free_port(), |manifest| {
        manifest.replace("interfaces: [transform]", "interfaces: [transfrom]")
    });
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &typo]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("component `typo-front` does not import example:pipeline/transfrom")
            && stderr.contains("example:pipeline/transform@0.1.0"),
        "{stderr}"
    );

    // The images swapped: the link now starts at `shout`'s code, which imports nothing.
    let reversed = pipeline_app(dir.path(), "reversed", free_port(), |manifest| {
        manifest
            .replace("pipeline_front.wasm", "PLACEHOLDER")
            .replace("pipeline_shout.wasm", "pipeline_front.wasm")
            .replace("PLACEHOLDER", "pipeline_shout.wasm")
    });
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &reversed]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("component `reversed-front` does not import example:pipeline/transform")
            && stderr.contains("imports from other components: nothing"),
        "{stderr}"
    );
}
