//! The API's routes, and how answers and errors are written: JSON bodies, errors as
//! `{"error": "..."}` with the status the failure calls for.

mod apps;
mod audit;
mod components;
mod events;
mod lattice;
mod metrics;
mod stores;
mod watch;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use weft_manager::AppStoreError;

pub(crate) use metrics::prometheus_answer;

use crate::control::ControlError;
use crate::server::{ApiRouter, ApiState};

/// The request header naming who makes a change, recorded in the app history and the audit
/// log (`api` if absent).
pub use weft_lattice::USER_HEADER;

/// Every API call.
pub(crate) fn router() -> ApiRouter {
    Router::new()
        .route("/v1/apps", get(apps::list).post(apps::put))
        .route("/v1/apps/{name}", get(apps::view).delete(apps::delete))
        .route("/v1/apps/{name}/watch", get(watch::app))
        .route("/v1/apps/{name}/manifest", get(apps::manifest))
        .route("/v1/apps/{name}/versions", get(apps::versions))
        .route("/v1/apps/{name}/history", get(apps::history))
        .route("/v1/apps/{name}/deploy", post(apps::deploy))
        .route("/v1/apps/{name}/undeploy", post(apps::undeploy))
        .route("/v1/audit", get(audit::read))
        .route("/v1/shutdown", post(lattice::shutdown))
        .route("/v1/events", get(events::follow))
        .route("/v1/components/{id}/call", post(components::call))
        .route("/v1/hosts", get(lattice::hosts))
        .route(
            "/v1/hosts/{host}/labels/{key}",
            put(lattice::set_label).delete(lattice::delete_label),
        )
        .route("/v1/inventory", get(lattice::inventory))
        .route("/v1/links", get(lattice::links).put(lattice::put_link))
        .route(
            "/v1/links/{source}/{namespace}/{package}/{name}",
            delete(lattice::delete_link),
        )
        .route("/v1/secrets", get(stores::secrets))
        .route(
            "/v1/secrets/{name}",
            put(stores::put_secret).delete(stores::delete_secret),
        )
        .route("/metrics", get(metrics::prometheus))
        .route("/v1/configs", get(stores::configs))
        .route(
            "/v1/configs/{name}",
            get(stores::config)
                .put(stores::put_config)
                .delete(stores::delete_config),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

/// Who makes a change (the `x-weft-user` header, else `api`).
pub(crate) struct By(pub(crate) String);

impl FromRequestParts<ApiState> for By {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &ApiState) -> Result<Self, Self::Rejection> {
        Ok(Self(who_asked(&parts.headers).to_owned()))
    }
}

/// Who a request says it comes from: its `x-weft-user` header (at most 128 bytes), else
/// `api`.
pub(crate) fn who_asked(headers: &HeaderMap) -> &str {
    let header = headers
        .get(USER_HEADER)
        .and_then(|value| value.to_str().ok());
    weft_lattice::claimed_user(header).unwrap_or("api")
}

async fn not_found(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("no API call {method} {}", uri.path()),
    )
}

/// A known path asked with a method it does not take; axum adds `Allow`.
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "{} does not take {method}; the `Allow` header lists what it takes",
            uri.path()
        ),
    )
}

/// `value` as JSON with `status`.
pub(crate) fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    let mut response = (status, weft_lattice::json_bytes(value)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `{"error": message}` with `status`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}

/// A request body that is not the JSON a call takes; answered with 400.
pub(crate) struct BadBody {
    expected: &'static str,
    error: serde_json::Error,
}

impl IntoResponse for BadBody {
    fn into_response(self) -> Response {
        error(
            StatusCode::BAD_REQUEST,
            &format!("expected {}: {}", self.expected, self.error),
        )
    }
}

/// The body as `T`, or why it is not the `expected` JSON.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    expected: &'static str,
) -> Result<T, BadBody> {
    serde_json::from_slice(body).map_err(|error| BadBody { expected, error })
}

/// A control plane's answer: `ok` as JSON with 200, or the failure with its status.
pub(crate) fn answer<T>(
    result: Result<T, ControlError>,
    ok: impl FnOnce(T) -> Response,
) -> Response {
    result.map_or_else(|failure| control_error(&failure), ok)
}

fn control_error(failure: &ControlError) -> Response {
    let status = match failure {
        ControlError::Apps(AppStoreError::Invalid(_) | AppStoreError::Limits { .. })
        | ControlError::Invalid(_)
        | ControlError::Name(_) => StatusCode::BAD_REQUEST,
        ControlError::Apps(
            AppStoreError::NoSuchApp { .. } | AppStoreError::NoSuchVersion { .. },
        )
        | ControlError::NotFound(_) => StatusCode::NOT_FOUND,
        ControlError::Apps(
            AppStoreError::VersionExists { .. }
            | AppStoreError::Deployed { .. }
            | AppStoreError::IdTaken(_),
        )
        | ControlError::Conflict(_) => StatusCode::CONFLICT,
        ControlError::Lattice(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ControlError::Call(call) if call.is_not_running() => StatusCode::NOT_FOUND,
        ControlError::Call(call) if call.is_bad_request() => StatusCode::BAD_REQUEST,
        ControlError::Call(call) if call.is_timeout() => StatusCode::GATEWAY_TIMEOUT,
        ControlError::Call(_) => StatusCode::BAD_GATEWAY,
        ControlError::Apps(AppStoreError::Store(_) | AppStoreError::Damaged { .. })
        | ControlError::Records(_)
        | ControlError::Secrets(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, &failure.to_string())
}
