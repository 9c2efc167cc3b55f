//! wasmCloud's project file, `wasmcloud.toml`, as `wash build` reads it: the keys that say how
//! a component is built and where it goes. Keys it does not use are ignored, as wash does.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file's name.
pub const FILE_NAME: &str = "wasmcloud.toml";

/// Why `wasmcloud.toml` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WasmcloudTomlError {
    /// It could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It is not valid TOML, or a key has the wrong type or is missing.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the parser said, with the line and column.
        message: String,
    },
}

/// The parts of `wasmcloud.toml` a build uses.
#[derive(Debug, Clone, Deserialize)]
pub struct WasmcloudToml {
    /// `rust`, `tinygo`, `go`, or any other language built by `[component] build_command`.
    pub language: String,
    /// `component` (or `provider`, which weft does not build).
    #[serde(rename = "type")]
    pub project_type: String,
    /// The component's name (for a Rust project, Cargo.toml's by default).
    pub name: Option<String>,
    /// The project directory, relative to the file's directory (default: that directory).
    pub path: Option<PathBuf>,
    /// Where built components go, relative to the file's directory (default: `build` in the
    /// project directory).
    pub build: Option<PathBuf>,
    /// `[component]`.
    #[serde(default)]
    pub component: ComponentSection,
    /// `[rust]`.
    #[serde(default)]
    pub rust: RustSection,
}

/// `[component]` of `wasmcloud.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ComponentSection {
    /// A command that builds the component, split at whitespace (no shell), run in the
    /// project directory; it wins over the language's own build.
    pub build_command: Option<String>,
    /// What `build_command` produces, relative to the project directory.
    pub build_artifact: Option<PathBuf>,
    /// Where the signed copy goes (weft signs nothing but writes the copy there).
    pub destination: Option<PathBuf>,
    /// The WIT world (read for completeness; the language toolchain picks it).
    pub wit_world: Option<String>,
    /// The target wash builds for (`wasm32-wasip2`, `wasm32-wasip1`, …).
    pub wasm_target: Option<String>,
}

/// `[rust]` of `wasmcloud.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RustSection {
    /// The cargo to run (default `cargo` on `PATH`).
    pub cargo_path: Option<PathBuf>,
    /// cargo's target directory (default: the one cargo reports).
    pub target_path: Option<PathBuf>,
    /// A debug build instead of `--release`.
    #[serde(default)]
    pub debug: bool,
}

impl WasmcloudToml {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Self, WasmcloudTomlError> {
        let text = std::fs::read_to_string(path).map_err(|source| WasmcloudTomlError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses `text`, the contents of `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, WasmcloudTomlError> {
        toml::from_str(text).map_err(|error| WasmcloudTomlError::Invalid {
            path: path.to_owned(),
            message: error.to_string().trim_end().to_owned(),
        })
    }

    /// The language, as wash compares it (trimmed, lowercase).
    pub fn language(&self) -> String {
        self.language.trim().to_lowercase()
    }

    /// Whether the file describes a component (not a provider).
    pub fn is_component(&self) -> bool {
        self.project_type.trim().eq_ignore_ascii_case("component")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wasmcloud_template_project() {
        let text = "name = \"http-hello-world\"\nlanguage = \"Rust\"\ntype = \"component\"\n\
                    version = \"0.1.0\"\nclaims = [\"x\"]\n\n[component]\nwasm_target = \"wasm32-wasip2\"\n";
        let file = WasmcloudToml::parse(Path::new("wasmcloud.toml"), text).unwrap();
        assert_eq!(file.language(), "rust");
        assert!(file.is_component());
        assert_eq!(file.component.wasm_target.as_deref(), Some("wasm32-wasip2"));
        assert!(!file.rust.debug);
    }

    #[test]
    fn a_missing_key_is_named_with_the_file() {
        let error = WasmcloudToml::parse(Path::new("p/wasmcloud.toml"), "language = \"rust\"")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("p/wasmcloud.toml") && error.contains("type"),
            "{error}"
        );
    }
}
