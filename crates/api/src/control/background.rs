//! Deploys and undeploys acknowledged once stored, converged in the background (how wadm's API
//! answers): the app's status then shows the progress.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{ControlError, ControlPlane, manifest_state};

/// One lock per app, so background converges of one app run one at a time, each on what the
/// store says when it runs.
#[derive(Default)]
pub(super) struct ConvergeTurns(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl ConvergeTurns {
    fn of(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(turns.entry(name.to_owned()).or_default())
    }
}

impl ControlPlane {
    /// Marks `version` (or the latest) of `name` deployed and converges it in the background;
    /// returns the version.
    pub async fn deploy_acknowledged(
        self: &Arc<Self>,
        name: &str,
        version: Option<&str>,
        by: &str,
    ) -> Result<String, ControlError> {
        let (stored, _) = self.apps.deploy(name, version, by).await?;
        self.forget_unloadable(name);
        let _ = self.changes.send(name.to_owned());
        self.converge_later(name);
        Ok(stored.version)
    }

    /// Marks `name` undeployed and removes what it runs in the background; returns the
    /// version that was deployed, if one was.
    pub async fn undeploy_acknowledged(
        self: &Arc<Self>,
        name: &str,
        by: &str,
    ) -> Result<Option<String>, ControlError> {
        let previous = self.apps.undeploy(name, by).await?;
        self.forget_unloadable(name);
        let _ = self.changes.send(name.to_owned());
        self.converge_later(name);
        Ok(previous)
    }

    fn converge_later(self: &Arc<Self>, name: &str) {
        let (control, name) = (Arc::clone(self), name.to_owned());
        tokio::spawn(async move { control.converge_stored(&name).await });
    }

    /// Converges `name` on what the store says now: its deployed version, or nothing.
    async fn converge_stored(&self, name: &str) {
        let turn = self.converge_turns.of(name);
        let _turn = turn.lock().await;
        let deployed = match self.apps.get(name).await {
            Ok(app) => app
                .deployed
                .as_deref()
                .and_then(|version| app.version(Some(version)).ok().cloned()),
            Err(error) => {
                tracing::warn!(app = %name, %error, "cannot read the app to converge it");
                return;
            }
        };
        match deployed {
            Some(stored) => match weft_manifest::load(&stored.file, &stored.source) {
                Ok(loaded) => {
                    let desired = manifest_state(&loaded.manifest, &stored.file);
                    self.reconciler.apply(desired).await;
                }
                Err(diagnostics) => {
                    tracing::warn!(app = %name, %diagnostics, "the deployed manifest no longer loads");
                }
            },
            None => {
                self.reconciler.remove(name).await;
            }
        }
        let _ = self.changes.send(name.to_owned());
    }
}
