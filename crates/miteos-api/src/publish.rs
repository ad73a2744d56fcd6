//! Deployments, share links and provenance of deliverables (the staging/share server itself is
//! [`crate::staging`]).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use miteos_core::domain::{Deployment, Provenance, Share};
use serde::Deserialize;
use utoipa::ToSchema;

use super::extract::ApiJsonOrDefault;
use super::{ApiError, ApiState, ErrorBody};

#[derive(Deserialize, ToSchema, Default)]
pub struct NewDeployment {
    /// How long its URL answers, in hours: 1 to 8760 (365 days); default 720 (30 days).
    pub expires_in_hours: Option<u32>,
}

/// Deploys the deliverable to the staging server: an HTML file with the files of its folder it
/// uses (links, scripts, styles, images), any other file with a viewer page, until it expires.
/// Answers the deployment with its URL.
#[utoipa::path(post, path = "/tasks/{task_id}/deliverables/{deliverable_id}/deploy",
    params(("task_id" = String, Path), ("deliverable_id" = String, Path)), request_body = NewDeployment,
    responses((status = 201, body = Deployment), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deploy(
    State(s): State<ApiState>,
    Path((task_id, deliverable_id)): Path<(String, String)>,
    ApiJsonOrDefault(body): ApiJsonOrDefault<NewDeployment>,
) -> Result<(StatusCode, Json<Deployment>), ApiError> {
    let lifetime = lifetime(body.expires_in_hours, 8760, "365 days")?;
    let deployment = s
        .miteos
        .deploy_deliverable(&task_id, &deliverable_id, lifetime)
        .await?;
    Ok((StatusCode::CREATED, Json(deployment)))
}

/// The task's deployments, newest first; taken-down ones carry `taken_down_at`.
#[utoipa::path(get, path = "/tasks/{task_id}/deployments", params(("task_id" = String, Path)),
    responses((status = 200, body = Vec<Deployment>), (status = 404, body = ErrorBody)))]
pub async fn deployments(
    State(s): State<ApiState>,
    Path(task_id): Path<String>,
) -> Result<Json<Vec<Deployment>>, ApiError> {
    Ok(Json(s.miteos.deployments(&task_id).await?))
}

/// Takes a deployment down: its URL answers 404 from then on.
#[utoipa::path(delete, path = "/tasks/{task_id}/deployments/{deployment_id}",
    params(("task_id" = String, Path), ("deployment_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn take_down(
    State(s): State<ApiState>,
    Path((task_id, deployment_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.miteos.take_down(&task_id, &deployment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewShare {
    /// How long the link works, in hours: 1 to 2160 (90 days); default 168 (7 days).
    pub expires_in_hours: Option<u32>,
    /// Also show how the deliverable was made (plan and steps, secrets redacted).
    #[serde(default)]
    pub include_replay: bool,
}

/// Creates a public link to the deliverable. The answer's `url` is the only time the link is
/// shown: only a hash of its token is kept.
#[utoipa::path(post, path = "/tasks/{task_id}/deliverables/{deliverable_id}/share",
    params(("task_id" = String, Path), ("deliverable_id" = String, Path)), request_body = NewShare,
    responses((status = 201, body = Share), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn share(
    State(s): State<ApiState>,
    Path((task_id, deliverable_id)): Path<(String, String)>,
    ApiJsonOrDefault(body): ApiJsonOrDefault<NewShare>,
) -> Result<(StatusCode, Json<Share>), ApiError> {
    let lifetime = lifetime(body.expires_in_hours, 2160, "90 days")?;
    let share = s
        .miteos
        .share_deliverable(&task_id, &deliverable_id, lifetime, body.include_replay)
        .await?;
    Ok((StatusCode::CREATED, Json(share)))
}

/// The task's share links (without their tokens), newest first, with access counts.
#[utoipa::path(get, path = "/tasks/{task_id}/shares", params(("task_id" = String, Path)),
    responses((status = 200, body = Vec<Share>), (status = 404, body = ErrorBody)))]
pub async fn shares(
    State(s): State<ApiState>,
    Path(task_id): Path<String>,
) -> Result<Json<Vec<Share>>, ApiError> {
    Ok(Json(s.miteos.shares(&task_id).await?))
}

/// Revokes a share link: it answers 404 from then on.
#[utoipa::path(delete, path = "/tasks/{task_id}/shares/{share_id}",
    params(("task_id" = String, Path), ("share_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(s): State<ApiState>,
    Path((task_id, share_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.miteos.revoke_share(&task_id, &share_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The subtasks and sources a deliverable came from.
#[utoipa::path(get, path = "/tasks/{task_id}/deliverables/{deliverable_id}/provenance",
    params(("task_id" = String, Path), ("deliverable_id" = String, Path)),
    responses((status = 200, body = Provenance), (status = 404, body = ErrorBody)))]
pub async fn provenance(
    State(s): State<ApiState>,
    Path((task_id, deliverable_id)): Path<(String, String)>,
) -> Result<Json<Provenance>, ApiError> {
    Ok(Json(s.miteos.provenance(&task_id, &deliverable_id).await?))
}

/// `expires_in_hours` as a lifetime, when given: 1 to `max` hours (`max_words` says it in days).
fn lifetime(hours: Option<u32>, max: u32, max_words: &str) -> Result<Option<Duration>, ApiError> {
    match hours {
        Some(h) if (1..=max).contains(&h) => Ok(Some(Duration::from_secs(u64::from(h) * 3600))),
        Some(_) => Err(ApiError::bad_request(format!(
            "expires_in_hours must be between 1 and {max} ({max_words})"
        ))),
        None => Ok(None),
    }
}
