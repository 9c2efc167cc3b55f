//! A weft host.
//!
//! [`Host`] executes the manager's [`Command`](weft_lattice::Command)s: it loads and runs
//! components (a fresh instance per request, from the runtime's pre-instantiated component),
//! starts built-in capabilities (`weft_capabilities::capability::resolve` maps wasmCloud's and
//! weft's capability images to them), keeps links and configs, and turns `wasi:http/incoming-handler` links from the HTTP
//! server to a component into routes. [`Host::observe`] reports what runs, in the form the
//! reconciler reads (and implements the manager's [`Lattice`](weft_lattice::Lattice) trait).
//! After every command it publishes a [`LatticeEvent`](weft_lattice::LatticeEvent) on its bus.
//! Links are resolved when a request arrives, so a link may be put before its target runs.
//! [`HostCtl`] answers the host's control requests on NATS, the manager's commands included.

mod component_invoker;
mod component_links;
mod ctl;
mod ctl_unmanaged;
mod error;
mod event;
mod fence;
mod host;
mod http_link;
mod inventory;
mod link_problem;
mod message_link;
mod remote_body;
mod remote_components;
mod remote_http;
mod remote_messages;
mod remote_serve;
mod secret_follower;
mod served_remotely;

pub use component_invoker::{CallFailure, ComponentInvoker};
pub use ctl::HostCtl;
pub use error::{ComponentProblem, HostError, ImageProblem, RouteProblem};
pub use host::{Host, HostInfo};
pub use link_problem::LinkProblem;
pub use remote_http::RemoteCalls;
pub use secret_follower::follow_secrets;
