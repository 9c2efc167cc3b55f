//! The lattice of many hosts, as a manager drives it over NATS.
//!
//! [`NatsLattice`] keeps a view of every live host (what it runs, from the host's own reports)
//! and of the lattice-wide state this manager has put (configs, links, secret versions).
//! [`observe`](Lattice::observe) reads the view; [`execute`](Lattice::execute) sends a
//! host's command to that host (`weft.execute.{id}`, with the manager's fence) and takes the
//! host's report back into the view, and sends lattice-wide commands to every host. Hosts are
//! found with `host.ping` at start and by their events afterwards; a host seen for the first
//! time gets the lattice's configs and links before the reconciler may place anything on it;
//! a host that says nothing for the expiry is dropped from the view and the reconciler
//! re-places what it ran. Every change to the view is republished on [`NatsLattice::events`]
//! so the reconciler wakes after the view has it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::time::Instant;
use weft_lattice::{
    APP_ANNOTATION, CloudEvent, ComponentLimitsReport, CtlResponse, EventBus as _, HostInventory,
    InProcessBus, LatticeEvent, LatticeName, Received, Subscription, ctl_prefix,
};

use weft_lattice::HostReport;
use weft_lattice::{Command, FencedCommand};
use weft_lattice::{CommandError, Lattice, Retry};
use weft_lattice::{ObservedHost, ObservedLattice, RunningCapability, RunningComponent};
use weft_telemetry::{Hop, TraceContext, Tracing};

/// How long a host may take to answer one request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `host.ping` answers are collected at start.
const DISCOVERY_WINDOW: Duration = Duration::from_millis(300);

/// Why a command could not be carried out on the lattice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RemoteError {
    /// What the host said, or why it could not be reached.
    pub message: String,
    /// Whether retrying may help (the host says; unreachable hosts may come back).
    pub retry: Retry,
}

impl RemoteError {
    /// A failure that may pass by itself (a host not answering, an unreadable reply).
    pub fn soon(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: Retry::Soon,
        }
    }
}

impl CommandError for RemoteError {
    fn retry(&self) -> Retry {
        self.retry
    }
}

/// Why a request to one host failed.
enum Failed {
    /// Nobody answers on the host's subjects: it has left the lattice.
    Gone,
    /// It answered with a failure, or could not be reached.
    Remote(RemoteError),
}

impl From<RemoteError> for Failed {
    fn from(error: RemoteError) -> Self {
        Self::Remote(error)
    }
}

/// A host in the view.
struct Tracked {
    report: HostReport,
    last_seen: Instant,
    /// Its applications' components' limits and hits, from its last heartbeat.
    limits: Vec<ComponentLimitsReport>,
}

#[derive(Default)]
struct View {
    hosts: BTreeMap<String, Tracked>,
    /// The lattice-wide part (links, configs, secret versions); its `hosts` stay empty.
    shared: ObservedLattice,
}

/// The hosts of a lattice over NATS, driven by one manager.
pub struct NatsLattice {
    client: async_nats::Client,
    lattice: LatticeName,
    prefix: String,
    fence: AtomicU64,
    expiry: Duration,
    view: Mutex<View>,
    /// The view's changes, for the reconciler.
    changes: InProcessBus,
    /// Starts a CLIENT span per request to a host (none when traces are off).
    tracing: Tracing,
}

impl NatsLattice {
    /// The lattice `lattice` on `client`; a host silent for `expiry` counts as gone; every
    /// request to a host is traced by `tracing`.
    pub fn new(
        client: async_nats::Client,
        lattice: &LatticeName,
        expiry: Duration,
        tracing: Tracing,
    ) -> Arc<Self> {
        Arc::new(Self {
            tracing,
            client,
            lattice: lattice.clone(),
            prefix: ctl_prefix(lattice.as_str()),
            fence: AtomicU64::new(0),
            expiry,
            view: Mutex::new(View::default()),
            changes: InProcessBus::new(),
        })
    }

    /// Events after the view has taken them in (subscribe before [`NatsLattice::track`]).
    pub fn events(&self) -> Subscription {
        self.changes.subscribe()
    }

