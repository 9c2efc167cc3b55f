//! `/v1/secrets` and `/v1/configs`: what components read, put by hand.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use serde::Deserialize;
use serde_json::json as value;
use weft_secrets::SecretValue;

use super::{answer, json, parse_body};
use crate::server::ApiState;

#[derive(Deserialize)]
pub(crate) struct ConfigBody {
    values: BTreeMap<String, String>,
}

pub(crate) async fn secrets(State(state): State<ApiState>) -> Response {
    answer(state.control.secrets().await, |secrets| {
        json(StatusCode::OK, &secrets)
    })
}

pub(crate) async fn put_secret(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    answer(
        state
            .control
            .put_secret(&name, SecretValue::new(body.to_vec()))
            .await,
        |info| json(StatusCode::OK, &info),
    )
}

pub(crate) async fn delete_secret(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Response {
    answer(state.control.delete_secret(&name).await, |()| {
        json(StatusCode::OK, &value!({ "deleted": name }))
    })
}

pub(crate) async fn configs(State(state): State<ApiState>) -> Response {
    json(StatusCode::OK, &state.control.configs())
}

pub(crate) async fn config(State(state): State<ApiState>, Path(name): Path<String>) -> Response {
    answer(state.control.config(&name), |config| {
        json(StatusCode::OK, &config)
    })
}

pub(crate) async fn put_config(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let config: ConfigBody = match parse_body(&body, "{\"values\": {\"KEY\": \"VALUE\"}}") {
        Ok(config) => config,
        Err(bad) => return bad.into_response(),
    };
    answer(state.control.put_config(&name, config.values).await, |()| {
        json(StatusCode::OK, &value!({ "name": name }))
    })
}

pub(crate) async fn delete_config(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Response {
    answer(state.control.delete_config(&name).await, |()| {
        json(StatusCode::OK, &value!({ "deleted": name }))
    })
}
