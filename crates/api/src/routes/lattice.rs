//! `/v1/hosts`, `/v1/inventory`, `/v1/links` and `/v1/shutdown`: what runs where, labels,
//! links, and stopping the process.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use serde::Deserialize;
use serde_json::json as value;
use weft_manager::LinkSpec;

use super::{answer, json, parse_body};
use crate::server::ApiState;

#[derive(Deserialize)]
pub(crate) struct LabelBody {
    value: String,
}

pub(crate) async fn shutdown(State(state): State<ApiState>) -> Response {
    state.shutdown.notify_one();
    json(StatusCode::ACCEPTED, &value!({ "stopping": true }))
}

pub(crate) async fn hosts(State(state): State<ApiState>) -> Response {
    json(StatusCode::OK, &state.control.hosts())
}

pub(crate) async fn set_label(
    State(state): State<ApiState>,
    Path((host, key)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let label: LabelBody = match parse_body(&body, "{\"value\": \"...\"}") {
        Ok(label) => label,
        Err(bad) => return bad.into_response(),
    };
    answer(
        state
            .control
            .set_label(&host, &key, Some(&label.value))
            .await,
        |()| {
            json(
                StatusCode::OK,
                &value!({ "key": key, "value": label.value }),
            )
        },
    )
}

pub(crate) async fn delete_label(
    State(state): State<ApiState>,
    Path((host, key)): Path<(String, String)>,
) -> Response {
    answer(state.control.set_label(&host, &key, None).await, |()| {
        json(StatusCode::OK, &value!({ "deleted": key }))
    })
}

pub(crate) async fn inventory(State(state): State<ApiState>) -> Response {
    json(StatusCode::OK, &state.control.inventory())
}

pub(crate) async fn links(State(state): State<ApiState>) -> Response {
    json(StatusCode::OK, &state.control.links())
}

pub(crate) async fn put_link(State(state): State<ApiState>, body: Bytes) -> Response {
    let link: LinkSpec = match parse_body(
        &body,
        "a link: {\"source_id\", \"target_id\", \"name\", \"namespace\", \"package\", \"interfaces\", \"source_config\", \"target_config\", \"app\": null}",
    ) {
        Ok(link) => link,
        Err(bad) => return bad.into_response(),
    };
    answer(state.control.put_link(link).await, |link| {
        json(StatusCode::OK, &link)
    })
}

pub(crate) async fn delete_link(
    State(state): State<ApiState>,
    Path((source, namespace, package, name)): Path<(String, String, String, String)>,
) -> Response {
    answer(
        state
            .control
            .delete_link((&source, &namespace, &package, &name))
            .await,
        |()| json(StatusCode::OK, &value!({ "deleted": true })),
    )
}
