//! `weft run` end to end: the real binary, real sockets, components built from source.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use std::process::Stdio;

use support::{Weft, field, get, weft};

#[test]
fn serves_the_bundled_hello_example_and_stops_cleanly_on_ctrl_c() {
    let cache = tempfile::tempdir().unwrap();
    let weft = Weft::run(&[
        "--example",
        "hello",
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ]);
    assert_eq!(weft.ready["success"], true);
    let (status, body) = get(&weft.url());
    assert_eq!((status, body.as_str()), (200, "Hello from weft!\n"));
    assert!(weft.interrupt().success());
}

#[test]
fn a_second_start_loads_the_compiled_component_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let first = Weft::run(&[weft_test_components::ECHO, "--cache-dir", cache_dir]);
    assert_eq!(first.ready["from_cache"], false);
    drop(first);
    let second = Weft::run(&[weft_test_components::ECHO, "--cache-dir", cache_dir]);
    assert_eq!(second.ready["from_cache"], true);
    println!(
        "compile then cached load, in ms: {} {}",
        second.ready["load_ms"], second.ready["load_ms"]
    );
    let (status, body) = get(&format!("{}hi", second.url()));
    assert_eq!(status, 200);
    assert!(body.starts_with("method: GET\npath: /hi\n"), "{body}");
}

#[test]
fn components_built_against_wasi_0_2_0_run_unchanged() {
    let weft = Weft::run(&[weft_test_components::WASI_0_2_0, "--no-cache"]);
    assert_eq!(get(&weft.url()), (200, "hello from wasi 0.2.0".to_owned()));
}

#[test]
fn guest_stdout_and_stderr_go_to_the_log_tagged_with_the_component() {
    let weft = Weft::run(&[weft_test_components::STDIO, "--no-cache"]);
    let (status, body) = get(&format!("{}tagged", weft.url()));
    assert_eq!(status, 200);
    assert!(body.starts_with("logged"), "{body}");
    for (stream, text) in [
        ("stdout", "stdout line for /tagged"),
        ("stderr", "stderr line for /tagged"),
    ] {
        weft.wait_for_log(&format!("with the guest's {stream}"), |event| {
            field(event, "message") == text
                && field(event, "stream") == stream
                && field(event, "component").ends_with("stdio.wasm")
        });
    }
}

#[test]
fn hostile_components_fail_their_request_with_a_log_line_naming_the_reason() {
    for (path, status, reason) in [
        (weft_test_components::SPIN_LOOP, 503, "deadline"),
        (weft_test_components::MEMORY_BOMB, 503, "memory"),
        (weft_test_components::TRAP, 500, "trap"),
        (weft_test_components::DEEP_RECURSION, 500, "stack"),
    ] {
        let weft = Weft::run(&[
            path,
            "--no-cache",
            "--deadline",
            "1s",
            "--memory-limit",
            "32MiB",
        ]);
        let (got, body) = get(&weft.url());
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(reason), "{path}: {body}");
        weft.wait_for_log(&format!("naming {path} and {reason}"), |event| {
            field(event, "component") == path && field(event, "reason") == reason
        });
        // Still serving after the failure.
        assert_eq!(get(&weft.url()).0, status);
    }
}

/// Runs `weft run ARGS` expecting it to fail at start; returns its one-line error.
fn start_error(args: &[&str]) -> String {
    let output = weft()
        .arg("run")
        .args(args)
        .args(["--no-cache"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success(), "weft run {args:?} should fail");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let error_lines: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error: "))
        .collect();
    assert_eq!(error_lines.len(), 1, "one error line expected:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    error_lines[0].to_owned()
}

#[test]
fn bad_inputs_fail_with_one_line_that_names_the_file_and_the_expectation() {
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("nope.wasm");
    let error = start_error(&[missing.to_str().unwrap()]);
    assert!(
        error.contains("nope.wasm") && error.contains("No such file"),
        "{error}"
    );

    let module = dir.path().join("core.wasm");
    std::fs::write(&module, b"\0asm\x01\x00\x00\x00").unwrap();
    let error = start_error(&[module.to_str().unwrap()]);
    assert!(
        error.contains("core.wasm") && error.contains("core WebAssembly module"),
        "{error}"
    );

    let corrupt = dir.path().join("corrupt.wasm");
    std::fs::write(&corrupt, b"\x7fELF this is not wasm").unwrap();
    let error = start_error(&[corrupt.to_str().unwrap()]);
    assert!(
        error.contains("corrupt.wasm") && error.contains("not a WebAssembly file"),
        "{error}"
    );

    let truncated = dir.path().join("truncated.wasm");
    let echo = std::fs::read(weft_test_components::ECHO).unwrap();
    std::fs::write(&truncated, &echo[..echo.len() / 3]).unwrap();
    let error = start_error(&[truncated.to_str().unwrap()]);
    assert!(
        error.contains("truncated.wasm") && error.contains("not a valid WebAssembly component"),
        "{error}"
    );

    let error = start_error(&[weft_test_components::CLI_COMMAND]);
    assert!(
        error.contains("cli_command.wasm") && error.contains("wasi:http/incoming-handler"),
        "{error}"
    );

    let error = start_error(&["--example", "nonesuch"]);
    assert!(
        error.contains("nonesuch") && error.contains("hello"),
        "{error}"
    );
}

#[test]
fn outgoing_http_is_denied_by_default_with_a_log_line_that_says_how_to_allow_it() {
    let weft = Weft::run(&[weft_examples::FETCH.path, "--no-cache"]);
    let (status, body) = get(&format!("{}?url=http://192.0.2.1:9/", weft.url()));
    assert_eq!(status, 502, "{body}");
    weft.wait_for_log("about the denied request", |event| {
        field(event, "destination") == "192.0.2.1:9"
            && field(event, "component").ends_with("fetch.wasm")
            && field(event, "message").contains("--allow-http 192.0.2.1:9")
    });

    let error = start_error(&[weft_examples::FETCH.path, "--allow-http", "http://x"]);
    assert!(error.contains("not an outgoing HTTP rule"), "{error}");
}

#[test]
fn an_address_in_use_is_named_with_a_hint() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let error = start_error(&["--example", "hello", "--listen", &addr]);
    assert!(
        error.contains(&addr) && error.contains("--listen"),
        "{error}"
    );
}

#[test]
fn json_errors_go_to_stderr_as_one_object() {
    let output = weft()
        .args(["run", "/definitely/missing.wasm", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let error: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(error["success"], false);
    assert!(error["error"].as_str().unwrap().contains("missing.wasm"));
}
