//! wasmCloud projects: built as `wash build` builds them from `wasmcloud.toml`, the component
//! written where wash writes it and its signed copy's name (weft signs nothing, so that copy is
//! the same bytes).

use std::path::{Path, PathBuf};

use super::rust::Cargo;
use super::{BuildError, Built, artifact};
use crate::detect::{Language, Project};
use crate::tool::{Tool, ToolOutput, program_in};
use crate::wasmcloud_toml::WasmcloudToml;

/// The targets wash builds as a WASI 0.2 component, which weft's build of Rust always is.
const COMPONENT_TARGETS: [&str; 2] = ["wasm32-wasip2", "wasm32-wasi-preview2"];

/// The directories a wasmcloud.toml names, resolved.
struct Layout<'a> {
    file: &'a Path,
    /// The project directory (`path`).
    dir: PathBuf,
    /// Where built components go (`build`).
    build_dir: PathBuf,
}

/// Builds the component `file` describes.
pub(super) fn build(
    project: &Project,
    file: &Path,
    config: &WasmcloudToml,
    output: ToolOutput,
    announce: &mut dyn FnMut(&str),
) -> Result<Built, BuildError> {
    if !config.is_component() {
        return Err(BuildError::project(
            format!(
                "{}: type = \"{}\"; weft build builds components only",
                file.display(),
                config.project_type
            ),
            "weft runs wasmCloud's provider images as its built-in capabilities; build a \
             provider of your own with wash",
        ));
    }
    let layout = layout(project, file, config)?;
    let built = match &config.component.build_command {
        Some(command) => custom(&layout, config, command, output, announce)?,
        None if project.language() == Language::Rust => rust(&layout, config, output, announce)?,
        None => {
            return Err(BuildError::project(
                format!(
                    "{}: language = \"{}\" has no build of its own in weft or wash",
                    file.display(),
                    config.language
                ),
                "add [component] build_command (and build_artifact, where it writes the \
                 component), as wash needs too",
            ));
        }
    };
    let (component_path, copy) = built;
    artifact::copy(&component_path, &copy)?;
    Ok(Built {
        project: layout.dir,
        language: project.language(),
        component_path,
        copies: vec![copy],
    })
}

fn layout<'a>(
    project: &Project,
    file: &'a Path,
    config: &WasmcloudToml,
) -> Result<Layout<'a>, BuildError> {
    let base = project.dir.as_path();
    let dir = config
        .path
        .as_ref()
        .map_or_else(|| base.to_owned(), |path| base.join(path));
    if !dir.is_dir() {
        return Err(BuildError::project(
            format!(
                "{}: path = {:?} names no directory",
                file.display(),
                dir.display()
            ),
            "make `path` the project directory, relative to wasmcloud.toml",
        ));
    }
    let build_dir = config
        .build
        .as_ref()
        .map_or_else(|| dir.join("build"), |build| base.join(build));
    artifact::make_dir(&build_dir)?;
    Ok(Layout {
        file,
        dir,
        build_dir,
    })
}

/// `[component] build_command`: run as wash runs it (split at whitespace, no shell, in the
/// project directory); returns the component and where its signed copy goes.
fn custom(
    layout: &Layout<'_>,
    config: &WasmcloudToml,
    command: &str,
    output: ToolOutput,
    announce: &mut dyn FnMut(&str),
) -> Result<(PathBuf, PathBuf), BuildError> {
    let mut words = command.split_ascii_whitespace().map(str::to_owned);
    let Some(first) = words.next() else {
        return Err(BuildError::project(
            format!("{}: build_command is empty", layout.file.display()),
            "give the command that builds the component, or remove the key",
        ));
    };
    let program = program_in(&layout.dir, &first);
    let hint = format!(
        "install it, or change [component] build_command in {}",
        layout.file.display()
    );
    let tool = Tool {
        program: &program,
        args: words.collect(),
        dir: &layout.dir,
        install_hint: &hint,
    };
    let component = match (&config.component.build_artifact, &config.name) {
        (Some(path), _) => layout.dir.join(path),
        (None, Some(name)) => layout.build_dir.join(format!("{name}.wasm")),
        (None, None) => {
            return Err(BuildError::project(
                format!(
                    "{}: neither [component] build_artifact nor name says where the build \
                     writes the component",
                    layout.file.display()
                ),
                "set build_artifact to the file build_command writes",
            ));
        }
    };
    announce(&tool.command_line());
    tool.run(output)?;
    artifact::expect_file(
        &component,
        &tool.command_line(),
        &format!(
            "make [component] build_artifact in {} name the file it writes",
            layout.file.display()
        ),
    )?;
    let copy = destination(layout, config).unwrap_or_else(|| signed_name(&component));
    Ok((component, copy))
}

/// `language = "rust"`: a cargo build for wasm32-wasip2 copied to `build/NAME.wasm`; returns
/// that and where its signed copy goes.
fn rust(
    layout: &Layout<'_>,
    config: &WasmcloudToml,
    output: ToolOutput,
    announce: &mut dyn FnMut(&str),
) -> Result<(PathBuf, PathBuf), BuildError> {
    if let Some(target) = &config.component.wasm_target
        && !COMPONENT_TARGETS.contains(&target.as_str())
    {
        announce(&format!(
            "wasm_target = \"{target}\": weft builds a wasm32-wasip2 component directly, where \
             wash would adapt a {target} module into one"
        ));
    }
    let cargo = Cargo {
        dir: &layout.dir,
        cargo: config
            .rust
            .cargo_path
            .clone()
            .unwrap_or_else(|| PathBuf::from("cargo")),
        release: !config.rust.debug,
        target_dir: config
            .rust
            .target_path
            .as_ref()
            .map(|path| layout.dir.join(path)),
    };
    let built = cargo.build(output, announce)?;
    let component = layout.build_dir.join(format!("{}.wasm", built.name));
    artifact::copy(&built.file, &component)?;
    let copy = destination(layout, config)
        .unwrap_or_else(|| layout.build_dir.join(format!("{}_s.wasm", built.name)));
    Ok((component, copy))
}

/// `[component] destination`, relative to the project directory.
fn destination(layout: &Layout<'_>, config: &WasmcloudToml) -> Option<PathBuf> {
    config
        .component
        .destination
        .as_ref()
        .map(|path| layout.dir.join(path))
}

/// `x.wasm` → `x_s.wasm`, the name wash gives a signed component by default.
fn signed_name(component: &Path) -> PathBuf {
    let stem = component
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    component.with_file_name(format!("{stem}_s.wasm"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_copy_is_named_as_wash_names_it() {
        assert_eq!(
            signed_name(Path::new("p/build/http_hello_world.wasm")),
            Path::new("p/build/http_hello_world_s.wasm")
        );
    }
}
