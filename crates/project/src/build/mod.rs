//! `weft build`: runs a project's toolchain and puts the component where its manifest looks.
//!
//! Without `wasmcloud.toml` a component lands in `build/NAME.wasm` (NAME with `_` for `-`).
//! With it, where `wash build` puts it: `build/NAME.wasm` and the signed copy's name,
//! `destination` or `build/NAME_s.wasm` (weft signs nothing, so that copy is the same file).

mod artifact;
mod javascript;
mod python;
mod rust;
mod wasmcloud;

use std::io;
use std::path::PathBuf;

use serde::Serialize;

use crate::detect::{DetectError, Language, Project, ProjectKind};
use crate::tool::ToolOutput;

/// A built component.
#[derive(Debug, Clone, Serialize)]
pub struct Built {
    /// The project's directory.
    pub project: PathBuf,
    /// The language it was built from.
    pub language: Language,
    /// Where the component is.
    pub component_path: PathBuf,
    /// The other names it was written to (wash's signed copy).
    pub copies: Vec<PathBuf>,
}

/// Why a build did not produce a component.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The directory is not a project weft can build.
    #[error(transparent)]
    Detect(#[from] DetectError),
    /// The toolchain's program is not installed (not on `PATH`).
    #[error("`{tool}` is not installed (not found on PATH); {install_hint}")]
    ToolMissing {
        /// The program.
        tool: String,
        /// How to install it.
        install_hint: String,
    },
    /// The program is there but could not be started.
    #[error("cannot start `{command}`")]
    ToolStart {
        /// The command line.
        command: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The toolchain ran and failed: a compile error, most often.
    #[error(
        "`{command}` failed ({status}) in {}{}",
        dir.display(),
        output.as_ref().map_or_else(|| "; its output is above".to_owned(), |out| format!(":\n{out}"))
    )]
    ToolFailed {
        /// The command line.
        command: String,
        /// Where it ran.
        dir: PathBuf,
        /// How it exited.
        status: String,
        /// What it printed, when it was captured rather than shown.
        output: Option<String>,
    },
    /// The `wasm32-wasip2` target is missing and could not be added.
    #[error(transparent)]
    Target(#[from] weft_wasm_build::TargetError),
    /// The project's files do not say enough to build it.
    #[error("{problem}; {hint}")]
    Project {
        /// What is wrong, naming the file.
        problem: String,
        /// What to do.
        hint: String,
    },
    /// The toolchain finished but the component is not where it should be.
    #[error("`{command}` finished but wrote no {}; {hint}", expected.display())]
    NoArtifact {
        /// The command that ran.
        command: String,
        /// Where the component should be.
        expected: PathBuf,
        /// What to do.
        hint: String,
    },
    /// Copying the component into place failed.
    #[error("cannot write {}", path.display())]
    Write {
        /// Where it was being written.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

impl BuildError {
    /// A [`BuildError::Project`].
    pub(crate) fn project(problem: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Project {
            problem: problem.into(),
            hint: hint.into(),
        }
    }
}

/// Builds `project`; `announce` hears each command before it runs.
pub fn build(
    project: &Project,
    output: ToolOutput,
    announce: &mut dyn FnMut(&str),
) -> Result<Built, BuildError> {
    match &project.kind {
        ProjectKind::Wasmcloud { file, config } => {
            wasmcloud::build(project, file, config, output, announce)
        }
        ProjectKind::Native(Language::Rust) => rust::build_native(project, output, announce),
        ProjectKind::Native(Language::Python) => python::build(project, output, announce),
        ProjectKind::Native(Language::JavaScript) => javascript::build(project, output, announce),
        ProjectKind::Native(Language::Other(language)) => Err(BuildError::project(
            format!("weft cannot build {language} projects by itself"),
            "add a wasmcloud.toml whose [component] build_command builds it",
        )),
    }
}
