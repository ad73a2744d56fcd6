//! A team's server: connecting the War Room to one (its address and the person's token), switching
//! between it and this computer, and carrying the window's API requests to it. The window talks
//! to the team server through `team_fetch` — the app adds the token, kept in its key store, and
//! the window's content security policy stays closed to other hosts.

use std::path::PathBuf;

use base64::Engine;
use futures::StreamExt;
use miteos_core::service::{Attachment, AttachmentBody, TeamRequest, TeamServer};
use serde::{Deserialize, Serialize};
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::{AppHandle, State};

use crate::DesktopState;
use crate::error::{CommandResult, chosen_in_dialog};

/// The team server the app remembers, and whether the War Room works on it.
#[tauri::command]
pub async fn team_server(state: State<'_, DesktopState>) -> CommandResult<Option<TeamServer>> {
    Ok(state.miteos.team_server().await?)
}

/// Connects to a team server (checked with it first) and works on it.
#[tauri::command]
pub async fn connect_team_server(
    state: State<'_, DesktopState>,
    url: String,
    token: String,
) -> CommandResult<TeamServer> {
    Ok(state.miteos.connect_team_server(&url, &token).await?)
}

/// Works on the remembered team server (`true`) or on this computer (`false`).
#[tauri::command]
pub async fn use_team_server(
    state: State<'_, DesktopState>,
    active: bool,
) -> CommandResult<Option<TeamServer>> {
    Ok(state.miteos.use_team_server(active).await?)
}

/// Forgets the team server and its token.
#[tauri::command]
pub async fn forget_team_server(state: State<'_, DesktopState>) -> CommandResult<()> {
    Ok(state.miteos.forget_team_server().await?)
}

/// One request of the window's HTTP backend, for the team server.
#[derive(Debug, Deserialize)]
pub struct TeamFetch {
    method: String,
    /// After the server's address, with the query: `/tasks?limit=20`.
    path: String,
    headers: Vec<(String, String)>,
    /// The body's bytes in base64.
    body: Option<String>,
}

/// The server's status and headers; the body follows on the channel.
#[derive(Debug, Serialize)]
pub struct TeamFetched {
    /// Stops the body (`stop_team_fetch`), e.g. an event stream the window closes.
    stream: u64,
    status: u16,
    headers: Vec<(String, String)>,
}

/// Sends a request to the team server; answers its status and headers, and sends its body to
/// `on_body` as it arrives: raw chunks, then `{"end": true, "error": null | "…"}`.
#[tauri::command]
pub async fn team_fetch(
    state: State<'_, DesktopState>,
    request: TeamFetch,
    on_body: Channel<InvokeResponseBody>,
) -> CommandResult<TeamFetched> {
    let body = match request.body {
        Some(b64) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| {
                    miteos_core::Error::InvalidInput(format!("the body is not base64: {e}"))
                })?,
        ),
        None => None,
    };
    let response = state
        .miteos
        .team_request(TeamRequest {
            method: request.method,
            path: request.path,
            headers: request.headers,
            body,
        })
        .await?;
    let (stream, stop) = state.subscriptions.open();
    let subscriptions = state.subscriptions.clone();
    let closed = state.miteos.closed();
    let mut body = response
        .body
        .take_until(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = closed => {}
            }
        })
        .boxed();
    tokio::spawn(async move {
        let mut error = None;
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(bytes) => {
                    if on_body.send(InvokeResponseBody::Raw(bytes)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    error = Some(e.public_message());
                    break;
                }
            }
        }
        let end = serde_json::json!({ "end": true, "error": error });
        let _ = on_body.send(InvokeResponseBody::Json(end.to_string()));
        subscriptions.close(stream);
    });
    Ok(TeamFetched {
        stream,
        status: response.status,
        headers: response.headers,
    })
}

/// Stops a `team_fetch` body the window no longer reads. An ended one is fine.
#[tauri::command]
pub fn stop_team_fetch(state: State<'_, DesktopState>, stream: u64) {
    state.subscriptions.close(stream);
}

/// Saves what the team server serves at `path` to `destination` (from the save dialog).
#[tauri::command]
pub async fn team_download(
    app: AppHandle,
    state: State<'_, DesktopState>,
    path: String,
    destination: PathBuf,
) -> CommandResult<u64> {
    chosen_in_dialog(&app, &destination)?;
    Ok(state.miteos.team_download(&path, &destination).await?)
}

/// A document the user picked or dropped, read for a task on the team server (only a file chosen
/// in a dialog or dropped on the window).
#[tauri::command]
pub async fn team_attachment(app: AppHandle, path: PathBuf) -> CommandResult<AttachmentBody> {
    chosen_in_dialog(&app, &path)?;
    let read = tokio::task::spawn_blocking(move || Attachment::read(&path))
        .await
        .map_err(|e| miteos_core::Error::Internal(format!("reading an attachment: {e}")))??;
    Ok(read.encode())
}
