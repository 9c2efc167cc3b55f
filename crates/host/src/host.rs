//! The [`Host`]: carries out commands and reports what runs.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use weft_capabilities::OutgoingHttpPolicy;
use weft_capabilities::component_calls::ComponentDirectory;
use weft_capabilities::component_limits::Admission;
use weft_capabilities::http_server::{
    ComponentHandler, HttpServer, INCOMING_HANDLER, RouteOwner, RouteSpec,
};
use weft_lattice::{
    Command, ComponentLimits, Lattice, LinkSpec, ObservedHost, ObservedLattice, RunningCapability,
    RunningComponent, SecretBinding, StoredConfig,
};
use weft_lattice::{EventBus, LatticeEvent};
use weft_oci::{ArtifactCache, Registry};
use weft_runtime::{ComponentSource, Runtime};
use weft_secrets::SecretValue;
use weft_telemetry::{ComponentTelemetry, Telemetry, Tracing};

use weft_capabilities::capability::{self, Capability, Kind, Opening};
use weft_capabilities::http_server::HTTP_SERVER;
use weft_capabilities::messaging::{self, MessagingCapability};

use crate::component_links::{LinkInputs, LinkResolver, ResolvedLink, merged};
use crate::error::{ComponentProblem, HostError, ImageProblem, RouteProblem};
use crate::event::event_for;
use crate::http_link::{LinkedComponent, is_incoming_http, route_of};
use crate::link_problem::LinkProblem;
use crate::message_link::{LinkedHandler, is_handler_link};
use crate::remote_http::RemoteCalls;
use crate::served_remotely::{CurrentHandler, RemoteExports, ServedRemotely, subscribe_remote};

/// What runs on this host, as last changed by a command.
#[derive(Default)]
struct State {
    labels: BTreeMap<String, String>,
    components: BTreeMap<String, RunningComponent>,
    /// The config names each component reads.
    component_configs: HashMap<String, Vec<String>>,
    capabilities: BTreeMap<String, (RunningCapability, &'static Kind)>,
    /// The config names each capability reads (wasmCloud's provider config: defaults for
    /// its links, such as the NATS servers or the Redis URL).
    capability_configs: HashMap<String, Vec<String>>,
    links: Vec<LinkSpec>,
    configs: BTreeMap<String, StoredConfig>,
    /// The secrets each component reads.
    component_secrets: HashMap<String, Vec<SecretBinding>>,
    /// Every stored secret's version and value.
    secrets: BTreeMap<String, (u64, SecretValue)>,
    /// Routes served for links, by link key.
    routes: BTreeMap<String, ServedRoute>,
}

/// A route served for a link.
struct ServedRoute {
    addr: SocketAddr,
    spec: RouteSpec,
    owner: String,
    handler: Arc<LinkedComponent>,
}

/// What a host says about itself (`weft get hosts`).
#[derive(Debug, Clone, Serialize)]
pub struct HostInfo {
    /// Host id.
    pub id: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// The weft version it runs.
    pub version: String,
    /// When it started (milliseconds since the Unix epoch).
    pub started_at_ms: u64,
    /// Components it runs.
    pub components: usize,
    /// Capabilities it runs.
    pub capabilities: usize,
}

/// One host: components, built-in capabilities, links and configs, in this process. It
/// publishes a [`LatticeEvent`] on its bus for every command it carries out or fails.
pub struct Host {
    id: String,
    started_at_ms: u64,
    bus: Arc<dyn EventBus>,
    runtime: Arc<Runtime>,
    http: HttpServer,
    pub(crate) directory: ComponentDirectory,
    state: Mutex<State>,
    resolver: Mutex<LinkResolver>,
    /// Where OCI images come from, when the host may pull them.
    oci: Option<Arc<(ArtifactCache, Registry)>>,
    /// Calls to and from the lattice's other hosts, when it has some.
    remote: Option<RemoteCalls>,
    /// The tasks serving this host's components to the other hosts, by component id.
    served_remotely: Mutex<HashMap<String, ServedRemotely>>,
    /// Where component invocations are counted.
    metrics: ComponentTelemetry,
    /// Starts the spans of the control requests it answers.
    tracing: Tracing,
}

impl Host {
    /// A host called `id` with `labels`, running components on `runtime` and publishing its
    /// events on `bus`; `grace` is how long its HTTP server waits for in-flight requests when
    /// routes go away.
    pub fn new(
        id: impl Into<String>,
        labels: BTreeMap<String, String>,
        runtime: Arc<Runtime>,
        grace: Duration,
        bus: Arc<dyn EventBus>,
    ) -> Self {
        let id = id.into();
        bus.publish(LatticeEvent::HostStarted {
            host_id: id.clone(),
            labels: labels.clone(),
        });
        let started_at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis() as u64);
        let directory = ComponentDirectory::default();
        Self {
            id,
            started_at_ms,
            bus,
            runtime,
            http: HttpServer::new(grace),
            directory: directory.clone(),
            state: Mutex::new(State {
                labels,
                ..State::default()
            }),
            resolver: Mutex::new(LinkResolver::new(None, directory)),
            oci: None,
            remote: None,
            served_remotely: Mutex::default(),
            metrics: ComponentTelemetry::disabled(),
            tracing: Tracing::disabled(),
        }
    }

