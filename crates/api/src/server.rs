//! The HTTP + JSON API on localhost. Every call needs `Authorization: Bearer TOKEN` (the
//! tokens `weft up` writes to its state directory; [`crate::access`] checks them and keeps
//! the audit log). Routing, path decoding, `405 Method Not Allowed` with `Allow` and
//! server-sent events are axum's; the handlers are in [`crate::routes`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use tokio::net::TcpListener;

use crate::access::{ApiTokens, guard};
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
    /// The tokens calls need.
    pub(crate) tokens: Arc<ApiTokens>,
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

/// Serves `control` on `addr` (port 0 picks one), requiring one of `tokens` for every call.
pub async fn serve(
    control: Arc<ControlPlane>,
    addr: SocketAddr,
    tokens: ApiTokens,
) -> std::io::Result<ApiHandle> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let state = ApiState {
        control,
        tokens: Arc::new(tokens),
        shutdown: Arc::clone(&shutdown),
    };
    let app = routes::router()
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
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
