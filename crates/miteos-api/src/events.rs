//! `GET /tasks/{id}/events`: the task's events as Server-Sent Events. The journal is replayed
//! after `Last-Event-ID` (or `?after=`) first, then live events follow; a lagging subscriber
//! re-reads the journal, so a client misses nothing. The stream ends after `task_finished`, and
//! as soon as the caller may no longer see the task (it was un-shared, the account deleted).

use std::convert::Infallible;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::StreamExt;
use miteos_core::events::Event;
use miteos_core::service::Caller;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::ApiQuery;
use super::{ApiError, ApiState};

/// How often a live stream asks whether its caller may still see the task.
const ACCESS_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct After {
    /// Replay events with a sequence number above this (the `Last-Event-ID` header wins).
    pub after: Option<i64>,
}

#[utoipa::path(get, path = "/tasks/{task_id}/events", params(("task_id" = String, Path), After),
    responses((status = 200, description = "text/event-stream of Event objects; the SSE id is `seq`, the SSE event name is `type`", body = Event),
              (status = 404, body = super::ErrorBody)))]
pub async fn stream(
    State(s): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(task_id): Path<String>,
    headers: HeaderMap,
    ApiQuery(after): ApiQuery<After>,
) -> Result<impl IntoResponse, ApiError> {
    let last_event_id = match headers
        .get("last-event-id")
        .map(|v| v.to_str().map(str::trim))
    {
        Some(Ok(v)) => Some(
            v.parse::<i64>()
                .map_err(|_| ApiError::bad_request("Last-Event-ID must be an event's id"))?,
        ),
        Some(Err(_)) => return Err(ApiError::bad_request("Last-Event-ID must be an event's id")),
        None => None,
    };
    let after = last_event_id.or(after.after).unwrap_or(0);
    let (miteos, watched) = (s.miteos.clone(), task_id.clone());
    let access_ended = async move {
        if caller == Caller::Server {
            // The server's own token sees every task for as long as it runs.
            return std::future::pending().await;
        }
        loop {
            tokio::time::sleep(ACCESS_CHECK).await;
            if !miteos
                .still_has_access(&caller, &watched)
                .await
                .unwrap_or(true)
            {
                break;
            }
        }
    };
    let events = s
        .miteos
        .task_events(&task_id, after)
        .await?
        .take_until(access_ended)
        .map(|event| Ok::<_, Infallible>(to_sse(&event)));
    // A proxy in front of a team's server (nginx) passes each event on at once.
    Ok((
        [("x-accel-buffering", "no")],
        Sse::new(events).keep_alive(KeepAlive::default()),
    ))
}

fn to_sse(event: &Event) -> SseEvent {
    SseEvent::default()
        .id(event.seq.to_string())
        .event(event.kind.name())
        .json_data(event)
        .unwrap_or_else(|_| SseEvent::default().comment("unencodable event"))
}
