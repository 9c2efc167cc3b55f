//! What a process is asked to be: plain settings, filled from flags by the CLI and directly by
//! tests.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use weft_lattice::{LatticeName, NatsSettings};
use weft_oci::OciSettings;
use weft_telemetry::LogBridge;

/// The lattice to join over NATS.
#[derive(Debug, Clone)]
pub struct NatsConfig {
    /// How to reach the servers; the client name is set to the process's host id.
    pub settings: NatsSettings,
    /// The lattice.
    pub lattice: LatticeName,
}

/// A host run by the process.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Its labels; `hostcore.os` and `hostcore.arch` are added.
    pub labels: BTreeMap<String, String>,
    /// How often it publishes its heartbeat.
    pub heartbeat: Duration,
    /// Where its invocations that compute past a slice move (`None`: they never move).
    pub busy_lane: Option<weft_runtime::BusyLaneSettings>,
    /// Longest one invocation may run, for components without a `timeout` of their own.
    pub deadline: Duration,
    /// Largest memory one instance may use: the default, and the most a component may have.
    pub memory_limit_bytes: usize,
    /// How it reaches OCI registries.
    pub oci: OciSettings,
}

/// `weft up` (with a host) or `weft manager` (without one).
#[derive(Debug, Clone)]
pub struct ManagerConfig {
    /// Where the store, caches, secrets key and API file live; created if missing.
    pub state_dir: PathBuf,
    /// Where the API listens (port 0 picks a free one; [`crate::Ready::api`] says which).
    pub api_addr: SocketAddr,
    /// The API's read-only token; a fresh random one at every start when unset.
    pub read_token: Option<String>,
    /// The lattice over NATS; without it the process is alone on an embedded store.
    pub nats: Option<NatsConfig>,
    /// The key sealing stored secrets; `secrets.key` in the state directory when unset.
    pub secrets_key: Option<PathBuf>,
    /// How long the acting manager's lease lasts unrenewed (in a lattice).
    pub lease_term: Duration,
    /// How long a host may stay silent before its work is placed elsewhere (in a lattice).
    pub host_expiry: Duration,
    /// A host in this process (`weft up`); `None` for `weft manager`.
    pub host: Option<HostConfig>,
    /// Where the bundled hello example serves, deployed by the first manager of an empty
    /// store; `None` deploys nothing.
    pub example: Option<SocketAddr>,
    /// Export telemetry as `WASMCLOUD_OBSERVABILITY_ENABLED=true` would (wasmCloud's
    /// `--enable-observability`), whatever the environment says.
    pub enable_observability: bool,
    /// The log subscriber's bridge to OTLP, connected when logs are exported.
    pub logs: LogBridge,
    /// Steps of a deploy to stop at, for failure tests; none otherwise.
    pub pauses: weft_manager::Pauses,
}

/// `weft host`: a host joining a lattice over NATS.
#[derive(Debug, Clone)]
pub struct HostProcessConfig {
    /// Where caches and component data live; created if missing.
    pub state_dir: PathBuf,
    /// The lattice.
    pub nats: NatsConfig,
    /// The host.
    pub host: HostConfig,
    /// The lattice's secrets key, to resolve secret-backed configs on this host.
    pub secrets_key: Option<PathBuf>,
    /// Where to serve `GET /metrics` (Prometheus text); `None` serves none.
    pub metrics_addr: Option<SocketAddr>,
    /// Export telemetry as `WASMCLOUD_OBSERVABILITY_ENABLED=true` would (wasmCloud's
    /// `--enable-observability`), whatever the environment says.
    pub enable_observability: bool,
    /// The log subscriber's bridge to OTLP, connected when logs are exported.
    pub logs: LogBridge,
}
