//! Recognising a project directory and its language.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::wasmcloud_toml::{self, WasmcloudToml, WasmcloudTomlError};

/// The language a project is built from; in JSON, its lowercase name (`rust`, `python`,
/// `javascript`, or what `wasmcloud.toml` says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Language {
    /// cargo, for `wasm32-wasip2`.
    Rust,
    /// componentize-py.
    Python,
    /// npm: the package's `build` script (TypeScript or JavaScript, componentize-js).
    JavaScript,
    /// Another language `wasmcloud.toml` names, built by its `build_command`.
    Other(String),
}

impl Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Self::Rust => "rust",
            Self::Python => "python",
            Self::JavaScript => "javascript",
            Self::Other(language) => language,
        })
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rust => f.write_str("Rust"),
            Self::Python => f.write_str("Python"),
            Self::JavaScript => f.write_str("TypeScript/JavaScript"),
            Self::Other(language) => f.write_str(language),
        }
    }
}

/// How the project says it is built.
#[derive(Debug, Clone)]
pub enum ProjectKind {
    /// A wasmCloud project: `wasmcloud.toml` says how (read from `file`).
    Wasmcloud {
        /// The file.
        file: PathBuf,
        /// What it says.
        config: Box<WasmcloudToml>,
    },
    /// Recognised by its language's own files.
    Native(Language),
}

/// A project directory and how it is built.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory (where `wasmcloud.toml`, `Cargo.toml`, `package.json` or `app.py` is).
    pub dir: PathBuf,
    /// How it is built.
    pub kind: ProjectKind,
}

/// Why a directory is not a project weft can build.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// None of the files that mark a project are there.
    #[error(
        "{} is not a component project: it has no wasmcloud.toml, Cargo.toml, package.json or \
         app.py. Run weft build in a project's directory (or name it: `weft build DIR`), or \
         make one with `weft new NAME`",
        dir.display()
    )]
    NotAProject {
        /// The directory.
        dir: PathBuf,
    },
    /// The directory is not there (or cannot be resolved).
    #[error("cannot find the project directory {}", dir.display())]
    Missing {
        /// The directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `wasmcloud.toml` is there but cannot be used.
    #[error(transparent)]
    Wasmcloud(#[from] WasmcloudTomlError),
}

impl Project {
    /// Recognises the project in `dir`, in this order: `wasmcloud.toml` (wash's own file wins,
    /// so a wasmCloud project builds as wash builds it), `Cargo.toml`, `package.json`, then
    /// `app.py` or `pyproject.toml`.
    pub fn detect(dir: &Path) -> Result<Self, DetectError> {
        let dir = &dir.canonicalize().map_err(|source| DetectError::Missing {
            dir: dir.to_owned(),
            source,
        })?;
        let has = |file: &str| dir.join(file).is_file();
        let kind = if has(wasmcloud_toml::FILE_NAME) {
            let file = dir.join(wasmcloud_toml::FILE_NAME);
            let config = Box::new(WasmcloudToml::read(&file)?);
            ProjectKind::Wasmcloud { file, config }
        } else if has("Cargo.toml") {
            ProjectKind::Native(Language::Rust)
        } else if has("package.json") {
            ProjectKind::Native(Language::JavaScript)
        } else if has("app.py") || has("pyproject.toml") {
            ProjectKind::Native(Language::Python)
        } else {
            return Err(DetectError::NotAProject {
                dir: dir.to_owned(),
            });
        };
        Ok(Self {
            dir: dir.to_owned(),
            kind,
        })
    }

    /// The language it is built from.
    pub fn language(&self) -> Language {
        match &self.kind {
            ProjectKind::Native(language) => language.clone(),
            ProjectKind::Wasmcloud { config, .. } => match config.language().as_str() {
                "rust" => Language::Rust,
                "python" => Language::Python,
                "typescript" | "javascript" => Language::JavaScript,
                other => Language::Other(other.to_owned()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasmcloud_toml_wins_and_an_empty_directory_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let error = Project::detect(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("weft new") && error.contains("Cargo.toml"),
            "{error}"
        );

        std::fs::write(dir.path().join("Cargo.toml"), "").unwrap();
        assert_eq!(
            Project::detect(dir.path()).unwrap().language(),
            Language::Rust
        );
        std::fs::write(
            dir.path().join("wasmcloud.toml"),
            "language = \"tinygo\"\ntype = \"component\"",
        )
        .unwrap();
        let project = Project::detect(dir.path()).unwrap();
        assert!(matches!(project.kind, ProjectKind::Wasmcloud { .. }));
        assert_eq!(project.language(), Language::Other("tinygo".to_owned()));
    }
}
