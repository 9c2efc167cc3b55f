//! Builds the example components under `examples/` so the CLI can carry them.
use std::env;
use std::path::PathBuf;
use weft_wasm_build::{Guest, build_guests};

#[allow(clippy::expect_used)] // A build script reports failure by panicking.
fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    // The counter's bindings come from the shared WIT contracts.
    println!(
        "cargo:rerun-if-changed={}",
        root.join("../../wit").display()
    );
    for (directory, package, variable) in [
        ("hello", "http-hello-world", "WEFT_EXAMPLE_HELLO"),
        ("counter", "http-counter", "WEFT_EXAMPLE_COUNTER"),
    ] {
        let manifest = root.join(format!("../../examples/{directory}/Cargo.toml"));
        let paths = build_guests(&manifest, &[Guest { package }]);
        let [built] = paths.as_slice() else {
            panic!("expected one built component for {directory}");
        };
        println!("cargo:rustc-env={variable}={}", built.display());
    }
}