    /// Sets the fencing revision every command carries (the manager lease's).
    pub fn set_fence(&self, fence: u64) {
        self.fence.store(fence, Ordering::SeqCst);
    }

    /// Follows the lattice's `events` and drops hosts that fall silent, until the returned
    /// task is aborted ([`NatsLattice::discover`] first finds the hosts already there).
    pub fn track(self: &Arc<Self>, mut events: Subscription) -> tokio::task::JoinHandle<()> {
        let lattice = Arc::clone(self);
        tokio::spawn(async move {
            let mut sweep =
                tokio::time::interval((lattice.expiry / 4).max(Duration::from_millis(50)));
            loop {
                tokio::select! {
                    received = events.next() => match received {
                        Received::Event(event) => lattice.take_in(event).await,
                        Received::Missed(_) => lattice.discover().await,
                        Received::Closed => return,
                    },
                    _ = sweep.tick() => lattice.sweep(),
                }
            }
        })
    }

    /// Asks every host to say who it is (`host.ping`) and takes in those not yet known.
    pub async fn discover(&self) {
        let inbox = self.client.new_inbox();
        let Ok(mut answers) = self.client.subscribe(inbox.clone()).await else {
            return;
        };
        let asked = self
            .client
            .publish_with_reply(format!("{}host.ping", self.prefix), inbox, "".into())
            .await;
        if asked.is_err() {
            return;
        }
        let deadline = tokio::time::sleep(DISCOVERY_WINDOW);
        tokio::pin!(deadline);
        let mut found = Vec::new();
        loop {
            tokio::select! {
                Some(message) = answers.next() => {
                    if let Ok(CtlResponse { success: true, response: Some(summary), .. }) =
                        serde_json::from_slice::<CtlResponse>(&message.payload)
                        && let Some(id) = summary.get("id").and_then(serde_json::Value::as_str)
                    {
                        found.push(id.to_owned());
                    }
                }
                () = &mut deadline => break,
            }
        }
        for host_id in found {
            self.meet(&host_id).await;
        }
    }

    /// Takes in one lattice event, then passes it on to the reconciler.
    async fn take_in(&self, event: LatticeEvent) {
        let host_id = match &event {
            LatticeEvent::HostHeartbeat(inventory) => Some(inventory.host_id.clone()),
            LatticeEvent::HostStarted { host_id, .. }
            | LatticeEvent::HostLabelsChanged { host_id, .. }
            | LatticeEvent::ComponentScaled { host_id, .. }
            | LatticeEvent::ComponentScaleFailed { host_id, .. }
            | LatticeEvent::CapabilityStarted { host_id, .. }
            | LatticeEvent::CapabilityStartFailed { host_id, .. }
            | LatticeEvent::CapabilityStopped { host_id, .. } => Some(host_id.clone()),
            LatticeEvent::HostStopped { host_id, .. } => {
                self.lock().hosts.remove(host_id);
                None
            }
            _ => None,
        };
        if let Some(host_id) = host_id {
            let known = {
                let mut view = self.lock();
                match view.hosts.get_mut(&host_id) {
                    Some(tracked) => {
                        tracked.last_seen = Instant::now();
                        match &event {
                            LatticeEvent::HostLabelsChanged { labels, .. } => {
                                tracked.report.observed.labels = labels.clone();
                                tracked.report.summary.labels = labels.clone();
                            }
                            LatticeEvent::HostHeartbeat(inventory) => {
                                take_unmanaged(&mut tracked.report.observed, inventory);
                                tracked.limits = ComponentLimitsReport::from_inventory(inventory);
                            }
                            _ => {}
                        }
                        true
                    }
                    None => false,
                }
            };
            if !known {
                self.meet(&host_id).await;
            }
        }
        self.changes.publish(event);
    }

    /// What `host_id` says it runs.
    async fn observe_host(&self, host_id: &str) -> Result<HostReport, Failed> {
        self.request(
            &format!("{}weft.observe.{host_id}", self.prefix),
            Vec::new(),
        )
        .await
    }

