//! Bundles the project templates under `templates/` into the crate: writes
//! `$OUT_DIR/templates.rs`, one `BundledTemplate` per template directory, each file included
//! with `include_bytes!` (the files a template's `[[include]]` names among them).
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The part of `template.toml` the bundling reads.
#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    include: Vec<Include>,
}

/// Files of the repository a template carries: `from` (relative to the repository root) goes
/// to `to` in the project.
#[derive(Deserialize)]
struct Include {
    from: String,
    to: String,
}

#[allow(clippy::expect_used)] // A build script reports failure by panicking.
fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists");
    let templates = root.join("templates");
    println!("cargo:rerun-if-changed={}", templates.display());
    let mut names: Vec<_> = fs::read_dir(&templates)
        .expect("templates/ is readable")
        .map(|entry| entry.expect("a templates/ entry").path())
        .filter(|path| path.join("template.toml").is_file())
        .collect();
    names.sort();
    let mut out = String::from("static BUNDLED: &[BundledTemplate] = &[\n");
    for dir in &names {
        write_template(&mut out, &root, dir);
    }
    out.push_str("];\n");
    let target = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets it")).join("templates.rs");
    fs::write(target, out).expect("writing templates.rs");
}

/// Appends one `BundledTemplate` for the template in `dir`.
#[allow(clippy::expect_used)]
fn write_template(out: &mut String, root: &Path, dir: &Path) {
    let manifest_path = dir.join("template.toml");
    let text = fs::read_to_string(&manifest_path).expect("template.toml is readable");
    let manifest: Manifest = toml::from_str(&text)
        .unwrap_or_else(|error| panic!("{}: {error}", manifest_path.display()));
    let name = dir
        .file_name()
        .expect("a named directory")
        .to_string_lossy();
    let mut files = Vec::new();
    collect(dir, dir, "", &mut files);
    files.retain(|(relative, _)| relative != "template.toml");
    for include in &manifest.include {
        let from = root.join(&include.from);
        println!("cargo:rerun-if-changed={}", from.display());
        collect(&from, &from, &include.to, &mut files);
    }
    files.sort();
    let _ = writeln!(
        out,
        "    BundledTemplate {{ name: {name:?}, manifest: include_str!({:?}), files: &[",
        manifest_path.display().to_string()
    );
    for (relative, path) in files {
        let _ = writeln!(
            out,
            "        ({relative:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("    ] },\n");
}

/// Adds every file under `dir` to `files` as (path in the project, path on disk), the project
/// path being `prefix` joined with the file's path relative to `base`, with `/` separators.
#[allow(clippy::expect_used)]
fn collect(base: &Path, dir: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(base, &path, prefix, files);
            continue;
        }
        let relative = path.strip_prefix(base).expect("under its base");
        let mut project_path = PathBuf::from(prefix);
        project_path.push(relative);
        let project_path: Vec<_> = project_path
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        files.push((project_path.join("/"), path));
    }
}
