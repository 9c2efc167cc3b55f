//! Applications: stored versions plus a reconcile onto the host whenever one changes.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use weft_host::Host;
use weft_lattice::EmbeddedStore;
use weft_manager::{
    AppState, AppStatus, AppStore, AppStoreError, DesiredApp, desired_state, reconcile,
    resolve_relative_images,
};

/// Rounds of reconcile-then-execute before a deploy reports where it stands.
const ROUNDS: usize = 5;

/// Why a control request failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The stored applications refused it.
    #[error(transparent)]
    Apps(#[from] AppStoreError),
}

/// An application as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppView {
    /// Name.
    pub name: String,
    /// Versions, oldest first.
    pub versions: Vec<String>,
    /// The deployed version.
    pub deployed: Option<String>,
    /// `deployed`, `reconciling`, `failed` or `undeployed`, with reasons.
    pub status: String,
    /// What stands in the way, if anything.
    pub reasons: Vec<String>,
}

/// Applications and the host they run on.
pub struct ControlPlane {
    apps: AppStore<EmbeddedStore>,
    host: Host,
    statuses: tokio::sync::Mutex<BTreeMap<String, AppStatus>>,
}

impl ControlPlane {
    /// Applications in `store`, run on `host`.
    pub fn new(store: EmbeddedStore, host: Host) -> Self {
        Self {
            apps: AppStore::new(store),
            host,
            statuses: tokio::sync::Mutex::new(BTreeMap::new()),
        }
    }

    /// Brings every deployed application back (after a restart). An app that cannot come
    /// back is marked failed with the reason; the others still start.
    pub async fn restore(&self) -> Result<(), ControlError> {
        for app in self.apps.list().await? {
            let Some(deployed) = app.deployed.as_deref() else {
                continue;
            };
            let stored = app.version(Some(deployed))?;
            let status = match weft_manifest::load(&stored.file, &stored.source) {
                Ok(loaded) => {
                    self.converge(&manifest_state(&loaded.manifest, &stored.file))
                        .await
                }
                Err(diagnostics) => AppStatus {
                    state: AppState::Failed,
                    reasons: vec![format!(
                        "the stored manifest of {} {deployed} no longer loads ({diagnostics}); deploy a corrected version",
                        app.name
                    )],
                },
            };
            self.statuses.lock().await.insert(app.name.clone(), status);
        }
        Ok(())
    }

    /// Stores a manifest version (`file` is its absolute path: `file://` images resolve
    /// against its directory). Returns the app name and version.
    pub async fn put(
        &self,
        file: &str,
        source: &str,
        by: &str,
    ) -> Result<(String, String), ControlError> {
        Ok(self.apps.put(file, source, by).await?)
    }

    /// Deploys `version` (or the latest) and reconciles at once.
    pub async fn deploy(
        &self,
        name: &str,
        version: Option<&str>,
        by: &str,
    ) -> Result<AppView, ControlError> {
        let (stored, manifest) = self.apps.deploy(name, version, by).await?;
        let status = self
            .converge(&manifest_state(&manifest, &stored.file))
            .await;
        self.statuses.lock().await.insert(name.to_owned(), status);
        self.view(name).await
    }

    /// Undeploys and removes everything the app owns.
    pub async fn undeploy(&self, name: &str, by: &str) -> Result<AppView, ControlError> {
        self.apps.undeploy(name, by).await?;
        let status = self.converge(&DesiredApp::nothing(name)).await;
        let mut statuses = self.statuses.lock().await;
        if status.reasons.is_empty() {
            statuses.remove(name);
        } else {
            statuses.insert(name.to_owned(), status);
        }
        drop(statuses);
        self.view(name).await
    }

    /// Deletes a version or the whole app (never what is deployed).
    pub async fn delete(
        &self,
        name: &str,
        version: Option<&str>,
        by: &str,
    ) -> Result<(), ControlError> {
        self.apps.delete(name, version, by).await?;
        if version.is_none() {
            self.statuses.lock().await.remove(name);
        }
        Ok(())
    }

    /// One app's view.
    pub async fn view(&self, name: &str) -> Result<AppView, ControlError> {
        let app = self.apps.get(name).await?;
        let status = self.statuses.lock().await.get(name).cloned();
        Ok(to_view(&app, status))
    }

    /// Everything stored about one app: versions and history.
    pub async fn stored(&self, name: &str) -> Result<weft_manager::StoredApp, ControlError> {
        Ok(self.apps.get(name).await?)
    }

    /// Every app's view.
    pub async fn list(&self) -> Result<Vec<AppView>, ControlError> {
        let statuses = self.statuses.lock().await.clone();
        Ok(self
            .apps
            .list()
            .await?
            .iter()
            .map(|app| to_view(app, statuses.get(&app.name).cloned()))
            .collect())
    }

    /// Stops serving (in-flight requests finish).
    pub async fn shutdown(&self) {
        self.host.shutdown().await;
    }

    /// Reconcile, execute, repeat until nothing is left to do or something fails.
    async fn converge(&self, desired: &DesiredApp) -> AppStatus {
        let mut last = AppStatus {
            state: AppState::Reconciling,
            reasons: Vec::new(),
        };
        for _ in 0..ROUNDS {
            let plan = reconcile(desired, &self.host.observe());
            last = plan.status.clone();
            if plan.commands.is_empty() {
                return last;
            }
            let mut failures = Vec::new();
            for command in &plan.commands {
                if let Err(error) = self.host.execute(command).await {
                    tracing::warn!(app = %desired.name, %error, "a deploy step failed");
                    failures.push(error.to_string());
                }
            }
            if !failures.is_empty() {
                last.reasons.extend(failures);
                last.state = AppState::Failed;
                return last;
            }
        }
        last
    }
}

fn manifest_state(manifest: &weft_manifest::Manifest, file: &str) -> DesiredApp {
    let mut desired = desired_state(manifest);
    if let Some(dir) = Path::new(file).parent() {
        resolve_relative_images(&mut desired, dir);
    }
    desired
}

fn to_view(app: &weft_manager::StoredApp, status: Option<AppStatus>) -> AppView {
    let (status, reasons) = match (&app.deployed, status) {
        (None, Some(status)) if !status.reasons.is_empty() => ("failed".to_owned(), status.reasons),
        (None, _) => ("undeployed".to_owned(), Vec::new()),
        (Some(_), Some(status)) => (
            match status.state {
                AppState::Deployed => "deployed",
                AppState::Reconciling => "reconciling",
                AppState::Failed => "failed",
            }
            .to_owned(),
            status.reasons,
        ),
        (Some(_), None) => ("reconciling".to_owned(), Vec::new()),
    };
    AppView {
        name: app.name.clone(),
        versions: app.versions.iter().map(|v| v.version.clone()).collect(),
        deployed: app.deployed.clone(),
        status,
        reasons,
    }
}
