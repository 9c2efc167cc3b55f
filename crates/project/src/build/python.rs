//! Python components: `componentize-py -d wit componentize app -o build/NAME.wasm`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{BuildError, Built, artifact};
use crate::detect::{Language, Project};
use crate::name::snake;
use crate::tool::{Tool, ToolOutput};

/// How to install componentize-py.
const INSTALL: &str = "install it with `pip install componentize-py` (in the environment whose \
                       programs are on PATH), then build again";

/// The part of `pyproject.toml` that names the project.
#[derive(Deserialize)]
struct PyProject {
    project: Option<PyProjectTable>,
}

#[derive(Deserialize)]
struct PyProjectTable {
    name: Option<String>,
}

/// Builds the module `app` (`app.py`) against the world in `wit/`.
pub(super) fn build(
    project: &Project,
    output: ToolOutput,
    announce: &mut dyn FnMut(&str),
) -> Result<Built, BuildError> {
    let dir = &project.dir;
    if !dir.join("app.py").is_file() {
        return Err(BuildError::project(
            format!("{} has no app.py", dir.display()),
            "componentize-py builds the module `app`: put the component's code in app.py",
        ));
    }
    if !dir.join("wit").is_dir() {
        return Err(BuildError::project(
            format!("{} has no wit/ directory", dir.display()),
            "put the world the component targets in wit/ (`weft new --template \
             python-http-hello` makes one)",
        ));
    }
    let component_path = artifact::default_path(dir, &snake(&project_name(dir)));
    artifact::make_dir(component_path.parent().unwrap_or(dir))?;
    let program = PathBuf::from("componentize-py");
    let relative = component_path.strip_prefix(dir).unwrap_or(&component_path);
    let componentize = Tool {
        program: &program,
        args: vec![
            "-d".to_owned(),
            "wit".to_owned(),
            "componentize".to_owned(),
            "app".to_owned(),
            "-o".to_owned(),
            relative.display().to_string(),
        ],
        dir,
        install_hint: INSTALL,
    };
    announce(&componentize.command_line());
    componentize.run(output)?;
    artifact::expect_file(
        &component_path,
        &componentize.command_line(),
        "check componentize-py's output above",
    )?;
    Ok(Built {
        project: dir.clone(),
        language: Language::Python,
        component_path,
        copies: Vec::new(),
    })
}

/// `pyproject.toml`'s `[project] name`, else the directory's name.
fn project_name(dir: &Path) -> String {
    let declared = std::fs::read_to_string(dir.join("pyproject.toml"))
        .ok()
        .and_then(|text| toml::from_str::<PyProject>(&text).ok())
        .and_then(|file| file.project)
        .and_then(|table| table.name);
    declared.unwrap_or_else(|| {
        dir.file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "component".to_owned())
    })
}
