//! What a host answers a manager with over NATS: who it is and what it runs.

use serde::{Deserialize, Serialize};

use crate::HostSummary;
use crate::observed::ObservedHost;

/// A host's answer to `weft.observe.{id}` and to every `weft.execute.{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostReport {
    /// Who it is.
    pub summary: HostSummary,
    /// What it runs now.
    pub observed: ObservedHost,
}
