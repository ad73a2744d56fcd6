//! Settings and agent types: the same service calls the desktop app's settings view makes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use miteos_core::domain::AgentType;
use miteos_core::service::{AgentTypeInput, Settings, SettingsUpdate};
use miteos_core::tools::{McpServer, McpServerState};
use serde::Deserialize;
use utoipa::ToSchema;

use super::accounts::MayConfigure;
use super::extract::ApiJson;
use super::{ApiError, ApiState, ErrorBody};

/// Providers (keys only as hints), concurrency, and the API address.
#[utoipa::path(get, path = "/settings", operation_id = "get_settings", responses((status = 200, body = Settings)))]
pub async fn get(State(s): State<ApiState>) -> Result<Json<Settings>, ApiError> {
    Ok(Json(s.miteos.settings().await?))
}

/// Validates and saves every setting at once (nothing is saved when any part is invalid).
#[utoipa::path(put, path = "/settings", request_body = SettingsUpdate,
    responses((status = 200, body = Settings), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put(
    State(s): State<ApiState>,
    _: MayConfigure,
    ApiJson(update): ApiJson<SettingsUpdate>,
) -> Result<Json<Settings>, ApiError> {
    Ok(Json(s.miteos.save_settings(update).await?))
}

#[utoipa::path(get, path = "/agent-types", responses((status = 200, body = Vec<AgentType>)))]
pub async fn agent_types(State(s): State<ApiState>) -> Result<Json<Vec<AgentType>>, ApiError> {
    Ok(Json(s.miteos.agent_types().await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AgentModel {
    /// `provider::model`, or `null` for the task's model.
    pub model: Option<String>,
}

/// Makes an agent type use a model of its own, or the task's model again with `null`.
#[utoipa::path(put, path = "/agent-types/{name}/model", params(("name" = String, Path)), request_body = AgentModel,
    responses((status = 200, body = AgentType), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn set_agent_model(
    _: MayConfigure,
    State(s): State<ApiState>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<AgentModel>,
) -> Result<Json<AgentType>, ApiError> {
    Ok(Json(
        s.miteos
            .set_agent_model(&name, body.model.as_deref())
            .await?,
    ))
}

/// Adds a user-defined agent type; the planner offers it from the next task on.
#[utoipa::path(post, path = "/agent-types", request_body = AgentTypeInput,
    responses((status = 201, body = AgentType), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_agent_type(
    _: MayConfigure,
    State(s): State<ApiState>,
    ApiJson(input): ApiJson<AgentTypeInput>,
) -> Result<(StatusCode, Json<AgentType>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(s.miteos.create_agent_type(input).await?),
    ))
}

/// Replaces an agent type's description, system prompt, tools and model (built-ins too).
#[utoipa::path(put, path = "/agent-types/{name}", params(("name" = String, Path)), request_body = AgentTypeInput,
    responses((status = 200, body = AgentType), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_agent_type(
    _: MayConfigure,
    State(s): State<ApiState>,
    Path(name): Path<String>,
    ApiJson(input): ApiJson<AgentTypeInput>,
) -> Result<Json<AgentType>, ApiError> {
    Ok(Json(s.miteos.update_agent_type(&name, input).await?))
}

/// Deletes a user-defined agent type (built-ins: 409).
#[utoipa::path(delete, path = "/agent-types/{name}", params(("name" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_agent_type(
    _: MayConfigure,
    State(s): State<ApiState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.miteos.delete_agent_type(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The tools agent types can be given.
#[utoipa::path(get, path = "/tools", responses((status = 200, body = Vec<String>)))]
pub async fn tools(State(s): State<ApiState>) -> Json<Vec<String>> {
    Json(s.miteos.tool_names().await)
}

/// The MCP servers (from `DATA_DIR/mcp.json`) with the tools each offers, or why one could not
/// be started.
#[utoipa::path(get, path = "/mcp-servers", responses((status = 200, body = Vec<McpServerState>)))]
pub async fn mcp_servers(State(s): State<ApiState>) -> Result<Json<Vec<McpServerState>>, ApiError> {
    Ok(Json(s.miteos.mcp_servers().await?))
}

/// Replaces the MCP servers: `[{"name": "files", "command": "npx", "args": […], "env": {…}}`
/// or `{"name": "remote", "url": "http://…/mcp"}`, each optionally `"trusted": true`.
#[utoipa::path(put, path = "/mcp-servers", request_body = Vec<McpServer>,
    responses((status = 200, body = Vec<McpServerState>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn save_mcp_servers(
    State(s): State<ApiState>,
    _: MayConfigure,
    ApiJson(servers): ApiJson<Vec<McpServer>>,
) -> Result<Json<Vec<McpServerState>>, ApiError> {
    Ok(Json(s.miteos.save_mcp_servers(servers).await?))
}
