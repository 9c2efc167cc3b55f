//! Builds the example components under `examples/` so the CLI can carry them.
use std::env;
use std::path::PathBuf;
use weft_wasm_build::{Guest, build_guests};

#[allow(clippy::expect_used)] // A build script reports failure by panicking.
fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let manifest = root.join("../../examples/hello/Cargo.toml");
    let paths = build_guests(
        &manifest,
        &[Guest {
            package: "http-hello-world",
        }],
    );
    let [hello] = paths.as_slice() else {
        panic!("expected one built example");
    };
    println!("cargo:rustc-env=WEFT_EXAMPLE_HELLO={}", hello.display());
}
