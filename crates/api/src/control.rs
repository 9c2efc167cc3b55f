//! Applications, configs and links: kept in the store, put into effect on the host, and kept
//! converged by the manager's reconciler.

mod background;
mod calls;
mod events;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use weft_host::HostInfo;
use weft_lattice::{AuditLog, LatticeStore, Subscription};
use weft_manager::{
    AppState, AppStatus, AppStore, AppStoreError, Blocker, Command, Lattice as _, LinkSpec,
    ObservedHost, Pauses, Reconciler, ReconcilerSettings, RecordError, Records, StoredConfig,
    StoredVersion, desired_state, resolve_relative_images,
};

use weft_secrets::{SecretError, SecretInfo, SecretKey, SecretValue, SecretVault};
use weft_telemetry::Telemetry;

use crate::limit_hits::{self, LimitHit};
use crate::managed::{LatticeError, ManagedLattice};
use crate::names::{InvalidName, check_config_name, check_label_key, check_secret_name};
use crate::part_view::PartView;

/// The largest secret value `weft secret put` takes.
pub const MAX_SECRET_BYTES: usize = 64 * 1024;

/// How often the host says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// Why a control request failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The stored applications refused it.
    #[error(transparent)]
    Apps(#[from] AppStoreError),
    /// Stored configs or links could not be read or written.
    #[error(transparent)]
    Records(#[from] RecordError),
    /// The secret store failed (the message never holds a value).
    #[error(transparent)]
    Secrets(#[from] SecretError),
    /// The lattice could not put it into effect.
    #[error(transparent)]
    Lattice(#[from] LatticeError),
    /// It would change something another owner manages.
    #[error("{0}")]
    Conflict(String),
    /// What it names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request itself is wrong.
    #[error("{0}")]
    Invalid(String),
    /// A name or key it gives cannot be used.
    #[error(transparent)]
    Name(#[from] InvalidName),
    /// A call to a component's export (`weft call`) returned no results.
    #[error(transparent)]
    Call(#[from] weft_host::CallFailure),
}

/// An application as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppView {
    /// Name.
    pub name: String,
    /// Versions, oldest first.
    pub versions: Vec<String>,
    /// The deployed version.
    pub deployed: Option<String>,
    /// `deployed`, `reconciling`, `failed` or `undeployed`.
    pub status: String,
    /// What stands in the way, if anything.
    pub reasons: Vec<String>,
    /// What the deployed manifest holds that weft does not act on (wadm accepts it), e.g. a
    /// trait type weft does not know.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// Each scaler and link of the deployed version and where it stands (wadm's `scalers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartView>,
    /// Its components' invocations that hit a limit or trapped, per host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limit_hits: Vec<LimitHit>,
}

/// Applications, configs and links over one host.
pub struct ControlPlane {
    apps: AppStore<LatticeStore>,
    records: Records<LatticeStore>,
    secrets: SecretVault<LatticeStore>,
    reconciler: Arc<Reconciler<ManagedLattice>>,
    events: Mutex<Option<Subscription>>,
    /// Deployed apps whose stored manifest no longer loads (found at restore), with why.
    unloadable: Mutex<BTreeMap<String, AppStatus>>,
    changes: broadcast::Sender<String>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Why changes are refused here, while another manager acts on the lattice.
    standing_by: Mutex<Option<String>>,
    /// This process's instruments.
    metrics: Telemetry,
    /// Background converges, one at a time per app.
    converge_turns: background::ConvergeTurns,
    /// How `weft call` reaches components (none until the process sets it).
    invoker: Mutex<weft_host::ComponentInvoker>,
    /// The bus `GET /v1/events` follows (none until the process sets it).
    event_bus: Mutex<Option<Arc<dyn weft_lattice::EventBus>>>,
    /// Where every change asked of this control plane is recorded.
    audit: AuditLog,
    /// Where a failure test stops it (after a deploy is stored, before a command).
    pauses: Pauses,
}

impl ControlPlane {
    /// Applications, records and secrets (sealed with `secret_key`) in `store`, run on
    /// `host`; `events` is a subscription to the bus the host publishes on (taken before
    /// anything runs, so no event is missed). The reconciler records in `metrics`, which
    /// `GET /metrics` reads out. Changes asked through the API, control requests and wadm's
    /// API are recorded in `audit`. `pauses` (none but in failure tests) stop it at chosen
    /// steps of a deploy.
    pub fn new(
        store: LatticeStore,
        secret_key: SecretKey,
        lattice: ManagedLattice,
        events: Subscription,
        metrics: Telemetry,
        audit: AuditLog,
        pauses: Pauses,
    ) -> Self {
        Self {
            audit,
            apps: AppStore::new(store.clone()),
            records: Records::new(store.clone()),
            secrets: SecretVault::new(store, secret_key),
            reconciler: Arc::new(
                Reconciler::new(Arc::new(lattice), ReconcilerSettings::default())
                    .with_metrics(metrics.reconciler())
                    .with_pauses(pauses.clone()),
            ),
            metrics,
            events: Mutex::new(Some(events)),
            unloadable: Mutex::new(BTreeMap::new()),
            changes: broadcast::channel(256).0,
            tasks: Mutex::new(Vec::new()),
            standing_by: Mutex::new(None),
            invoker: Mutex::default(),
            event_bus: Mutex::new(None),
            converge_turns: background::ConvergeTurns::default(),
            pauses,
        }
    }

    /// Starts the reconciler loop (woken by every lattice event) and the host's heartbeat.
    pub fn start(&self) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(events) = self
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let reconciler = Arc::clone(&self.reconciler);
            tasks.push(tokio::spawn(async move { reconciler.run(events).await }));
        }
        let mut from_reconciler = self.reconciler.changes();
        let changes = self.changes.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                match from_reconciler.recv().await {
                    Ok(name) => {
                        let _ = changes.send(name);
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }));
        let reconciler = Arc::clone(&self.reconciler);
        tasks.push(tokio::spawn(async move {
            let mut beat = tokio::time::interval(HEARTBEAT);
            loop {
                beat.tick().await;
                reconciler.lattice().heartbeat();
            }
        }));
    }

    /// The lattice's audit log.
    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Refuses changes with `reason` (another manager acts on the lattice), or accepts them
    /// again with `None`.
    pub fn set_standing_by(&self, reason: Option<String>) {
        *self
            .standing_by
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = reason;
    }

    /// Why changes are refused here, if they are.
    pub fn standing_by(&self) -> Option<String> {
        self.standing_by
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Brings back hand-made labels, configs and links, then every deployed application (after a
    /// restart). An app that cannot come back is marked failed with the reason; the others
    /// still start.
    pub async fn restore(&self) -> Result<(), ControlError> {
        for (key, value) in self.records.labels().await? {
            self.lattice().restore_label(&key, &value);
        }
        for (name, values) in self.records.configs().await? {
            let put = Command::PutConfig {
                name: name.clone(),
                values,
                app: None,
            };
            // Every host that did not take it gets it again when the lattice meets it.
            if let Err(error) = self.lattice().execute(&put).await {
                tracing::warn!(config = %name, %error, "a stored config did not reach every host");
            }
        }
        for (info, value) in self.secrets.reveal_all().await? {
            match value {
                Ok(value) => {
                    self.lattice()
                        .set_secret(&info.name, Some((info.version, value)))
                        .await
                }
                Err(error) => tracing::warn!(%error, "a stored secret cannot be read"),
            }
        }
        for link in self.records.links().await? {
            if let Err(error) = self.lattice().execute(&Command::PutLink(link)).await {
                tracing::warn!(%error, "a stored link cannot be served; `weft link put` it again once the cause is fixed");
            }
        }
        for app in self.apps.list().await? {
            let Some(deployed) = app.deployed.as_deref() else {
                continue;
            };
            let stored = app.version(Some(deployed))?;
            match weft_manifest::load(&stored.file, &stored.source) {
                Ok(loaded) => {
                    self.reconciler
                        .apply(manifest_state(&loaded.manifest, &stored.file))
                        .await;
                }
                Err(diagnostics) => {
                    let reason = Blocker::Unloadable {
                        app: app.name.clone(),
                        version: deployed.to_owned(),
                        diagnostics: diagnostics.to_string(),
                    };
                    tracing::warn!(app = %app.name, "{reason}");
                    self.unloadable
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(
                            app.name.clone(),
                            AppStatus {
                                state: AppState::Failed,
                                reasons: vec![reason],
                                parts: Vec::new(),
                            },
                        );
                }
            }
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
        let (name, version) = self.apps.put(file, source, by).await?;
        let _ = self.changes.send(name.clone());
        Ok((name, version))
    }

    /// Deploys `version` (or the latest): the reconciler converges it before this returns.
    /// Upgrading a deployed app starts the new parts, switches links, then stops the old ones.
    pub async fn deploy(
        &self,
        name: &str,
        version: Option<&str>,
        by: &str,
    ) -> Result<AppView, ControlError> {
        let turn = self.converge_turns.of(name);
        let _turn = turn.lock().await;
        let (stored, manifest) = self.apps.deploy(name, version, by).await?;
        self.pauses.stored().await;
        self.forget_unloadable(name);
        self.reconciler
            .apply(manifest_state(&manifest, &stored.file))
            .await;
        let _ = self.changes.send(name.to_owned());
        self.view(name).await
    }

    /// Undeploys and removes everything the app owns.
    pub async fn undeploy(&self, name: &str, by: &str) -> Result<AppView, ControlError> {
        let turn = self.converge_turns.of(name);
        let _turn = turn.lock().await;
        self.apps.undeploy(name, by).await?;
        self.forget_unloadable(name);
        self.reconciler.remove(name).await;
        let _ = self.changes.send(name.to_owned());
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
        let _ = self.changes.send(name.to_owned());
        Ok(())
    }

    /// This process's instruments.
    pub fn metrics(&self) -> &Telemetry {
        &self.metrics
    }

    /// One app's view.
    pub async fn view(&self, name: &str) -> Result<AppView, ControlError> {
        let app = self.apps.get(name).await?;
        let mut hits = self.limit_hits();
        Ok(to_view(&app, self.status(name), hits.remove(name)))
    }

    /// Everything stored about one app: versions and history.
    pub async fn stored(&self, name: &str) -> Result<weft_manager::StoredApp, ControlError> {
        Ok(self.apps.get(name).await?)
    }

    /// One stored manifest version (the latest if `version` is `None`).
    pub async fn manifest(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<StoredVersion, ControlError> {
        Ok(self.apps.get(name).await?.version(version)?.clone())
    }

    /// Every app's view.
    pub async fn list(&self) -> Result<Vec<AppView>, ControlError> {
        let mut hits = self.limit_hits();
        Ok(self
            .apps
            .list()
            .await?
            .iter()
            .map(|app| to_view(app, self.status(&app.name), hits.remove(&app.name)))
            .collect())
    }

    /// What each application's components hit, by application.
    fn limit_hits(&self) -> BTreeMap<String, Vec<LimitHit>> {
        let reports = self.lattice().limits_reports();
        limit_hits::by_app(reports.iter().map(|report| {
            (
                report.host_id.as_str(),
                report.component_id.as_str(),
                report.app.as_str(),
                &report.limits,
            )
        }))
    }

    /// Names of applications as they change (status, versions, deployment).
    pub fn changes(&self) -> broadcast::Receiver<String> {
        self.changes.subscribe()
    }

    /// The hosts of the lattice.
    pub fn hosts(&self) -> Vec<HostInfo> {
        self.lattice().hosts()
    }

    /// What runs on each host.
    pub fn inventory(&self) -> Vec<ObservedHost> {
        self.lattice().snapshot().hosts
    }

    /// Sets (`Some`) or removes (`None`) label `key` on host `host_id`; kept across restarts.
    /// Apps waiting for a host with that label are placed at once.
    pub async fn set_label(
        &self,
        host_id: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), ControlError> {
        if !self.hosts().iter().any(|host| host.id == host_id) {
            return Err(ControlError::NotFound(format!(
                "there is no host `{host_id}`; `weft get hosts` lists them"
            )));
        }
        check_label_key(key)?;
        match value {
            Some(value) => self.records.put_label(key, value).await?,
            None => {
                if !self.records.delete_label(key).await? {
                    return Err(ControlError::NotFound(format!(
                        "host `{host_id}` has no label `{key}` set by hand"
                    )));
                }
            }
        }
        self.lattice().set_label(host_id, key, value).await?;
        Ok(())
    }

    /// Every link, from manifests and by hand.
    pub fn links(&self) -> Vec<LinkSpec> {
        self.lattice().snapshot().links
    }

    /// Creates or replaces a hand-made link and puts it into effect at once.
    pub async fn put_link(&self, link: LinkSpec) -> Result<LinkSpec, ControlError> {
        for (field, value) in [
            ("source", &link.source_id),
            ("target", &link.target_id),
            ("namespace", &link.namespace),
            ("package", &link.package),
            ("name", &link.name),
        ] {
            if value.is_empty() || value.contains('/') {
                return Err(ControlError::Invalid(format!(
                    "the link's {field} `{value}` must be non-empty and without `/`"
                )));
            }
        }
        if link.interfaces.is_empty() {
            return Err(ControlError::Invalid(
                "a link needs at least one interface (e.g. `--interface incoming-handler`)".into(),
            ));
        }
        // A target capability running somewhere: hosts that do not run it can still reach
        // a backend it shares (see `LinkSpec::target_image`).
        let target_image = link.target_image.clone().or_else(|| {
            self.lattice()
                .snapshot()
                .hosts
                .iter()
                .flat_map(|host| &host.capabilities)
                .find(|capability| capability.id == link.target_id)
                .map(|capability| capability.image.clone())
        });
        let link = LinkSpec {
            app: None,
            target_image,
            ..link
        };
        if let Some(app) = self.link_owner(link.key()) {
            return Err(ControlError::Conflict(format!(
                "application `{app}` owns the link {} {}:{} (name `{}`); change its manifest, or put this link under another `--link-name`",
                link.source_id, link.namespace, link.package, link.name
            )));
        }
        self.lattice()
            .execute(&Command::PutLink(link.clone()))
            .await?;
        self.records.put_link(&link).await?;
        Ok(link)
    }

    /// Removes a hand-made link.
    pub async fn delete_link(&self, key: (&str, &str, &str, &str)) -> Result<(), ControlError> {
        let (source_id, namespace, package, name) = key;
        if let Some(app) = self.link_owner(key) {
            return Err(ControlError::Conflict(format!(
                "application `{app}` owns the link {source_id} {namespace}:{package} (name `{name}`); it goes away when the app is undeployed or its manifest drops it"
            )));
        }
        let existed = self.records.delete_link(key).await?
            || self.links().iter().any(|link| link.key() == key);
        if !existed {
            return Err(ControlError::NotFound(format!(
                "there is no link {source_id} {namespace}:{package} (name `{name}`); `weft link get` lists them"
            )));
        }
        self.lattice()
            .execute(&Command::DeleteLink {
                source_id: source_id.to_owned(),
                namespace: namespace.to_owned(),
                package: package.to_owned(),
                name: name.to_owned(),
            })
            .await?;
        Ok(())
    }

    /// Every named config, from manifests and by hand.
    pub fn configs(&self) -> BTreeMap<String, StoredConfig> {
        self.lattice().snapshot().configs
    }

    /// One named config.
    pub fn config(&self, name: &str) -> Result<StoredConfig, ControlError> {
        self.configs().remove(name).ok_or_else(|| {
            ControlError::NotFound(format!(
                "there is no config `{name}`; create it with `weft config put {name} KEY=VALUE`"
            ))
        })
    }

    /// Creates or replaces a hand-made config; applications waiting for it deploy at once.
    pub async fn put_config(
        &self,
        name: &str,
        values: BTreeMap<String, String>,
    ) -> Result<(), ControlError> {
        check_config_name(name)?;
        self.refuse_managed_config(name)?;
        self.records.put_config(name, &values).await?;
        self.lattice()
            .execute(&Command::PutConfig {
                name: name.to_owned(),
                values,
                app: None,
            })
            .await?;
        Ok(())
    }

    /// Removes a hand-made config.
    pub async fn delete_config(&self, name: &str) -> Result<(), ControlError> {
        self.refuse_managed_config(name)?;
        let existed = self.records.delete_config(name).await? || self.configs().contains_key(name);
        if !existed {
            return Err(ControlError::NotFound(format!(
                "there is no config `{name}`; `weft get config` lists them"
            )));
        }
        self.lattice()
            .execute(&Command::DeleteConfig {
                name: name.to_owned(),
            })
            .await?;
        Ok(())
    }

    /// What may be said about every secret: names and versions, never values.
    pub async fn secrets(&self) -> Result<Vec<SecretInfo>, ControlError> {
        Ok(self.secrets.list().await?)
    }

    /// Stores `value` as the next version of secret `name`, sealed; components reading it
    /// see it from their next instance, and apps waiting for it deploy at once.
    pub async fn put_secret(
        &self,
        name: &str,
        value: SecretValue,
    ) -> Result<SecretInfo, ControlError> {
        check_secret_name(name)?;
        if value.is_empty() {
            return Err(ControlError::Invalid(format!(
                "the value of secret `{name}` is empty; pipe the value in: `weft secret put {name} < FILE`"
            )));
        }
        if value.len() > MAX_SECRET_BYTES {
            return Err(ControlError::Invalid(format!(
                "the value of secret `{name}` has {} bytes; a secret may have at most {MAX_SECRET_BYTES}",
                value.len()
            )));
        }
        let info = self.secrets.put(name, &value).await?;
        self.lattice()
            .set_secret(name, Some((info.version, value)))
            .await;
        Ok(info)
    }

    /// Removes secret `name`; components reading it lose it from their next instance.
    pub async fn delete_secret(&self, name: &str) -> Result<(), ControlError> {
        if !self.secrets.delete(name).await? {
            return Err(ControlError::NotFound(format!(
                "there is no secret `{name}`; `weft secret list` lists them"
            )));
        }
        self.lattice().set_secret(name, None).await;
        Ok(())
    }

    /// Stops the loops and serving (in-flight requests finish).
    pub async fn shutdown(&self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
        self.lattice().shutdown().await;
    }

    /// An app's status: the reconciler's, or why its stored manifest could not be loaded.
    fn status(&self, name: &str) -> Option<AppStatus> {
        if self.converge_turns.is_pending(name) {
            return Some(AppStatus::reconciling());
        }
        self.reconciler.status(name).or_else(|| {
            self.unloadable
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(name)
                .cloned()
        })
    }

    fn forget_unloadable(&self, name: &str) {
        self.unloadable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
    }

    fn lattice(&self) -> &ManagedLattice {
        self.reconciler.lattice()
    }

    fn link_owner(&self, key: (&str, &str, &str, &str)) -> Option<String> {
        self.links()
            .into_iter()
            .find(|link| link.key() == key)
            .and_then(|link| link.app)
    }

    fn refuse_managed_config(&self, name: &str) -> Result<(), ControlError> {
        match self
            .configs()
            .get(name)
            .and_then(|config| config.app.clone())
        {
            Some(app) => Err(ControlError::Conflict(format!(
                "config `{name}` is managed by application `{app}` (declared in its manifest); change the manifest and deploy it instead"
            ))),
            None => Ok(()),
        }
    }
}

fn manifest_state(manifest: &weft_manifest::Manifest, file: &str) -> weft_manager::DesiredApp {
    let mut desired = desired_state(manifest);
    if let Some(dir) = Path::new(file).parent() {
        resolve_relative_images(&mut desired, dir);
    }
    desired
}

/// Each reason's text, as the API shows them.
fn reasons_text(reasons: &[Blocker]) -> Vec<String> {
    reasons.iter().map(ToString::to_string).collect()
}

fn to_view(
    app: &weft_manager::StoredApp,
    status: Option<AppStatus>,
    limit_hits: Option<Vec<LimitHit>>,
) -> AppView {
    let (status, reasons, parts) = match (&app.deployed, status) {
        (None, Some(status)) if !status.reasons.is_empty() => (
            "failed".to_owned(),
            reasons_text(&status.reasons),
            Vec::new(),
        ),
        (None, _) => ("undeployed".to_owned(), Vec::new(), Vec::new()),
        (Some(_), Some(status)) => (
            status.state.as_str().to_owned(),
            reasons_text(&status.reasons),
            status
                .parts
                .iter()
                .map(|part| PartView::new(&app.name, part))
                .collect(),
        ),
        (Some(_), None) => ("reconciling".to_owned(), Vec::new(), Vec::new()),
    };
    AppView {
        name: app.name.clone(),
        versions: app.versions.iter().map(|v| v.version.clone()).collect(),
        deployed: app.deployed.clone(),
        status,
        reasons,
        ignored: ignored_parts(app),
        parts,
        limit_hits: limit_hits.unwrap_or_default(),
    }
}

/// What the deployed version holds that weft does not act on.
fn ignored_parts(app: &weft_manager::StoredApp) -> Vec<String> {
    let Some(deployed) = app.deployed.as_deref() else {
        return Vec::new();
    };
    app.version(Some(deployed))
        .ok()
        .and_then(|version| weft_manifest::load(&version.file, &version.source).ok())
        .map(|loaded| desired_state(&loaded.manifest).ignored)
        .unwrap_or_default()
}
