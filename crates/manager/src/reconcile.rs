//! `reconcile(desired, observed) -> plan`: the commands that move the lattice towards what the
//! app wants, and the app's status with a reason for every unmet goal.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::blocker::{Blocker, LinkName};
use crate::desired::{
    DesiredApp, DesiredSecret, DesiredWorkload, SECRET_BACKENDS, Scaler, Share, WorkloadKind,
};
use crate::part::{Part, PartStatus};
use crate::placement::{split_by_weight, split_evenly};
use weft_lattice::{Command, ComponentLimits, LinkSpec, SecretBinding};
use weft_lattice::{ObservedHost, ObservedLattice};

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppState {
    /// Everything it wants is running.
    Deployed,
    /// Commands are on their way; nothing is known to be wrong.
    Reconciling,
    /// Some goal cannot be met until something changes; the reasons say what.
    Failed,
}

impl AppState {
    /// Its lowercase name, as the API and the metrics show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deployed => "deployed",
            Self::Reconciling => "reconciling",
            Self::Failed => "failed",
        }
    }
}

/// An application's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppStatus {
    /// Deployed, reconciling or failed.
    pub state: AppState,
    /// What stands in the way, each saying what to do.
    pub reasons: Vec<Blocker>,
    /// Each scaler and link on its own, in manifest order.
    pub parts: Vec<PartStatus>,
}

impl AppStatus {
    /// Reconciling, with nothing known yet about its parts.
    pub fn reconciling() -> Self {
        Self {
            state: AppState::Reconciling,
            reasons: Vec::new(),
            parts: Vec::new(),
        }
    }

    /// Records that `command` failed with `reason`: the app and the part it was for fail.
    pub fn command_failed(&mut self, command: &Command, reason: Blocker) {
        for part in &mut self.parts {
            part.fail_if_concerned(command, &reason);
        }
        self.state = AppState::Failed;
        self.reasons.push(reason);
    }
}

/// The result of one reconcile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Goals to send to hosts, in order: configs, starts and scales, links, then removals.
    pub commands: Vec<Command>,
    /// The status this reconcile observed.
    pub status: AppStatus,
}

/// Plans how to move `observed` towards `desired`. Pure: same inputs, same plan.
pub fn reconcile(desired: &DesiredApp, observed: &ObservedLattice) -> Plan {
    let mut planner = Planner {
        app: &desired.name,
        observed,
        commands: Vec::new(),
        removals: Vec::new(),
        reasons: Vec::new(),
        parts: Vec::new(),
    };
    let unsupported = desired.unsupported.iter().cloned();
    planner
        .reasons
        .extend(unsupported.map(|what| Blocker::Unsupported { what }));
    let blocked = planner.configs(desired);
    for workload in &desired.workloads {
        let mark = planner.mark();
        let missing: Vec<Blocker> = workload
            .config
            .iter()
            .filter(|name| blocked.contains(name.as_str()))
            .map(|config| Blocker::ConfigMissing {
                config: config.clone(),
            })
            .collect();
        if missing.is_empty() && planner.secrets_available(workload) {
            planner.workload(workload);
        }
        if let Some(part) = Part::of_workload(workload) {
            planner.close_part(part, mark, missing);
        }
    }
    for link in &desired.links {
        let mark = planner.mark();
        planner.link(desired, link);
        planner.close_part(Part::of_link(link), mark, Vec::new());
    }
    planner.cleanup(desired);

    let Planner {
        mut commands,
        removals,
        reasons,
        parts,
        ..
    } = planner;
    commands.extend(removals);
    let state = if !reasons.is_empty() {
        AppState::Failed
    } else if !commands.is_empty() {
        AppState::Reconciling
    } else {
        AppState::Deployed
    };
    Plan {
        commands,
        status: AppStatus {
            state,
            reasons,
            parts,
        },
    }
}

struct Planner<'a> {
    app: &'a str,
    observed: &'a ObservedLattice,
    commands: Vec<Command>,
    removals: Vec<Command>,
    reasons: Vec<Blocker>,
    parts: Vec<PartStatus>,
}

/// How far the planner had got when it began planning one part.
#[derive(Clone, Copy)]
struct Mark {
    commands: usize,
    removals: usize,
    reasons: usize,
}

impl<'a> Planner<'a> {
    fn mark(&self) -> Mark {
        Mark {
            commands: self.commands.len(),
            removals: self.removals.len(),
            reasons: self.reasons.len(),
        }
    }

