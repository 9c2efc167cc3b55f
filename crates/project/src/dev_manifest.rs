//! The manifest `weft dev` deploys: the project's own `wadm.yaml` with the components that
//! run the build pointed at this build's copy (a new image name for each build, so the host
//! loads the new code) and a version of its own; for a project without a manifest, one that
//! serves the component over HTTP.

use std::path::{Path, PathBuf};

use weft_manifest::Diagnostics;

use crate::build::Built;

/// A manifest ready for the API.
#[derive(Debug, Clone)]
pub struct DevManifest {
    /// The application's name.
    pub name: String,
    /// The manifest, as JSON.
    pub source: String,
    /// The names of its components that run the build.
    pub components: Vec<String>,
}

/// Why the project's manifest cannot be deployed by `weft dev`.
#[derive(Debug, thiserror::Error)]
pub enum DevManifestError {
    /// It could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It is not a valid application manifest.
    #[error(transparent)]
    Invalid(#[from] Diagnostics),
    /// None of its components runs the component the build makes.
    #[error(
        "{} deploys no component from {} (its file images: {}), so edits would never show; \
         point the image of the component you are developing at that file",
        manifest.display(),
        built.display(),
        if images.is_empty() { "none".to_owned() } else { images.join(", ") }
    )]
    NothingFromTheBuild {
        /// The manifest.
        manifest: PathBuf,
        /// The component the build made.
        built: PathBuf,
        /// The `file://` images the manifest names.
        images: Vec<String>,
    },
}

/// The project's manifest at `path`, its components that run `built` switched to the file
/// `copy`, with version `version`.
pub fn from_project_manifest(
    path: &Path,
    built: &Built,
    copy: &Path,
    version: &str,
) -> Result<DevManifest, DevManifestError> {
    let text = std::fs::read_to_string(path).map_err(|source| DevManifestError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut manifest = weft_manifest::load(&path.display().to_string(), &text)?.manifest;
    let base = path.parent().unwrap_or(Path::new("."));
    let outputs: Vec<PathBuf> = std::iter::once(&built.component_path)
        .chain(&built.copies)
        .filter_map(|output| output.canonicalize().ok())
        .collect();
    let mut images = Vec::new();
    let mut components = Vec::new();
    for component in &mut manifest.spec.components {
        let Some(file) = component
            .properties
            .image
            .as_deref()
            .and_then(|image| image.strip_prefix("file://"))
        else {
            continue;
        };
        images.push(format!("file://{file}"));
        let resolved = base.join(file).canonicalize().ok();
        if resolved.is_some_and(|resolved| outputs.contains(&resolved)) {
            component.properties.image = Some(format!("file://{}", copy.display()));
            components.push(component.name.clone());
        }
    }
    if components.is_empty() {
        return Err(DevManifestError::NothingFromTheBuild {
            manifest: path.to_owned(),
            built: built.component_path.clone(),
            images,
        });
    }
    manifest
        .metadata
        .annotations
        .insert("version".to_owned(), version.to_owned());
    Ok(DevManifest {
        name: manifest.metadata.name.clone(),
        source: serde_json::to_string_pretty(&manifest).unwrap_or_default(),
        components,
    })
}

/// A manifest for a project without one: application `name`, one instance of the component in
/// the file `copy`, served over HTTP on `address`.
pub fn generated_manifest(name: &str, copy: &Path, address: &str, version: &str) -> DevManifest {
    let manifest = serde_json::json!({
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "annotations": { "version": version, "description": "made by weft dev" }
        },
        "spec": { "components": [
            {
                "name": name,
                "type": "component",
                "properties": { "image": format!("file://{}", copy.display()) },
                "traits": [{ "type": "spreadscaler", "properties": { "instances": 1 } }]
            },
            {
                "name": "httpserver",
                "type": "capability",
                "properties": { "image": "ghcr.io/wasmcloud/http-server:0.27.0" },
                "traits": [{ "type": "link", "properties": {
                    "namespace": "wasi", "package": "http", "interfaces": ["incoming-handler"],
                    "target": { "name": name },
                    "source": { "config": [{ "name": format!("{name}-http"), "properties": { "address": address } }] }
                }}]
            }
        ]}
    });
    DevManifest {
        name: name.to_owned(),
        source: serde_json::to_string_pretty(&manifest).unwrap_or_default(),
        components: vec![name.to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Language;

    fn built_in(dir: &Path) -> Built {
        std::fs::create_dir_all(dir.join("build")).unwrap();
        std::fs::write(dir.join("build/app.wasm"), b"\0asm").unwrap();
        Built {
            project: dir.to_owned(),
            language: Language::Rust,
            component_path: dir.join("build/app.wasm"),
            copies: Vec::new(),
        }
    }

    #[test]
    fn the_component_from_the_build_runs_the_copy_at_a_new_version() {
        let dir = tempfile::tempdir().unwrap();
        let built = built_in(dir.path());
        let manifest = dir.path().join("wadm.yaml");
        let template = crate::Templates::bundled();
        let hello = template.find("rust-http-hello").unwrap();
        let name = crate::ProjectName::new("app").unwrap();
        let project = dir.path().join("p");
        crate::create(hello, &name, &project).unwrap();
        std::fs::rename(project.join("wadm.yaml"), &manifest).unwrap();

        let copy = dir.path().join("build/.dev/app-1.wasm");
        let dev = from_project_manifest(&manifest, &built, &copy, "dev-1").unwrap();
        assert_eq!(dev.name, "app");
        assert_eq!(dev.components, ["app"]);
        let reloaded = weft_manifest::load("dev.json", &dev.source)
            .unwrap()
            .manifest;
        assert_eq!(reloaded.version(), Some("dev-1"));
        let image = reloaded.spec.components[0]
            .properties
            .image
            .clone()
            .unwrap();
        assert_eq!(image, format!("file://{}", copy.display()));
    }

    #[test]
    fn a_manifest_that_never_runs_the_build_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let built = built_in(dir.path());
        let generated = generated_manifest(
            "other",
            Path::new("/elsewhere/x.wasm"),
            "127.0.0.1:8000",
            "v1",
        );
        let manifest = dir.path().join("wadm.json");
        std::fs::write(&manifest, &generated.source).unwrap();
        let error = from_project_manifest(&manifest, &built, Path::new("/c.wasm"), "v2")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("/elsewhere/x.wasm") && error.contains("build/app.wasm"),
            "{error}"
        );
    }
}
