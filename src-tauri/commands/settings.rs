//! Settings: providers and their keys, concurrency, the local API, and agent types' models.

use miteos_core::domain::AgentType;
use miteos_core::service::{AgentTypeInput, Settings, SettingsUpdate};
use miteos_core::tools::{McpServer, McpServerState};
use tauri::State;

use crate::error::CommandResult;
use crate::{ApiInfo, DesktopState};

#[tauri::command]
pub async fn agent_types(state: State<'_, DesktopState>) -> CommandResult<Vec<AgentType>> {
    Ok(state.miteos.agent_types().await?)
}

#[tauri::command]
pub async fn set_agent_model(
    state: State<'_, DesktopState>,
    name: String,
    model: Option<String>,
) -> CommandResult<AgentType> {
    Ok(state
        .miteos
        .set_agent_model(&name, model.as_deref())
        .await?)
}

#[tauri::command]
pub async fn get_settings(state: State<'_, DesktopState>) -> CommandResult<Settings> {
    Ok(state.miteos.settings().await?)
}

#[tauri::command]
pub async fn save_settings(
    state: State<'_, DesktopState>,
    update: SettingsUpdate,
) -> CommandResult<Settings> {
    Ok(state.miteos.save_settings(update).await?)
}

/// The local API this app serves: its URL and bearer token (`null` if it could not start).
#[tauri::command]
pub fn api_info(state: State<'_, DesktopState>) -> Option<ApiInfo> {
    state.api.clone()
}

#[tauri::command]
pub async fn create_agent_type(
    state: State<'_, DesktopState>,
    input: AgentTypeInput,
) -> CommandResult<AgentType> {
    Ok(state.miteos.create_agent_type(input).await?)
}

#[tauri::command]
pub async fn update_agent_type(
    state: State<'_, DesktopState>,
    name: String,
    input: AgentTypeInput,
) -> CommandResult<AgentType> {
    Ok(state.miteos.update_agent_type(&name, input).await?)
}

#[tauri::command]
pub async fn delete_agent_type(state: State<'_, DesktopState>, name: String) -> CommandResult<()> {
    Ok(state.miteos.delete_agent_type(&name).await?)
}

/// The tools agent types can be given.
#[tauri::command]
pub async fn tools(state: State<'_, DesktopState>) -> CommandResult<Vec<String>> {
    Ok(state.miteos.tool_names().await)
}

#[tauri::command]
pub async fn mcp_servers(state: State<'_, DesktopState>) -> CommandResult<Vec<McpServerState>> {
    Ok(state.miteos.mcp_servers().await?)
}

#[tauri::command]
pub async fn save_mcp_servers(
    state: State<'_, DesktopState>,
    servers: Vec<McpServer>,
) -> CommandResult<Vec<McpServerState>> {
    Ok(state.miteos.save_mcp_servers(servers).await?)
}
