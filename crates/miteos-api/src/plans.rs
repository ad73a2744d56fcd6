//! Steering a task's plan: approve or edit it, retry or rerun a subtask, cancel one subtask,
//! follow up on a finished task. Each answers the task as it is after the change.

use axum::Json;
use axum::extract::{Path, State};
use miteos_core::domain::Task;
use miteos_core::domain::plan::PlanEdit;
use miteos_core::service::{NewMessage, SubtaskEdit};

use super::extract::{ApiJson, ApiJsonOrDefault};
use super::{ApiError, ApiState, ErrorBody};

/// Approves the plan waiting for review (applying the edit first, when the body has one), or
/// applies the edit to a running task's plan, or to a finished task's (which then runs again).
/// An empty body approves as is. `400` with every problem when the edit does not hold up.
#[utoipa::path(post, path = "/tasks/{task_id}/plan", params(("task_id" = String, Path)), request_body = PlanEdit,
    responses((status = 200, body = Task), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn edit_plan(
    State(s): State<ApiState>,
    Path(task_id): Path<String>,
    ApiJsonOrDefault(edit): ApiJsonOrDefault<PlanEdit>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(s.miteos.edit_plan(&task_id, edit).await?))
}

/// Runs a failed or cancelled subtask again (`retry`) or a finished one (`rerun`), with its
/// instructions changed as the body says (an empty body keeps them); what depends on it runs
/// again after it, the rest is kept. A finished task runs again.
#[utoipa::path(post, path = "/tasks/{task_id}/subtasks/{subtask_id}/retry",
    params(("task_id" = String, Path), ("subtask_id" = String, Path)), request_body = SubtaskEdit,
    responses((status = 200, body = Task), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retry_subtask(
    State(s): State<ApiState>,
    Path((task_id, subtask_id)): Path<(String, String)>,
    ApiJsonOrDefault(changes): ApiJsonOrDefault<SubtaskEdit>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(
        s.miteos
            .retry_subtask(&task_id, &subtask_id, changes)
            .await?,
    ))
}

/// The same as `retry`, named for a completed subtask run again with edited instructions.
#[utoipa::path(post, path = "/tasks/{task_id}/subtasks/{subtask_id}/rerun",
    params(("task_id" = String, Path), ("subtask_id" = String, Path)), request_body = SubtaskEdit,
    responses((status = 200, body = Task), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rerun_subtask(
    state: State<ApiState>,
    path: Path<(String, String)>,
    changes: ApiJsonOrDefault<SubtaskEdit>,
) -> Result<Json<Task>, ApiError> {
    retry_subtask(state, path, changes).await
}

/// Cancels one pending or running subtask; the task goes on without it (what depends on it is
/// cancelled too). `409` when the task is not running or the subtask has ended.
#[utoipa::path(post, path = "/tasks/{task_id}/subtasks/{subtask_id}/cancel",
    params(("task_id" = String, Path), ("subtask_id" = String, Path)),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_subtask(
    State(s): State<ApiState>,
    Path((task_id, subtask_id)): Path<(String, String)>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(s.miteos.cancel_subtask(&task_id, &subtask_id).await?))
}

/// A follow-up message on a completed, failed or cancelled task: it runs again, a revision
/// adding the subtasks that do what the message asks on top of what is done (same folder,
/// history and totals). `409` while the task runs.
#[utoipa::path(post, path = "/tasks/{task_id}/messages", params(("task_id" = String, Path)), request_body = NewMessage,
    responses((status = 200, body = Task), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn follow_up(
    State(s): State<ApiState>,
    Path(task_id): Path<String>,
    ApiJson(body): ApiJson<NewMessage>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(s.miteos.follow_up(&task_id, &body.message).await?))
}
