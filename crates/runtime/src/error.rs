//! Errors of loading and preparing components, in the user's terms.

use std::path::PathBuf;

/// What went wrong while loading, compiling or preparing a component.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The file does not exist or cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bytes are not WebAssembly at all.
    #[error(
        "{name} is not a WebAssembly file (it does not start with the `\\0asm` magic); expected a WebAssembly component (.wasm)"
    )]
    NotWasm {
        /// The component's name (usually its file path).
        name: String,
    },
    /// The bytes are a core WebAssembly module, not a component.
    #[error(
        "{name} is a core WebAssembly module, not a component; build for `wasm32-wasip2` or wrap it with `wasm-tools component new`"
    )]
    CoreModule {
        /// The component's name.
        name: String,
    },
    /// The bytes look like a component but Wasmtime cannot compile them.
    #[error("{name} is not a valid WebAssembly component: {reason}")]
    Invalid {
        /// The component's name.
        name: String,
        /// Wasmtime's explanation.
        reason: String,
    },
    /// The engine could not be created.
    #[error("cannot configure the WebAssembly engine: {0}")]
    Engine(String),
    /// The compiled-artifact cache directory is unusable.
    #[error("cannot use the compiled-artifact cache at {path}: {source}")]
    Cache {
        /// The cache directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
