//! `weft app validate`, `weft app schema` and `weft completions` through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod support;

use support::weft;

fn repo_file(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_bundled_examples_manifests_are_valid() {
    let output = weft()
        .args(["app", "validate", &repo_file("examples/hello/wadm.yaml")])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("valid (application hello v0.1.0, 2 components)"),
        "{stdout}"
    );
}

#[test]
fn every_error_of_every_file_is_printed_with_its_place() {
    let bad = repo_file("crates/manifest/tests/fixtures/bad/many-mistakes.yaml");
    let good = repo_file("crates/manifest/tests/fixtures/good/kvcounter.yaml");
    let output = weft()
        .args(["app", "validate", &good, &bad])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("many-mistakes.yaml:12:9: error: unknown field `imag` (at /spec/components/0/properties/imag); hint: did you mean `image`?"),
        "{stderr}"
    );
    assert_eq!(stderr.matches(": error: ").count(), 8, "{stderr}");
    assert!(
        stderr.contains("warning: trait type `spreadscalar` is not one weft knows"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: 1 of 2 manifests are not valid"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("kvcounter.yaml: valid"));
}

#[test]
fn json_output_carries_the_diagnostics() {
    let bad = repo_file("crates/manifest/tests/fixtures/bad/many-mistakes.yaml");
    let output = weft()
        .args(["-o", "json", "app", "validate", &bad])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap();
    assert_eq!(error["success"], false);
    let diagnostics = error["files"][0]["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 9);
    assert_eq!(diagnostics[0]["line"], 4);
    assert_eq!(diagnostics[0]["pointer"], "/metadata/name");

    let hello = repo_file("examples/hello/wadm.yaml");
    let output = weft()
        .args(["-o", "json", "app", "validate", &hello])
        .output()
        .unwrap();
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["success"], true);
    assert_eq!(result["files"][0]["application"], "hello");
}

#[test]
fn a_missing_file_is_named() {
    let output = weft()
        .args(["app", "validate", "/no/such/app.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/no/such/app.yaml: error: cannot read the file"),
        "{stderr}"
    );
}

#[test]
fn the_schema_is_json_schema_for_the_manifest() {
    let output = weft().args(["app", "schema"]).output().unwrap();
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["title"], "Manifest");
    assert!(schema["properties"]["spec"].is_object());
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = weft().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains("weft"), "{shell}");
        assert!(script.contains("validate"), "{shell}: subcommands missing");
    }
}
