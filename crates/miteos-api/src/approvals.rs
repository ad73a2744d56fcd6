//! Risky tool calls waiting for the user: list them, approve or deny one.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use miteos_core::domain::Approval;
use miteos_core::service::Caller;
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::ApiJson;
use super::{ApiError, ApiState, ErrorBody};

/// The task's approval requests, oldest first (decided ones too).
#[utoipa::path(get, path = "/tasks/{task_id}/approvals", operation_id = "list_approvals", params(("task_id" = String, Path)),
    responses((status = 200, body = Vec<Approval>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(s): State<ApiState>,
    Path(task_id): Path<String>,
) -> Result<Json<Vec<Approval>>, ApiError> {
    Ok(Json(s.miteos.approvals(&task_id).await?))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Deny,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    pub decision: Decision,
}

/// Approves or denies a pending request: the waiting call runs, or the agent hears it was denied
/// and goes on without it. `409` when it was already decided or the task no longer runs; `403`
/// when a member of a team's server approves a command (only an admin may).
#[utoipa::path(post, path = "/tasks/{task_id}/approvals/{approval_id}",
    params(("task_id" = String, Path), ("approval_id" = String, Path)), request_body = DecisionBody,
    responses((status = 200, body = Approval), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path((task_id, approval_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<Approval>, ApiError> {
    let approve = matches!(body.decision, Decision::Approve);
    Ok(Json(
        s.miteos
            .decide_approval(&caller, &task_id, &approval_id, approve)
            .await?,
    ))
}