    /// Brings a host first seen up to date with the lattice's configs and links, then adds it
    /// to the view with what it reports.
    async fn meet(&self, host_id: &str) {
        if self.lock().hosts.contains_key(host_id) {
            return;
        }
        let (configs, links) = {
            let view = self.lock();
            (view.shared.configs.clone(), view.shared.links.clone())
        };
        let commands = configs
            .into_iter()
            .map(|(name, config)| Command::PutConfig {
                name,
                values: config.values,
                app: config.app,
            })
            .chain(links.into_iter().map(Command::PutLink));
        let mut report = None;
        for command in commands {
            match self.send(host_id, &command).await {
                Ok(answer) => report = Some(answer),
                Err(Failed::Gone) => return,
                Err(Failed::Remote(error)) => {
                    tracing::warn!(host_id, %error, "a new host did not take the lattice's state; it is left out until it says something again");
                    return;
                }
            }
        }
        let report = match report {
            Some(report) => report,
            None => match self.observe_host(host_id).await {
                Ok(report) => report,
                Err(Failed::Gone) => return,
                Err(Failed::Remote(error)) => {
                    tracing::warn!(host_id, %error, "a host did not say what it runs");
                    return;
                }
            },
        };
        tracing::info!(host_id, "a host joined the lattice");
        self.lock().hosts.insert(
            host_id.to_owned(),
            Tracked {
                report,
                last_seen: Instant::now(),
                limits: Vec::new(),
            },
        );
        self.changes.publish(LatticeEvent::HostStarted {
            host_id: host_id.to_owned(),
            labels: Default::default(),
        });
    }

    /// Drops the hosts silent for longer than the expiry, and says so.
    fn sweep(&self) {
        let gone: Vec<String> = {
            let mut view = self.lock();
            let expired: Vec<String> = view
                .hosts
                .iter()
                .filter(|(_, tracked)| tracked.last_seen.elapsed() > self.expiry)
                .map(|(id, _)| id.clone())
                .collect();
            for id in &expired {
                view.hosts.remove(id);
            }
            expired
        };
        for host_id in gone {
            tracing::warn!(host_id, expiry = ?self.expiry, "a host fell silent; what it ran is placed elsewhere");
            self.changes.publish(LatticeEvent::HostStopped {
                host_id,
                labels: Default::default(),
            });
        }
    }

    /// Sends `command` to `host_id` and takes its report into the view; a host that is gone
    /// leaves the view.
    async fn send(&self, host_id: &str, command: &Command) -> Result<HostReport, Failed> {
        let fenced = FencedCommand {
            fence: self.fence.load(Ordering::SeqCst),
            lattice: self.lattice.to_string(),
            command: command.clone(),
        };
        let body =
            serde_json::to_vec(&fenced).map_err(|error| RemoteError::soon(error.to_string()))?;
        let report: HostReport = match self
            .request(&format!("{}weft.execute.{host_id}", self.prefix), body)
            .await
        {
            Ok(report) => report,
            Err(Failed::Gone) => {
                self.lost(host_id);
                return Err(Failed::Gone);
            }
            Err(failed) => return Err(failed),
        };
        if let Some(tracked) = self.lock().hosts.get_mut(host_id) {
            tracked.report = report.clone();
            tracked.last_seen = Instant::now();
        }
        Ok(report)
    }

