//! Task endpoints: create, get, history, completed, cancel, deliverables and their download.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use miteos_core::budget::{BudgetChange, BudgetDecision};
use miteos_core::domain::{Deliverable, Task, TaskStatus};
use miteos_core::preview::Preview;
use miteos_core::service::{AttachmentBody, Caller, NewTask};
use miteos_core::store::TaskFilter;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiQuery};
use super::{ApiError, ApiState, ErrorBody};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// 1 to 100; default 20.
    #[serde(default = "default_limit")]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct History {
    /// 1 to 100; default 20.
    #[serde(default = "default_limit")]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
    /// Only tasks in this state.
    pub status: Option<TaskStatus>,
    /// Only tasks whose prompt, title or subtask outputs contain this text.
    pub q: Option<String>,
    /// Only tasks older than this task id: the next page after the last task of this one
    /// (keyset paging; unlike `offset`, unaffected by tasks created meanwhile).
    pub before: Option<String>,
}

fn default_limit() -> u32 {
    20
}

#[utoipa::path(post, path = "/tasks", request_body = NewTask<AttachmentBody>,
    responses((status = 201, body = Task), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiJson(mut body): ApiJson<NewTask<AttachmentBody>>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    body.owner = caller.account_id().map(str::to_owned);
    body.bounded = !caller.is_admin();
    let attachments = std::mem::take(&mut body.attachments)
        .into_iter()
        .map(AttachmentBody::decode)
        .collect::<Result<Vec<_>, _>>()?;
    let task = s
        .miteos
        .create_task(body.with_attachments(attachments))
        .await?;
    Ok((StatusCode::CREATED, Json(task)))
}

#[utoipa::path(get, path = "/tasks/{task_id}", operation_id = "get_task", params(("task_id" = String, Path)),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<ApiState>,
    Path(task_id): Path<String>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(s.miteos.get_task(&task_id).await?))
}

/// History, newest first, optionally narrowed to one state or to tasks containing `q`; pages by
/// `offset` or by the cursor `before`.
#[utoipa::path(get, path = "/tasks", operation_id = "list_tasks", params(History), responses((status = 200, body = Vec<Task>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<History>,
) -> Result<Json<Vec<Task>>, ApiError> {
    let filter = TaskFilter {
        status: page.status,
        text: page.q,
        before: page.before,
        visible_to: caller.visible_to(),
    };
    Ok(Json(
        s.miteos.list_tasks(filter, page.limit, page.offset).await?,
    ))
}

/// Completed tasks, newest first: the Skill Compiler's input.
#[utoipa::path(get, path = "/tasks/completed", params(Page), responses((status = 200, body = Vec<Task>), (status = 400, body = ErrorBody)))]
pub async fn completed(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<Vec<Task>>, ApiError> {
    let filter = TaskFilter {
        status: Some(TaskStatus::Completed),
        visible_to: caller.visible_to(),
        ..TaskFilter::default()
    };
    Ok(Json(
        s.miteos.list_tasks(filter, page.limit, page.offset).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct BudgetBody {
    pub decision: BudgetDecision,
    /// For `raise`: the limits to change. Left out, the limit the task is paused on is doubled.
    pub budget: Option<BudgetChange>,
}

/// Answers a task paused on its budget: `raise` (it goes on) or `stop` (it ends `cancelled`,
/// keeping its deliverables). `raise` with `budget` also changes a running task's limits when it
/// is not paused. `409` when the task is not running, or `stop` when it is not paused; `403` when
/// a member of a team's server raises past the budget an admin set (Settings).
#[utoipa::path(post, path = "/tasks/{task_id}/budget", params(("task_id" = String, Path)), request_body = BudgetBody,
    responses((status = 200, body = Task), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn budget(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(task_id): Path<String>,
    ApiJson(body): ApiJson<BudgetBody>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(
        s.miteos
            .decide_budget(&caller, &task_id, body.decision, body.budget)
            .await?,
    ))
}

/// Stops every agent of the task; answers the task, `cancelled`. A finished task is 409.
#[utoipa::path(post, path = "/tasks/{task_id}/cancel", params(("task_id" = String, Path)),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(s): State<ApiState>,
    Path(task_id): Path<String>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(s.miteos.cancel_task(&task_id).await?))
}

#[utoipa::path(get, path = "/tasks/{task_id}/deliverables", params(("task_id" = String, Path)),
    responses((status = 200, body = Vec<Deliverable>), (status = 404, body = ErrorBody)))]
pub async fn deliverables(
    State(s): State<ApiState>,
    Path(task_id): Path<String>,
) -> Result<Json<Vec<Deliverable>>, ApiError> {
    Ok(Json(s.miteos.deliverables(&task_id).await?))
}

/// A bounded preview: Markdown or text, tables for CSV and spreadsheets, images as data URLs.
#[utoipa::path(get, path = "/tasks/{task_id}/deliverables/{deliverable_id}/preview",
    params(("task_id" = String, Path), ("deliverable_id" = String, Path)),
    responses((status = 200, body = Preview), (status = 404, body = ErrorBody)))]
pub async fn preview(
    State(s): State<ApiState>,
    Path((task_id, deliverable_id)): Path<(String, String)>,
) -> Result<Json<Preview>, ApiError> {
    Ok(Json(
        s.miteos
            .preview_deliverable(&task_id, &deliverable_id)
            .await?,
    ))
}

/// The deliverable's bytes, with its type and file name.
#[utoipa::path(get, path = "/tasks/{task_id}/deliverables/{deliverable_id}/download",
    params(("task_id" = String, Path), ("deliverable_id" = String, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(s): State<ApiState>,
    Path((task_id, deliverable_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (deliverable, path) = s.miteos.deliverable_file(&task_id, &deliverable_id).await?;
    let file = std::fs::File::open(&path).map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("the file of {deliverable_id} is gone"),
        )
    })?;
    Ok(crate::files::file_response(
        file,
        &deliverable.mime_type,
        &deliverable.name,
        crate::files::Disposition::Attachment,
    ))
}

/// All of the task's deliverables as one zip.
#[utoipa::path(get, path = "/tasks/{task_id}/deliverables/bundle.zip", params(("task_id" = String, Path)),
    responses((status = 200, description = "application/zip of every deliverable, paths kept"), (status = 404, body = ErrorBody)))]
pub async fn bundle(
    State(s): State<ApiState>,
    Path(task_id): Path<String>,
) -> Result<Response, ApiError> {
    let (name, file) = s.miteos.deliverables_zip(&task_id).await?;
    Ok(crate::files::file_response(
        file,
        "application/zip",
        &name,
        crate::files::Disposition::Attachment,
    ))
}
