//! The deployment manager's decision core.
//!
//! [`desired_state`] turns a manifest into what should run ([`DesiredApp`]); [`reconcile`]
//! compares it with what the lattice reports ([`ObservedLattice`]) and returns the
//! [`Command`]s that close the gap plus the app's [`AppStatus`], with a reason a person can act
//! on for every unmet goal. `reconcile` is a pure function: no I/O, no clock, no randomness,
//! so the same inputs always give the same plan, and applying the plan then reconciling again
//! gives no further commands (tested as a property).
//!
//! [`Reconciler`] is the I/O loop around it: it keeps every deployed app converged on a
//! [`Lattice`], woken at once by lattice events, retrying failed commands with [`Backoff`].
//!
//! [`AppStore`] keeps every manifest version put, which one is deployed and the history, in
//! the lattice store; [`Records`] keeps the configs and links put by hand. [`Lease`] makes
//! one manager of several the one that acts. [`Pauses`] stop a manager at a chosen step of a
//! deploy, for failure tests.

mod apps;
mod backoff;
mod blocker;
mod desired;
mod id_conflict;
mod lease;
mod nats_lattice;
mod part;
mod pause;
mod placement;
mod reconcile;
mod reconciler;
mod records;

pub use apps::{Action, AppStore, AppStoreError, HistoryEntry, StoredApp, StoredVersion};
pub use backoff::Backoff;
pub use blocker::{Blocker, LinkName, join_reasons};
pub use desired::{
    DesiredApp, DesiredConfig, DesiredLink, DesiredSecret, DesiredWorkload, LinkSecrets,
    SECRET_BACKENDS, Scaler, Share, WorkloadKind, desired_state, first_relative_image,
    resolve_relative_images,
};
pub use id_conflict::{IdConflict, explicit_ids, find_id_conflict};
pub use lease::{Lease, LeaseError, LeaseRecord, lease_holder};
pub use nats_lattice::{NatsLattice, RemoteError};
pub use part::{Part, PartStatus};
pub use pause::{PausePoint, Pauses, UnknownPausePoint};
pub use reconcile::{AppState, AppStatus, Plan, reconcile};
pub use reconciler::{Reconciler, ReconcilerSettings};
pub use records::{RecordError, Records};
// The command and report vocabulary hosts and managers share lives in `weft-lattice`.
pub use weft_lattice::{
    Command, FencedCommand, HostReport, Lattice, LinkSpec, ObservedHost, ObservedLattice,
    RunningCapability, RunningComponent, SecretBinding, StoredConfig,
};
