//! Which manager acts on a lattice: the holder of the lease acts; the others stand by, refuse
//! changes with where to send them, and take over when the lease lapses.

use std::sync::Arc;

use weft_api::ControlPlane;
use weft_lattice::{LatticeName, LatticeStore};
use weft_manager::{Lease, LeaseError, LeaseRecord};

use crate::Stopped;
use crate::acting::{ActingOn, act};

/// What a manager process is in its lattice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// No lattice: it is the only manager.
    Alone,
    /// It holds the manager lease and acts.
    Leader,
    /// Another manager holds the lease; this one waits to take over.
    Standby {
        /// Who acts.
        leader: LeaseRecord,
    },
}

impl Role {
    /// `alone`, `leader` or `standby`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Alone => "alone",
            Self::Leader => "leader",
            Self::Standby { .. } => "standby",
        }
    }
}

/// Why a standby refuses changes.
pub(crate) fn standby_reason(lattice: &LatticeName, leader: &LeaseRecord) -> String {
    format!(
        "this weft is standing by for lattice {lattice}: {} manages it; send changes to its API ({}), or here once it stops",
        leader.holder,
        leader.api.as_deref().unwrap_or("unknown")
    )
}

/// Keeps the lease; reports on `lost` when another manager has it.
pub(crate) async fn hold(
    lease: Arc<Lease<LatticeStore>>,
    fence: u64,
    lost: tokio::sync::mpsc::Sender<Stopped>,
) {
    let error = lease.hold(fence).await;
    let _ = lost.send(Stopped::LeaseLost(error)).await;
}

/// Waits for the lease, then acts and keeps it.
pub(crate) async fn take_over(
    lease: Arc<Lease<LatticeStore>>,
    control: Arc<ControlPlane>,
    on: ActingOn,
    lost: tokio::sync::mpsc::Sender<Stopped>,
) {
    let acquired = lease
        .acquire(|leader| {
            tracing::info!(leader = %leader.holder, api = leader.api.as_deref().unwrap_or("unknown"), "standing by for the manager lease");
        })
        .await;
    let fence = match acquired {
        Ok(fence) => fence,
        Err(error) => {
            let _ = lost
                .send(Stopped::LeaseLost(LeaseError::Store(error)))
                .await;
            return;
        }
    };
    tracing::info!("took over as the lattice's manager");
    if let Some(nats) = &on.nats {
        nats.hosts.set_fence(fence);
    }
    control.set_standing_by(None);
    // Whatever acting needs lives as long as this manager holds the lease.
    let _acting = match act(&control, &on).await {
        Ok(acting) => acting,
        Err(error) => {
            tracing::error!(error = %crate::error::with_causes(&error), "taking over failed; giving the lease up so another manager can");
            if let Err(release) = lease.release().await {
                tracing::warn!(error = %release, "cannot give up the manager lease; another manager takes over once it lapses");
            }
            let _ = lost.send(Stopped::TakeOverFailed(error)).await;
            return;
        }
    };
    hold(lease, fence, lost).await;
}
