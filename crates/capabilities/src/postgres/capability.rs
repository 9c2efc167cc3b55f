//! The Postgres capability's shape: its images, its interfaces, and a link's database.

use std::sync::Arc;

use wasmtime::component::Linker;

use super::{Database, PostgresSettings};
use crate::bindings::wasmcloud::postgres::{prepared, query};
use crate::capability::{Capability, HostEnv, Kind, LinkError, LinkRequest};
use crate::instance_state::HttpInstanceState;
use crate::links::Capabilities;

/// wasmCloud's `sqldb-postgres` provider, and `weft+builtin://postgres`.
pub const POSTGRES: Kind = Kind {
    name: "postgres",
    images: &[
        "ghcr.io/wasmcloud/sqldb-postgres",
        "ghcr.io/wasmcloud/provider-sqldb-postgres",
        "weft+builtin://postgres",
    ],
};

/// Answers `wasmcloud:postgres` (query, prepared) for components linked to it.
pub struct PostgresCapability;

impl Capability for PostgresCapability {
    type Settings = PostgresSettings;
    type Backend = Arc<Database>;

    const KINDS: &'static [Kind] = &[POSTGRES];
    const PACKAGE: Option<&'static str> = Some("wasmcloud:postgres");
    const OFFERS: &'static str = "wasmcloud:postgres (query, prepared)";
    const READS_LINK_SECRETS: bool = true;

    fn add_to_linker(linker: &mut Linker<HttpInstanceState>) -> wasmtime::Result<()> {
        let view = HttpInstanceState::capabilities;
        crate::bindings::wasmcloud::postgres::types::add_to_linker::<_, Capabilities>(
            linker, view,
        )?;
        query::add_to_linker::<_, Capabilities>(linker, view)?;
        prepared::add_to_linker::<_, Capabilities>(linker, view)
    }

    /// The `POSTGRES_*` keys of the link's target config and secrets (as wasmCloud's provider
    /// reads them; its own config is not read for connections there either).
    fn on_link(request: &LinkRequest<'_>) -> Result<PostgresSettings, LinkError> {
        Ok(PostgresSettings::from_link(request)?)
    }

    async fn open(
        _capability_id: &str,
        settings: &PostgresSettings,
        _env: &HostEnv,
    ) -> Result<Arc<Database>, LinkError> {
        Ok(Arc::new(
            Database::open(settings).await.map_err(LinkError::backend)?,
        ))
    }
}
