//! What a component reaches through one Postgres link: queries, batches and prepared
//! statements over the link's pool.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use futures_util::StreamExt as _;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::{Row, Statement};

use super::error::PostgresError;
use super::pool::{Lease, Pool};
use super::settings::PostgresSettings;
use super::values::{Param, column_value, decoded_size};
use crate::bindings::wasmcloud::postgres::types::{PgValue, ResultRow, ResultRowEntry};

/// The most result bytes one query returns to a component.
pub const MAX_RESULT_BYTES: usize = 64 << 20;
/// The most prepared statements one link keeps.
pub const MAX_PREPARED: usize = 10_000;

/// A statement `prepared.prepare` handed out a token for.
struct Prepared {
    query: String,
    types: Vec<Type>,
}

/// One link's database.
pub struct Database {
    pool: Pool,
    name: String,
    prepared: Mutex<HashMap<String, Prepared>>,
}

/// A column value and the bytes it took on the wire.
struct Column {
    value: Result<PgValue, String>,
    bytes: usize,
}

impl<'a> FromSql<'a> for Column {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Self {
            value: column_value(ty, Some(raw)),
            bytes: raw.len(),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Self {
            value: Ok(PgValue::Null),
            bytes: 0,
        })
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

impl Database {
    /// Opens the pool `settings` describe (connecting once).
    pub async fn open(settings: &PostgresSettings) -> Result<Self, PostgresError> {
        Ok(Self {
            pool: Pool::open(settings).await?,
            name: settings.database.clone(),
            prepared: Mutex::new(HashMap::new()),
        })
    }

    /// The database's name on its server (`db.namespace` in spans).
    pub fn name(&self) -> &str {
        &self.name
    }

    fn client_error(&self, error: tokio_postgres::Error) -> PostgresError {
        PostgresError::from_client(self.pool.target(), error)
    }

    /// Runs one parameterized statement (`$1`, `$2`, …) and returns its rows.
    pub async fn query(
        &self,
        query: &str,
        params: &[PgValue],
    ) -> Result<Vec<ResultRow>, PostgresError> {
        let mut connection = self.pool.get().await?;
        let key = format!("query:{query}");
        let mut statement = connection
            .statement(&key, query, &[])
            .await
            .map_err(|error| self.client_error(error))?;
        let mut rows = fetch(&connection.client, &statement, params).await;
        if rows.as_ref().is_err_and(is_stale_plan) {
            statement = connection
                .prepare(&key, query, &[])
                .await
                .map_err(|error| self.client_error(error))?;
            rows = fetch(&connection.client, &statement, params).await;
        }
        finish(&mut connection, &rows);
        rows.map_err(|failure| failure.into_error(self.pool.target()))
    }

    /// Runs statements without parameters (simple protocol: several may be given). A
    /// transaction the batch leaves open (or aborted) is rolled back: each call may get
    /// another connection, so no transaction outlives the call that began it.
    pub async fn query_batch(&self, query: &str) -> Result<(), PostgresError> {
        let mut connection = self.pool.get().await?;
        let result = connection.client.batch_execute(query).await;
        if connection.client.batch_execute("ROLLBACK").await.is_ok() {
            connection.finished();
        }
        result.map_err(|error| self.client_error(error))
    }

    /// Checks `query` with Postgres and returns a token that runs it with `exec`.
    pub async fn prepare(&self, query: &str) -> Result<String, PostgresError> {
        if self.lock().len() >= MAX_PREPARED {
            return Err(PostgresError::Limit(format!(
                "this link holds {MAX_PREPARED} prepared statements already; prepare each statement once and reuse its token"
            )));
        }
        let mut connection = self.pool.get().await?;
        let token = format!("prepared-statement-{}", ulid::Ulid::new());
        let statement = connection.statement(&token, query, &[]).await;
        if statement.is_ok()
            || statement
                .as_ref()
                .is_err_and(|error| error.as_db_error().is_some())
        {
            connection.finished();
        }
        let statement = statement.map_err(|error| self.client_error(error))?;
        self.lock().insert(
            token.clone(),
            Prepared {
                query: query.to_owned(),
                types: statement.params().to_vec(),
            },
        );
        Ok(token)
    }

