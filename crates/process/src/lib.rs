//! A whole weft process, assembled from the library crates so the binary and the tests start
//! the same thing: [`ManagerProcess`] is `weft up` (the API, the deployment manager and, with
//! a [`HostConfig`], a host in the same process) and `weft manager`; [`HostProcess`] is
//! `weft host`, a host joining a lattice over NATS. Each starts with one call, says what it
//! became (its [`Ready`] report), and stops cleanly.

mod acting;
mod config;
mod error;
mod host_build;
mod host_identity;
mod host_process;
mod join;
mod manager_process;
mod role;
mod state_dir;

pub use config::{HostConfig, HostProcessConfig, ManagerConfig, NatsConfig};
pub use error::StartError;
pub use host_process::{HostProcess, HostReady};
pub use manager_process::{ManagerProcess, Ready, Stopped};
pub use role::Role;
pub use state_dir::{ApiFile, api_file_path, prepare_state_dir};
/// Steps of a deploy a manager can stop at, for failure tests.
pub use weft_manager::Pauses;
