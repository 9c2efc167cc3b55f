//! `wasmcloud:postgres` calls from a component, answered by the database its link reaches.

use std::sync::Arc;

use super::database::Database;
use super::error::PostgresError;
use crate::bindings::wasmcloud::postgres::prepared::{self, PreparedStatementToken};
use crate::bindings::wasmcloud::postgres::query;
use crate::bindings::wasmcloud::postgres::types::{
    self, PgValue, PreparedStatementExecError, QueryError, ResultRow, StatementPrepareError,
};
use crate::links::CapabilitiesView;
use crate::recorded::traced;
use weft_telemetry::{CapabilityCall, CapabilityOperation};

impl CapabilitiesView<'_> {
    /// The database of the component's Postgres link that calls to `interface` use.
    fn database(&self, interface: &str) -> Result<Arc<Database>, PostgresError> {
        let name = self.link_name(interface);
        self.links
            .linked
            .get::<super::PostgresCapability>(name)
            .cloned()
            .ok_or_else(|| {
                PostgresError::Limit(format!(
                    "component {} has no wasmcloud:postgres link named `{name}`; link it to a sqldb-postgres capability in its manifest",
                    self.links.component_id
                ))
            })
    }

    /// The span and duration of `operation` on `database`, begun now.
    fn postgres_record(&self, database: &Database, operation: &'static str) -> CapabilityCall {
        self.record(&CapabilityOperation {
            capability: "postgres",
            system: "postgresql",
            operation,
            target: database.name(),
        })
    }

    fn log_failure(&self, what: &str, error: &PostgresError) {
        tracing::debug!(component = %self.links.component_id, %error, "Postgres {what} failed");
    }
}

impl types::Host for CapabilitiesView<'_> {}

impl query::Host for CapabilitiesView<'_> {
    async fn query(
        &mut self,
        query: String,
        params: Vec<PgValue>,
    ) -> wasmtime::Result<Result<Vec<ResultRow>, QueryError>> {
        let result = match self.database("wasmcloud:postgres/query") {
            Ok(database) => {
                traced(
                    self.postgres_record(&database, "query"),
                    database.query(&query, &params),
                )
                .await
            }
            Err(error) => Err(error),
        };
        Ok(result.map_err(|error| {
            self.log_failure("query", &error);
            error.into()
        }))
    }

    async fn query_batch(&mut self, query: String) -> wasmtime::Result<Result<(), QueryError>> {
        let result = match self.database("wasmcloud:postgres/query") {
            Ok(database) => {
                traced(
                    self.postgres_record(&database, "query_batch"),
                    database.query_batch(&query),
                )
                .await
            }
            Err(error) => Err(error),
        };
        Ok(result.map_err(|error| {
            self.log_failure("batch query", &error);
            error.into()
        }))
    }
}

impl prepared::Host for CapabilitiesView<'_> {
    async fn prepare(
        &mut self,
        statement: String,
    ) -> wasmtime::Result<Result<PreparedStatementToken, StatementPrepareError>> {
        let result = match self.database("wasmcloud:postgres/prepared") {
            Ok(database) => {
                traced(
                    self.postgres_record(&database, "prepare"),
                    database.prepare(&statement),
                )
                .await
            }
            Err(error) => Err(error),
        };
        Ok(result.map_err(|error| {
            self.log_failure("prepare", &error);
            error.into()
        }))
    }

    async fn exec(
        &mut self,
        stmt_token: PreparedStatementToken,
        params: Vec<PgValue>,
    ) -> wasmtime::Result<Result<u64, PreparedStatementExecError>> {
        let result = match self.database("wasmcloud:postgres/prepared") {
            Ok(database) => {
                traced(
                    self.postgres_record(&database, "exec"),
                    database.exec(&stmt_token, &params),
                )
                .await
            }
            Err(error) => Err(error),
        };
        Ok(result.map_err(|error| {
            self.log_failure("exec", &error);
            error.into()
        }))
    }
}
