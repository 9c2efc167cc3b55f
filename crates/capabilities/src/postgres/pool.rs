//! A pool of connections to one Postgres server: at most `POSTGRES_POOL_SIZE` open at once,
//! idle ones kept for the next call, broken ones dropped; TLS through rustls with the public
//! CA roots when the link requires it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config, NoTls, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::error::PostgresError;
use super::settings::PostgresSettings;

/// How long connecting may take before the call fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection may be silent before TCP keepalives probe it, so a server that went
/// away is noticed.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);
/// How long a call waits for a free connection when all are in use.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// Statements one connection keeps prepared, by query text, before it starts over.
const CACHED_STATEMENTS: usize = 256;

/// One open connection and the statements prepared on it.
pub struct Connection {
    /// The client.
    pub client: Client,
    /// Statements prepared on this connection, by query text or prepared-statement token.
    pub statements: HashMap<String, Statement>,
}

impl Connection {
    /// The statement for `key` (its query text, or a prepared-statement token) prepared on
    /// this connection, preparing `query` with parameter `types` (empty: Postgres infers
    /// them) the first time.
    pub async fn statement(
        &mut self,
        key: &str,
        query: &str,
        types: &[tokio_postgres::types::Type],
    ) -> Result<Statement, tokio_postgres::Error> {
        if let Some(statement) = self.statements.get(key) {
            return Ok(statement.clone());
        }
        self.prepare(key, query, types).await
    }

    /// Prepares `query` anew for `key`, replacing what was cached (a cached plan Postgres no
    /// longer accepts after a schema change).
    pub async fn prepare(
        &mut self,
        key: &str,
        query: &str,
        types: &[tokio_postgres::types::Type],
    ) -> Result<Statement, tokio_postgres::Error> {
        let statement = self.client.prepare_typed(query, types).await?;
        if self.statements.len() >= CACHED_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(key.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// The connections of one link (or of every link with the same settings, when shared).
pub struct Pool {
    target: String,
    config: Config,
    tls: Option<MakeRustlsConnect>,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
    size: usize,
}

/// A connection borrowed from the pool. It goes back when dropped only if the call using it
/// got to the end ([`Lease::finished`]) and it is still open: a call abandoned half-way (its
/// request cancelled) may leave a statement running or a protocol exchange unfinished, so
/// that connection is closed instead.
pub struct Lease<'a> {
    pool: &'a Pool,
    connection: Option<Connection>,
    finished: bool,
    _permit: SemaphorePermit<'a>,
}

impl Lease<'_> {
    /// The call got to its end (with its answer or Postgres's error): the connection may
    /// serve the next one.
    pub fn finished(&mut self) {
        self.finished = true;
    }
}

impl std::ops::Deref for Lease<'_> {
    type Target = Connection;

    #[allow(clippy::expect_used)] // Invariant: only `drop` takes the connection out.
    fn deref(&self) -> &Connection {
        self.connection
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl std::ops::DerefMut for Lease<'_> {
    #[allow(clippy::expect_used)] // Invariant: only `drop` takes the connection out.
    fn deref_mut(&mut self) -> &mut Connection {
        self.connection
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take()
            && self.finished
            && !connection.client.is_closed()
        {
            self.pool.lock().push(connection);
        }
    }
}

impl Pool {
    /// A pool for `settings`; connects once, so an unreachable server or a refused login is
    /// reported now (the link waits and retries) rather than at the first query.
    pub async fn open(settings: &PostgresSettings) -> Result<Self, PostgresError> {
        let mut config = Config::new();
        config
            .host(&settings.host)
            .port(settings.port)
            .user(&settings.username)
            .dbname(&settings.database)
            .application_name("weft")
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives_idle(KEEPALIVE_IDLE)
            .ssl_mode(if settings.tls_required {
                SslMode::Require
            } else {
                SslMode::Disable
            });
        if let Some(password) = &settings.password {
            config.password(password);
        }
        let pool = Self {
            target: settings.describe(),
            config,
            tls: settings.tls_required.then(tls_connector).transpose()?,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(settings.pool_size),
            size: settings.pool_size,
        };
        let first = pool.connect().await?;
        pool.lock().push(first);
        Ok(pool)
    }

    /// `host:port/database as user`, for messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection: an idle one, or a new one while fewer than the pool's size are open.
    pub async fn get(&self) -> Result<Lease<'_>, PostgresError> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.acquire())
            .await
            .map_err(|_| {
                PostgresError::Limit(format!(
                    "all {} connections to Postgres at {} stayed busy for {ACQUIRE_TIMEOUT:?}; raise POSTGRES_POOL_SIZE or make queries shorter",
                    self.size, self.target
                ))
            })?
            .map_err(|_| PostgresError::Limit("the connection pool is closed".to_owned()))?;
        let idle = loop {
            let Some(connection) = self.lock().pop() else {
                break None;
            };
            if !connection.client.is_closed() {
                break Some(connection);
            }
        };
        let connection = match idle {
            Some(connection) => connection,
            None => self.connect().await?,
        };
        Ok(Lease {
            pool: self,
            connection: Some(connection),
            finished: false,
            _permit: permit,
        })
    }

    async fn connect(&self) -> Result<Connection, PostgresError> {
        let unreachable = |reason: String, source| PostgresError::Unreachable {
            target: self.target.clone(),
            reason,
            source,
        };
        let connecting = async {
            match &self.tls {
                None => {
                    let (client, connection) = self.config.connect(NoTls).await?;
                    tokio::spawn(drive(connection, self.target.clone()));
                    Ok::<Client, tokio_postgres::Error>(client)
                }
                Some(tls) => {
                    let (client, connection) = self.config.connect(tls.clone()).await?;
                    tokio::spawn(drive(connection, self.target.clone()));
                    Ok(client)
                }
            }
        };
        let client = tokio::time::timeout(CONNECT_TIMEOUT * 2, connecting)
            .await
            .map_err(|_| unreachable(format!("no answer within {:?}", CONNECT_TIMEOUT * 2), None))?
            .map_err(|error: tokio_postgres::Error| {
                PostgresError::from_client(&self.target, error)
            })?;
        Ok(Connection {
            client,
            statements: HashMap::new(),
        })
    }
}

/// Runs a connection's I/O until it closes.
async fn drive<S, T>(connection: tokio_postgres::Connection<S, T>, target: String)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    if let Err(error) = connection.await {
        tracing::debug!(%target, %error, "Postgres connection closed");
    }
}

/// TLS verified against the public CA roots (as wasmCloud's provider verifies).
fn tls_connector() -> Result<MakeRustlsConnect, PostgresError> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| PostgresError::Limit(format!("TLS cannot be set up: {error}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}