    /// Records `part`'s status from what was planned for it since `mark`, plus `reasons`
    /// found before (configs it reads that do not exist).
    fn close_part(&mut self, part: Part, mark: Mark, mut reasons: Vec<Blocker>) {
        reasons.extend_from_slice(&self.reasons[mark.reasons..]);
        let state = if !reasons.is_empty() {
            AppState::Failed
        } else if self.commands.len() > mark.commands || self.removals.len() > mark.removals {
            AppState::Reconciling
        } else {
            AppState::Deployed
        };
        self.parts.push(PartStatus {
            part,
            state,
            reasons,
        });
    }

    /// Puts owned configs that differ; returns the external configs that do not exist.
    fn configs(&mut self, desired: &DesiredApp) -> BTreeSet<String> {
        let mut missing = BTreeSet::new();
        for config in &desired.configs {
            let stored = self.observed.configs.get(&config.name);
            let up_to_date = |values: &BTreeMap<String, String>| {
                stored.is_some_and(|stored| {
                    &stored.values == values && stored.app.as_deref() == Some(self.app)
                })
            };
            match &config.values {
                Some(values) if !up_to_date(values) => {
                    self.commands.push(Command::PutConfig {
                        name: config.name.clone(),
                        values: values.clone(),
                        app: Some(self.app.to_owned()),
                    });
                }
                Some(_) => {}
                None if stored.is_none() => {
                    self.reasons.push(Blocker::ConfigMissing {
                        config: config.name.clone(),
                    });
                    missing.insert(config.name.clone());
                }
                None => {}
            }
        }
        missing
    }

    /// Whether every secret `workload` reads is stored (in the version asked for) in a
    /// backend weft has; otherwise says what to do.
    fn secrets_available(&mut self, workload: &DesiredWorkload) -> bool {
        self.stored(&workload.name, &workload.secrets)
    }

    /// Whether every one of `secrets` (read by `reader`) is stored in the version asked for,
    /// in a backend weft has; otherwise says what to do.
    fn stored(&mut self, reader: &str, secrets: &[DesiredSecret]) -> bool {
        let mut available = true;
        for secret in secrets {
            let key = &secret.binding.key;
            let workload = reader.to_owned();
            let reason = if !SECRET_BACKENDS.contains(&secret.backend.as_str()) {
                Some(Blocker::SecretBackend {
                    secret: secret.binding.name.clone(),
                    workload,
                    backend: secret.backend.clone(),
                    key: key.clone(),
                })
            } else {
                match (self.observed.secrets.get(key), &secret.version) {
                    (None, _) => Some(Blocker::SecretMissing {
                        key: key.clone(),
                        workload,
                    }),
                    (Some(stored), Some(wanted)) if stored.to_string() != *wanted => {
                        Some(Blocker::SecretVersion {
                            key: key.clone(),
                            workload,
                            stored: stored.to_string(),
                            wanted: wanted.clone(),
                        })
                    }
                    _ => None,
                }
            };
            if let Some(reason) = reason {
                self.reasons.push(reason);
                available = false;
            }
        }
        available
    }

    fn workload(&mut self, workload: &DesiredWorkload) {
        if let Some(owner) = self.foreign_owner(workload) {
            let (workload, id) = (workload.name.clone(), workload.id.clone());
            self.reasons.push(match owner {
                None => Blocker::StartedByHand { workload, id },
                Some(owner) => Blocker::IdTaken {
                    workload,
                    id,
                    owner: owner.to_owned(),
                },
            });
            return;
        }
        let targets = match &workload.scaler {
            Some(scaler) => self.placement(workload, scaler),
            None => BTreeMap::new(),
        };
        let observed = self.observed;
        for host in &observed.hosts {
            let wanted = targets.get(host.id.as_str()).copied().unwrap_or(0);
            match workload.kind {
                WorkloadKind::Component => self.scale_component(host, workload, wanted),
                WorkloadKind::Capability => self.place_capability(host, workload, wanted > 0),
            }
        }
    }

