//! The append-only event journal. [`Journal::append`] writes an event to SQLite and only then
//! publishes it on the broadcast channel, so nothing a subscriber saw can be missing after a crash.
//!
//! Writes are grouped: an append queues its event and takes the writer's turn; whoever holds the
//! turn writes every queued event in one transaction, many rows an INSERT (so a hundred agents
//! streaming at once cost one commit per batch, not one each), publishes them in `seq` order and answers each append.
//! The batch is written by a task of its own, so an append that is dropped midway (a cancelled
//! agent) never takes the other events of its batch with it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, broadcast, oneshot};

use super::Store;
use crate::ClaimFence;
use crate::Dialect;
use crate::Row;
use crate::db::{on_pool, on_tx};
use miteos_domain::{Error, Result};

use crate::StoreContext;
use crate::signals::EVENTS_CHANNEL;
use miteos_domain::events::{EVENT_VERSION, Event, EventKind};

/// Live subscribers that fall further behind than this get `Lagged` and re-read the journal.
const BROADCAST_CAPACITY: usize = 4096;
/// Most events written in one transaction.
const MAX_BATCH: usize = 512;
/// Rows of one INSERT statement (5 parameters each, far below SQLite's limit).
const ROWS_PER_INSERT: usize = 128;

/// An event waiting for the writer's turn.
struct Pending {
    task_id: String,
    kind: EventKind,
    payload: String,
    at: DateTime<Utc>,
    /// The subtask claim it is written under, if any: refused once the claim moved on.
    claim: Option<Arc<ClaimFence>>,
    /// The change of state it tells of, written in its transaction.
    change: Option<crate::Change>,
    done: oneshot::Sender<Result<Arc<Event>>>,
}

#[derive(Clone)]
pub struct Journal {
    store: Store,
    live: broadcast::Sender<Arc<Event>>,
    /// Events appended and not yet written, oldest first.
    queue: Arc<std::sync::Mutex<Vec<Pending>>>,
    /// The writer's turn: held while a batch is inserted and published, so events are published
    /// in `seq` order; subscribers rely on it to skip what they already replayed from the journal.
    order: Arc<Mutex<()>>,
    /// Events written since this journal was made.
    written: Arc<std::sync::atomic::AtomicU64>,
    /// This journal among the processes sharing a PostgreSQL database: its own signals are not
    /// published twice.
    origin: Arc<str>,
    /// The subtask claim this journal's appends are written under (a worker running another
    /// worker's subtask): see [`Journal::under_claim`].
    claim: Option<Arc<ClaimFence>>,
}

impl Journal {
    /// The journal of `store`. On PostgreSQL it also publishes what other processes journal
    /// (they signal it), so every server's live streams show every task's events.
    pub fn new(store: Store) -> Self {
        let (live, _) = broadcast::channel(BROADCAST_CAPACITY);
        let origin: Arc<str> = crate::db::unique_id().into();
        if store.dialect() == Dialect::Postgres {
            tokio::spawn(follow_others(
                store.clone(),
                origin.clone(),
                live.downgrade(),
            ));
        }
        Journal {
            store,
            live,
            queue: Arc::new(std::sync::Mutex::new(Vec::new())),
            order: Arc::new(Mutex::new(())),
            written: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            origin,
            claim: None,
        }
    }

    /// This journal, for the agent of a claimed subtask: its events are written only while
    /// the claim is this worker's (and the task's worker that queued it still holds the task).
    pub fn under_claim(&self, fence: ClaimFence) -> Journal {
        Journal {
            claim: Some(Arc::new(fence)),
            ..self.clone()
        }
    }

