//! The goals an application is made of, each with its own status: what wadm lists as an app's
//! scalers (one per component or capability scaler, one per link), so a person sees which
//! part stands in the way.

use weft_lattice::{Command, LinkSpec};

use crate::blocker::Blocker;
use crate::desired::{DesiredWorkload, Scaler};
use crate::reconcile::AppState;

/// One goal of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A component or capability kept at its scaler's count.
    Workload {
        /// Its lattice id.
        id: String,
        /// Its image.
        image: String,
        /// Whether its scaler is a daemonscaler (else a spreadscaler).
        daemon: bool,
        /// The configs it reads (a failed put of one fails it).
        configs: Vec<String>,
    },
    /// A link kept in the lattice.
    Link {
        /// The calling component or capability.
        source_id: String,
        /// The called one.
        target_id: String,
        /// WIT namespace.
        namespace: String,
        /// WIT package.
        package: String,
        /// The link's name.
        name: String,
        /// The configs either side reads (a failed put of one fails it).
        configs: Vec<String>,
    },
}

impl Part {
    /// The part `workload` is, if it has a scaler (a component without one runs nowhere and
    /// is no goal, as in wadm).
    pub fn of_workload(workload: &DesiredWorkload) -> Option<Self> {
        let daemon = matches!(workload.scaler.as_ref()?, Scaler::Daemon { .. });
        Some(Self::Workload {
            id: workload.id.clone(),
            image: workload.image.clone(),
            daemon,
            configs: workload.config.clone(),
        })
    }

    /// The part `link` is.
    pub fn of_link(link: &LinkSpec) -> Self {
        Self::Link {
            source_id: link.source_id.clone(),
            target_id: link.target_id.clone(),
            namespace: link.namespace.clone(),
            package: link.package.clone(),
            name: link.name.clone(),
            configs: link
                .source_config
                .iter()
                .chain(&link.target_config)
                .cloned()
                .collect(),
        }
    }

    /// Whether carrying out `command` works towards this part (so its failure is this
    /// part's).
    pub fn concerns(&self, command: &Command) -> bool {
        match (self, command) {
            (Self::Workload { id, .. }, Command::ScaleComponent { component_id, .. }) => {
                id == component_id
            }
            (Self::Workload { id, .. }, Command::StartCapability { capability_id, .. })
            | (Self::Workload { id, .. }, Command::StopCapability { capability_id, .. }) => {
                id == capability_id
            }
            (
                Self::Link {
                    source_id,
                    namespace,
                    package,
                    name,
                    ..
                },
                Command::PutLink(link),
            ) => link.key() == (source_id.as_str(), namespace, package, name),
            (
                Self::Workload { configs, .. } | Self::Link { configs, .. },
                Command::PutConfig { name, .. },
            ) => configs.contains(name),
            _ => false,
        }
    }
}

/// Where one part stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartStatus {
    /// The part.
    pub part: Part,
    /// Deployed, reconciling or failed.
    pub state: AppState,
    /// What stands in its way.
    pub reasons: Vec<Blocker>,
}

impl PartStatus {
    /// Marks this part failed by `reason` when `command` (which failed) was for it.
    pub fn fail_if_concerned(&mut self, command: &Command, reason: &Blocker) {
        if self.part.concerns(command) {
            self.state = AppState::Failed;
            self.reasons.push(reason.clone());
        }
    }
}