    /// Records its HTTP requests and component invocations in `metrics`.
    pub fn with_telemetry(mut self, metrics: &Telemetry) -> Self {
        self.http.set_telemetry(metrics.http_server());
        self.metrics = metrics.components();
        self.tracing = metrics.tracing();
        self
    }

    /// What starts the spans of the control requests it answers.
    pub(crate) fn tracing(&self) -> &Tracing {
        &self.tracing
    }

    /// What runs here, for the reconciler.
    pub fn observe(&self) -> ObservedLattice {
        let state = self.lock();
        ObservedLattice {
            hosts: vec![ObservedHost {
                id: self.id.clone(),
                labels: state.labels.clone(),
                components: state.components.values().cloned().collect(),
                capabilities: state
                    .capabilities
                    .values()
                    .map(|(running, _)| running.clone())
                    .collect(),
            }],
            links: state.links.clone(),
            configs: state.configs.clone(),
            secrets: state
                .secrets
                .iter()
                .map(|(name, (version, _))| (name.clone(), *version))
                .collect(),
        }
    }

    /// Gives components the value of secret `name` (at `version`), or takes it away with
    /// `None`; the next instance of every component that reads it sees the change, and the
    /// lattice hears of it (never the value).
    pub fn set_secret(&self, name: &str, secret: Option<(u64, SecretValue)>) {
        let event = match secret {
            Some((version, value)) => {
                self.lock()
                    .secrets
                    .insert(name.to_owned(), (version, value));
                LatticeEvent::SecretSet {
                    name: name.to_owned(),
                    version,
                }
            }
            None => {
                self.lock().secrets.remove(name);
                LatticeEvent::SecretDeleted {
                    name: name.to_owned(),
                }
            }
        };
        self.refresh_links();
        self.bus.publish(event);
    }

    /// Keeps durable capability data (the embedded key-value store) under `dir`.
    pub fn with_data_dir(self, dir: PathBuf) -> Self {
        *self.resolver() = LinkResolver::new(Some(dir), self.directory.clone());
        self
    }

    /// Lets the host serve its components to the lattice's other hosts and reach theirs: an
    /// HTTP route or a component link to a component that runs elsewhere is sent there.
    pub fn with_remote(mut self, calls: RemoteCalls) -> Self {
        self.directory.set_remote(Arc::new(calls.clone()));
        self.remote = Some(calls);
        self
    }

    /// Calls this host's components from outside (`weft call`), and through the lattice
    /// the ones it does not run.
    pub fn invoker(&self) -> crate::ComponentInvoker {
        crate::ComponentInvoker::new(self.directory.clone(), self.remote.clone())
    }

    /// Lets the host run OCI images: pulled through `registry`, kept in `cache`.
    pub fn with_oci(mut self, cache: ArtifactCache, registry: Registry) -> Self {
        self.oci = Some(Arc::new((cache, registry)));
        self
    }

