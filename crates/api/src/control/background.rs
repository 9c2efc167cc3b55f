//! Deploys and undeploys acknowledged once stored, converged in the background (how wadm's API
//! answers): the app's status reads `reconciling` until its converge has run.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use super::{ControlError, ControlPlane, manifest_state};

/// One turn per app, taken by every deploy and undeploy (acknowledged or not), so converges of
/// one app run one at a time, each on what the store says when it runs; and the apps whose
/// acknowledged change has not converged yet.
#[derive(Default)]
pub(super) struct ConvergeTurns {
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    pending: Mutex<HashSet<String>>,
}

impl ConvergeTurns {
    /// App `name`'s turn, to lock across a change and its converge.
    pub(super) fn of(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(turns.entry(name.to_owned()).or_default())
    }

    /// Whether an acknowledged change of `name` has yet to converge.
    pub(super) fn is_pending(&self, name: &str) -> bool {
        self.lock_pending().contains(name)
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
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
        self.pauses.stored().await;
        self.forget_unloadable(name);
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
        self.converge_later(name);
        Ok(previous)
    }

    /// Converges `name` in a task stopped with the control plane; its status reads
    /// `reconciling` meanwhile.
    fn converge_later(self: &Arc<Self>, name: &str) {
        self.converge_turns.lock_pending().insert(name.to_owned());
        let _ = self.changes.send(name.to_owned());
        let (control, name) = (Arc::clone(self), name.to_owned());
        let task = tokio::spawn(async move { control.converge_stored(&name).await });
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        tasks.retain(|task| !task.is_finished());
        tasks.push(task);
    }

    /// Converges `name` on what the store says now: its deployed version, or nothing (also
    /// when the app is gone).
    async fn converge_stored(&self, name: &str) {
        let turn = self.converge_turns.of(name);
        let _turn = turn.lock().await;
        let deployed = match self.apps.get(name).await {
            Ok(app) => app
                .deployed
                .as_deref()
                .and_then(|version| app.version(Some(version)).ok().cloned()),
            Err(weft_manager::AppStoreError::NoSuchApp { .. }) => None,
            Err(error) => {
                tracing::warn!(app = %name, %error, "cannot read the app to converge it");
                None
            }
        };
        match deployed.map(|stored| (weft_manifest::load(&stored.file, &stored.source), stored)) {
            Some((Ok(loaded), stored)) => {
                let desired = manifest_state(&loaded.manifest, &stored.file);
                self.reconciler.apply(desired).await;
            }
            Some((Err(diagnostics), _)) => {
                tracing::warn!(app = %name, %diagnostics, "the deployed manifest no longer loads");
            }
            None => {
                self.reconciler.remove(name).await;
            }
        }
        self.converge_turns.lock_pending().remove(name);
        let _ = self.changes.send(name.to_owned());
    }
}
