//! For operators and their probes: `/health` (the process answers), `/ready` (it takes work), and
//! `/metrics` (Prometheus's text format, behind the token).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::ApiState;
use super::error::{ApiError, ErrorBody};

/// The process answers (liveness). No token needed.
#[utoipa::path(get, path = "/health", security(()), responses((status = 200, body = Value)))]
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Miteos takes work: it is not shutting down and its store answers (readiness). No token
/// needed.
#[utoipa::path(get, path = "/ready", security(()),
    responses((status = 200, body = Value), (status = 503, body = ErrorBody)))]
pub async fn ready(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    match s.miteos.not_ready().await {
        None => Ok(Json(json!({"status": "ready"}))),
        Some(why) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            why,
        )),
    }
}

/// Metrics in Prometheus's text format: tasks by state, subtasks waiting and running, model calls
/// in flight per provider and its slots, events journaled.
#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(s): State<ApiState>) -> Result<impl IntoResponse, ApiError> {
    let text = s.miteos.metrics_text().await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    ))
}
