//! The deployment manager's decision core.
//!
//! [`desired_state`] turns a manifest into what should run ([`DesiredApp`]); [`reconcile`]
//! compares it with what the lattice reports ([`ObservedLattice`]) and returns the
//! [`Command`]s that close the gap plus the app's [`AppStatus`], with a reason a person can act
//! on for every unmet goal. `reconcile` is a pure function: no I/O, no clock, no randomness,
//! so the same inputs always give the same plan, and applying the plan then reconciling again
//! gives no further commands (tested as a property).
//!
//! [`AppStore`] keeps every manifest version put, which one is deployed and the history, in
//! the lattice store. The I/O loop that feeds reconcile events and executes its commands
//! comes with the host (see docs/architecture.md).

mod apps;
mod command;
mod desired;
mod observed;
mod placement;
mod reconcile;

pub use apps::{Action, AppStore, AppStoreError, HistoryEntry, StoredApp, StoredVersion};
pub use command::{Command, LinkSpec};
pub use desired::{
    DesiredApp, DesiredConfig, DesiredLink, DesiredWorkload, Scaler, Share, WorkloadKind,
    desired_state, resolve_relative_images,
};
pub use observed::{
    ObservedHost, ObservedLattice, RunningCapability, RunningComponent, StoredConfig,
};
pub use reconcile::{AppState, AppStatus, Plan, reconcile};