    /// Who this host is and how much it runs.
    pub fn info(&self) -> HostInfo {
        let state = self.lock();
        HostInfo {
            id: self.id.clone(),
            labels: state.labels.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            started_at_ms: self.started_at_ms,
            components: state.components.len(),
            capabilities: state.capabilities.len(),
        }
    }

    /// This host's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sets label `key` to `value` (or removes it with `None`) and tells the lattice, so
    /// workloads waiting for a host with that label are placed at once.
    pub fn set_label(&self, key: &str, value: Option<&str>) {
        let labels = {
            let mut state = self.lock();
            match value {
                Some(value) => state.labels.insert(key.to_owned(), value.to_owned()),
                None => state.labels.remove(key),
            };
            state.labels.clone()
        };
        self.bus.publish(LatticeEvent::HostLabelsChanged {
            host_id: self.id.clone(),
            labels,
        });
    }

    /// Publishes a heartbeat with its inventory (the lattice's sign that this host is alive).
    pub fn heartbeat(&self) {
        self.bus
            .publish(LatticeEvent::HostHeartbeat(Box::new(self.inventory())));
    }

    /// Carries out one command and publishes what came of it. Commands are goals, so
    /// repeating one changes nothing.
    pub async fn execute(&self, command: &Command) -> Result<(), HostError> {
        let mut result = self.carry_out(command).await;
        if result.is_ok() {
            // A link recorded before its component ran (or before a config it reads existed)
            // gets its store now; a store that cannot open fails the command, so it is retried.
            result = self.open_missing_stores().await;
            self.refresh_links();
        }
        if let (
            Command::ScaleComponent {
                component_id,
                count,
                ..
            },
            Ok(()),
        ) = (command, &result)
        {
            tracing::info!(component = %component_id, count, "component scaled");
        }
        self.bus.publish(event_for(&self.id, command, &result));
        result
    }

    async fn carry_out(&self, command: &Command) -> Result<(), HostError> {
        match command {
            Command::PutConfig { name, values, app } => {
                self.lock().configs.insert(
                    name.clone(),
                    StoredConfig {
                        values: values.clone(),
                        app: app.clone(),
                    },
                );
                self.refresh_routes_using(name).await
            }
            Command::DeleteConfig { name } => {
                self.lock().configs.remove(name);
                Ok(())
            }
            Command::ScaleComponent {
                component_id,
                count: 0,
                ..
            } => {
                self.remove_component(component_id);
                Ok(())
            }
            Command::ScaleComponent {
                component_id,
                image,
                count,
                app,
                config,
                secrets,
                limits,
                ..
            } => {
                let running = RunningComponent {
                    id: component_id.clone(),
                    image: image.clone(),
                    count: *count,
                    secrets: secrets.clone(),
                    limits: *limits,
                    app: app.clone(),
                };
                self.run_component(running, config).await
            }
            Command::StartCapability {
                capability_id,
                image,
                app,
                config,
                ..
            } => {
                let running = RunningCapability {
                    id: capability_id.clone(),
                    image: image.clone(),
                    app: app.clone(),
                };
                self.start_capability(running, config).await
            }
            Command::StopCapability { capability_id, .. } => {
                self.stop_capability(capability_id).await;
                Ok(())
            }
            Command::PutLink(link) => self.put_link(link).await,
            Command::DeleteLink {
                source_id,
                namespace,
                package,
                name,
            } => {
                let key = route_key(source_id, namespace, package, name);
                self.lock()
                    .links
                    .retain(|existing| link_key(existing) != key);
                self.unroute(&key).await;
                Ok(())
            }
        }
    }

    /// Stops component `id`: it leaves the directory, the lattice and the link resolver.
    fn remove_component(&self, id: &str) {
        self.directory.remove(id);
        if let Some(served) = self.lock_served().remove(id) {
            served.stop();
        }
        let mut state = self.lock();
        state.components.remove(id);
        state.component_configs.remove(id);
        state.component_secrets.remove(id);
        drop(state);
        self.resolver().component_removed(id);
    }

