//! Connecting to NATS, shared by the capabilities that can run on it (key-value, messaging,
//! blobstore): a bounded wait, and errors that name the server.

use std::time::Duration;

use crate::capability::NatsConnectError;

/// How long connecting may take before the link is reported as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Connects to the NATS servers `urls` (`nats://HOST:PORT`; credentials may be in the URL).
/// After the first connection the client reconnects by itself. The error names the servers.
pub(crate) async fn connect(urls: &[String]) -> Result<async_nats::Client, NatsConnectError> {
    let unreachable = |reason: String, source: Option<Box<dyn std::error::Error + Send + Sync>>| {
        NatsConnectError {
            servers: urls.join(","),
            reason,
            source,
        }
    };
    let addresses = urls
        .iter()
        .map(|url| url.parse::<async_nats::ServerAddr>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| unreachable(format!("not a NATS URL ({error})"), Some(Box::new(error))))?;
    tokio::time::timeout(CONNECT_TIMEOUT, async_nats::connect(addresses))
        .await
        .map_err(|_| unreachable(format!("no answer within {CONNECT_TIMEOUT:?}"), None))?
        .map_err(|error| unreachable(error.to_string(), Some(Box::new(error))))
}
