//! Limits per component through the real binary: a manifest's limits policy bounds each
//! component's time, memory and concurrency, what its invocations hit shows in `app status`
//! with the limit and how to raise it, and a limit the host cannot give blocks the app.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{HttpApp, client, free_port, get, spawn_on, weft};

/// App `name` running test guest `image` on `port`, under a limits policy of `limits`
/// (a YAML flow mapping's inside, e.g. `timeout: 300ms`).
fn limited_app(dir: &Path, name: &str, image: &str, port: u16, limits: &str) -> String {
    let file = HttpApp {
        name,
        version: None,
        component: name,
        image,
        port,
        config: None,
        requires: None,
    }
    .write(dir);
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "spec:\n",
        &format!(
            "spec:\n  policies:\n    - {{name: limits, type: limits.weft.dev/v1alpha1, properties: {{{limits}}}}}\n"
        ),
        1,
    );
    std::fs::write(&file, text).unwrap();
    file
}

/// Deploys [`limited_app`] through `weft app deploy`, which must succeed; returns its URL.
fn deploy_limited(state: &Path, dir: &Path, name: &str, image: &str, limits: &str) -> String {
    let port = free_port();
    let file = limited_app(dir, name, image, port, limits);
    let (code, _, stderr) = client(state, &["app", "deploy", &file]);
    assert_eq!(code, 0, "{stderr}");
    format!("http://127.0.0.1:{port}/")
}

/// `weft app status NAME -o json`'s `limit_hits`.
fn limit_hits(state: &Path, name: &str) -> Vec<serde_json::Value> {
    let (code, stdout, stderr) = client(state, &["app", "status", name, "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let status: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    status["limit_hits"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_limits_policy_bounds_time_memory_and_concurrency_and_status_shows_each_hit() {
    let state = tempfile::tempdir().unwrap();
    let apps = tempfile::tempdir().unwrap();
    let mut command = weft();
    command
        .args(["up", "--api-addr", "127.0.0.1:0", "--no-example"])
        .args(["--memory-limit", "64MiB"]);
    let weft = spawn_on(command, state.path());

    // Time: a spinning guest is stopped at its own 300 ms, far below the host's 10 s.
    let url_of_spinner = deploy_limited(
        state.path(),
        apps.path(),
        "spinner",
        weft_test_components::SPIN_LOOP,
        "timeout: 300ms",
    );
    let started = Instant::now();
    let (status, body) = get(&url_of_spinner);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("deadline"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let hits = limit_hits(state.path(), "spinner");
    assert_eq!(hits[0]["limit"], "timeout", "{hits:?}");
    assert_eq!(hits[0]["value"], "300ms", "{hits:?}");
    assert_eq!(hits[0]["count"], 1, "{hits:?}");
    let (_, text, _) = client(state.path(), &["app", "status", "spinner"]);
    assert!(
        text.contains("spinner: 1 invocation on host")
            && text.contains("ran past its 300ms timeout; raise `timeout`"),
        "{text}"
    );

    // Memory: a guest that hoards is stopped at its own 16 MiB.
    let url = deploy_limited(
        state.path(),
        apps.path(),
        "hoarder",
        weft_test_components::MEMORY_BOMB,
        "memory: 16MiB",
    );
    let (status, body) = get(&url);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("memory"), "{body}");
    let hits = limit_hits(state.path(), "hoarder");
    assert_eq!(
        (&hits[0]["limit"], &hits[0]["value"]),
        (&"memory".into(), &"16 MiB".into()),
        "{hits:?}"
    );

    // Concurrency: with one invocation at a time, a second request meanwhile is turned away;
    // once the first ends, the next is served.
    let url = deploy_limited(
        state.path(),
        apps.path(),
        "single",
        weft_test_components::SLOW,
        "max-concurrency: \"1\"",
    );
    let first = std::thread::spawn({
        let url = format!("{url}?ms=1500");
        move || get(&url)
    });
    std::thread::sleep(Duration::from_millis(500));
    let (status, body) = get(&format!("{url}?ms=1"));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("max-concurrency"), "{body}");
    assert_eq!(first.join().unwrap(), (200, "slow done".to_owned()));
    assert_eq!(get(&format!("{url}?ms=1")), (200, "slow done".to_owned()));
    let hits = limit_hits(state.path(), "single");
    assert_eq!(
        (&hits[0]["limit"], &hits[0]["count"]),
        (&"max-concurrency".into(), &1.into()),
        "{hits:?}"
    );

    // A component given more memory than the host has for an instance: the app fails, saying
    // which limit and how to get it.
    let file = limited_app(
        apps.path(),
        "greedy",
        weft_test_components::SLOW,
        free_port(),
        "memory: 128MiB",
    );
    let (code, stdout, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_ne!(code, 0, "{stdout}");
    assert!(
        stderr.contains(
            "its memory limit (128 MiB) is above the largest this host gives an instance (64 MiB)"
        ) && stderr.contains("--memory-limit"),
        "{stderr}"
    );

    // A policy weft cannot read is refused at deploy, and what was deployed keeps serving
    // under its limits.
    let file = limited_app(
        apps.path(),
        "spinner",
        weft_test_components::SPIN_LOOP,
        free_port(),
        "timout: 5s",
    );
    let (code, _, stderr) = client(state.path(), &["app", "deploy", &file]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("has limits weft cannot apply, so it was not deployed")
            && stderr.contains("did you mean `timeout`?"),
        "{stderr}"
    );
    assert_eq!(get(&url_of_spinner).0, 503);
    assert_eq!(limit_hits(state.path(), "spinner")[0]["count"], 2);

    // Apps that hit nothing show nothing.
    assert!(limit_hits(state.path(), "greedy").is_empty());
    assert!(weft.interrupt().success());
}
