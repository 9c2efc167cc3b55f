//! Rust components: `cargo build --target wasm32-wasip2`, the component found through
//! `cargo metadata`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use weft_wasm_build::{GUEST_TARGET, TargetStatus, ensure_guest_target_in};

use super::{BuildError, Built, artifact};
use crate::detect::{Language, Project};
use crate::tool::{Tool, ToolOutput};

/// How to install cargo.
const INSTALL_CARGO: &str = "install Rust with rustup (https://rustup.rs), then build again";

/// What `cargo metadata --no-deps` says that a build needs.
#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    crate_types: Vec<String>,
}

/// A cargo build of the component crate in a directory.
pub(super) struct Cargo<'a> {
    /// The crate's (or workspace's) directory.
    pub dir: &'a Path,
    /// The cargo to run.
    pub cargo: PathBuf,
    /// `--release` (else a debug build).
    pub release: bool,
    /// cargo's target directory, when the project names one.
    pub target_dir: Option<PathBuf>,
}

/// What cargo built: the library's name (`my_app`) and its file.
pub(super) struct CrateOutput {
    pub name: String,
    pub file: PathBuf,
}

impl Cargo<'_> {
    /// Builds the component and returns where cargo put it.
    pub fn build(
        &self,
        output: ToolOutput,
        announce: &mut dyn FnMut(&str),
    ) -> Result<CrateOutput, BuildError> {
        if self.cargo == Path::new("cargo")
            && let TargetStatus::Added { toolchain } = ensure_guest_target_in(self.dir)?
        {
            announce(&format!(
                "added the {GUEST_TARGET} target to Rust {toolchain}"
            ));
        }
        let metadata = self.metadata()?;
        let name = self.component_crate(&metadata)?;
        let mut args = vec!["build".to_owned()];
        if self.release {
            args.push("--release".to_owned());
        }
        args.extend(["--target".to_owned(), GUEST_TARGET.to_owned()]);
        let build = self.tool(args);
        announce(&build.command_line());
        build.run(output)?;
        let target_dir = self.target_dir.clone().unwrap_or(metadata.target_directory);
        let profile = if self.release { "release" } else { "debug" };
        let file = target_dir
            .join(GUEST_TARGET)
            .join(profile)
            .join(format!("{name}.wasm"));
        artifact::expect_file(
            &file,
            &build.command_line(),
            "check that the crate is a `cdylib` that cargo builds for wasm32-wasip2",
        )?;
        Ok(CrateOutput { name, file })
    }

    fn tool(&self, args: Vec<String>) -> Tool<'_> {
        Tool {
            program: &self.cargo,
            args,
            dir: self.dir,
            install_hint: INSTALL_CARGO,
        }
    }

    fn metadata(&self) -> Result<Metadata, BuildError> {
        let args = ["metadata", "--format-version", "1", "--no-deps"];
        let query = self.tool(args.map(str::to_owned).to_vec());
        let text = query.stdout()?;
        serde_json::from_str(&text).map_err(|error| {
            BuildError::project(
                format!(
                    "`{}` printed what weft cannot read: {error}",
                    query.command_line()
                ),
                "check that this cargo works (`cargo --version`)",
            )
        })
    }

    /// The library name of the one `cdylib` crate to build: the package in `dir` when there
    /// is one, else the only `cdylib` of the workspace.
    fn component_crate(&self, metadata: &Metadata) -> Result<String, BuildError> {
        let here = std::fs::canonicalize(self.dir.join("Cargo.toml")).ok();
        let at_root: Vec<_> = metadata
            .packages
            .iter()
            .filter(|package| std::fs::canonicalize(&package.manifest_path).ok() == here)
            .collect();
        let candidates = if at_root.is_empty() {
            metadata.packages.iter().collect()
        } else {
            at_root
        };
        let names: Vec<String> = candidates
            .iter()
            .flat_map(|package| &package.targets)
            .filter(|target| target.crate_types.iter().any(|kind| kind == "cdylib"))
            .map(|target| crate::name::snake(&target.name))
            .collect();
        match names.as_slice() {
            [name] => Ok(name.clone()),
            [] => Err(BuildError::project(
                format!(
                    "{} builds no component: no crate is a `cdylib`",
                    self.dir.display()
                ),
                "add `[lib] crate-type = [\"cdylib\"]` to Cargo.toml",
            )),
            several => Err(BuildError::project(
                format!(
                    "{} has several component crates ({})",
                    self.dir.display(),
                    several.join(", ")
                ),
                "run weft build in the directory of the one to build",
            )),
        }
    }
}

/// A Rust project without `wasmcloud.toml`: a release build, copied to `build/NAME.wasm`.
pub(super) fn build_native(
    project: &Project,
    output: ToolOutput,
    announce: &mut dyn FnMut(&str),
) -> Result<Built, BuildError> {
    let cargo = Cargo {
        dir: &project.dir,
        cargo: PathBuf::from("cargo"),
        release: true,
        target_dir: None,
    };
    let built = cargo.build(output, announce)?;
    let component_path = artifact::default_path(&project.dir, &built.name);
    artifact::copy(&built.file, &component_path)?;
    Ok(Built {
        project: project.dir.clone(),
        language: Language::Rust,
        component_path,
        copies: Vec::new(),
    })
}
