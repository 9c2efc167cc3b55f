//! Servers weft's tests start and stop when dropped: `nats-server` with JetStream,
//! `redis-server`, PostgreSQL, a CNCF distribution registry, Prometheus (`scripts/test` installs
//! them), and an OTLP receiver of our own. Each binds
//! its own port (port 0, or a retry on another port when one is taken), so no other test can
//! take it between choosing and binding; `start_on` variants take a port for the tests that
//! must know it before the server runs (a restart on the same address, a server that comes
//! up after weft was told where it will be).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers fail loudly.

mod live_subscription;
mod nats;
mod nats_operator;
mod otlp;
mod pki;
mod postgres;
mod prometheus;
mod proxy;
mod redis;
mod registry;
mod started;

pub use live_subscription::{subscribe_live, unsubscribe_done};
pub use nats::NatsServer;
pub use nats_operator::NatsOperator;
pub use otlp::{OtlpReceiver, ReceivedLog, ReceivedSpan};
pub use pki::TestPki;
pub use postgres::{PostgresServer, SUPERUSER, SUPERUSER_PASSWORD};
pub use prometheus::{PrometheusServer, promtool_check_metrics};
pub use proxy::TcpProxy;
pub use redis::RedisServer;
pub use registry::RegistryServer;
pub use started::Started;

/// A port nobody listens on right now, for weft's own listeners in a test. Another test may
/// take it before it is bound; prefer letting a server bind port 0 where the test can learn
/// the port afterwards.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
