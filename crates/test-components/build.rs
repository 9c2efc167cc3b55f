//! Builds the guest components in `guests/` and writes a module of path constants.
use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;
use weft_wasm_build::{Guest, build_guests};

const GUESTS: &[&str] = &[
    "echo",
    "streaming",
    "stdio",
    "spin-loop",
    "log-flood",
    "memory-bomb",
    "trap",
    "deep-recursion",
    "cli-command",
    "slow",
    "wasi-0-2-0",
    "kv-links",
    "wasmcloud-hello",
    "wasmcloud-counter",
    "wasmcloud-echo",
    "messaging-0-3",
    "postgres-types",
];

#[allow(clippy::expect_used)] // A build script reports failure by panicking.
fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    // kv-links binds the shared WIT contracts.
    println!(
        "cargo:rerun-if-changed={}",
        root.join("../../wit").display()
    );
    let guests: Vec<Guest<'_>> = GUESTS.iter().map(|package| Guest { package }).collect();
    let paths = build_guests(&root.join("guests").join("Cargo.toml"), &guests);

    let mut module = String::new();
    for (name, path) in GUESTS.iter().zip(paths) {
        let constant = name.replace('-', "_").to_uppercase();
        writeln!(
            module,
            "/// Path of the `{name}` guest component.\npub const {constant}: &str = {:?};",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets it")).join("paths.rs");
    std::fs::write(out, module).expect("writing paths.rs");
}