    /// Desired count per host id.
    fn placement(
        &mut self,
        workload: &DesiredWorkload,
        scaler: &Scaler,
    ) -> BTreeMap<String, usize> {
        let mut targets: BTreeMap<String, usize> = BTreeMap::new();
        if self.observed.hosts.is_empty() {
            self.reasons.push(Blocker::NoHosts {
                workload: workload.name.clone(),
            });
            return targets;
        }
        let (instances, shares, daemon) = match scaler {
            Scaler::Spread { instances, shares } => (*instances, shares, false),
            Scaler::Daemon { instances, shares } => (*instances, shares, true),
        };
        let weights: Vec<usize> = shares.iter().map(|share| share.weight).collect();
        let per_share = split_by_weight(instances, &weights);
        for (share, share_count) in shares.iter().zip(per_share) {
            let eligible = self.eligible_hosts(workload, share);
            let wanted_here = if daemon { instances } else { share_count };
            if wanted_here > 0 && eligible.is_empty() {
                self.reasons.push(Blocker::NoHostWithLabels {
                    workload: workload.name.clone(),
                    labels: describe_labels(&share.requirements),
                    spread: share.name.clone(),
                });
                continue;
            }
            match (workload.kind, daemon) {
                (_, true) => {
                    let per_host = if workload.kind == WorkloadKind::Capability {
                        1
                    } else {
                        instances
                    };
                    for host in eligible {
                        let slot = targets.entry(host.to_owned()).or_insert(0);
                        *slot = (*slot).max(per_host);
                    }
                }
                (WorkloadKind::Component, false) => {
                    for (host, count) in eligible
                        .iter()
                        .zip(split_evenly(share_count, eligible.len()))
                    {
                        *targets.entry((*host).to_owned()).or_insert(0) += count;
                    }
                }
                (WorkloadKind::Capability, false) => {
                    // `instances` hosts run it; keep the ones already running it.
                    for host in eligible.into_iter().take(share_count) {
                        targets.insert(host.to_owned(), 1);
                    }
                }
            }
        }
        targets
    }

