//! `GET /metrics`: this process's metrics in Prometheus' text exposition format, for a
//! Prometheus server to scrape (no token: it is a read, like every GET).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use weft_telemetry::{Telemetry, TelemetryError};

use super::error;
use crate::server::ApiState;

/// The media type of Prometheus' text format, version 0.0.4.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub(crate) async fn prometheus(State(state): State<ApiState>) -> Response {
    prometheus_answer(state.control.metrics())
}

/// `metrics` read out as Prometheus text, or why they cannot be: 503 when they are off (a
/// setting, not a fault), 500 when collecting failed.
pub(crate) fn prometheus_answer(metrics: &Telemetry) -> Response {
    match metrics.prometheus_text() {
        Ok(text) => ([(header::CONTENT_TYPE, PROMETHEUS_TEXT)], text).into_response(),
        Err(failure @ TelemetryError::Disabled) => {
            error(StatusCode::SERVICE_UNAVAILABLE, &failure.to_string())
        }
        Err(failure) => error(StatusCode::INTERNAL_SERVER_ERROR, &failure.to_string()),
    }
}