    async fn request<T: serde::de::DeserializeOwned>(
        &self,
        subject: &str,
        body: Vec<u8>,
    ) -> Result<T, Failed> {
        let mut span = self.tracing.lattice_request(Hop::Control, subject, None);
        let mut headers = async_nats::HeaderMap::new();
        for (name, value) in span.hand_on(None).iter().flat_map(TraceContext::headers) {
            headers.insert(name, value);
        }
        let sent = self
            .client
            .request_with_headers(subject.to_owned(), headers, body.into());
        let answer = match tokio::time::timeout(REQUEST_TIMEOUT, sent).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error))
                if error.kind() == async_nats::client::RequestErrorKind::NoResponders =>
            {
                span.fail("no_responders", error.to_string());
                return Err(Failed::Gone);
            }
            Ok(Err(error)) => {
                span.fail("error", error.to_string());
                return Err(Failed::Remote(RemoteError::soon(format!(
                    "{subject}: {error}"
                ))));
            }
            Err(_) => {
                let message = format!("no answer on {subject} within {REQUEST_TIMEOUT:?}");
                span.fail("timeout", message.clone());
                return Err(RemoteError::soon(message).into());
            }
        };
        let response: CtlResponse = serde_json::from_slice(&answer.payload).map_err(|error| {
            RemoteError::soon(format!("{subject} answered what weft cannot read: {error}"))
        })?;
        if !response.success {
            span.fail("refused", response.message.clone());
            return Err(RemoteError {
                message: response.message,
                retry: response.retry,
            }
            .into());
        }
        serde_json::from_value(response.response.unwrap_or_default()).map_err(|error| {
            RemoteError::soon(format!("{subject} answered what weft cannot read: {error}")).into()
        })
    }

    /// Drops a host that has left without saying so, and tells the reconciler.
    fn lost(&self, host_id: &str) {
        if self.lock().hosts.remove(host_id).is_some() {
            tracing::warn!(
                host_id,
                "a host stopped answering; what it ran is placed elsewhere"
            );
            self.changes.publish(LatticeEvent::HostStopped {
                host_id: host_id.to_owned(),
                labels: Default::default(),
            });
        }
    }

    /// Waits (up to `limit`) until host `host_id` is in the view; whether it is.
    pub async fn wait_for(&self, host_id: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while !self.lock().hosts.contains_key(host_id) {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// Every host's applications' components' limits and hits, as of its last heartbeat.
    pub fn limits_reports(&self) -> Vec<ComponentLimitsReport> {
        self.lock()
            .hosts
            .values()
            .flat_map(|tracked| tracked.limits.iter().cloned())
            .collect()
    }

    /// Who is in the view: each host's summary and what it runs.
    pub fn hosts(&self) -> Vec<HostReport> {
        self.lock()
            .hosts
            .values()
            .map(|tracked| tracked.report.clone())
            .collect()
    }

    /// Notes a secret's version and tells the lattice (never the value: hosts read values
    /// from the store themselves, with the managers' key).
    pub async fn set_secret_version(&self, name: &str, version: Option<u64>) {
        let event = {
            let mut view = self.lock();
            match version {
                Some(version) => {
                    view.shared.secrets.insert(name.to_owned(), version);
                    LatticeEvent::SecretSet {
                        name: name.to_owned(),
                        version,
                    }
                }
                None => {
                    view.shared.secrets.remove(name);
                    LatticeEvent::SecretDeleted {
                        name: name.to_owned(),
                    }
                }
            }
        };
        let cloud = CloudEvent::new(event, "manager");
        let payload = weft_lattice::json_bytes(&cloud);
        if let Err(error) = self
            .client
            .publish(cloud.subject(&self.lattice), payload.into())
            .await
        {
            tracing::warn!(%error, secret = name, "cannot tell the lattice a secret changed");
        }
    }

    /// Sets or removes label `key` on host `host_id`.
    pub async fn set_label(
        &self,
        host_id: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), RemoteError> {
        let (verb, body) = match value {
            Some(value) => ("put", serde_json::json!({"key": key, "value": value})),
            None => ("del", serde_json::json!({"key": key})),
        };
        let subject = format!("{}label.{verb}.{host_id}", self.prefix);
        match self
            .request::<Option<serde_json::Value>>(&subject, body.to_string().into_bytes())
            .await
        {
            Ok(_) => Ok(()),
            Err(Failed::Gone) => Err(RemoteError::soon(format!(
                "host {host_id} has left the lattice"
            ))),
            Err(Failed::Remote(error)) => Err(error),
        }
    }

    fn lock(&self) -> MutexGuard<'_, View> {
        self.view.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl NatsLattice {
    /// What the view holds now.
    pub fn snapshot(&self) -> ObservedLattice {
        let view = self.lock();
        ObservedLattice {
            hosts: view
                .hosts
                .values()
                .map(|tracked| tracked.report.observed.clone())
                .collect(),
            links: view.shared.links.clone(),
            configs: view.shared.configs.clone(),
            secrets: view.shared.secrets.clone(),
        }
    }
}

impl Lattice for NatsLattice {
    type Error = RemoteError;

    async fn observe(&self) -> ObservedLattice {
        self.snapshot()
    }

    async fn execute(&self, command: &Command) -> Result<(), RemoteError> {
        let host_id = match command {
            Command::ScaleComponent { host_id, .. }
            | Command::StartCapability { host_id, .. }
            | Command::StopCapability { host_id, .. } => Some(host_id.clone()),
            Command::PutConfig { .. }
            | Command::DeleteConfig { .. }
            | Command::PutLink(_)
            | Command::DeleteLink { .. } => None,
        };
        if let Some(host_id) = host_id {
            return match self.send(&host_id, command).await {
                Ok(_) => Ok(()),
                Err(Failed::Gone) => Err(RemoteError::soon(format!(
                    "host {host_id} has left the lattice; what it ran is placed elsewhere"
                ))),
                Err(Failed::Remote(error)) => Err(error),
            };
        }
        // In the view before any host has it, so a host joining meanwhile is given it; put
        // back as it was unless every host took it (the next converge sends it again, and
        // hosts that took it change nothing, as a host that refuses a link forgets it).
        let (before, after) = {
            let mut state = self.lock();
            let before = state.shared.entry_for(command);
            state.shared.apply_shared(command);
            (before, state.shared.entry_for(command))
        };
        let hosts: Vec<String> = self.lock().hosts.keys().cloned().collect();
        let sends = hosts.iter().map(|host_id| self.send(host_id, command));
        let failures: Vec<(String, RemoteError)> = futures_util::future::join_all(sends)
            .await
            .into_iter()
            .zip(&hosts)
            .filter_map(|(result, host_id)| match result {
                Err(Failed::Remote(error)) => Some((host_id.clone(), error)),
                // A host that is gone has left the view; nothing to put into effect there.
                Ok(_) | Err(Failed::Gone) => None,
            })
            .collect();
        if failures.is_empty() {
            return Ok(());
        }
        // Unless another command changed the entry meanwhile: then that one stands.
        let mut state = self.lock();
        if let Some(before) = before
            && state.shared.entry_for(command) == after
        {
            state.shared.restore(before);
        }
        drop(state);
        // Retrying helps if it helps on any host.
        let retry = if failures
            .iter()
            .all(|(_, error)| error.retry == Retry::AfterChange)
        {
            Retry::AfterChange
        } else {
            Retry::Soon
        };
        let message = failures
            .iter()
            .map(|(host_id, error)| format!("host {host_id}: {error}"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(RemoteError { message, retry })
    }
}

/// Takes into `observed` what `inventory` (a heartbeat) says runs outside any application
/// (no `weft.app` annotation: started by hand with `component.scale`, `provider.start`).
/// What applications run stays as this manager's commands left it.
fn take_unmanaged(observed: &mut ObservedHost, inventory: &HostInventory) {
    let unmanaged =
        |annotations: &BTreeMap<String, String>| !annotations.contains_key(APP_ANNOTATION);
    observed
        .components
        .retain(|component| component.app.is_some());
    observed.components.extend(
        inventory
            .components
            .iter()
            .filter(|component| unmanaged(&component.annotations))
            .map(|component| RunningComponent {
                id: component.id.clone(),
                image: component.image_ref.clone(),
                count: component.max_instances,
                secrets: Vec::new(),
                limits: Default::default(),
                app: None,
            }),
    );
    observed
        .capabilities
        .retain(|capability| capability.app.is_some());
    observed.capabilities.extend(
        inventory
            .providers
            .iter()
            .filter(|provider| unmanaged(&provider.annotations))
            .map(|provider| RunningCapability {
                id: provider.id.clone(),
                image: provider.image_ref.clone(),
                app: None,
            }),
    );
}