    /// Loads and runs `running` (reading the configs `config`), replacing what ran under its
    /// id, and serves it to the lattice's other hosts when there are any.
    async fn run_component(
        &self,
        running: RunningComponent,
        config: &[String],
    ) -> Result<(), HostError> {
        let id = &running.id;
        let slot = self.resolver().slot(id);
        let prepared = self
            .prepare_component(id, &running.image, &running.limits)
            .await?
            .with_links(slot);
        let handler = match self.directory.get(id) {
            Some(previous) => prepared.succeeding(&previous),
            None => prepared,
        };
        {
            let mut state = self.lock();
            state.component_configs.insert(id.clone(), config.to_vec());
            state
                .component_secrets
                .insert(id.clone(), running.secrets.clone());
        }
        let handler = Arc::new(handler);
        self.directory.insert(id, Arc::clone(&handler));
        self.serve_remotely(id, &handler).await?;
        self.lock().components.insert(id.clone(), running);
        Ok(())
    }

    /// Serves component `id`'s calls, HTTP and messages to the lattice's other hosts (nothing
    /// without a lattice). When it is served already for the same kinds of requests, only the
    /// handler is swapped: the subscriptions stay, so no request is lost to one going away.
    async fn serve_remotely(
        &self,
        id: &str,
        handler: &Arc<ComponentHandler>,
    ) -> Result<(), HostError> {
        let Some(remote) = &self.remote else {
            return Ok(());
        };
        let exports = RemoteExports {
            http: handler.exports_interface(INCOMING_HANDLER),
            messages: handler.handles_messages(),
        };
        let swapped = match self.lock_served().get(id) {
            Some(served) => served.swap(Arc::clone(handler), exports).is_ok(),
            None => false,
        };
        if swapped {
            return Ok(());
        }
        let current = CurrentHandler::new(Arc::clone(handler));
        let tasks = subscribe_remote(remote, id, &current, exports)
            .await
            .map_err(|error| HostError::Component {
                id: id.to_owned(),
                problem: ComponentProblem::NotServed(error),
            })?;
        let served = ServedRemotely {
            handler: current,
            exports,
            tasks,
        };
        if let Some(old) = self.lock_served().insert(id.to_owned(), served) {
            old.stop();
        }
        Ok(())
    }

    /// Starts built-in capability `running` (reading the configs `config`) and serves the
    /// links recorded from it.
    async fn start_capability(
        &self,
        running: RunningCapability,
        config: &[String],
    ) -> Result<(), HostError> {
        let kind =
            capability::resolve(&running.image).ok_or_else(|| HostError::UnknownCapability {
                image: running.image.clone(),
                known: capability::known_images().join(", "),
            })?;
        let id = running.id.clone();
        {
            let mut state = self.lock();
            state.capability_configs.insert(id.clone(), config.to_vec());
            state.capabilities.insert(id.clone(), (running, kind));
        }
        for link in self.links_from(&id) {
            self.serve_link(&link).await?;
        }
        Ok(())
    }

    /// Stops capability `id`: its backends close and the routes of its links go.
    async fn stop_capability(&self, id: &str) {
        {
            let mut state = self.lock();
            state.capabilities.remove(id);
            state.capability_configs.remove(id);
        }
        self.resolver().capability_stopped(id);
        for link in self.links_from(id) {
            self.unroute(&link_key(&link)).await;
        }
    }

    /// The recorded links whose source is `source_id`.
    fn links_from(&self, source_id: &str) -> Vec<LinkSpec> {
        self.lock()
            .links
            .iter()
            .filter(|link| link.source_id == source_id)
            .cloned()
            .collect()
    }

    /// Records `link` and serves it; a link that cannot be served is not recorded, so the
    /// next reconcile tries again (e.g. once the port frees).
    async fn put_link(&self, link: &LinkSpec) -> Result<(), HostError> {
        self.prepare_link(link).await?;
        {
            let mut state = self.lock();
            state.links.retain(|existing| existing.key() != link.key());
            state.links.push(link.clone());
        }
        let served = self.serve_link(link).await;
        if served.is_err() {
            self.lock()
                .links
                .retain(|existing| existing.key() != link.key());
        }
        served
    }

