//! The HTTP + JSON API on localhost. Reads are open; calls that change something need
//! `Authorization: Bearer TOKEN` (the token `weft up` writes to its state directory).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::TcpListener;
use weft_manager::{AppStoreError, LinkSpec};
use weft_secrets::SecretValue;

use crate::control::{ControlError, ControlPlane};
use crate::path::decode_segment;
use crate::sse::EventStream;

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

/// Serves `control` on `addr` (port 0 picks one), requiring `token` for changes.
pub async fn serve(
    control: Arc<ControlPlane>,
    addr: SocketAddr,
    token: String,
) -> std::io::Result<ApiHandle> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let token: Arc<str> = Arc::from(token);
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let requested = Arc::clone(&shutdown);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let control = Arc::clone(&control);
            let token = Arc::clone(&token);
            let requested = Arc::clone(&requested);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let control = Arc::clone(&control);
                    let token = Arc::clone(&token);
                    let requested = Arc::clone(&requested);
                    async move { Ok::<_, Infallible>(route(control, &token, &requested, request).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(ApiHandle {
        addr,
        task,
        shutdown,
    })
}

type ApiResponse = Response<BoxBody<Bytes, Infallible>>;

/// The request header naming who makes a change, recorded in the app history (`api` if
/// absent).
pub const USER_HEADER: &str = "x-weft-user";

#[derive(Deserialize)]
struct PutBody {
    file: String,
    source: String,
}

#[derive(Deserialize, Default)]
struct DeployBody {
    version: Option<String>,
}

#[derive(Deserialize)]
struct LabelBody {
    value: String,
}

#[derive(Deserialize)]
struct ConfigBody {
    values: BTreeMap<String, String>,
}

async fn route(
    control: Arc<ControlPlane>,
    token: &str,
    shutdown: &tokio::sync::Notify,
    request: Request<Incoming>,
) -> ApiResponse {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query_version = request
        .uri()
        .query()
        .and_then(|query| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix("version="))
        })
        .map(decode_segment);
    let by = request
        .headers()
        .get(USER_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty() && value.len() <= 128)
        .unwrap_or("api")
        .to_owned();
    let by = by.as_str();
    let mutating = method != Method::GET;
    if mutating && !authorized(&request, token) {
        return error(
            StatusCode::UNAUTHORIZED,
            "this call changes state and needs the API token: send `Authorization: Bearer TOKEN` with the token `weft up` wrote to api.json in its state directory (the weft CLI does this by itself)",
        );
    }
    if mutating
        && path != "/v1/shutdown"
        && let Some(reason) = control.standing_by()
    {
        return error(StatusCode::SERVICE_UNAVAILABLE, &reason);
    }
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(read_error) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("cannot read the request body: {read_error}"),
            );
        }
    };
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let weak = Arc::downgrade(&control);
    let control = control.as_ref();
    let result = match (&method, segments.as_slice()) {
        (&Method::GET, ["v1", "apps"]) => {
            control.list().await.map(|apps| json(StatusCode::OK, &apps))
        }
        (&Method::POST, ["v1", "apps"]) => {
            let put: PutBody = match parse_body(&body, "{\"file\", \"source\"}") {
                Ok(put) => put,
                Err(response) => return *response,
            };
            control
                .put(&put.file, &put.source, by)
                .await
                .map(|(name, version)| {
                    json(
                        StatusCode::CREATED,
                        &serde_json::json!({ "name": name, "version": version }),
                    )
                })
        }
        (&Method::GET, ["v1", "apps", name]) => control
            .view(name)
            .await
            .map(|view| json(StatusCode::OK, &view)),
        (&Method::GET, ["v1", "apps", name, "watch"]) => match control.view(name).await {
            Ok(view) => return watch(weak, control.changes(), name, view),
            Err(failure) => Err(failure),
        },
        (&Method::GET, ["v1", "apps", name, "manifest"]) => control
            .manifest(name, query_version.as_deref())
            .await
            .map(|stored| json(StatusCode::OK, &stored)),
        (&Method::GET, ["v1", "apps", name, "versions"]) => control.stored(name).await.map(|app| {
            let versions: Vec<serde_json::Value> = app
                .versions
                .iter()
                .map(|v| {
                    serde_json::json!({
                        "version": v.version,
                        "deployed": app.deployed.as_deref() == Some(v.version.as_str()),
                        "put_at_ms": v.put_at_ms,
                    })
                })
                .collect();
            json(StatusCode::OK, &versions)
        }),
        (&Method::GET, ["v1", "apps", name, "history"]) => control
            .stored(name)
            .await
            .map(|app| json(StatusCode::OK, &app.history)),
        (&Method::POST, ["v1", "shutdown"]) => {
            shutdown.notify_one();
            Ok(json(
                StatusCode::ACCEPTED,
                &serde_json::json!({ "stopping": true }),
            ))
        }
        (&Method::POST, ["v1", "apps", name, "deploy"]) => {
            let deploy = if body.is_empty() {
                DeployBody::default()
            } else {
                match parse_body::<DeployBody>(&body, "{\"version\": \"...\"} or an empty body") {
                    Ok(deploy) => deploy,
                    Err(response) => return *response,
                }
            };
            control
                .deploy(name, deploy.version.as_deref(), by)
                .await
                .map(|view| json(StatusCode::OK, &view))
        }
        (&Method::POST, ["v1", "apps", name, "undeploy"]) => control
            .undeploy(name, by)
            .await
            .map(|view| json(StatusCode::OK, &view)),
        (&Method::DELETE, ["v1", "apps", name]) => control
            .delete(name, query_version.as_deref(), by)
            .await
            .map(|()| json(StatusCode::OK, &serde_json::json!({ "deleted": name }))),
        (&Method::GET, ["v1", "hosts"]) => Ok(json(StatusCode::OK, &control.hosts())),
        (&Method::PUT, ["v1", "hosts", host, "labels", key]) => {
            let label: LabelBody = match parse_body(&body, "{\"value\": \"...\"}") {
                Ok(label) => label,
                Err(response) => return *response,
            };
            control
                .set_label(host, key, Some(&label.value))
                .await
                .map(|()| {
                    json(
                        StatusCode::OK,
                        &serde_json::json!({ "key": key, "value": label.value }),
                    )
                })
        }
        (&Method::DELETE, ["v1", "hosts", host, "labels", key]) => control
            .set_label(host, key, None)
            .await
            .map(|()| json(StatusCode::OK, &serde_json::json!({ "deleted": key }))),
        (&Method::GET, ["v1", "inventory"]) => Ok(json(StatusCode::OK, &control.inventory())),
        (&Method::GET, ["v1", "links"]) => Ok(json(StatusCode::OK, &control.links())),
        (&Method::PUT, ["v1", "links"]) => {
            let link: LinkSpec = match parse_body(
                &body,
                "a link: {\"source_id\", \"target_id\", \"name\", \"namespace\", \"package\", \"interfaces\", \"source_config\", \"target_config\", \"app\": null}",
            ) {
                Ok(link) => link,
                Err(response) => return *response,
            };
            control
                .put_link(link)
                .await
                .map(|link| json(StatusCode::OK, &link))
        }
        (&Method::DELETE, ["v1", "links", source, namespace, package, name]) => control
            .delete_link((source, namespace, package, name))
            .await
            .map(|()| json(StatusCode::OK, &serde_json::json!({ "deleted": true }))),
        (&Method::GET, ["v1", "secrets"]) => control
            .secrets()
            .await
            .map(|secrets| json(StatusCode::OK, &secrets)),
        (&Method::PUT, ["v1", "secrets", name]) => control
            .put_secret(name, SecretValue::new(body.to_vec()))
            .await
            .map(|info| json(StatusCode::OK, &info)),
        (&Method::DELETE, ["v1", "secrets", name]) => control
            .delete_secret(name)
            .await
            .map(|()| json(StatusCode::OK, &serde_json::json!({ "deleted": name }))),
        (&Method::GET, ["v1", "configs"]) => Ok(json(StatusCode::OK, &control.configs())),
        (&Method::GET, ["v1", "configs", name]) => control
            .config(name)
            .map(|config| json(StatusCode::OK, &config)),
        (&Method::PUT, ["v1", "configs", name]) => {
            let config: ConfigBody = match parse_body(&body, "{\"values\": {\"KEY\": \"VALUE\"}}") {
                Ok(config) => config,
                Err(response) => return *response,
            };
            control
                .put_config(name, config.values)
                .await
                .map(|()| json(StatusCode::OK, &serde_json::json!({ "name": name })))
        }
        (&Method::DELETE, ["v1", "configs", name]) => control
            .delete_config(name)
            .await
            .map(|()| json(StatusCode::OK, &serde_json::json!({ "deleted": name }))),
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                &format!("no API call {method} {path}"),
            );
        }
    };
    result.unwrap_or_else(|failure| control_error(&failure))
}