    /// Hosts matching `share`, those already running the workload first, then by id.
    fn eligible_hosts(&self, workload: &DesiredWorkload, share: &Share) -> Vec<&'a str> {
        let observed: &'a ObservedLattice = self.observed;
        let mut hosts: Vec<&'a ObservedHost> = observed
            .hosts
            .iter()
            .filter(|host| host.matches(&share.requirements))
            .collect();
        hosts.sort_by_key(|host| (!runs(host, &workload.id), host.id.as_str()));
        hosts.into_iter().map(|host| host.id.as_str()).collect()
    }

    fn scale_component(&mut self, host: &ObservedHost, workload: &DesiredWorkload, wanted: usize) {
        let running = host
            .components
            .iter()
            .find(|c| c.id == workload.id && c.app.as_deref() == Some(self.app));
        let current = running.map_or(0, |c| c.count);
        let secrets: Vec<SecretBinding> = workload
            .secrets
            .iter()
            .map(|secret| secret.binding.clone())
            .collect();
        let limits = wire_limits(&workload.limits);
        let same_setup = running.is_none_or(|c| {
            c.image == workload.image && c.secrets == secrets && c.limits == limits
        });
        if current == wanted && same_setup {
            return;
        }
        let command = Command::ScaleComponent {
            host_id: host.id.clone(),
            component_id: workload.id.clone(),
            image: workload.image.clone(),
            count: wanted,
            config: workload.config.clone(),
            secrets,
            limits,
            app: Some(self.app.to_owned()),
        };
        if wanted == 0 {
            self.removals.push(command)
        } else {
            self.commands.push(command)
        }
    }

    fn place_capability(&mut self, host: &ObservedHost, workload: &DesiredWorkload, wanted: bool) {
        let running = host
            .capabilities
            .iter()
            .find(|c| c.id == workload.id && c.app.as_deref() == Some(self.app));
        match (running, wanted) {
            (None, true) => self.commands.push(start(host, workload, self.app)),
            (Some(capability), true) if capability.image != workload.image => {
                self.commands.push(start(host, workload, self.app))
            }
            (Some(_), false) => self.removals.push(Command::StopCapability {
                host_id: host.id.clone(),
                capability_id: workload.id.clone(),
            }),
            _ => {}
        }
    }

    /// Who else runs the workload's id: `Some(Some(app))` another application,
    /// `Some(None)` nobody's (started by hand), `None` no one.
    fn foreign_owner(&self, workload: &DesiredWorkload) -> Option<Option<&str>> {
        self.observed
            .hosts
            .iter()
            .find_map(|host| match workload.kind {
                WorkloadKind::Component => host
                    .components
                    .iter()
                    .find(|c| c.id == workload.id && c.app.as_deref() != Some(self.app))
                    .map(|c| c.app.as_deref()),
                WorkloadKind::Capability => host
                    .capabilities
                    .iter()
                    .find(|c| c.id == workload.id && c.app.as_deref() != Some(self.app))
                    .map(|c| c.app.as_deref()),
            })
    }

    fn link(&mut self, desired: &DesiredApp, link: &LinkSpec) {
        let key = link.key();
        let secrets = desired.link_secrets.iter().find(|secrets| {
            let (source, namespace, package, name) = &secrets.link;
            (
                source.as_str(),
                namespace.as_str(),
                package.as_str(),
                name.as_str(),
            ) == key
        });
        if let Some(secrets) = secrets
            && !self.stored(&secrets.described, &secrets.secrets)
        {
            return;
        }
        match self
            .observed
            .links
            .iter()
            .find(|existing| existing.key() == link.key())
        {
            Some(existing) if existing == link => {}
            Some(existing) if existing.app.as_deref() != Some(self.app) => {
                self.reasons.push(Blocker::LinkTaken {
                    link: LinkName {
                        source_id: link.source_id.clone(),
                        namespace: link.namespace.clone(),
                        package: link.package.clone(),
                        name: link.name.clone(),
                    },
                    owner: existing.app.clone(),
                })
            }
            _ => self.commands.push(Command::PutLink(link.clone())),
        }
    }

    /// Removes workloads, links and configs this app owns but no longer wants.
    fn cleanup(&mut self, desired: &DesiredApp) {
        let wanted = |id: &str, kind: WorkloadKind| {
            desired
                .workloads
                .iter()
                .any(|w| w.id == id && w.kind == kind)
        };
        for host in &self.observed.hosts {
            for component in host
                .components
                .iter()
                .filter(|c| c.app.as_deref() == Some(self.app))
            {
                if !wanted(&component.id, WorkloadKind::Component) {
                    self.removals.push(Command::ScaleComponent {
                        host_id: host.id.clone(),
                        component_id: component.id.clone(),
                        image: component.image.clone(),
                        count: 0,
                        config: Vec::new(),
                        secrets: Vec::new(),
                        limits: ComponentLimits::default(),
                        app: Some(self.app.to_owned()),
                    });
                }
            }
            for capability in host
                .capabilities
                .iter()
                .filter(|c| c.app.as_deref() == Some(self.app))
            {
                if !wanted(&capability.id, WorkloadKind::Capability) {
                    self.removals.push(Command::StopCapability {
                        host_id: host.id.clone(),
                        capability_id: capability.id.clone(),
                    });
                }
            }
        }
        for link in self
            .observed
            .links
            .iter()
            .filter(|link| link.app.as_deref() == Some(self.app))
        {
            if !desired
                .links
                .iter()
                .any(|wanted| wanted.key() == link.key())
            {
                self.removals.push(delete_link(link));
            }
        }
        for (name, stored) in &self.observed.configs {
            if stored.app.as_deref() == Some(self.app)
                && !desired.configs.iter().any(|config| &config.name == name)
            {
                self.removals
                    .push(Command::DeleteConfig { name: name.clone() });
            }
        }
    }
}

fn runs(host: &ObservedHost, id: &str) -> bool {
    host.components.iter().any(|c| c.id == id) || host.capabilities.iter().any(|c| c.id == id)
}

fn start(host: &ObservedHost, workload: &DesiredWorkload, app: &str) -> Command {
    Command::StartCapability {
        host_id: host.id.clone(),
        capability_id: workload.id.clone(),
        image: workload.image.clone(),
        config: workload.config.clone(),
        app: Some(app.to_owned()),
    }
}

fn delete_link(link: &LinkSpec) -> Command {
    Command::DeleteLink {
        source_id: link.source_id.clone(),
        namespace: link.namespace.clone(),
        package: link.package.clone(),
        name: link.name.clone(),
    }
}

fn describe_labels(requirements: &BTreeMap<String, String>) -> String {
    requirements
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A manifest's limits as a command carries them (a timeout in whole milliseconds, rounded
/// up so `500us` stays a timeout rather than none).
fn wire_limits(limits: &weft_manifest::ComponentLimits) -> ComponentLimits {
    ComponentLimits {
        memory_bytes: limits.memory_bytes,
        timeout_ms: limits
            .timeout
            .map(|timeout| u64::try_from(timeout.as_micros().div_ceil(1000)).unwrap_or(u64::MAX)),
        max_concurrency: limits.max_concurrency,
    }
}