    /// Stops serving: every listener drains its in-flight requests.
    pub async fn shutdown(&self) {
        for (_, served) in self.lock_served().drain() {
            served.stop();
        }
        self.http.shutdown().await;
        self.bus.publish(LatticeEvent::HostStopped {
            host_id: self.id.clone(),
            labels: self.info().labels,
        });
    }

    /// Where component `image` comes from: a `file://` path, or an OCI reference pulled
    /// through the cache (no download when the registry still names what is cached).
    async fn component_source(&self, image: &str) -> Result<ComponentSource, HostError> {
        let unusable = |problem: ImageProblem| HostError::Image {
            image: image.to_owned(),
            problem,
        };
        if let Some(path) = image.strip_prefix("file://") {
            let path = PathBuf::from(path);
            if !path.is_absolute() {
                return Err(unusable(ImageProblem::RelativePath));
            }
            return Ok(ComponentSource::File(path));
        }
        let Some(oci) = &self.oci else {
            return Err(unusable(ImageProblem::NoRegistry));
        };
        let (cache, registry) = &**oci;
        let fetched = cache
            .fetch(registry, image, &weft_oci::Silent)
            .await
            .map_err(|error| unusable(ImageProblem::Pull(error)))?;
        tracing::info!(image, digest = %fetched.facts.layer_digest, downloaded = fetched.downloaded, "component image ready");
        Ok(ComponentSource::Bytes {
            name: image.to_owned(),
            bytes: Arc::from(fetched.bytes),
        })
    }

    /// Loads (compiling on first use, on the blocking pool) and prepares a component to run
    /// under `limits`.
    async fn prepare_component(
        &self,
        id: &str,
        image: &str,
        limits: &ComponentLimits,
    ) -> Result<ComponentHandler, HostError> {
        let own_limits = self
            .runtime
            .limits()
            .with_own(
                limits.memory_bytes,
                limits.timeout_ms.map(Duration::from_millis),
            )
            .map_err(|problem| HostError::Component {
                id: id.to_owned(),
                problem: ComponentProblem::Limits(problem),
            })?;
        let admission = limits
            .max_concurrency
            .map_or_else(Admission::unbounded, Admission::at_most);
        let source = self.component_source(image).await?;
        let runtime = Arc::clone(&self.runtime);
        let (metrics, metrics_id) = (self.metrics.clone(), id.to_owned());
        let prepared = tokio::task::spawn_blocking(move || {
            let component = runtime.load(&source).map_err(ComponentProblem::Load)?;
            ComponentHandler::for_host(&runtime, &component, OutgoingHttpPolicy::deny_all())
                .map(|handler| {
                    handler
                        .with_telemetry(&metrics, &metrics_id)
                        .with_limits(own_limits, admission)
                })
                .map_err(ComponentProblem::Prepare)
        })
        .await
        .unwrap_or_else(|panicked| Err(ComponentProblem::Panicked(panicked.to_string())));
        prepared.map_err(|problem| HostError::Component {
            id: id.to_owned(),
            problem,
        })
    }

    /// Subscribes a messaging → component link's subjects in the capability's broker (on
    /// NATS when the link's source config names servers, connecting if needed).
    async fn subscribe_link(&self, link: &LinkSpec) -> Result<(), HostError> {
        let failed = |problem: LinkProblem| HostError::Link {
            link: describe_link(link),
            problem,
        };
        let settings = self
            .with_link_inputs(|inputs, _| {
                let kind = inputs.capabilities.get(&link.source_id).copied()?;
                let resolved =
                    ResolvedLink::new(&link.source_id, kind, &link.source_config, inputs);
                Some(messaging::link_settings(&resolved.request()))
            })
            .ok_or(LinkProblem::MessagingNotHere)
            .and_then(|settings| Ok(settings?))
            .map_err(failed)?;
        let brokers = self
            .resolver()
            .messaging()
            .ok_or(LinkProblem::MessagingNotHere)
            .map_err(failed)?;
        let broker = match brokers.backend(&link.source_id, &settings.cluster_uris) {
            Some(broker) => broker,
            None => {
                brokers
                    .opening(&link.source_id, settings.cluster_uris.clone())
                    .open()
                    .await
                    .map_err(|error| failed(error.into()))?;
                brokers
                    .backend(&link.source_id, &settings.cluster_uris)
                    .ok_or(LinkProblem::MessagingNotHere)
                    .map_err(failed)?
            }
        };
        let sink = Arc::new(LinkedHandler {
            directory: self.directory.clone(),
            target_id: link.target_id.clone(),
            remote: self
                .remote
                .clone()
                .map(|remote| (remote, link.source_id.clone())),
        });
        // One broker per link side: the same link moving to other servers leaves the old ones.
        self.resolver().unsubscribe(&link_key(link));
        broker
            .subscribe(&link_key(link), &settings.subscriptions, sink)
            .await
            .map_err(|error| failed(error.into()))?;
        let subjects: Vec<&str> = settings
            .subscriptions
            .iter()
            .map(|subscription| subscription.subject.as_str())
            .collect();
        let via = if settings.cluster_uris.is_empty() {
            "in process".to_owned()
        } else {
            settings.cluster_uris.join(",")
        };
        tracing::info!(app = link.app.as_deref().unwrap_or("-"), subjects = %subjects.join(","), target = %link.target_id, %via, "delivering messages");
        Ok(())
    }

