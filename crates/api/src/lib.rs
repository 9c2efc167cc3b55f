//! The control plane `weft up` runs: [`ControlPlane`] keeps applications, configs and links in
//! the store and has the manager's reconciler keep the deployed apps converged on the host,
//! woken by every lattice event; [`serve`] exposes it as HTTP + JSON on localhost (server-sent
//! events for watches), with a bearer token for every call ([`ApiTokens`]: one that reads and
//! changes, one that only reads) and every change in the lattice's audit log; [`ctl`]
//! answers wasmCloud-shaped control requests on NATS when the process is in a lattice.

mod access;
mod control;
pub mod ctl;
mod limit_hits;
mod managed;
mod names;
mod part_view;
mod routes;
mod server;
pub mod wadm;

pub use access::ApiTokens;
pub use control::{AppView, ControlError, ControlPlane};
pub use limit_hits::LimitHit;
pub use managed::{LatticeError, ManagedLattice};
pub use part_view::PartView;
pub use routes::USER_HEADER;
pub use server::{ApiHandle, MetricsEndpoint, serve, serve_metrics};