/// Streams `name`'s view as server-sent events: now, then after every change. The stream
/// holds the control plane weakly, so it ends when `weft up` stops.
fn watch(
    control: std::sync::Weak<ControlPlane>,
    mut changes: tokio::sync::broadcast::Receiver<String>,
    name: &str,
    first: crate::AppView,
) -> ApiResponse {
    let (sender, body) = EventStream::channel();
    let name = name.to_owned();
    tokio::spawn(async move {
        let mut last = first;
        if !sender.send(&to_json(&last)).await {
            return;
        }
        loop {
            match changes.recv().await {
                Ok(changed) if changed != name => continue,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
            let Some(control) = control.upgrade() else {
                return;
            };
            let Ok(view) = control.view(&name).await else {
                return;
            };
            drop(control);
            if view != last {
                if !sender.send(&to_json(&view)).await {
                    return;
                }
                last = view;
            }
        }
    });
    let mut response = Response::new(BoxBody::new(body));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/event-stream"),
    );
    response.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-cache"),
    );
    response
}

fn to_json(view: &crate::AppView) -> String {
    String::from_utf8(weft_lattice::json_bytes(view)).unwrap_or_default()
}

fn parse_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    expected: &str,
) -> Result<T, Box<ApiResponse>> {
    serde_json::from_slice(body).map_err(|bad| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            &format!("expected {expected}: {bad}"),
        ))
    })
}

fn authorized(request: &Request<Incoming>, token: &str) -> bool {
    request
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes()))
}

/// Compares without stopping at the first difference, so timing does not leak the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn control_error(failure: &ControlError) -> ApiResponse {
    let status = match failure {
        ControlError::Apps(AppStoreError::Invalid(_))
        | ControlError::Invalid(_)
        | ControlError::Name(_) => StatusCode::BAD_REQUEST,
        ControlError::Apps(
            AppStoreError::NoSuchApp { .. } | AppStoreError::NoSuchVersion { .. },
        )
        | ControlError::NotFound(_) => StatusCode::NOT_FOUND,
        ControlError::Apps(
            AppStoreError::VersionExists { .. } | AppStoreError::Deployed { .. },
        )
        | ControlError::Conflict(_) => StatusCode::CONFLICT,
        ControlError::Lattice(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ControlError::Apps(AppStoreError::Store(_) | AppStoreError::Damaged { .. })
        | ControlError::Records(_)
        | ControlError::Secrets(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, &failure.to_string())
}

fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> ApiResponse {
    let body = weft_lattice::json_bytes(value);
    let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

fn error(status: StatusCode, message: &str) -> ApiResponse {
    json(status, &serde_json::json!({ "error": message }))
}
