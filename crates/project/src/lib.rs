//! Component projects, from the first file to a built component.
//!
//! - [`Templates`] holds the templates bundled into weft (and a user's own template
//!   directories); [`create`] writes one out as a new project under a [`ProjectName`].
//! - [`Project::detect`] recognises a project directory: a wasmCloud `wasmcloud.toml`, or
//!   Rust (`Cargo.toml`), TypeScript/JavaScript (`package.json`), Python (`app.py`).
//! - [`build`] runs the project's toolchain and puts the component where the project's
//!   manifest looks for it, naming a missing tool with how to install it.
//! - [`SourceWatcher`] and [`from_project_manifest`] are what `weft dev` loops on: a source
//!   change, a build, the project's manifest deployed with this build's component.

mod build;
mod detect;
mod dev_manifest;
mod name;
mod template;
mod tool;
mod wasmcloud_toml;
mod watch;

pub use build::{BuildError, Built, build};
pub use detect::{DetectError, Language, Project, ProjectKind};
pub use dev_manifest::{DevManifest, DevManifestError, from_project_manifest, generated_manifest};
pub use name::{NameError, ProjectName};
pub use template::{Created, NewError, Template, TemplateInfo, Templates, create};
pub use tool::ToolOutput;
pub use wasmcloud_toml::{WasmcloudToml, WasmcloudTomlError};
pub use watch::SourceWatcher;
