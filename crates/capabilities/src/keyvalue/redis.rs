//! The Redis backend: one multiplexed connection per capability and URL, reconnecting by
//! itself. As with wasmCloud's Redis provider, the link's URL is the store: keys are stored
//! as given (the bucket name selects nothing), so other Redis clients read them unchanged.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::backend::{KeyValueBackend, KeyValueError, KeyValuePage, PAGE};

/// How long connecting may take before the link is reported as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one command may wait for its answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

/// A Redis server as a key-value store.
pub struct RedisKeyValue {
    url: String,
    connection: ConnectionManager,
}

impl RedisKeyValue {
    /// Connects to `url` (`redis://HOST:PORT[/DB]` or `rediss://`); the error names the URL.
    pub async fn connect(url: &str) -> Result<Self, KeyValueError> {
        let unreachable =
            |reason: String| KeyValueError::Other(format!("cannot reach Redis at {url}: {reason}"));
        let client = redis::Client::open(url).map_err(|error| unreachable(error.to_string()))?;
        // Fail fast when the server is not there: the reconciler retries the link with
        // backoff, and a connect that waits would hold up every other deploy meanwhile.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(CONNECT_TIMEOUT)
            .set_response_timeout(RESPONSE_TIMEOUT);
        let connection = tokio::time::timeout(
            CONNECT_TIMEOUT * 2,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| unreachable(format!("no answer within {:?}", CONNECT_TIMEOUT * 2)))?
        .map_err(|error| unreachable(error.to_string()))?;
        Ok(Self {
            url: url.to_owned(),
            connection,
        })
    }

    async fn query<T: redis::FromRedisValue>(
        &self,
        command: &redis::Cmd,
    ) -> Result<T, KeyValueError> {
        let mut connection = self.connection.clone();
        command
            .query_async(&mut connection)
            .await
            .map_err(|error| KeyValueError::Other(format!("Redis at {}: {error}", self.url)))
    }
}

#[async_trait]
impl KeyValueBackend for RedisKeyValue {
    fn system(&self) -> &'static str {
        "redis"
    }

    async fn get(&self, _bucket: &str, key: &str) -> Result<Option<Vec<u8>>, KeyValueError> {
        self.query(redis::cmd("GET").arg(key)).await
    }

    async fn set(&self, _bucket: &str, key: &str, value: Vec<u8>) -> Result<(), KeyValueError> {
        self.query(redis::cmd("SET").arg(key).arg(value)).await
    }

    async fn delete(&self, _bucket: &str, key: &str) -> Result<(), KeyValueError> {
        self.query::<u64>(redis::cmd("DEL").arg(key))
            .await
            .map(|_| ())
    }

    async fn exists(&self, _bucket: &str, key: &str) -> Result<bool, KeyValueError> {
        self.query(redis::cmd("EXISTS").arg(key)).await
    }

    async fn list_keys(
        &self,
        _bucket: &str,
        cursor: Option<u64>,
    ) -> Result<KeyValuePage, KeyValueError> {
        let (next, keys): (u64, Vec<String>) = self
            .query(
                redis::cmd("SCAN")
                    .arg(cursor.unwrap_or(0))
                    .arg("COUNT")
                    .arg(PAGE),
            )
            .await?;
        Ok(KeyValuePage {
            keys,
            cursor: (next != 0).then_some(next),
        })
    }

    async fn increment(&self, _bucket: &str, key: &str, delta: u64) -> Result<u64, KeyValueError> {
        self.query(redis::cmd("INCRBY").arg(key).arg(delta)).await
    }
}
