//! Builds the example components under `examples/` so the CLI can carry them.
use std::env;
use std::path::PathBuf;
use weft_wasm_build::{Guest, build_guests};

#[allow(clippy::expect_used)] // A build script reports failure by panicking.
fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    // Several examples bind the shared WIT contracts.
    println!(
        "cargo:rerun-if-changed={}",
        root.join("../../wit").display()
    );
    for (directory, guests) in [
        ("hello", &[("http-hello-world", "WEFT_EXAMPLE_HELLO")][..]),
        ("counter", &[("http-counter", "WEFT_EXAMPLE_COUNTER")]),
        (
            "secret-check",
            &[("secret-check", "WEFT_EXAMPLE_SECRET_CHECK")],
        ),
        ("blobs", &[("blob-files", "WEFT_EXAMPLE_BLOBS")]),
        (
            "config-readback",
            &[("config-readback", "WEFT_EXAMPLE_CONFIG_READBACK")],
        ),
        ("fetch", &[("http-fetch", "WEFT_EXAMPLE_FETCH")]),
        ("postgres", &[("postgres-items", "WEFT_EXAMPLE_POSTGRES")]),
        (
            "messaging",
            &[
                ("messaging-ask", "WEFT_EXAMPLE_MESSAGING_ASK"),
                ("messaging-echo", "WEFT_EXAMPLE_MESSAGING_ECHO"),
            ],
        ),
        (
            "pipeline",
            &[
                ("pipeline-front", "WEFT_EXAMPLE_PIPELINE_FRONT"),
                ("pipeline-shout", "WEFT_EXAMPLE_PIPELINE_SHOUT"),
            ],
        ),
    ] {
        let manifest = root.join(format!("../../examples/{directory}/Cargo.toml"));
        let packages: Vec<Guest<'_>> = guests
            .iter()
            .map(|(package, _)| Guest { package })
            .collect();
        let paths = build_guests(&manifest, &packages);
        assert_eq!(
            paths.len(),
            guests.len(),
            "expected one component per guest of {directory}"
        );
        for ((_, variable), built) in guests.iter().zip(&paths) {
            println!("cargo:rustc-env={variable}={}", built.display());
        }
    }
}
