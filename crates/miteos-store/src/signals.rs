//! Signals between the processes sharing a PostgreSQL database (API servers, the runner, `miteos
//! run`): PostgreSQL's LISTEN/NOTIFY. A signal sent inside a transaction is delivered when it
//! commits, and signals from one sender arrive in the order they were sent. A SQLite file has
//! one process, so there is nobody to signal.

use sqlx::postgres::PgListener;
use tokio::sync::mpsc;

use miteos_domain::Result;

use crate::{Pool, Store, StoreContext};

/// New events of a task were journaled: `ORIGIN TASK_ID FIRST_SEQ LAST_SEQ`.
pub const EVENTS_CHANNEL: &str = "miteos_events";
/// A task waits for a worker (its id), or a subtask does (`TASK_ID SUBTASK_ID`).
pub const WORK_CHANNEL: &str = "miteos_work";
/// A request to steer a task (JSON); the process running it acts on it.
pub const STEER_CHANNEL: &str = "miteos_steer";
/// The answer to a steering request (JSON).
pub const STEER_DONE_CHANNEL: &str = "miteos_steer_done";
/// A queued subtask's agent ended, or its claim was revoked: `STATE TASK_ID SUBTASK_ID EPOCH`.
pub const SUBTASK_CHANNEL: &str = "miteos_subtasks";
/// An agent on one worker asks the worker holding its task to open a budget question (JSON).
pub const ASK_CHANNEL: &str = "miteos_budget_ask";
/// The user cancelled a task: its id. The process running it stops it.
pub const CANCEL_CHANNEL: &str = "miteos_cancel";

/// One signal: the channel it came on and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub channel: String,
    pub payload: String,
}

impl Store {
    /// Sends `payload` on `channel` to every process listening; nothing on SQLite.
    pub async fn signal(&self, channel: &str, payload: &str) -> Result<()> {
        if let Pool::Postgres(pool) = self.pool() {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(pool)
                .await
                .context(|| format!("signalling {channel}"))?;
        }
        Ok(())
    }

    /// The signals on `channels` from now on, as long as the receiver is kept (the listening
    /// connection reconnects by itself when it is lost; signals sent meanwhile are missed).
    /// `None` on SQLite.
    pub async fn listen(&self, channels: &[&str]) -> Result<Option<mpsc::Receiver<Signal>>> {
        let Pool::Postgres(pool) = self.pool() else {
            return Ok(None);
        };
        let mut listener = PgListener::connect_with(pool)
            .await
            .context(|| "connecting to listen for signals".into())?;
        listener
            .listen_all(channels.iter().copied())
            .await
            .context(|| format!("listening on {}", channels.join(", ")))?;
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                let received = tokio::select! {
                    _ = tx.closed() => return,
                    received = listener.recv() => received,
                };
                match received {
                    Ok(note) => {
                        let signal = Signal {
                            channel: note.channel().to_owned(),
                            payload: note.payload().to_owned(),
                        };
                        if tx.send(signal).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        // PgListener reconnects on the next recv.
                        tracing::warn!(error = %e, "listening for signals: reconnecting");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                }
            }
        });
        Ok(Some(rx))
    }
}
