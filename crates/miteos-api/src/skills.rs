//! The skills library: list, inspect, compile from completed tasks, import and export Agent
//! Skills folders, enable and disable, keep what the compiler offered, validate, match a prompt,
//! delete.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::{Extension, Json};
use miteos_core::service::{Caller, SkillPatch};
use miteos_core::skills::{Skill, SkillFile, SkillMatch};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiBytes, ApiJson, ApiQuery};
use super::{ApiError, ApiState, ErrorBody};

/// The skills, newest first, with their stats (retired ones too).
#[utoipa::path(get, path = "/skills", operation_id = "list_skills", responses((status = 200, body = Vec<Skill>)))]
pub async fn list(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<Skill>>, ApiError> {
    Ok(Json(s.miteos.skills(&caller).await?))
}

#[utoipa::path(get, path = "/skills/{skill_id}", operation_id = "get_skill", params(("skill_id" = String, Path)),
    responses((status = 200, body = Skill), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(skill_id): Path<String>,
) -> Result<Json<Skill>, ApiError> {
    Ok(Json(s.miteos.skill(&caller, &skill_id).await?))
}

/// Renames a skill, enables or disables it, or sets the agent types it is off for; what is left
/// out stays as it is.
#[utoipa::path(patch, path = "/skills/{skill_id}", params(("skill_id" = String, Path)), request_body = SkillPatch,
    responses((status = 200, body = Skill), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn update(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(skill_id): Path<String>,
    ApiJson(body): ApiJson<SkillPatch>,
) -> Result<Json<Skill>, ApiError> {
    Ok(Json(s.miteos.update_skill(&caller, &skill_id, body).await?))
}

/// Keeps a skill the compiler made by itself (it is no longer offered). Discarding it is
/// `DELETE /skills/{skill_id}`.
#[utoipa::path(post, path = "/skills/{skill_id}/keep", params(("skill_id" = String, Path)),
    responses((status = 200, body = Skill), (status = 404, body = ErrorBody)))]
pub async fn keep(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(skill_id): Path<String>,
) -> Result<Json<Skill>, ApiError> {
    Ok(Json(s.miteos.keep_skill(&caller, &skill_id).await?))
}

/// Starts a recipe's validation run (an imported skill is `unvalidated` until one passes):
/// `202` with the skill, a `candidate` until the run ends `active` or `rejected`.
#[utoipa::path(post, path = "/skills/{skill_id}/validate", params(("skill_id" = String, Path)),
    responses((status = 202, body = Skill), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn validate(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(skill_id): Path<String>,
) -> Result<(StatusCode, Json<Skill>), ApiError> {
    Ok((
        StatusCode::ACCEPTED,
        Json(s.miteos.start_skill_validation(&caller, &skill_id).await?),
    ))
}

/// Every version of a skill as it was saved, newest first.
#[utoipa::path(get, path = "/skills/{skill_id}/versions", params(("skill_id" = String, Path)),
    responses((status = 200, body = Vec<Skill>), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(skill_id): Path<String>,
) -> Result<Json<Vec<Skill>>, ApiError> {
    Ok(Json(s.miteos.skill_versions(&caller, &skill_id).await?))
}

#[utoipa::path(delete, path = "/skills/{skill_id}", params(("skill_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(skill_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.miteos.delete_skill(&caller, &skill_id).await?;
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
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<CompileBody>,
) -> Result<Json<Vec<Skill>>, ApiError> {
    Ok(Json(
        s.miteos.compile_skills(&caller, &body.task_ids).await?,
    ))
}

/// A skill folder (Agent Skills format): its files, paths relative to the folder (or all under
/// one folder named for the skill).
#[derive(serde::Serialize, Deserialize, ToSchema)]
pub struct SkillFolder {
    pub files: Vec<SkillFile>,
    /// Where it came from (a folder's or file's name), shown in the library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// The skill as an Agent Skills folder: an imported one as it came; a compiled one as a
/// `SKILL.md` another agent can follow (front matter `name`, `description`, `metadata`) and
/// `references/miteos-skill.json` (the whole recipe).
#[utoipa::path(get, path = "/skills/{skill_id}/export", params(("skill_id" = String, Path)),
    responses((status = 200, body = SkillFolder), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(skill_id): Path<String>,
) -> Result<Json<SkillFolder>, ApiError> {
    Ok(Json(SkillFolder {
        files: s.miteos.export_skill(&caller, &skill_id).await?,
        from: None,
    }))
}

/// The exported folder as a zip, the skill's files under a folder of its name (a `.skill` file
/// other agents install).
#[utoipa::path(get, path = "/skills/{skill_id}/archive", params(("skill_id" = String, Path)),
    responses((status = 200, description = "application/zip: <name>/SKILL.md and the rest of the folder"),
        (status = 404, body = ErrorBody)))]
pub async fn archive(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(skill_id): Path<String>,
) -> Result<Response, ApiError> {
    let (name, bytes) = s.miteos.export_skill_archive(&caller, &skill_id).await?;
    Ok(crate::files::bytes_response(
        bytes,
        "application/zip",
        &format!("{name}.zip"),
        crate::files::Disposition::Attachment,
    ))
}

/// A .zip or .skill file of an Agent Skills folder.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct SkillArchive(#[allow(dead_code)] Vec<u8>);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The name of the uploaded .zip or .skill file (shown as where the skill came from).
    #[serde(default)]
    pub file_name: Option<String>,
}

/// Imports an Agent Skills folder, checked as the standard requires (SKILL.md with a valid
/// `name` and `description`, paths inside the folder, at most 500 files of 5 MB, 20 MB in all):
/// as JSON (`{files, from}`), or as a .zip / .skill file (any other content type). A standard
/// skill becomes instructions agents load when their work calls for it (the next version of an
/// imported skill of its name); a Miteos export becomes its recipe again, `unvalidated` until
/// `POST /skills/{skill_id}/validate` passes.
#[utoipa::path(post, path = "/skills/import", params(ImportQuery),
    request_body(content((SkillFolder = "application/json"), (SkillArchive = "application/zip"))),
    responses((status = 201, body = Skill), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody)))]
pub async fn import(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<(StatusCode, Json<Skill>), ApiError> {
    // JSON by its type, or by its first byte when the client named none (a zip starts "PK").
    let json = match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(t) => t.starts_with("application/json"),
        None => body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'),
    };
    let skill = if json {
        let folder: SkillFolder = crate::extract::parse(&body)?;
        let from = folder.from.or(q.file_name).unwrap_or_default();
        s.miteos.import_skill(&caller, &folder.files, &from).await?
    } else {
        let from = q.file_name.unwrap_or_else(|| "an uploaded archive".into());
        s.miteos.import_skill_archive(&caller, &body, &from).await?
    };
    Ok((StatusCode::CREATED, Json(skill)))
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
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<MatchQuery>,
) -> Result<Json<Option<SkillMatch>>, ApiError> {
    Ok(Json(s.miteos.match_skill(&caller, &q.prompt).await?))
}
