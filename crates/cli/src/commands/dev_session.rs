//! One `weft dev` session: each build, the copy of the component it deploys, the app's
//! versions, and removing what the session deployed at the end.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use weft_project::{
    Built, DevManifest, Project, ToolOutput, build, from_project_manifest, generated_manifest,
};

use crate::commands::client::{Client, segment};
use crate::commands::state::Endpoint;
use crate::output::Output;

/// How long a deployed version may take to run everywhere it is placed.
const DEPLOY_DEADLINE: Duration = Duration::from_secs(60);

/// Where, under the project's build directory, the deployed copies of the component go.
const COPIES_DIR: &str = "build/.weft-dev";

/// The state of a `weft dev` loop.
pub struct DevSession {
    project: Project,
    manifest: Option<PathBuf>,
    address: String,
    client: Client,
    output: Output,
    /// The app's name once something was deployed, and whether it existed before dev.
    deployed: Option<Deployed>,
}

/// What the session has deployed.
struct Deployed {
    app: String,
    version: String,
    copy: PathBuf,
    existed_before: bool,
}

impl DevSession {
    /// A session for `project` against the weft `endpoint` names.
    pub fn new(
        project: &Project,
        manifest: Option<PathBuf>,
        address: &str,
        endpoint: &Endpoint,
        output: Output,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            project: project.clone(),
            manifest,
            address: address.to_owned(),
            client: Client::connect(endpoint)?,
            output,
            deployed: None,
        })
    }

    /// Reports the files a change touched.
    pub fn changed(&self, paths: &[PathBuf]) {
        let names: Vec<_> = paths
            .iter()
            .map(|path| {
                path.strip_prefix(&self.project.dir)
                    .unwrap_or(path)
                    .display()
                    .to_string()
            })
            .collect();
        self.output
            .note(&format!("\nchanged: {}", names.join(", ")));
    }

    /// Builds and, when the build works, deploys it; a failure is reported and the last good
    /// version keeps serving.
    pub fn build_and_deploy(&mut self) {
        let started = Instant::now();
        let result = self.try_build_and_deploy(started);
        if let Err(error) = result {
            let serving = self.deployed.as_ref().map_or_else(
                || "nothing is deployed yet".to_owned(),
                |deployed| format!("{} {} keeps serving", deployed.app, deployed.version),
            );
            let message = format!("{error:#}");
            self.output.note(&format!(
                "error: {message}\n{serving}; fix it and save to try again"
            ));
            if !self.output.is_text() {
                let event = serde_json::json!({
                    "event": "failed", "error": message, "serving": serving, "success": false,
                });
                println!("{event}");
            }
        }
    }

    fn try_build_and_deploy(&mut self, started: Instant) -> anyhow::Result<()> {
        let tool_output = if self.output.is_text() {
            ToolOutput::Show
        } else {
            ToolOutput::Capture
        };
        let output = self.output;
        let built = build(&self.project, tool_output, &mut |what: &str| {
            output.note(&format!("  {what}"))
        })?;
        let built_after = started.elapsed();
        let copy = self.copy_of(&built)?;
        let version = format!("dev-{}", millis_now());
        let manifest = self.manifest_for(&built, &copy, &version)?;
        let existed_before = match &self.deployed {
            Some(deployed) => deployed.existed_before,
            None => self.app_exists(&manifest.name)?,
        };
        self.deploy(&manifest, &version)?;
        let previous = self.deployed.replace(Deployed {
            app: manifest.name.clone(),
            version: version.clone(),
            copy,
            existed_before,
        });
        if let Some(previous) = previous {
            // Its instances have been replaced; the file is not read again.
            let _ = std::fs::remove_file(previous.copy);
        }
        let text = format!(
            "deployed {} {version} (built in {:.1} s, running in {:.1} s)",
            manifest.name,
            built_after.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
        self.output.result(
            &text,
            &serde_json::json!({
                "event": "deployed", "app": manifest.name, "version": version,
                "component_path": built.component_path, "components": manifest.components,
                "build_seconds": built_after.as_secs_f64(), "seconds": started.elapsed().as_secs_f64(),
            }),
        );
        Ok(())
    }

    /// Copies the component to a file named for its contents, so each build deploys a new
    /// image and the host loads the new code.
    fn copy_of(&self, built: &Built) -> anyhow::Result<PathBuf> {
        let bytes = std::fs::read(&built.component_path)
            .with_context(|| format!("cannot read {}", built.component_path.display()))?;
        let stem = built
            .component_path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = self.project.dir.join(COPIES_DIR);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let copy = dir.join(format!("{stem}-{:016x}.wasm", content_hash(&bytes)));
        std::fs::write(&copy, bytes).with_context(|| format!("cannot write {}", copy.display()))?;
        Ok(copy)
    }

    fn manifest_for(
        &self,
        built: &Built,
        copy: &Path,
        version: &str,
    ) -> anyhow::Result<DevManifest> {
        match &self.manifest {
            Some(path) => Ok(from_project_manifest(path, built, copy, version)?),
            None => {
                let name = self
                    .project
                    .dir
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "dev".to_owned());
                if self.deployed.is_none() {
                    self.output.note(&format!(
                        "no wadm.yaml: deploying one that serves the component over HTTP on {}",
                        self.address
                    ));
                }
                Ok(generated_manifest(&name, copy, &self.address, version))
            }
        }
    }

    fn app_exists(&self, name: &str) -> anyhow::Result<bool> {
        let apps: serde_json::Value = self.client.get("/v1/apps")?;
        let listed = apps.get("apps").unwrap_or(&apps);
        Ok(listed
            .as_array()
            .is_some_and(|apps| apps.iter().any(|app| app["name"] == name)))
    }

    /// Stores `manifest` as `version`, deploys it, and waits until it runs.
    fn deploy(&self, manifest: &DevManifest, version: &str) -> anyhow::Result<()> {
        let file = self
            .manifest
            .clone()
            .unwrap_or_else(|| self.project.dir.join("wadm.yaml"));
        let file = std::path::absolute(&file).unwrap_or(file);
        crate::commands::app::store(&self.client, &file, &manifest.source)?;
        let path = format!("/v1/apps/{}", segment(&manifest.name));
        let _: serde_json::Value = self.client.post(
            &format!("{path}/deploy"),
            serde_json::json!({ "version": version }),
        )?;
        let started = Instant::now();
        loop {
            let app: serde_json::Value = self.client.get(&path)?;
            match app["status"].as_str().unwrap_or_default() {
                "deployed" => return Ok(()),
                "failed" => anyhow::bail!(
                    "{} {version} does not run: {}",
                    manifest.name,
                    app["reasons"]
                ),
                _ if started.elapsed() > DEPLOY_DEADLINE => {
                    anyhow::bail!(
                        "{} {version} is not running after {DEPLOY_DEADLINE:?}: {}",
                        manifest.name,
                        app["reasons"]
                    )
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Removes what the session deployed: undeployed, and deleted when dev created the app.
    pub fn remove(&mut self) -> anyhow::Result<()> {
        let Some(deployed) = self.deployed.take() else {
            return Ok(());
        };
        let path = format!("/v1/apps/{}", segment(&deployed.app));
        let _: serde_json::Value = self
            .client
            .post(&format!("{path}/undeploy"), serde_json::json!({}))?;
        if !deployed.existed_before {
            let _: serde_json::Value = self.client.delete(&path)?;
        }
        let _ = std::fs::remove_file(&deployed.copy);
        let what = if deployed.existed_before {
            "undeployed"
        } else {
            "undeployed and deleted"
        };
        self.output.result(
            &format!("{what} {}", deployed.app),
            &serde_json::json!({ "event": "removed", "app": deployed.app, "deleted": !deployed.existed_before }),
        );
        Ok(())
    }
}

/// Milliseconds since the Unix epoch: a new version name for each deploy.
fn millis_now() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis())
}

/// A hash of `bytes` for naming a copy (not for security).
fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}