    /// Serves `link` if it is an HTTP server → component link whose server runs here, or
    /// subscribes it if it is a messaging → component link.
    async fn serve_link(&self, link: &LinkSpec) -> Result<(), HostError> {
        let source_is_messaging = self
            .lock()
            .capabilities
            .get(&link.source_id)
            .is_some_and(|(_, kind)| MessagingCapability::KINDS.contains(kind));
        if source_is_messaging && is_handler_link(link) {
            return self.subscribe_link(link).await;
        }
        let source_is_http_server = self
            .lock()
            .capabilities
            .get(&link.source_id)
            .is_some_and(|(_, kind)| **kind == HTTP_SERVER);
        if !source_is_http_server || !is_incoming_http(link) {
            return Ok(());
        }
        let config = self.merged_config(&link.source_config);
        let (addr, spec) = route_of(&config).map_err(|problem| HostError::Route {
            link: describe_link(link),
            problem,
        })?;
        let key = link_key(link);
        // Named by the link's key, not its target, so re-targeting keeps the route.
        let owner = route_owner(link, &key);
        if let Some(served) = self.lock().routes.get(&key)
            && served.addr == addr
            && served.spec == spec
            && served.owner == owner.name
        {
            // Same route: switch the target in place, so no request sees a gap.
            served.handler.retarget(&link.target_id);
            return Ok(());
        }
        self.unroute(&key).await;
        let handler = Arc::new(LinkedComponent::new(
            self.directory.clone(),
            &link.target_id,
            self.remote
                .clone()
                .map(|remote| (remote, link.source_id.clone())),
        ));
        let bound = self
            .http
            .add_route(addr, spec.clone(), owner.clone(), Arc::clone(&handler) as _)
            .await
            .map_err(|error| HostError::Route {
                link: describe_link(link),
                problem: RouteProblem::Server(error),
            })?;
        tracing::info!(app = link.app.as_deref().unwrap_or("-"), address = %bound, target = %link.target_id, "serving HTTP");
        self.lock().routes.insert(
            key,
            ServedRoute {
                addr: bound,
                spec,
                owner: owner.name,
                handler,
            },
        );
        Ok(())
    }

    async fn refresh_routes_using(&self, config: &str) -> Result<(), HostError> {
        let links: Vec<LinkSpec> = self
            .lock()
            .links
            .iter()
            .filter(|l| l.source_config.iter().any(|c| c == config))
            .cloned()
            .collect();
        for link in links {
            self.serve_link(&link).await?;
        }
        Ok(())
    }

    /// Stops serving the route of link `key`; returns once its port is free if it was the
    /// last route there.
    async fn unroute(&self, key: &str) {
        self.resolver().unsubscribe(key);
        let removed = self.lock().routes.remove(key);
        if let Some(served) = removed {
            self.http
                .remove_route(served.addr, &served.spec, &served.owner)
                .await;
        }
    }

    fn merged_config(&self, names: &[String]) -> BTreeMap<String, String> {
        merged(names, &self.lock().configs)
    }

