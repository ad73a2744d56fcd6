//! Skills: the library (import, export, enable, keep, validate), compiling completed tasks, and
//! the prompt bar's match.

use miteos_core::service::{Caller, SkillPatch};
use miteos_core::skills::{Skill, SkillMatch};
use tauri::State;

use crate::DesktopState;
use crate::error::CommandResult;

#[tauri::command]
pub async fn skills(state: State<'_, DesktopState>) -> CommandResult<Vec<Skill>> {
    Ok(state.miteos.skills(&Caller::Server).await?)
}

#[tauri::command]
pub async fn compile_skills(
    state: State<'_, DesktopState>,
    task_ids: Vec<String>,
) -> CommandResult<Vec<Skill>> {
    Ok(state
        .miteos
        .compile_skills(&Caller::Server, &task_ids)
        .await?)
}

#[tauri::command]
pub async fn match_skill(
    state: State<'_, DesktopState>,
    prompt: String,
) -> CommandResult<Option<SkillMatch>> {
    Ok(state.miteos.match_skill(&Caller::Server, &prompt).await?)
}

#[tauri::command]
pub async fn update_skill(
    state: State<'_, DesktopState>,
    skill_id: String,
    patch: SkillPatch,
) -> CommandResult<Skill> {
    Ok(state
        .miteos
        .update_skill(&Caller::Server, &skill_id, patch)
        .await?)
}

#[tauri::command]
pub async fn keep_skill(state: State<'_, DesktopState>, skill_id: String) -> CommandResult<Skill> {
    Ok(state.miteos.keep_skill(&Caller::Server, &skill_id).await?)
}

#[tauri::command]
pub async fn validate_skill(
    state: State<'_, DesktopState>,
    skill_id: String,
) -> CommandResult<Skill> {
    Ok(state
        .miteos
        .start_skill_validation(&Caller::Server, &skill_id)
        .await?)
}

#[tauri::command]
pub async fn skill_versions(
    state: State<'_, DesktopState>,
    skill_id: String,
) -> CommandResult<Vec<Skill>> {
    Ok(state
        .miteos
        .skill_versions(&Caller::Server, &skill_id)
        .await?)
}

/// Imports a dropped or picked folder, or .zip / .skill file, by its path on this machine (only
/// one chosen in a dialog or dropped on the window: a skill's instructions reach the agents).
#[tauri::command]
pub async fn import_skill(
    app: tauri::AppHandle,
    state: State<'_, DesktopState>,
    path: String,
) -> CommandResult<Skill> {
    crate::error::chosen_in_dialog(&app, path.as_ref())?;
    Ok(state
        .miteos
        .import_skill_path(&Caller::Server, path.as_ref())
        .await?)
}

/// Saves the skill as a .zip (a `.skill` file other agents install) at `destination` (from the
/// save dialog).
#[tauri::command]
pub async fn save_skill_archive(
    app: tauri::AppHandle,
    state: State<'_, DesktopState>,
    skill_id: String,
    destination: String,
) -> CommandResult<()> {
    crate::error::chosen_in_dialog(&app, destination.as_ref())?;
    let (_, bytes) = state
        .miteos
        .export_skill_archive(&Caller::Server, &skill_id)
        .await?;
    tokio::fs::write(&destination, bytes)
        .await
        .map_err(|e| miteos_core::Error::io(format!("writing {destination}"), e))?;
    Ok(())
}

#[tauri::command]
pub async fn delete_skill(state: State<'_, DesktopState>, skill_id: String) -> CommandResult<()> {
    Ok(state
        .miteos
        .delete_skill(&Caller::Server, &skill_id)
        .await?)
}
