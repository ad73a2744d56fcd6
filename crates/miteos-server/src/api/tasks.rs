//! Task endpoints: create, get, history, completed, cancel, deliverables and their download.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use miteos_core::domain::{Deliverable, Task, TaskStatus};
use miteos_core::preview::Preview;
use miteos_core::service::NewTask;
use miteos_core::store::TaskFilter;
use serde::Deserialize;
use tokio_util::io::ReaderStream;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiQuery};
use super::{ApiError, AppState, ErrorBody};

#[derive(Deserialize, ToSchema)]
pub struct CreateTask {
    /// What to do, in plain language.
    pub prompt: String,
    pub workspace_id: Option<String>,
    /// `provider::model` for this task instead of the default.
    pub model: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct Page {
    /// 1 to 100; default 20.
    #[serde(default = "default_limit")]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
}

#[derive(Deserialize, IntoParams)]
pub struct History {
    /// 1 to 100; default 20.
    #[serde(default = "default_limit")]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
    /// Only tasks in this state.
    pub status: Option<TaskStatus>,
    /// Only tasks whose prompt or title contains this text.
    pub q: Option<String>,
}

fn default_limit() -> u32 {
    20
}

#[utoipa::path(post, path = "/tasks", request_body = CreateTask,
    responses((status = 201, body = Task), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiJson(body): ApiJson<CreateTask>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let task = s
        .miteos
        .create_task(NewTask {
            prompt: body.prompt,
            workspace_id: body.workspace_id,
            model: body.model,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(task)))
}

#[utoipa::path(get, path = "/tasks/{task_id}", params(("task_id" = String, Path)),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Path(task_id): Path<String>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(s.miteos.get_task(&task_id).await?))
}

/// History, newest first, optionally narrowed to one state or to prompts containing `q`.
#[utoipa::path(get, path = "/tasks", params(History), responses((status = 200, body = Vec<Task>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    ApiQuery(page): ApiQuery<History>,
) -> Result<Json<Vec<Task>>, ApiError> {
    let filter = TaskFilter {
        status: page.status,
        text: page.q,
    };
    Ok(Json(
        s.miteos.list_tasks(filter, page.limit, page.offset).await?,
    ))
}

/// Completed tasks, newest first: the Skill Compiler's input.
#[utoipa::path(get, path = "/tasks/completed", params(Page), responses((status = 200, body = Vec<Task>), (status = 400, body = ErrorBody)))]
pub async fn completed(
    State(s): State<AppState>,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<Vec<Task>>, ApiError> {
    Ok(Json(
        s.miteos.completed_tasks(page.limit, page.offset).await?,
    ))
}

/// Stops every agent of the task; answers the task, `cancelled`. A finished task is 409.
#[utoipa::path(post, path = "/tasks/{task_id}/cancel", params(("task_id" = String, Path)),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(s): State<AppState>,
    Path(task_id): Path<String>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(s.miteos.cancel_task(&task_id).await?))
}

#[utoipa::path(get, path = "/tasks/{task_id}/deliverables", params(("task_id" = String, Path)),
    responses((status = 200, body = Vec<Deliverable>), (status = 404, body = ErrorBody)))]
pub async fn deliverables(
    State(s): State<AppState>,
    Path(task_id): Path<String>,
) -> Result<Json<Vec<Deliverable>>, ApiError> {
    Ok(Json(s.miteos.deliverables(&task_id).await?))
}

/// A bounded preview: Markdown or text, tables for CSV and spreadsheets, images as data URLs.
#[utoipa::path(get, path = "/tasks/{task_id}/deliverables/{deliverable_id}/preview",
    params(("task_id" = String, Path), ("deliverable_id" = String, Path)),
    responses((status = 200, body = Preview), (status = 404, body = ErrorBody)))]
pub async fn preview(
    State(s): State<AppState>,
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
    State(s): State<AppState>,
    Path((task_id, deliverable_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (deliverable, path) = s.miteos.deliverable_file(&task_id, &deliverable_id).await?;
    let file = tokio::fs::File::open(&path).await.map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("the file of {deliverable_id} is gone"),
        )
    })?;
    let len = file.metadata().await.map(|m| m.len()).ok();
    let mut response = Body::from_stream(ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&deliverable.mime_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Some(len) = len {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&deliverable.name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987).
fn content_disposition(name: &str) -> String {
    let file = name.rsplit('/').next().unwrap_or(name);
    let ascii: String = file
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn disposition_names_the_file_safely() {
        assert_eq!(
            content_disposition("out/pricing.xlsx"),
            "attachment; filename=\"pricing.xlsx\"; filename*=UTF-8''pricing.xlsx"
        );
        assert_eq!(
            content_disposition("Prix \"été\".csv"),
            "attachment; filename=\"Prix __t__.csv\"; filename*=UTF-8''Prix%20%22%C3%A9t%C3%A9%22.csv"
        );
    }
}
