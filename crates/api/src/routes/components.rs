//! `POST /v1/components/{id}/call`: a running component's export called with JSON arguments
//! (`weft call`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use serde::Deserialize;
use serde_json::{Value, json as value};

use super::{answer, json, parse_body};
use crate::server::ApiState;

/// What to call: `function` (`namespace:package/interface.function`, or a bare name one
/// exported interface has) with `args`, one JSON value per parameter.
#[derive(Deserialize)]
pub(crate) struct CallBody {
    function: String,
    #[serde(default)]
    args: Vec<Value>,
}

pub(crate) async fn call(
    State(state): State<ApiState>,
    Path(component): Path<String>,
    body: Bytes,
) -> Response {
    let expected = "{\"function\": \"namespace:package/interface.function\", \"args\": [...]}";
    let body: CallBody = match parse_body(&body, expected) {
        Ok(body) => body,
        Err(bad) => return bad.into_response(),
    };
    let results = state
        .control
        .call_component(&component, &body.function, &body.args)
        .await;
    answer(results, |results| {
        json(
            StatusCode::OK,
            &value!({ "component": component, "function": body.function, "results": results }),
        )
    })
}
