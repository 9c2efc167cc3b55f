//! Makes sure the Rust compiler that builds the guests has the `wasm32-wasip2` standard
//! library. rustup installs the targets of `rust-toolchain.toml` only when it installs the
//! toolchain itself, so a machine that already had the pinned Rust lacks the target; the build
//! adds it through rustup, saying so, or says what to install where there is no rustup.

use std::env;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::GUEST_TARGET;

/// What [`ensure_guest_target`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetStatus {
    /// The target's standard library was already there.
    Present,
    /// It was missing and rustup added it for this toolchain.
    Added {
        /// The rustup toolchain it was added to.
        toolchain: String,
    },
}

/// Why the guest target is not usable.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The compiler could not be asked where its target libraries live.
    #[error(
        "cannot ask `{rustc}` where the {GUEST_TARGET} libraries live; check that this Rust \
         runs (`{rustc} --version`) and that RUSTC, if set, names a Rust compiler"
    )]
    Rustc {
        /// The compiler.
        rustc: String,
        /// Why it did not answer.
        #[source]
        source: std::io::Error,
    },
    /// The target is missing and there is no rustup to add it.
    #[error(
        "the Rust compiler `{rustc}` has no standard library for {GUEST_TARGET} (looked in {}) \
         and rustup is not available to add it. Install the {GUEST_TARGET} target for this Rust: \
         with rustup (https://rustup.rs) run `rustup target add {GUEST_TARGET}`; otherwise \
         install your Rust distribution's standard library for {GUEST_TARGET}",
        libdir.display()
    )]
    NoRustup {
        /// The compiler.
        rustc: String,
        /// Where the target's libraries would be.
        libdir: PathBuf,
    },
    /// rustup was asked to add the target and could not.
    #[error(
        "the {GUEST_TARGET} target is missing for toolchain {toolchain} and `rustup target add \
         {GUEST_TARGET} --toolchain {toolchain}` failed ({status}): {stderr}. Run it yourself \
         (it needs to reach rustup's download server), then build again"
    )]
    RustupFailed {
        /// The toolchain.
        toolchain: String,
        /// rustup's exit status.
        status: std::process::ExitStatus,
        /// What rustup printed.
        stderr: String,
    },
    /// rustup could not be run or the lock next to it could not be taken.
    #[error("cannot add the {GUEST_TARGET} target with rustup: {context}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Checks that the compiler cargo builds with (`RUSTC`) has the guest target, and adds it with
/// rustup for the toolchain in use (`RUSTUP_TOOLCHAIN`) when it is missing.
///
/// Build scripts of several crates may call this at the same time: a lock file in the temporary
/// directory makes one of them install while the others wait, then find the target present.
pub fn ensure_guest_target() -> Result<TargetStatus, TargetError> {
    ensure_guest_target_in(Path::new("."))
}

/// [`ensure_guest_target`] for the Rust that builds in `dir`: the compiler and rustup run
/// there, so a `rust-toolchain.toml` of that project picks the toolchain.
pub fn ensure_guest_target_in(dir: &Path) -> Result<TargetStatus, TargetError> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let libdir = target_libdir(&rustc, dir)?;
    if has_core(&libdir) {
        return Ok(TargetStatus::Present);
    }
    let rustc_name = rustc.to_string_lossy().into_owned();
    let Some(toolchain) = rustup_toolchain(dir) else {
        return Err(TargetError::NoRustup {
            rustc: rustc_name,
            libdir,
        });
    };
    let _lock = lock_installs(&toolchain)?;
    if has_core(&libdir) {
        // Another build script added it while this one waited.
        return Ok(TargetStatus::Present);
    }
    rustup_target_add(&toolchain, dir)?;
    Ok(TargetStatus::Added { toolchain })
}

/// `rustc --print target-libdir --target wasm32-wasip2`: where the target's libraries are
/// (printed whether or not they are installed).
fn target_libdir(rustc: &OsString, dir: &Path) -> Result<PathBuf, TargetError> {
    let failed = |source| TargetError::Rustc {
        rustc: rustc.to_string_lossy().into_owned(),
        source,
    };
    let output = Command::new(rustc)
        .current_dir(dir)
        .args(["--print", "target-libdir", "--target", GUEST_TARGET])
        .output()
        .map_err(failed)?;
    if !output.status.success() {
        return Err(failed(std::io::Error::other(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        )));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
    ))
}

/// Whether `libdir` holds the target's `core` library.
fn has_core(libdir: &Path) -> bool {
    std::fs::read_dir(libdir).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with("libcore-") && name.ends_with(".rlib")
        })
    })
}

/// The rustup toolchain this build runs under, if rustup is there to add targets to it.
fn rustup_toolchain(dir: &Path) -> Option<String> {
    let rustup_runs = Command::new("rustup")
        .current_dir(dir)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !rustup_runs {
        return None;
    }
    match env::var("RUSTUP_TOOLCHAIN") {
        Ok(toolchain) if !toolchain.is_empty() => Some(toolchain),
        _ => active_toolchain(dir),
    }
}

/// `rustup show active-toolchain`, for builds not started through a rustup proxy.
fn active_toolchain(dir: &Path) -> Option<String> {
    let output = Command::new("rustup")
        .current_dir(dir)
        .args(["show", "active-toolchain"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace().next().map(str::to_owned)
}

/// Holds an exclusive lock while one build script installs the target. The lock file lives in
/// the build directory all build scripts of this target directory share (`OUT_DIR` is
/// `target/PROFILE/build/PACKAGE-HASH/out`), else in the temporary directory.
fn lock_installs(toolchain: &str) -> Result<File, TargetError> {
    let shared = env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .and_then(|out| out.ancestors().nth(2).map(Path::to_path_buf))
        .unwrap_or_else(env::temp_dir);
    let name: String = toolchain
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = shared.join(format!("weft-rustup-target-{name}.lock"));
    let io = |context: String| move |source| TargetError::Io { context, source };
    let file = File::create(&path).map_err(io(format!("create {}", path.display())))?;
    file.lock()
        .map_err(io(format!("lock {}", path.display())))?;
    Ok(file)
}

/// `rustup target add wasm32-wasip2 --toolchain TOOLCHAIN`.
fn rustup_target_add(toolchain: &str, dir: &Path) -> Result<(), TargetError> {
    let output = Command::new("rustup")
        .current_dir(dir)
        .args(["target", "add", GUEST_TARGET, "--toolchain", toolchain])
        .output()
        .map_err(|source| TargetError::Io {
            context: "run rustup".to_owned(),
            source,
        })?;
    if output.status.success() {
        return Ok(());
    }
    Err(TargetError::RustupFailed {
        toolchain: toolchain.to_owned(),
        status: output.status,
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_core_is_not_the_target() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_core(dir.path()));
        std::fs::write(dir.path().join("libstd-1234.rlib"), b"").unwrap();
        assert!(!has_core(dir.path()));
        std::fs::write(dir.path().join("libcore-1234.rlib"), b"").unwrap();
        assert!(has_core(dir.path()));
        assert!(!has_core(&dir.path().join("missing")));
    }

    #[test]
    fn the_missing_target_error_says_what_to_install() {
        let error = TargetError::NoRustup {
            rustc: "/usr/bin/rustc".to_owned(),
            libdir: PathBuf::from("/usr/lib/rustlib/wasm32-wasip2/lib"),
        };
        let message = error.to_string();
        assert!(
            message.contains("rustup target add wasm32-wasip2"),
            "{message}"
        );
        assert!(
            message.contains("/usr/lib/rustlib/wasm32-wasip2/lib"),
            "{message}"
        );
    }
}
