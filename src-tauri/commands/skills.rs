//! Skills: the library, compiling completed tasks, and the prompt bar's match.

use miteos_core::skills::{Skill, SkillMatch};
use tauri::State;

use crate::DesktopState;
use crate::error::CommandResult;

#[tauri::command]
pub async fn skills(state: State<'_, DesktopState>) -> CommandResult<Vec<Skill>> {
    Ok(state.miteos.skills().await?)
}

#[tauri::command]
pub async fn compile_skills(
    state: State<'_, DesktopState>,
    task_ids: Vec<String>,
) -> CommandResult<Vec<Skill>> {
    Ok(state.miteos.compile_skills(&task_ids).await?)
}

#[tauri::command]
pub async fn match_skill(
    state: State<'_, DesktopState>,
    prompt: String,
) -> CommandResult<Option<SkillMatch>> {
    Ok(state.miteos.match_skill(&prompt).await?)
}

#[tauri::command]
pub async fn rename_skill(
    state: State<'_, DesktopState>,
    skill_id: String,
    name: String,
) -> CommandResult<Skill> {
    Ok(state.miteos.rename_skill(&skill_id, &name).await?)
}

#[tauri::command]
pub async fn delete_skill(state: State<'_, DesktopState>, skill_id: String) -> CommandResult<()> {
    Ok(state.miteos.delete_skill(&skill_id).await?)
}
