//! Deliverables: list, preview, save a copy where the user chose, and locate the file.

use miteos_core::domain::Deliverable;
use miteos_core::preview::Preview;
use tauri::State;

use crate::AppState;
use crate::error::CommandResult;

#[tauri::command]
pub async fn deliverables(
    state: State<'_, AppState>,
    task_id: String,
) -> CommandResult<Vec<Deliverable>> {
    Ok(state.miteos.deliverables(&task_id).await?)
}

#[tauri::command]
pub async fn preview_deliverable(
    state: State<'_, AppState>,
    task_id: String,
    deliverable_id: String,
) -> CommandResult<Preview> {
    Ok(state
        .miteos
        .preview_deliverable(&task_id, &deliverable_id)
        .await?)
}

/// Copies the deliverable to `destination`, a path the user picked in the native save dialog.
#[tauri::command]
pub async fn save_deliverable(
    state: State<'_, AppState>,
    task_id: String,
    deliverable_id: String,
    destination: String,
) -> CommandResult<()> {
    Ok(state
        .miteos
        .save_deliverable_as(&task_id, &deliverable_id, destination.as_ref())
        .await?)
}

/// The deliverable's file on disk, for "open containing folder".
#[tauri::command]
pub async fn deliverable_path(
    state: State<'_, AppState>,
    task_id: String,
    deliverable_id: String,
) -> CommandResult<String> {
    let (_, path) = state
        .miteos
        .deliverable_file(&task_id, &deliverable_id)
        .await?;
    Ok(path.to_string_lossy().into_owned())
}
