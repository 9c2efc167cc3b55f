//! The HTTP + JSON API on localhost. Reads are open; calls that change something need
//! `Authorization: Bearer TOKEN` (the token `weft up` writes to its state directory).
//! Routing, path decoding, `405 Method Not Allowed` with `Allow` and server-sent events are
//! axum's; the handlers are in [`crate::routes`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::net::TcpListener;

use crate::control::ControlPlane;
use crate::routes::{self, error};

/// The largest request body the API reads (a manifest, a secret, a config).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The running API; dropping it does not stop it, [`ApiHandle::stop`] does.
pub struct ApiHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    shutdown: Arc<tokio::sync::Notify>,
}

impl ApiHandle {
    /// Stops accepting API calls.
    pub fn stop(&self) {
        self.task.abort();
    }

    /// Resolves when a client asks the process to stop (`POST /v1/shutdown`, `weft down`).
    pub async fn shutdown_requested(&self) {
        self.shutdown.notified().await;
    }
}

/// What every handler reads.
#[derive(Clone)]
pub(crate) struct ApiState {
    /// The control plane.
    pub(crate) control: Arc<ControlPlane>,
    /// The token changes need.
    token: Arc<str>,
    /// Notified by `POST /v1/shutdown`.
    pub(crate) shutdown: Arc<tokio::sync::Notify>,
}

/// A running metrics endpoint ([`serve_metrics`]); it stops when dropped.
pub struct MetricsEndpoint {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MetricsEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves only `GET /metrics` (Prometheus text) on `addr` (port 0 picks one): what a
/// `weft host`, which has no API, offers a Prometheus server.
pub async fn serve_metrics(
    metrics: weft_telemetry::Telemetry,
    addr: SocketAddr,
) -> std::io::Result<MetricsEndpoint> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route(
            "/metrics",
            axum::routing::get(move || {
                let metrics = metrics.clone();
                async move { routes::prometheus_answer(&metrics) }
            }),
        )
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "this address serves only GET /metrics (Prometheus text)",
            )
        });
    let task = tokio::spawn(async move {
        if let Err(failure) = axum::serve(listener, app).await {
            tracing::warn!(%failure, "the metrics endpoint stopped serving");
        }
    });
    Ok(MetricsEndpoint { addr, task })
}

/// Serves `control` on `addr` (port 0 picks one), requiring `token` for changes.
pub async fn serve(
    control: Arc<ControlPlane>,
    addr: SocketAddr,
    token: String,
) -> std::io::Result<ApiHandle> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let state = ApiState {
        control,
        token: Arc::from(token),
        shutdown: Arc::clone(&shutdown),
    };
    let app = routes::router()
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    let task = tokio::spawn(async move {
        if let Err(failure) = axum::serve(listener, app).await {
            tracing::warn!(%failure, "the API stopped serving");
        }
    });
    Ok(ApiHandle {
        addr,
        task,
        shutdown,
    })
}

/// The routes with their state, for [`serve`] and tests.
pub(crate) type ApiRouter = Router<ApiState>;

/// Lets reads through; a change needs the token, and is refused on a standby manager
/// unless it leaves the lattice as it is ([`changes_the_lattice`]).
async fn guard(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    if request.method() == Method::GET {
        return next.run(request).await;
    }
    if !authorized(&request, &state.token) {
        return error(
            StatusCode::UNAUTHORIZED,
            "this call changes state and needs the API token: send `Authorization: Bearer TOKEN` with the token `weft up` wrote to api.json in its state directory (the weft CLI does this by itself)",
        );
    }
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path(), MatchedPath::as_str);
    if changes_the_lattice(route)
        && let Some(reason) = state.control.standing_by()
    {
        return error(StatusCode::SERVICE_UNAVAILABLE, &reason);
    }
    next.run(request).await
}

/// Whether a POST/PUT/DELETE on `route` (the matched route template) changes what the
/// lattice holds: stopping this process and calling a component (`weft call`) do not, so a
/// standby carries them out too.
fn changes_the_lattice(route: &str) -> bool {
    !matches!(route, "/v1/shutdown" | "/v1/components/{id}/call")
}

fn authorized(request: &Request, token: &str) -> bool {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes()))
}

/// Compares without stopping at the first difference, so timing does not leak the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