    /// Events written since this journal was made (a counter for metrics).
    pub fn written(&self) -> u64 {
        self.written.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Writes the event (with the others queued meanwhile), then publishes it.
    pub async fn append(&self, task_id: &str, kind: EventKind) -> Result<Arc<Event>> {
        self.append_change(task_id, kind, None).await
    }

    /// Writes `change` and the event that tells of it in one transaction (with the others
    /// queued meanwhile), then publishes the event: the tables and the journal agree whenever
    /// the process stops. A change the fence refuses fails the append, and nothing is written.
    pub async fn append_with(
        &self,
        task_id: &str,
        kind: EventKind,
        change: crate::Change,
    ) -> Result<Arc<Event>> {
        self.append_change(task_id, kind, Some(change)).await
    }

    async fn append_change(
        &self,
        task_id: &str,
        kind: EventKind,
        change: Option<crate::Change>,
    ) -> Result<Arc<Event>> {
        let payload = serde_json::to_string(&kind)
            .map_err(|e| Error::Internal(format!("encoding event {}: {e}", kind.name())))?;
        let (done, mut written) = oneshot::channel();
        self.lock_queue().push(Pending {
            task_id: task_id.to_owned(),
            kind,
            payload,
            at: Utc::now(),
            claim: self.claim.clone(),
            change,
            done,
        });
        // Take the writer's turn until ours is written: a turn writes the oldest `MAX_BATCH`
        // queued events, and it is ours to take again when they did not include ours.
        loop {
            let turn = self.order.clone().lock_owned().await;
            // The writer before us may have written ours already.
            if let Ok(result) = written.try_recv() {
                return result;
            }
            let batch = {
                let mut queue = self.lock_queue();
                let n = queue.len().min(MAX_BATCH);
                queue.drain(..n).collect::<Vec<_>>()
            };
            if batch.is_empty() {
                drop(turn);
                return written.await.unwrap_or_else(|_| {
                    Err(Error::Internal("the journal's writer stopped".into()))
                });
            }
            let this = self.clone();
            tokio::spawn(async move {
                let _turn = turn;
                this.write(batch).await;
            });
        }
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Inserts `batch` in one transaction, publishes it in order and answers each append; when
    /// the transaction fails, each event is written alone, so one bad event fails only itself.
    async fn write(&self, batch: Vec<Pending>) {
        match self.insert_all(&batch).await {
            Ok(seqs) => {
                for (pending, seq) in batch.into_iter().zip(seqs) {
                    self.publish(pending, seq);
                }
            }
            Err(_) => {
                for pending in batch {
                    match self.insert_all(std::slice::from_ref(&pending)).await {
                        Ok(seqs) => self.publish(pending, seqs[0]),
                        Err(e) => {
                            let _ = pending.done.send(Err(e));
                        }
                    }
                }
            }
        }
    }

    async fn insert_all(&self, batch: &[Pending]) -> Result<Vec<i64>> {
        let context = || {
            format!(
                "journaling {} of {}",
                batch.first().map_or("", |p| p.kind.name()),
                batch.first().map_or("", |p| p.task_id.as_str())
            )
        };
        let mut tx = self.store.begin().await?;
        if self.store.dialect() == Dialect::Postgres {
            // One appender at a time per task, to commit: the seqs a task's events get then
            // commit in order, so a reader following `seq > last` misses none (other
            // processes append to the same task).
            let mut tasks: Vec<&str> = batch.iter().map(|p| p.task_id.as_str()).collect();
            tasks.sort_unstable();
            tasks.dedup();
            for task in tasks {
                on_tx!(&mut tx, conn => sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(task)
                    .execute(conn)
                    .await
                    .map(|_| ()))
                .context(context)?;
                // A task this process holds a lease on is journaled while it still does: the
                // row is read FOR SHARE, so a takeover (which updates it) waits for this append
                // to commit, or committed before it and is seen.
                if let Some(epoch) = self.store.write_fence(task) {
                    let holds = on_tx!(&mut tx, conn => sqlx::query(
                        "SELECT 1 FROM tasks WHERE id = $1 AND lease_epoch = $2 FOR SHARE",
                    )
                    .bind(task)
                    .bind(epoch)
                    .fetch_optional(conn)
                    .await
                    .map(|row| row.is_some()))
                    .context(context)?;
                    if !holds {
                        return Err(crate::leases::fenced_out(task));
                    }
                }
            }
            let claims: std::collections::HashSet<&ClaimFence> =
                batch.iter().filter_map(|p| p.claim.as_deref()).collect();
            for claim in claims {
                let holds = on_tx!(&mut tx, conn => sqlx::query(
                    "SELECT 1 FROM subtask_claims c JOIN tasks t ON t.id = c.task_id \
                     WHERE c.task_id = $1 AND c.subtask_id = $2 AND c.epoch = $3 \
                     AND c.state = 'claimed' AND t.lease_epoch = c.task_epoch FOR SHARE OF c, t",
                )
                .bind(&claim.task_id)
                .bind(&claim.subtask_id)
                .bind(claim.epoch)
                .fetch_optional(conn)
                .await
                .map(|row| row.is_some()))
                .context(context)?;
                if !holds {
                    return Err(Error::Conflict(format!(
                        "{} of {} was cancelled or taken over by another worker: this one's claim lapsed",
                        claim.subtask_id, claim.task_id
                    )));
                }
            }
        }
        for pending in batch {
            if let Some(change) = &pending.change {
                self.store.apply(&mut tx, &pending.task_id, change).await?;
            }
        }
        let mut seqs = Vec::with_capacity(batch.len());
        // Many rows a statement: within the transaction they get consecutive `seq`s in order
        // (RETURNING's own order is unspecified, so the seqs are sorted).
        for chunk in batch.chunks(ROWS_PER_INSERT) {
            let rows = on_tx!(&mut tx, conn => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO events (task_id, at, version, kind, payload) ",
                );
                insert.push_values(chunk, |mut row, p| {
                    row.push_bind(&p.task_id)
                        .push_bind(p.at)
                        .push_bind(EVENT_VERSION as i64)
                        .push_bind(p.kind.name())
                        .push_bind(&p.payload);
                });
                insert.push(" RETURNING seq");
                insert.build().fetch_all(conn).await.map(Row::all)
            })
            .context(context)?;
            let mut got: Vec<i64> = rows.iter().map(|r| r.get("seq")).collect();
            got.sort_unstable();
            seqs.extend(got);
        }
        if self.store.dialect() == Dialect::Postgres {
            // Delivered at commit, to the other processes' journals.
            for (task, first, last) in seq_ranges(batch, &seqs) {
                let payload = format!("{} {task} {first} {last}", self.origin);
                on_tx!(&mut tx, conn => sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(EVENTS_CHANNEL)
                    .bind(payload)
                    .execute(conn)
                    .await
                    .map(|_| ()))
                .context(context)?;
            }
        }
        tx.commit().await.context(context)?;
        Ok(seqs)
    }

