//! Project templates: the ones bundled into weft and a user's own directories, and writing one
//! out as a new project.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::name::ProjectName;

/// A template bundled at build time (see `build.rs`).
struct BundledTemplate {
    name: &'static str,
    manifest: &'static str,
    files: &'static [(&'static str, &'static [u8])],
}

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The name of the file that describes a template; never copied into a project.
const MANIFEST_FILE: &str = "template.toml";

/// What a template says about itself.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateInfo {
    /// The name `--template` takes.
    pub name: String,
    /// One line on what the project does.
    pub description: String,
    /// The language its code is in (`rust`, `python`, `typescript`).
    pub language: String,
}

/// `template.toml`, as read at run time.
#[derive(Debug, Default, Deserialize)]
struct Manifest {
    #[serde(default)]
    description: String,
    #[serde(default)]
    language: String,
}

/// A template: what it is and its files (paths relative to the project, `/`-separated).
#[derive(Debug, Clone)]
pub struct Template {
    /// What it is.
    pub info: TemplateInfo,
    files: Vec<(String, Vec<u8>)>,
}

/// Why a project could not be made.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// No bundled template has the name.
    #[error("there is no template `{name}`; the templates are: {}. `weft new --list` describes them", known.join(", "))]
    UnknownTemplate {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: Vec<String>,
    },
    /// A template's `template.toml` is not valid TOML of the expected shape.
    #[error("{}: not a valid template description: {message}", path.display())]
    BadManifest {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said, with the line and column.
        message: String,
    },
    /// A template directory, or one of its files, could not be read.
    #[error("cannot read the template at {}", path.display())]
    ReadTemplate {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A directory given as a template holds no files.
    #[error("{} holds no files to make a project from", path.display())]
    EmptyTemplate {
        /// The directory.
        path: PathBuf,
    },
    /// The project's directory exists and has files in it.
    #[error(
        "{} already exists and is not empty; nothing was written. Choose another name, or \
         `--path` to a new or empty directory",
        path.display()
    )]
    NotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// Writing the project failed part way.
    #[error("cannot write {}", path.display())]
    Write {
        /// What could not be written.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

impl Template {
    fn from_parts(name: &str, manifest: Manifest, files: Vec<(String, Vec<u8>)>) -> Self {
        Self {
            info: TemplateInfo {
                name: name.to_owned(),
                description: manifest.description,
                language: manifest.language,
            },
            files,
        }
    }

    /// A user's template: every file under `dir` (except `template.toml`, which may describe
    /// it; `.git` is skipped).
    pub fn from_dir(dir: &Path) -> Result<Self, NewError> {
        let manifest_path = dir.join(MANIFEST_FILE);
        let manifest = match fs::read_to_string(&manifest_path) {
            Ok(text) => parse_manifest(&manifest_path, &text)?,
            Err(error) if error.kind() == io::ErrorKind::NotFound => Manifest::default(),
            Err(source) => {
                return Err(NewError::ReadTemplate {
                    path: manifest_path,
                    source,
                });
            }
        };
        let mut files = Vec::new();
        read_tree(dir, dir, &mut files)?;
        files.retain(|(path, _)| path != MANIFEST_FILE);
        if files.is_empty() {
            return Err(NewError::EmptyTemplate {
                path: dir.to_owned(),
            });
        }
        let name = dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self::from_parts(&name, manifest, files))
    }

    /// The project paths of the template's files.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(path, _)| path.as_str())
    }
}

fn parse_manifest(path: &Path, text: &str) -> Result<Manifest, NewError> {
    toml::from_str(text).map_err(|error| NewError::BadManifest {
        path: path.to_owned(),
        message: error.to_string(),
    })
}

/// Adds the files under `dir` to `files`, as (path relative to `base`, contents).
fn read_tree(base: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) -> Result<(), NewError> {
    let unreadable = |path: &Path| {
        let path = path.to_owned();
        move |source| NewError::ReadTemplate { path, source }
    };
    for entry in fs::read_dir(dir).map_err(unreadable(dir))? {
        let path = entry.map_err(unreadable(dir))?.path();
        if path.file_name().is_some_and(|name| name == ".git") {
            continue;
        }
        if path.is_dir() {
            read_tree(base, &path, files)?;
            continue;
        }
        let contents = fs::read(&path).map_err(unreadable(&path))?;
        let relative: Vec<_> = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        files.push((relative.join("/"), contents));
    }
    files.sort();
    Ok(())
}

/// The templates bundled into weft.
#[derive(Debug, Clone)]
pub struct Templates(Vec<Template>);

impl Templates {
    /// The templates this build of weft carries.
    pub fn bundled() -> Self {
        let templates = BUNDLED
            .iter()
            .map(|bundled| {
                // The build script parsed every manifest already; a failure here is a bug.
                let manifest = toml::from_str(bundled.manifest).unwrap_or_default();
                let files = bundled
                    .files
                    .iter()
                    .map(|(path, bytes)| ((*path).to_owned(), bytes.to_vec()))
                    .collect();
                Template::from_parts(bundled.name, manifest, files)
            })
            .collect();
        Self(templates)
    }