    /// Checks a link a component imports through (the target provides the interface, its
    /// config is usable) and opens its backend (connecting to its server) if needed.
    async fn prepare_link(&self, link: &LinkSpec) -> Result<(), HostError> {
        let failed = |problem: LinkProblem| HostError::Link {
            link: describe_link(link),
            problem,
        };
        let opening = self
            .with_link_inputs(|inputs, resolver| resolver.prepare(link, inputs))
            .map_err(failed)?;
        if let Some(opening) = opening {
            opening.open().await.map_err(|error| failed(error.into()))?;
        }
        Ok(())
    }

    /// Opens the backend of every recorded link that needs one and has none yet.
    async fn open_missing_stores(&self) -> Result<(), HostError> {
        let openings: Vec<(LinkSpec, Opening)> = self.with_link_inputs(|inputs, resolver| {
            inputs
                .links
                .iter()
                .filter_map(|link| {
                    let opening = resolver.prepare(link, inputs).ok().flatten()?;
                    Some((link.clone(), opening))
                })
                .collect()
        });
        for (link, opening) in openings {
            opening.open().await.map_err(|error| HostError::Link {
                link: describe_link(&link),
                problem: error.into(),
            })?;
        }
        Ok(())
    }

    /// Re-resolves what every component reaches through its links.
    fn refresh_links(&self) {
        self.with_link_inputs(|inputs, resolver| resolver.refresh(inputs));
    }

    /// Runs `work` with the link resolver and a view of what the host runs (both locked).
    fn with_link_inputs<R>(&self, work: impl FnOnce(&LinkInputs<'_>, &mut LinkResolver) -> R) -> R {
        let state = self.lock();
        let capabilities = builtins(&state);
        let inputs = LinkInputs {
            components: &state.components,
            component_configs: &state.component_configs,
            capabilities: &capabilities,
            capability_configs: &state.capability_configs,
            links: &state.links,
            configs: &state.configs,
            component_secrets: &state.component_secrets,
            secrets: &state.secrets,
        };
        work(&inputs, &mut self.resolver())
    }

    fn resolver(&self) -> std::sync::MutexGuard<'_, LinkResolver> {
        self.resolver
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_served(&self) -> std::sync::MutexGuard<'_, HashMap<String, ServedRemotely>> {
        self.served_remotely
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Lattice for Host {
    type Error = HostError;

    async fn observe(&self) -> ObservedLattice {
        Host::observe(self)
    }

    async fn execute(&self, command: &Command) -> Result<(), HostError> {
        Host::execute(self, command).await
    }
}

/// `source -(namespace:package)-> target`, for errors.
fn describe_link(link: &LinkSpec) -> String {
    format!(
        "{} -({}:{})-> {}",
        link.source_id, link.namespace, link.package, link.target_id
    )
}

/// The built-in each running capability is.
fn builtins(state: &State) -> BTreeMap<String, &'static Kind> {
    state
        .capabilities
        .iter()
        .map(|(id, (_, kind))| (id.clone(), *kind))
        .collect()
}

fn link_key(link: &LinkSpec) -> String {
    route_key(&link.source_id, &link.namespace, &link.package, &link.name)
}

/// Who holds a link's route, and the command that frees it: undeploying the app that
/// declares the link, or deleting the hand-made link.
fn route_owner(link: &LinkSpec, key: &str) -> RouteOwner {
    match &link.app {
        Some(app) => RouteOwner::freed_by(
            format!("app {app} (link {key})"),
            format!("weft app undeploy {app}"),
        )
        .of_app(app.as_str()),
        None => {
            let name = if link.name == "default" {
                String::new()
            } else {
                format!(" --link-name {}", link.name)
            };
            RouteOwner::freed_by(
                format!("the hand-made link {key}"),
                format!(
                    "weft link del {} {} {}{name}",
                    link.source_id, link.namespace, link.package
                ),
            )
        }
    }
}

/// The key a link's route is kept under: what identifies a link in the lattice.
fn route_key(source_id: &str, namespace: &str, package: &str, name: &str) -> String {
    format!("{source_id}/{namespace}:{package}/{name}")
}