    fn publish(&self, pending: Pending, seq: i64) {
        let event = Arc::new(Event {
            seq,
            task_id: pending.task_id,
            at: pending.at,
            version: EVENT_VERSION,
            kind: pending.kind,
        });
        self.written
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // No subscriber is fine: the journal has it.
        let _ = self.live.send(event.clone());
        let _ = pending.done.send(Ok(event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.live.subscribe()
    }

    /// Events of one task with `seq > after`, oldest first, at most `limit`.
    pub async fn read(&self, task_id: &str, after: i64, limit: u32) -> Result<Vec<Event>> {
        read_events(&self.store, task_id, after, limit).await
    }

    /// The task's events of the given kinds (`tool_call_started`, …), of one subtask when
    /// `subtask_id` is given, oldest first. Read through an index on the kind, so a task's
    /// thousands of streamed `agent_output` events are not read.
    pub async fn events_of_kinds(
        &self,
        task_id: &str,
        kinds: &[&str],
        subtask_id: Option<&str>,
    ) -> Result<Vec<Event>> {
        let by_subtask = self.store.dialect().json_text("payload", "subtask_id");
        let rows = on_pool!(self.store.pool(), db => {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT seq, task_id, at, version, payload FROM events WHERE task_id = ",
            );
            query.push_bind(task_id).push(" AND kind IN (");
            let mut list = query.separated(", ");
            for kind in kinds {
                list.push_bind(*kind);
            }
            query.push(")");
            if let Some(id) = subtask_id {
                query.push(format!(" AND {by_subtask} = ")).push_bind(id);
            }
            query
                .push(" ORDER BY seq")
                .build()
                .fetch_all(db)
                .await
                .map(Row::all)
        })
        .context(|| format!("reading the {} events of {task_id}", kinds.join(", ")))?;
        rows.iter().map(event_of).collect()
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

/// Events of one task with `seq > after`, oldest first, at most `limit`.
async fn read_events(store: &Store, task_id: &str, after: i64, limit: u32) -> Result<Vec<Event>> {
    let rows = on_pool!(store.pool(), db => sqlx::query(
            "SELECT seq, task_id, at, version, payload FROM events WHERE task_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(task_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| format!("reading the journal of {task_id}"))?;
    rows.iter().map(event_of).collect()
}

/// Each task's first and last seq in a written batch.
fn seq_ranges<'a>(batch: &'a [Pending], seqs: &[i64]) -> Vec<(&'a str, i64, i64)> {
    let mut ranges: Vec<(&str, i64, i64)> = Vec::new();
    for (pending, &seq) in batch.iter().zip(seqs) {
        match ranges
            .iter_mut()
            .find(|(task, _, _)| *task == pending.task_id)
        {
            Some(range) => range.2 = range.2.max(seq),
            None => ranges.push((&pending.task_id, seq, seq)),
        }
    }
    ranges
}

/// Publishes what other processes journal, as their signals tell it, until this process's
/// journal is gone.
async fn follow_others(store: Store, origin: Arc<str>, live: broadcast::WeakSender<Arc<Event>>) {
    let mut signals = match store.listen(&[EVENTS_CHANNEL]).await {
        Ok(Some(signals)) => signals,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "other processes' events will not be shown live");
            return;
        }
    };
    loop {
        let signal = tokio::select! {
            signal = signals.recv() => signal,
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {
                if live.upgrade().is_none() {
                    return;
                }
                continue;
            }
        };
        let Some(signal) = signal else { return };
        let mut parts = signal.payload.split(' ');
        let (Some(from), Some(task), Some(first), Some(last)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(first), Ok(last)) = (first.parse::<i64>(), last.parse::<i64>()) else {
            continue;
        };
        if from == &*origin || last < first {
            continue;
        }
        let Some(live) = live.upgrade() else { return };
        let limit = u32::try_from(last - first + 1).unwrap_or(u32::MAX);
        match read_events(&store, task, first - 1, limit).await {
            Ok(events) => {
                for event in events.into_iter().filter(|e| e.seq <= last) {
                    let _ = live.send(Arc::new(event));
                }
            }
            Err(e) => tracing::warn!(error = %e, task, "reading another process's events"),
        }
    }
}

fn event_of(row: &Row) -> Result<Event> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn journal(store: Store) -> Journal {
        store
            .insert_task(&miteos_domain::Task::pending(
                "task-1".into(),
                "p".into(),
                "m".into(),
            ))
            .await
            .unwrap();
        Journal::new(store)
    }

    fn output(n: usize) -> EventKind {
        EventKind::AgentOutput {
            subtask_id: format!("st-{n}"),
            text: n.to_string(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_are_each_written_once_and_published_in_order() {
        crate::testing::on_both(|store| async move {
        let journal = journal(store).await;
        let mut live = journal.subscribe();
        let appends: Vec<_> = (0..600)
            .map(|n| {
                let journal = journal.clone();
                tokio::spawn(async move { journal.append("task-1", output(n)).await.unwrap() })
            })
            .collect();
        // One append is dropped midway: the others of its batch are still written.
        let dropped = journal.append("task-1", output(9999));
        drop(tokio::time::timeout(std::time::Duration::ZERO, dropped).await);
        let mut mine = Vec::new();
        for a in appends {
            mine.push(a.await.unwrap());
        }
        let stored = journal.read_all("task-1").await.unwrap();
        assert!(stored.len() >= 600, "{}", stored.len());
        for event in &mine {
            assert!(stored.iter().any(|s| s.seq == event.seq
                && matches!((&s.kind, &event.kind), (EventKind::AgentOutput { text: a, .. }, EventKind::AgentOutput { text: b, .. }) if a == b)));
        }
        let mut last = 0;
        for _ in 0..600 {
            let event = live.recv().await.unwrap();
            assert!(event.seq > last, "published in seq order");
            last = event.seq;
        }
        })
        .await;
    }

    #[tokio::test]
    async fn an_event_that_cannot_be_written_fails_alone() {
        crate::testing::on_both(|store| async move {
            let journal = journal(store).await;
            let (good, bad) = tokio::join!(
                journal.append("task-1", output(1)),
                journal.append("task-unknown", output(2)),
            );
            assert!(good.is_ok());
            assert!(bad.is_err(), "no such task: the foreign key refuses it");
        })
        .await;
    }
}
