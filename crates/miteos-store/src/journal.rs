//! The append-only event journal. [`Journal::append`] writes an event to SQLite and only then
//! publishes it on the broadcast channel, so nothing a subscriber saw can be missing after a crash.

use std::sync::Arc;

use chrono::Utc;
use sqlx::Row;
use tokio::sync::{Mutex, broadcast};

use super::Store;
use miteos_domain::{Error, Result};

use crate::StoreContext;
use miteos_domain::events::{EVENT_VERSION, Event, EventKind};

/// Live subscribers that fall further behind than this get `Lagged` and re-read the journal.
const BROADCAST_CAPACITY: usize = 4096;

#[derive(Clone)]
pub struct Journal {
    store: Store,
    live: broadcast::Sender<Arc<Event>>,
    /// Serialises insert + publish so events are published in `seq` order; subscribers rely on it
    /// to skip what they already replayed from the journal.
    order: Arc<Mutex<()>>,
}

impl Journal {
    pub fn new(store: Store) -> Self {
        let (live, _) = broadcast::channel(BROADCAST_CAPACITY);
        Journal {
            store,
            live,
            order: Arc::new(Mutex::new(())),
        }
    }

    pub async fn append(&self, task_id: &str, kind: EventKind) -> Result<Arc<Event>> {
        let payload = serde_json::to_string(&kind)
            .map_err(|e| Error::Internal(format!("encoding event {}: {e}", kind.name())))?;
        let at = Utc::now();
        let _order = self.order.lock().await;
        let row = sqlx::query(
            "INSERT INTO events (task_id, at, version, kind, payload) VALUES (?, ?, ?, ?, ?) RETURNING seq",
        )
        .bind(task_id)
        .bind(at)
        .bind(EVENT_VERSION as i64)
        .bind(kind.name())
        .bind(&payload)
        .fetch_one(self.store.pool())
        .await
        .context(|| format!("journaling {} of {task_id}", kind.name()))?;
        let event = Arc::new(Event {
            seq: row.get("seq"),
            task_id: task_id.to_owned(),
            at,
            version: EVENT_VERSION,
            kind,
        });
        // No subscriber is fine: the journal has it.
        let _ = self.live.send(event.clone());
        Ok(event)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.live.subscribe()
    }

    /// Events of one task with `seq > after`, oldest first, at most `limit`.
    pub async fn read(&self, task_id: &str, after: i64, limit: u32) -> Result<Vec<Event>> {
        let rows = sqlx::query(
            "SELECT seq, task_id, at, version, payload FROM events WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(task_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.store.pool())
        .await
        .context(|| format!("reading the journal of {task_id}"))?;
        rows.iter()
            .map(|row| {
                let payload: String = row.get("payload");
                let kind: EventKind = serde_json::from_str(&payload)
                    .map_err(|e| Error::Internal(format!("decoding journal entry: {e}")))?;
                let version: i64 = row.get("version");
                Ok(Event {
                    seq: row.get("seq"),
                    task_id: row.get("task_id"),
                    at: row.get("at"),
                    version: version as u32,
                    kind,
                })
            })
            .collect()
    }

    /// Every event of one task, oldest first.
    pub async fn read_all(&self, task_id: &str) -> Result<Vec<Event>> {
        const BATCH: u32 = 1000;
        let mut all = Vec::new();
        loop {
            let after = all.last().map_or(0, |e: &Event| e.seq);
            let batch = self.read(task_id, after, BATCH).await?;
            let full = batch.len() as u32 == BATCH;
            all.extend(batch);
            if !full {
                return Ok(all);
            }
        }
    }
}
