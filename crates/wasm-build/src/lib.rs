//! Build-script helper that compiles guest crates to `wasm32-wasip2` components.
//!
//! Used from `build.rs` of the crates that ship or test components (the pattern of Wasmtime's
//! `test-programs`): the guest workspace is built by a nested `cargo` with its own target
//! directory under `OUT_DIR`, and each produced `.wasm` path is handed back to the caller.
//! Nothing is committed as a binary; everything is built from source.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

mod target;

pub use target::{TargetError, TargetStatus, ensure_guest_target, ensure_guest_target_in};

/// The Rust target every guest is compiled for.
pub const GUEST_TARGET: &str = "wasm32-wasip2";

/// One guest crate to build: the package name and the produced file stem.
#[derive(Debug, Clone, Copy)]
pub struct Guest<'a> {
    /// The cargo package name (`-p NAME`).
    pub package: &'a str,
}

/// Where guests are built: `target/guests/PACKAGE` (the package whose build script asks),
/// which every profile's build of that package shares (the guests are release builds for
/// wasm32 whatever the outer profile, so a release build and a test build compile them once
/// between them); else, when `OUT_DIR` is not laid out as cargo's
/// `target/PROFILE/build/PACKAGE-HASH/out`, `OUT_DIR/guest-target`. The layout is read from
/// the path itself: a target directory that existed before cargo first ran (one a script
/// made for its own files) has no `CACHEDIR.TAG` to go by.
fn guest_target_dir(out_dir: &Path) -> PathBuf {
    let package = env::var("CARGO_PKG_NAME").unwrap_or_default();
    let named = |path: Option<&Path>, name: &str| {
        path.and_then(Path::file_name)
            .is_some_and(|file| file == name)
    };
    let mut ancestors = out_dir.ancestors();
    let cargo_layout = named(ancestors.next(), "out") && named(ancestors.nth(1), "build");
    match ancestors.nth(1) {
        Some(target) if cargo_layout && !package.is_empty() => target.join("guests").join(&package),
        _ => out_dir.join("guest-target"),
    }
}

/// Builds `packages` of the guest workspace at `manifest` in release mode and returns the path
/// of each produced component, in the order given.
///
/// Panics (failing the build script, which is the only way a build script reports an error)
/// with the nested cargo's exit status when the build fails; cargo prints the compiler output.
#[allow(clippy::expect_used)] // A build script reports failure by panicking.
pub fn build_guests(manifest: &Path, guests: &[Guest<'_>]) -> Vec<PathBuf> {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target_dir = guest_target_dir(&out_dir);
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    match ensure_guest_target() {
        Ok(TargetStatus::Present) => {}
        Ok(TargetStatus::Added { toolchain }) => println!(
            "cargo:warning=the {GUEST_TARGET} target was missing for Rust {toolchain}; added it \
             with `rustup target add {GUEST_TARGET} --toolchain {toolchain}`"
        ),
        Err(error) => panic!("{error}"),
    }

    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--release")
        .arg("--target")
        .arg(GUEST_TARGET)
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(&target_dir);
    for guest in guests {
        cmd.arg("-p").arg(guest.package);
    }
    // The outer build's flags are for the host target; keep them away from the guests.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PROFILE_RELEASE_DEBUG",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("failed to spawn cargo for the guest components");
    assert!(
        status.success(),
        "building guest components from {} failed ({status}); the compiler's output is above",
        manifest.display()
    );

    let guest_root = manifest.parent().unwrap_or(Path::new("."));
    println!("cargo:rerun-if-changed={}", guest_root.display());

    guests
        .iter()
        .map(|guest| {
            target_dir
                .join(GUEST_TARGET)
                .join("release")
                .join(format!("{}.wasm", guest.package.replace('-', "_")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guests_go_under_the_target_directory_whoever_made_it() {
        // No CACHEDIR.TAG here (the directory does not even exist): the layout decides.
        let out = Path::new("/nowhere/target/release/build/weft-examples-1a2b/out");
        assert_eq!(
            guest_target_dir(out),
            Path::new("/nowhere/target/guests").join(env!("CARGO_PKG_NAME"))
        );
        let elsewhere = Path::new("/nowhere/out");
        assert_eq!(guest_target_dir(elsewhere), elsewhere.join("guest-target"));
    }
}
