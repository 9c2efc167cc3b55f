//! `wasmcloud:postgres@0.1.1-draft` (query, prepared) on a real PostgreSQL, configured as
//! wasmCloud's `sqldb-postgres` provider is: `POSTGRES_*` keys in the link's target config,
//! the password best as a link secret. Each link has its own connection pool; every type the
//! WIT's `pg-value` names travels both ways ([`values`]); Postgres's own error messages reach
//! the component.

mod capability;
mod database;
mod error;
mod host;
mod pool;
mod settings;
mod values;

pub use capability::{POSTGRES, PostgresCapability};
pub use database::{Database, MAX_PREPARED, MAX_RESULT_BYTES};
pub use error::PostgresError;
pub use settings::{DEFAULT_PORT, PostgresSettings};
