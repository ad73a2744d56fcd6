//! Tasks: create, read, history, cancel, and the live event stream of one task.

use std::path::PathBuf;

use futures::StreamExt;
use miteos_core::budget::{BudgetChange, BudgetDecision};
use miteos_core::domain::{Approval, Task, TaskStatus};
use miteos_core::events::Event;
use miteos_core::service::{Attachment, Caller, NewTask};
use miteos_core::store::TaskFilter;
use tauri::State;
use tauri::ipc::Channel;

use crate::DesktopState;
use crate::error::{CommandResult, chosen_in_dialog};

/// Starts a task; its attachments are paths the user picked in the open dialog (and only those).
#[tauri::command]
pub async fn create_task(
    app: tauri::AppHandle,
    state: State<'_, DesktopState>,
    mut task: NewTask<PathBuf>,
) -> CommandResult<Task> {
    let paths = std::mem::take(&mut task.attachments);
    for path in &paths {
        chosen_in_dialog(&app, path)?;
    }
    let attachments = tokio::task::spawn_blocking(move || {
        paths
            .iter()
            .map(|p| Attachment::read(p))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| miteos_core::Error::Internal(format!("reading the attachments: {e}")))??;
    Ok(state
        .miteos
        .create_task(task.with_attachments(attachments))
        .await?)
}

#[tauri::command]
pub async fn get_task(state: State<'_, DesktopState>, task_id: String) -> CommandResult<Task> {
    Ok(state.miteos.get_task(&task_id).await?)
}

#[tauri::command]
pub async fn list_tasks(
    state: State<'_, DesktopState>,
    limit: u32,
    offset: u32,
    status: Option<TaskStatus>,
    q: Option<String>,
    before: Option<String>,
) -> CommandResult<Vec<Task>> {
    // The window is its user's own: every task of the store.
    let filter = TaskFilter {
        status,
        text: q,
        before,
        visible_to: None,
    };
    Ok(state.miteos.list_tasks(filter, limit, offset).await?)
}

#[tauri::command]
pub async fn cancel_task(state: State<'_, DesktopState>, task_id: String) -> CommandResult<Task> {
    Ok(state.miteos.cancel_task(&task_id).await?)
}

#[tauri::command]
pub async fn approvals(
    state: State<'_, DesktopState>,
    task_id: String,
) -> CommandResult<Vec<Approval>> {
    Ok(state.miteos.approvals(&task_id).await?)
}

#[tauri::command]
pub async fn decide_approval(
    state: State<'_, DesktopState>,
    task_id: String,
    approval_id: String,
    approve: bool,
) -> CommandResult<Approval> {
    Ok(state
        .miteos
        .decide_approval(&Caller::Server, &task_id, &approval_id, approve)
        .await?)
}

/// Sends the task's events after `after` (journal first, then live) to `on_event` until
/// `task_finished`, until the window unsubscribes (`stop_task_events` with the answered id), or
/// until the app shuts down.
#[tauri::command]
pub async fn task_events(
    state: State<'_, DesktopState>,
    task_id: String,
    after: i64,
    on_event: Channel<Event>,
) -> CommandResult<u64> {
    let events = state.miteos.task_events(&task_id, after).await?;
    let (id, stop) = state.subscriptions.open();
    let subscriptions = state.subscriptions.clone();
    tokio::spawn(async move {
        let mut events = std::pin::pin!(events.take_until(stop.cancelled_owned()));
        while let Some(event) = events.next().await {
            if on_event.send(event).is_err() {
                break;
            }
        }
        subscriptions.close(id);
    });
    Ok(id)
}

/// Stops the forwarder of a `task_events` subscription: the window no longer shows that task.
/// An id that already ended is fine.
#[tauri::command]
pub fn stop_task_events(state: State<'_, DesktopState>, subscription: u64) {
    state.subscriptions.close(subscription);
}

/// Answers a task paused on its budget: raise (the paused limit doubled, or `budget`) or stop.
#[tauri::command]
pub async fn decide_budget(
    state: State<'_, DesktopState>,
    task_id: String,
    decision: BudgetDecision,
    budget: Option<BudgetChange>,
) -> CommandResult<Task> {
    Ok(state
        .miteos
        .decide_budget(&Caller::Server, &task_id, decision, budget)
        .await?)
}
