//! TypeScript and JavaScript components: `npm install` when `node_modules` is missing, then
//! `npm run build`, which writes `build/NAME.wasm` (componentize-js in weft's templates).

use std::path::{Path, PathBuf};

use super::{BuildError, Built, artifact};
use crate::detect::{Language, Project};
use crate::name::snake;
use crate::tool::{Tool, ToolOutput};

/// How to install npm.
const INSTALL_NPM: &str =
    "install Node.js 18 or newer, which brings npm (your package manager, or nodejs.org)";

/// Installs the dependencies when they are missing, runs the `build` script, and checks that
/// it wrote `build/NAME.wasm` (NAME: package.json's name without its scope, `_` for `-`).
pub(super) fn build(
    project: &Project,
    output: ToolOutput,
    announce: &mut dyn FnMut(&str),
) -> Result<Built, BuildError> {
    let dir = &project.dir;
    let package = read_package(dir)?;
    let name = package_name(&package).ok_or_else(|| {
        BuildError::project(
            format!("{} has no \"name\"", dir.join("package.json").display()),
            "give the package a name: the component is build/NAME.wasm",
        )
    })?;
    if package.pointer("/scripts/build").is_none() {
        return Err(BuildError::project(
            format!(
                "{} has no \"build\" script",
                dir.join("package.json").display()
            ),
            "add one that writes the component to build/NAME.wasm (`weft new --template \
             typescript-http-hello` shows one with componentize-js)",
        ));
    }
    let npm = PathBuf::from("npm");
    let run = |args: &[&str]| Tool {
        program: &npm,
        args: args.iter().map(|arg| (*arg).to_owned()).collect(),
        dir,
        install_hint: INSTALL_NPM,
    };
    if !dir.join("node_modules").is_dir() {
        let install = run(&["install", "--no-audit", "--no-fund"]);
        announce(&install.command_line());
        install.run(output)?;
    }
    let component_path = artifact::default_path(dir, &snake(&name));
    artifact::make_dir(component_path.parent().unwrap_or(dir))?;
    let build = run(&["run", "build"]);
    announce(&build.command_line());
    build.run(output)?;
    artifact::expect_file(
        &component_path,
        &build.command_line(),
        "make the build script write the component there",
    )?;
    Ok(Built {
        project: dir.clone(),
        language: Language::JavaScript,
        component_path,
        copies: Vec::new(),
    })
}

fn read_package(dir: &Path) -> Result<serde_json::Value, BuildError> {
    let path = dir.join("package.json");
    let text = std::fs::read_to_string(&path).map_err(|error| {
        BuildError::project(
            format!("cannot read {}: {error}", path.display()),
            "check the file",
        )
    })?;
    serde_json::from_str(&text).map_err(|error| {
        BuildError::project(
            format!("{} is not valid JSON: {error}", path.display()),
            "fix the file at that line and column",
        )
    })
}

/// The package's name without an npm scope (`@me/app` is `app`).
fn package_name(package: &serde_json::Value) -> Option<String> {
    let name = package.get("name")?.as_str()?;
    let bare = name.rsplit('/').next().unwrap_or(name);
    (!bare.is_empty()).then(|| bare.to_owned())
}