    /// What each template is.
    pub fn list(&self) -> Vec<TemplateInfo> {
        self.0
            .iter()
            .map(|template| template.info.clone())
            .collect()
    }

    /// The template called `name`.
    pub fn find(&self, name: &str) -> Result<&Template, NewError> {
        self.0
            .iter()
            .find(|template| template.info.name == name)
            .ok_or_else(|| NewError::UnknownTemplate {
                name: name.to_owned(),
                known: self
                    .0
                    .iter()
                    .map(|template| template.info.name.clone())
                    .collect(),
            })
    }
}

/// A project just written.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    /// Its directory.
    pub dir: PathBuf,
    /// The files written, relative to it.
    pub files: Vec<String>,
    /// The template it came from.
    pub template: String,
}

/// Writes `template` as project `name` into `dir`, which must not exist or be empty. Text
/// files get `{{project-name}}` and `{{project_name}}` replaced; other files are copied as they
/// are. Nothing is written when `dir` has files in it.
pub fn create(template: &Template, name: &ProjectName, dir: &Path) -> Result<Created, NewError> {
    let has_files = fs::read_dir(dir)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if has_files {
        return Err(NewError::NotEmpty {
            path: dir.to_owned(),
        });
    }
    for (relative, contents) in &template.files {
        let path = dir.join(relative);
        let failed = |source| NewError::Write {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(failed)?;
        }
        fs::write(&path, fill_in(contents, name)).map_err(failed)?;
    }
    Ok(Created {
        dir: dir.to_owned(),
        files: template
            .files
            .iter()
            .map(|(path, _)| path.clone())
            .collect(),
        template: template.info.name.clone(),
    })
}

/// `contents` with the name's placeholders filled in, when it is text.
fn fill_in(contents: &[u8], name: &ProjectName) -> Vec<u8> {
    match std::str::from_utf8(contents) {
        Ok(text) => text
            .replace("{{project-name}}", name.as_str())
            .replace("{{project_name}}", &name.snake())
            .into_bytes(),
        Err(_) => contents.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_template_is_described_and_has_a_manifest_to_deploy() {
        let templates = Templates::bundled();
        let names: Vec<_> = templates.list().into_iter().map(|info| info.name).collect();
        assert_eq!(
            names,
            [
                "python-http-hello",
                "rust-http-hello",
                "rust-kv-counter",
                "rust-messaging-handler",
                "typescript-http-hello"
            ]
        );
        for info in templates.list() {
            assert!(
                !info.description.is_empty() && !info.language.is_empty(),
                "{info:?}"
            );
            let template = templates.find(&info.name).unwrap();
            let paths: Vec<_> = template.paths().collect();
            for expected in ["wadm.yaml", "README.md", ".gitignore"] {
                assert!(paths.contains(&expected), "{}: {paths:?}", info.name);
            }
            assert!(!paths.contains(&MANIFEST_FILE));
        }
    }

    #[test]
    fn fills_in_the_name_and_refuses_a_directory_with_files() {
        let dir = tempfile::tempdir().unwrap();
        let name = ProjectName::new("my-app").unwrap();
        let template = Templates::bundled()
            .find("rust-http-hello")
            .unwrap()
            .clone();
        let project = dir.path().join("my-app");
        create(&template, &name, &project).unwrap();
        let manifest = fs::read_to_string(project.join("wadm.yaml")).unwrap();
        assert!(manifest.contains("name: my-app") && manifest.contains("build/my_app.wasm"));
        assert!(!manifest.contains("{{"));

        fs::write(project.join("wadm.yaml"), "mine").unwrap();
        let error = create(&template, &name, &project).unwrap_err();
        assert!(matches!(error, NewError::NotEmpty { .. }), "{error}");
        assert_eq!(
            fs::read_to_string(project.join("wadm.yaml")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn an_unknown_template_lists_the_known_ones() {
        let error = Templates::bundled()
            .find("rust-hello")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("rust-http-hello") && error.contains("--list"),
            "{error}"
        );
    }

    #[test]
    fn a_user_template_directory_is_copied_without_its_description() {
        let source = tempfile::tempdir().unwrap();
        fs::create_dir_all(source.path().join("src")).unwrap();
        fs::write(source.path().join("src/main.txt"), "{{project_name}}").unwrap();
        fs::write(source.path().join(MANIFEST_FILE), "description = \"mine\"").unwrap();
        let template = Template::from_dir(source.path()).unwrap();
        assert_eq!(template.info.description, "mine");
        let target = tempfile::tempdir().unwrap();
        let created = create(&template, &ProjectName::new("a-b").unwrap(), target.path()).unwrap();
        assert_eq!(created.files, ["src/main.txt"]);
        assert_eq!(
            fs::read_to_string(target.path().join("src/main.txt")).unwrap(),
            "a_b"
        );

        fs::write(source.path().join(MANIFEST_FILE), "description = [").unwrap();
        let error = Template::from_dir(source.path()).unwrap_err().to_string();
        assert!(
            error.contains("template.toml") && error.contains("line"),
            "{error}"
        );
    }
}
