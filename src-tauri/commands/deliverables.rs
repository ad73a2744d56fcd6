//! Deliverables: list, preview, save a copy (or all as a zip) where the user chose, locate the
//! file, deploy to the staging server, share through public links, and provenance.

use miteos_core::domain::{Deliverable, Deployment, Provenance, Share};
use miteos_core::preview::Preview;
use tauri::{AppHandle, State};

use crate::DesktopState;
use crate::error::{CommandResult, chosen_in_dialog};

#[tauri::command]
pub async fn deliverables(
    state: State<'_, DesktopState>,
    task_id: String,
) -> CommandResult<Vec<Deliverable>> {
    Ok(state.miteos.deliverables(&task_id).await?)
}

#[tauri::command]
pub async fn preview_deliverable(
    state: State<'_, DesktopState>,
    task_id: String,
    deliverable_id: String,
) -> CommandResult<Preview> {
    Ok(state
        .miteos
        .preview_deliverable(&task_id, &deliverable_id)
        .await?)
}

/// Copies the deliverable to `destination`, which the user picked in the native save dialog.
#[tauri::command]
pub async fn save_deliverable(
    app: AppHandle,
    state: State<'_, DesktopState>,
    task_id: String,
    deliverable_id: String,
    destination: String,
) -> CommandResult<()> {
    chosen_in_dialog(&app, destination.as_ref())?;
    Ok(state
        .miteos
        .save_deliverable_as(&task_id, &deliverable_id, destination.as_ref())
        .await?)
}

/// The deliverable's file on disk, for "open containing folder".
#[tauri::command]
pub async fn deliverable_path(
    state: State<'_, DesktopState>,
    task_id: String,
    deliverable_id: String,
) -> CommandResult<String> {
    let (_, path) = state
        .miteos
        .deliverable_file(&task_id, &deliverable_id)
        .await?;
    Ok(path.to_string_lossy().into_owned())
}

/// Saves all of the task's deliverables as one zip at `destination` (from the save dialog).
#[tauri::command]
pub async fn save_bundle(
    app: AppHandle,
    state: State<'_, DesktopState>,
    task_id: String,
    destination: String,
) -> CommandResult<()> {
    chosen_in_dialog(&app, destination.as_ref())?;
    Ok(state
        .miteos
        .save_deliverables_zip_as(&task_id, destination.as_ref())
        .await?)
}

#[tauri::command]
pub async fn provenance(
    state: State<'_, DesktopState>,
    task_id: String,
    deliverable_id: String,
) -> CommandResult<Provenance> {
    Ok(state.miteos.provenance(&task_id, &deliverable_id).await?)
}

#[tauri::command]
pub async fn deploy(
    state: State<'_, DesktopState>,
    task_id: String,
    deliverable_id: String,
) -> CommandResult<Deployment> {
    Ok(state
        .miteos
        .deploy_deliverable(&task_id, &deliverable_id, None)
        .await?)
}

#[tauri::command]
pub async fn deployments(
    state: State<'_, DesktopState>,
    task_id: String,
) -> CommandResult<Vec<Deployment>> {
    Ok(state.miteos.deployments(&task_id).await?)
}

#[tauri::command]
pub async fn take_down(
    state: State<'_, DesktopState>,
    task_id: String,
    deployment_id: String,
) -> CommandResult<()> {
    Ok(state.miteos.take_down(&task_id, &deployment_id).await?)
}

/// A public link valid for `expires_in_hours` (default 7 days).
#[tauri::command]
pub async fn share(
    state: State<'_, DesktopState>,
    task_id: String,
    deliverable_id: String,
    expires_in_hours: Option<u32>,
    include_replay: bool,
) -> CommandResult<Share> {
    let lifetime = expires_in_hours.map(|h| std::time::Duration::from_secs(u64::from(h) * 3600));
    Ok(state
        .miteos
        .share_deliverable(&task_id, &deliverable_id, lifetime, include_replay)
        .await?)
}

#[tauri::command]
pub async fn shares(state: State<'_, DesktopState>, task_id: String) -> CommandResult<Vec<Share>> {
    Ok(state.miteos.shares(&task_id).await?)
}

#[tauri::command]
pub async fn revoke_share(
    state: State<'_, DesktopState>,
    task_id: String,
    share_id: String,
) -> CommandResult<()> {
    Ok(state.miteos.revoke_share(&task_id, &share_id).await?)
}
