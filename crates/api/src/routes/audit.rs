//! `GET /v1/audit`: the lattice's audit log, oldest first (`?since_ms=` and `?limit=` narrow
//! it).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use weft_lattice::AuditQuery;

use super::{error, json};
use crate::server::ApiState;

/// `?since_ms=MS&limit=N`.
#[derive(Deserialize)]
pub(crate) struct AuditParams {
    since_ms: Option<u64>,
    limit: Option<usize>,
}

pub(crate) async fn read(
    State(state): State<ApiState>,
    Query(params): Query<AuditParams>,
) -> Response {
    let query = AuditQuery {
        since_ms: params.since_ms,
        limit: params.limit,
    };
    match state.control.audit().read(query).await {
        Ok(entries) => json(StatusCode::OK, &entries),
        Err(failure) => error(StatusCode::SERVICE_UNAVAILABLE, &failure.to_string()),
    }
}
