//! The skills library: list, inspect, compile from completed tasks, match a prompt, delete.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use miteos_core::skills::{Skill, SkillFile, SkillMatch};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ApiQuery};
use super::{ApiError, ApiState, ErrorBody};

/// The skills, newest first, with their stats (retired ones too).
#[utoipa::path(get, path = "/skills", operation_id = "list_skills", responses((status = 200, body = Vec<Skill>)))]
pub async fn list(State(s): State<ApiState>) -> Result<Json<Vec<Skill>>, ApiError> {
    Ok(Json(s.miteos.skills().await?))
}

#[utoipa::path(get, path = "/skills/{skill_id}", operation_id = "get_skill", params(("skill_id" = String, Path)),
    responses((status = 200, body = Skill), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<ApiState>,
    Path(skill_id): Path<String>,
) -> Result<Json<Skill>, ApiError> {
    Ok(Json(s.miteos.skill(&skill_id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RenameBody {
    /// 2–60 lowercase letters, digits and `-`.
    pub name: String,
}

/// Renames a skill.
#[utoipa::path(patch, path = "/skills/{skill_id}", params(("skill_id" = String, Path)), request_body = RenameBody,
    responses((status = 200, body = Skill), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rename(
    State(s): State<ApiState>,
    Path(skill_id): Path<String>,
    ApiJson(body): ApiJson<RenameBody>,
) -> Result<Json<Skill>, ApiError> {
    Ok(Json(s.miteos.rename_skill(&skill_id, &body.name).await?))
}

#[utoipa::path(delete, path = "/skills/{skill_id}", params(("skill_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<ApiState>,
    Path(skill_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.miteos.delete_skill(&skill_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct CompileBody {
    /// Completed tasks to compile; empty or left out: the newest completed tasks.
    #[serde(default)]
    pub task_ids: Vec<String>,
}

/// Compiles completed tasks into skills; answers the skills made or updated (a new version when
/// the prompt template exists). `400` when named tasks are not completed or make no skill.
#[utoipa::path(post, path = "/skills/compile", request_body = CompileBody,
    responses((status = 200, body = Vec<Skill>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn compile(
    State(s): State<ApiState>,
    ApiJson(body): ApiJson<CompileBody>,
) -> Result<Json<Vec<Skill>>, ApiError> {
    Ok(Json(s.miteos.compile_skills(&body.task_ids).await?))
}

/// A skill folder (Agent Skills format): its files, paths relative to the folder.
#[derive(serde::Serialize, Deserialize, ToSchema)]
pub struct SkillFolder {
    pub files: Vec<SkillFile>,
}

/// The skill as an Agent Skills folder: `SKILL.md` (front matter `name`, `description`,
/// `prompt`; a readable plan) and `references/miteos-skill.json` (the whole skill).
#[utoipa::path(get, path = "/skills/{skill_id}/export", params(("skill_id" = String, Path)),
    responses((status = 200, body = SkillFolder), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(s): State<ApiState>,
    Path(skill_id): Path<String>,
) -> Result<Json<SkillFolder>, ApiError> {
    Ok(Json(SkillFolder {
        files: s.miteos.export_skill(&skill_id).await?,
    }))
}

/// Imports a skill folder: an export (back to an equal skill, replacing one with its id), or a
/// hand-written `SKILL.md` whose front matter has `name` and `prompt` (with `{{parameters}}`).
#[utoipa::path(post, path = "/skills/import", request_body = SkillFolder,
    responses((status = 201, body = Skill), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn import(
    State(s): State<ApiState>,
    ApiJson(body): ApiJson<SkillFolder>,
) -> Result<(StatusCode, Json<Skill>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.miteos.import_skill(&body.files).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    /// What the user is typing.
    pub prompt: String,
}

/// The skill a prompt would run from, with its parameters, or `null`.
#[utoipa::path(get, path = "/skills/match", params(MatchQuery),
    responses((status = 200, body = Option<SkillMatch>), (status = 400, body = ErrorBody)))]
pub async fn matching(
    State(s): State<ApiState>,
    ApiQuery(q): ApiQuery<MatchQuery>,
) -> Result<Json<Option<SkillMatch>>, ApiError> {
    Ok(Json(s.miteos.match_skill(&q.prompt).await?))
}
