//! What goes wrong talking to Postgres, in the user's terms, and how it reaches a component
//! as the WIT's error variants (Postgres's own message, SQLSTATE and hints included).

use tokio_postgres::error::{DbError, ErrorPosition};

use crate::bindings::wasmcloud::postgres::types::{
    PreparedStatementExecError, QueryError, StatementPrepareError,
};

/// A Postgres call that failed.
#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    /// The server cannot be reached or the connection broke.
    #[error("cannot reach Postgres at {target}: {reason}")]
    Unreachable {
        /// `host:port/database as user`.
        target: String,
        /// Why, in words.
        reason: String,
        /// The client's error.
        #[source]
        source: Option<tokio_postgres::Error>,
    },
    /// Postgres refused the query (or the login); its own message.
    #[error("{message}")]
    Database {
        /// Severity, message, SQLSTATE, detail and hint as one text.
        message: String,
        /// The SQLSTATE code.
        code: String,
    },
    /// The parameters do not fit the query.
    #[error("{0}")]
    InvalidParams(String),
    /// A result column has no `pg-value`, or a result is too large.
    #[error("{0}")]
    Result(String),
    /// The prepared-statement token is not one this link handed out.
    #[error(
        "no prepared statement `{0}` on this link; tokens come from prepared.prepare on the same link and live as long as the link"
    )]
    UnknownStatement(String),
    /// A limit weft sets was reached.
    #[error("{0}")]
    Limit(String),
}

impl PostgresError {
    /// The error of a call to `target` that failed with `error`.
    pub fn from_client(target: &str, error: tokio_postgres::Error) -> Self {
        match error.as_db_error() {
            Some(db) => Self::Database {
                message: db_message(db),
                code: db.code().code().to_owned(),
            },
            None => Self::Unreachable {
                target: target.to_owned(),
                reason: error.to_string(),
                source: Some(error),
            },
        }
    }

    /// Whether Postgres judged the query itself wrong (syntax, names, types, data), as opposed
    /// to the connection, a constraint or the server.
    fn is_about_the_query(&self) -> bool {
        let Self::Database { code, .. } = self else {
            return false;
        };
        ["42", "0A", "22", "21", "26", "34", "3D", "3F"]
            .iter()
            .any(|class| code.starts_with(class))
    }
}

/// `ERROR: relation "x" does not exist at character 15 (SQLSTATE 42P01)`, then DETAIL and
/// HINT lines when Postgres gives them.
fn db_message(db: &DbError) -> String {
    let mut message = format!("{}: {}", db.severity(), db.message());
    if let Some(ErrorPosition::Original(position)) = db.position() {
        message.push_str(&format!(" at character {position}"));
    }
    message.push_str(&format!(" (SQLSTATE {})", db.code().code()));
    if let Some(detail) = db.detail() {
        message.push_str(&format!("\nDETAIL: {detail}"));
    }
    if let Some(hint) = db.hint() {
        message.push_str(&format!("\nHINT: {hint}"));
    }
    message
}

impl From<PostgresError> for QueryError {
    fn from(error: PostgresError) -> Self {
        let text = error.to_string();
        if matches!(error, PostgresError::InvalidParams(_)) {
            QueryError::InvalidParams(text)
        } else if error.is_about_the_query() {
            QueryError::InvalidQuery(text)
        } else {
            QueryError::Unexpected(text)
        }
    }
}

impl From<PostgresError> for StatementPrepareError {
    fn from(error: PostgresError) -> Self {
        StatementPrepareError::Unexpected(error.to_string())
    }
}

impl From<PostgresError> for PreparedStatementExecError {
    fn from(error: PostgresError) -> Self {
        match error {
            PostgresError::UnknownStatement(_) => PreparedStatementExecError::UnknownPreparedQuery,
            PostgresError::Unreachable { .. } | PostgresError::Limit(_) => {
                PreparedStatementExecError::Unexpected(error.to_string())
            }
            other => PreparedStatementExecError::QueryError(other.into()),
        }
    }
}
