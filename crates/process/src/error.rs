//! Why a process could not start, in the user's terms, the cause kept as the source.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use weft_lattice::{LatticeName, NatsConnectError, StoreError};

/// A process could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The state directory cannot be created or resolved.
    #[error("cannot use the state directory {path} (pick another with --state-dir)")]
    StateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The state directory's path names a file.
    #[error(
        "the state directory {path} is a file, not a directory (pick another with --state-dir)"
    )]
    StateDirIsFile {
        /// The path.
        path: PathBuf,
    },
    /// Another process runs from the same state directory.
    #[error(
        "another weft process runs from the state directory {path}; give each process its own with --state-dir"
    )]
    StateDirInUse {
        /// The directory.
        path: PathBuf,
    },
    /// The host's key in the state directory cannot be used.
    #[error("the host key {path} is damaged ({reason}); remove it to give this host a new id")]
    HostKey {
        /// The key file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The store cannot be opened.
    #[error("cannot open the store of {place}")]
    Store {
        /// The state directory or the lattice.
        place: String,
        /// Why.
        #[source]
        source: StoreError,
    },
    /// NATS cannot be reached or refused the connection.
    #[error(transparent)]
    Nats(#[from] NatsConnectError),
    /// A subscription on the lattice's NATS failed.
    #[error("cannot {what} of lattice {lattice}")]
    Subscribe {
        /// What the subscription is for.
        what: &'static str,
        /// The lattice.
        lattice: LatticeName,
        /// Why.
        #[source]
        source: async_nats::SubscribeError,
    },
    /// The host in this process never showed up in the lattice.
    #[error(
        "the host in this process did not join lattice {lattice} within {waited:?}; is NATS answering?"
    )]
    HostNotJoined {
        /// The lattice.
        lattice: LatticeName,
        /// How long it waited.
        waited: Duration,
    },
    /// The API cannot listen.
    #[error("cannot serve the API on {addr} (pick another with --api-addr)")]
    Api {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The metrics endpoint cannot listen.
    #[error("cannot serve the metrics on {addr} (pick another with --metrics-addr)")]
    Metrics {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The telemetry configuration (`OTEL_*` variables) is unusable.
    #[error("telemetry cannot start")]
    Telemetry(#[from] weft_telemetry::TelemetryError),
    /// The WebAssembly runtime cannot start.
    #[error(transparent)]
    Runtime(#[from] weft_runtime::RuntimeError),
    /// The OCI cache cannot be opened.
    #[error(transparent)]
    Oci(#[from] weft_oci::OciError),
    /// The secrets key cannot be read or created.
    #[error(transparent)]
    Secrets(#[from] weft_secrets::SecretError),
    /// The control plane failed while starting (restoring apps, deploying the example).
    #[error(transparent)]
    Control(#[from] weft_api::ControlError),
    /// A file of the process cannot be written.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file of the process cannot be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The operating system gave no random bytes for the API token.
    #[error("cannot read random bytes for the API token")]
    Token(#[source] std::io::Error),
    /// The read-only token given is too easy to guess.
    #[error(
        "the read-only API token (`--read-token`, WEFT_API_READ_TOKEN) must be at least {min} characters without spaces; leave it unset for a random one in api.json"
    )]
    WeakReadToken {
        /// The fewest characters it may have.
        min: usize,
    },
    /// A manager with neither a lattice nor a host of its own has nothing to manage.
    #[error(
        "`weft manager` manages a lattice over NATS: give `--nats URL` (on one machine alone, `weft up` runs the manager with a host)"
    )]
    NothingToManage,
    /// This build lacks the bundled example.
    #[error("the hello example is missing from this build; start with --no-example")]
    NoExample,
}

/// `error` and its causes, `: `-separated, for a log line.
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(source) = cause {
        text.push_str(": ");
        text.push_str(&source.to_string());
        cause = source.source();
    }
    text
}
