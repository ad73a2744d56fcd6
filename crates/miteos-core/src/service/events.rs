//! The event journal through the service: a task's events as a stream (journal first, then
//! live), and pages of the journal.

use std::sync::Arc;

use tokio::sync::broadcast;

use super::{Miteos, check_task_id};
use crate::error::Result;
use crate::events::Event;

/// Journal rows read per query when a stream replays a task's events.
const REPLAY_BATCH: u32 = 500;

impl Miteos {
    /// Live events of every task. Pair with [`Miteos::events_after`] to catch up first.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.shared.journal.subscribe()
    }

    /// A task's events after `seq`: the journal first, then live events as they happen, ending
    /// after the task's last `task_finished` or when shutdown begins (the consumer reconnects to a new process
    /// with the last `seq` it saw). A subscriber that lags behind the live broadcast re-reads the
    /// journal, so no event is ever skipped; a journal that cannot be read ends the stream (the
    /// consumer resumes from the last `seq` it saw).
    pub async fn task_events(
        &self,
        task_id: &str,
        after: i64,
    ) -> Result<impl futures::Stream<Item = Event> + Send + use<>> {
        self.get_task(task_id).await?;
        // Subscribe before replaying, so nothing published in between is lost.
        let mut live = self.subscribe();
        let journal = self.inner.shared.journal.clone();
        let task_id = task_id.to_owned();
        let mut last = after;
        let closing = self.inner.closing.clone();
        let events = async_stream::stream! {
            'replay: loop {
                // The journal may hold several runs (a follow-up, a retry reopens a finished
                // task): the stream ends after the last `task_finished`, not the first.
                let mut ended = false;
                loop {
                    let batch = match journal.read(&task_id, last, REPLAY_BATCH).await {
                        Ok(batch) => batch,
                        Err(e) => {
                            tracing::error!(task = %task_id, error = %e, "reading the journal for a stream");
                            return;
                        }
                    };
                    let full = batch.len() as u32 == REPLAY_BATCH;
                    for event in batch {
                        last = event.seq;
                        ended = event.kind.is_terminal();
                        yield event;
                    }
                    if !full {
                        break;
                    }
                }
                if ended {
                    return;
                }
                loop {
                    match live.recv().await {
                        Ok(event) if event.task_id == task_id && event.seq > last => {
                            last = event.seq;
                            let end = event.kind.is_terminal();
                            yield Event::clone(&event);
                            if end {
                                return;
                            }
                        }
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(skipped)) => {
                            tracing::debug!(skipped, "event subscriber lagged; replaying from the journal");
                            continue 'replay;
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    }
                }
            }
        };
        Ok(futures::StreamExt::take_until(
            events,
            closing.cancelled_owned(),
        ))
    }

    /// Journaled events of a task after `seq`, oldest first.
    pub async fn events_after(&self, task_id: &str, after: i64, limit: u32) -> Result<Vec<Event>> {
        check_task_id(task_id)?;
        self.inner.shared.journal.read(task_id, after, limit).await
    }
}
