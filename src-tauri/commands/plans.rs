//! Steering a task's plan: approve or edit it, retry or rerun a subtask, cancel one subtask,
//! follow up on a finished task.

use miteos_core::domain::Task;
use miteos_core::domain::plan::PlanEdit;
use miteos_core::service::SubtaskEdit;
use tauri::State;

use crate::DesktopState;
use crate::error::CommandResult;

/// Approves the plan under review (after `edit`), or applies `edit` to the task's plan.
#[tauri::command]
pub async fn edit_plan(
    state: State<'_, DesktopState>,
    task_id: String,
    edit: PlanEdit,
) -> CommandResult<Task> {
    Ok(state.miteos.edit_plan(&task_id, edit).await?)
}

/// Runs a failed, cancelled or completed subtask again, with `changes` to its instructions.
#[tauri::command]
pub async fn retry_subtask(
    state: State<'_, DesktopState>,
    task_id: String,
    subtask_id: String,
    changes: SubtaskEdit,
) -> CommandResult<Task> {
    Ok(state
        .miteos
        .retry_subtask(&task_id, &subtask_id, changes)
        .await?)
}

/// Cancels one subtask of a running task; the task goes on without it.
#[tauri::command]
pub async fn cancel_subtask(
    state: State<'_, DesktopState>,
    task_id: String,
    subtask_id: String,
) -> CommandResult<Task> {
    Ok(state.miteos.cancel_subtask(&task_id, &subtask_id).await?)
}

/// A follow-up message on a finished task: it runs again on top of what it did.
#[tauri::command]
pub async fn follow_up(
    state: State<'_, DesktopState>,
    task_id: String,
    message: String,
) -> CommandResult<Task> {
    Ok(state.miteos.follow_up(&task_id, &message).await?)
}