    /// Runs the statement `token` names with `params`; returns the rows it affected.
    pub async fn exec(&self, token: &str, params: &[PgValue]) -> Result<u64, PostgresError> {
        let (query, types) = {
            let prepared = self.lock();
            let found = prepared
                .get(token)
                .ok_or_else(|| PostgresError::UnknownStatement(token.to_owned()))?;
            (found.query.clone(), found.types.clone())
        };
        let mut connection = self.pool.get().await?;
        let mut statement = connection
            .statement(token, &query, &types)
            .await
            .map_err(|error| self.client_error(error))?;
        let mut affected = execute(&connection.client, &statement, params).await;
        if affected.as_ref().is_err_and(is_stale_plan) {
            statement = connection
                .prepare(token, &query, &types)
                .await
                .map_err(|error| self.client_error(error))?;
            affected = execute(&connection.client, &statement, params).await;
        }
        finish(&mut connection, &affected);
        affected.map_err(|failure| failure.into_error(self.pool.target()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Prepared>> {
        self.prepared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How a call on a connection failed: Postgres or the connection said so, or weft refused
/// (parameters, result).
enum Failure {
    Client(tokio_postgres::Error),
    Ours(PostgresError),
}

impl Failure {
    fn into_error(self, target: &str) -> PostgresError {
        match self {
            Self::Client(error) => PostgresError::from_client(target, error),
            Self::Ours(error) => error,
        }
    }
}

/// Whether Postgres refused a cached statement because the schema changed under it
/// (`cached plan must not change result type`) or forgot it: preparing it again helps.
fn is_stale_plan(failure: &Failure) -> bool {
    let Failure::Client(error) = failure else {
        return false;
    };
    error.code().is_some_and(|code| {
        *code == SqlState::INVALID_SQL_STATEMENT_NAME
            || (*code == SqlState::FEATURE_NOT_SUPPORTED
                && error
                    .as_db_error()
                    .is_some_and(|db| db.message().contains("cached plan")))
    })
}

/// Marks the lease finished when the call ended in a way that leaves the connection usable:
/// an answer, Postgres's error for this statement, or weft's own refusal before the call.
fn finish<T>(connection: &mut Lease<'_>, outcome: &Result<T, Failure>) {
    let usable = match outcome {
        Ok(_) | Err(Failure::Ours(_)) => true,
        Err(Failure::Client(error)) => error.as_db_error().is_some(),
    };
    if usable {
        connection.finished();
    }
}

/// The rows of `statement` run with `params` on `client`.
async fn fetch(
    client: &tokio_postgres::Client,
    statement: &Statement,
    params: &[PgValue],
) -> Result<Vec<ResultRow>, Failure> {
    let params = bind(statement, params).map_err(Failure::Ours)?;
    let rows = client
        .query_raw(statement, params.iter())
        .await
        .map_err(Failure::Client)?;
    let mut rows = std::pin::pin!(rows);
    let mut result = Vec::new();
    let mut bytes = 0usize;
    while let Some(row) = rows.next().await {
        let row = row.map_err(Failure::Client)?;
        result.push(result_row(&row, &mut bytes).map_err(Failure::Ours)?);
    }
    Ok(result)
}

/// Runs `statement` with `params` on `client`; the rows it affected.
async fn execute(
    client: &tokio_postgres::Client,
    statement: &Statement,
    params: &[PgValue],
) -> Result<u64, Failure> {
    let params = bind(statement, params).map_err(Failure::Ours)?;
    client
        .execute_raw(statement, params.iter())
        .await
        .map_err(Failure::Client)
}

/// The parameters for `statement`, each checked against the type Postgres gave it.
fn bind<'a>(statement: &Statement, params: &'a [PgValue]) -> Result<Vec<Param<'a>>, PostgresError> {
    let types = statement.params();
    if types.len() != params.len() {
        return Err(PostgresError::InvalidParams(format!(
            "the query takes {} parameter(s) ($1…${}) but {} value(s) were given",
            types.len(),
            types.len(),
            params.len()
        )));
    }
    let bound: Vec<Param<'a>> = params
        .iter()
        .enumerate()
        .map(|(index, value)| Param::new(value, index + 1))
        .collect();
    for (param, ty) in bound.iter().zip(types) {
        param.check(ty).map_err(PostgresError::InvalidParams)?;
    }
    Ok(bound)
}

/// One row as the WIT's entries, counting its bytes against [`MAX_RESULT_BYTES`].
fn result_row(row: &Row, bytes: &mut usize) -> Result<ResultRow, PostgresError> {
    let mut entries = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let read: Column = row.try_get(index).map_err(|error| {
            PostgresError::Result(format!("column `{}`: {error}", column.name()))
        })?;
        let value = read.value.map_err(|reason| {
            PostgresError::Result(format!("column `{}`: {reason}", column.name()))
        })?;
        *bytes += read.bytes.max(decoded_size(&value))
            + column.name().len()
            + std::mem::size_of::<ResultRowEntry>();
        if *bytes > MAX_RESULT_BYTES {
            return Err(PostgresError::Limit(format!(
                "the result is larger than {} MiB; select fewer rows (LIMIT) or columns",
                MAX_RESULT_BYTES >> 20
            )));
        }
        entries.push(ResultRowEntry {
            column_name: column.name().to_owned(),
            value,
        });
    }
    Ok(entries)
}
