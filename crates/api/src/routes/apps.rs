//! `/v1/apps`: applications, their versions and history, deploys.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use serde::Deserialize;
use serde_json::json as value;

use super::{By, answer, json, parse_body};
use crate::access::AuditNote;
use crate::server::ApiState;

#[derive(Deserialize)]
pub(crate) struct PutBody {
    file: String,
    source: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct DeployBody {
    version: Option<String>,
}

/// `?version=V`.
#[derive(Deserialize)]
pub(crate) struct VersionQuery {
    version: Option<String>,
}

pub(crate) async fn list(State(state): State<ApiState>) -> Response {
    answer(state.control.list().await, |apps| {
        json(StatusCode::OK, &apps)
    })
}

pub(crate) async fn put(State(state): State<ApiState>, By(by): By, body: Bytes) -> Response {
    let put: PutBody = match parse_body(&body, "{\"file\", \"source\"}") {
        Ok(put) => put,
        Err(bad) => return bad.into_response(),
    };
    answer(
        state.control.put(&put.file, &put.source, &by).await,
        |(name, version)| {
            let note = AuditNote(format!("app {name} version {version}"));
            let mut response = json(
                StatusCode::CREATED,
                &value!({ "name": name, "version": version }),
            );
            response.extensions_mut().insert(note);
            response
        },
    )
}

pub(crate) async fn view(State(state): State<ApiState>, Path(name): Path<String>) -> Response {
    answer(state.control.view(&name).await, |view| {
        json(StatusCode::OK, &view)
    })
}

pub(crate) async fn manifest(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Response {
    answer(
        state
            .control
            .manifest(&name, query.version.as_deref())
            .await,
        |stored| json(StatusCode::OK, &stored),
    )
}

pub(crate) async fn versions(State(state): State<ApiState>, Path(name): Path<String>) -> Response {
    answer(state.control.stored(&name).await, |app| {
        let versions: Vec<serde_json::Value> = app
            .versions
            .iter()
            .map(|v| {
                value!({
                    "version": v.version,
                    "deployed": app.deployed.as_deref() == Some(v.version.as_str()),
                    "put_at_ms": v.put_at_ms,
                })
            })
            .collect();
        json(StatusCode::OK, &versions)
    })
}

pub(crate) async fn history(State(state): State<ApiState>, Path(name): Path<String>) -> Response {
    answer(state.control.stored(&name).await, |app| {
        json(StatusCode::OK, &app.history)
    })
}

pub(crate) async fn deploy(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    By(by): By,
    body: Bytes,
) -> Response {
    let deploy = if body.is_empty() {
        DeployBody::default()
    } else {
        match parse_body::<DeployBody>(&body, "{\"version\": \"...\"} or an empty body") {
            Ok(deploy) => deploy,
            Err(bad) => return bad.into_response(),
        }
    };
    answer(
        state
            .control
            .deploy(&name, deploy.version.as_deref(), &by)
            .await,
        |view| json(StatusCode::OK, &view),
    )
}

pub(crate) async fn undeploy(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    By(by): By,
) -> Response {
    answer(state.control.undeploy(&name, &by).await, |view| {
        json(StatusCode::OK, &view)
    })
}

pub(crate) async fn delete(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Query(query): Query<VersionQuery>,
    By(by): By,
) -> Response {
    answer(
        state
            .control
            .delete(&name, query.version.as_deref(), &by)
            .await,
        |()| json(StatusCode::OK, &value!({ "deleted": name })),
    )
}
