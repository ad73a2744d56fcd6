//! A team's processes on one PostgreSQL database: API servers, workers (`miteos worker`, and
//! `miteos serve` itself unless told not to) and `miteos run` on a laptop. A task runs in the
//! process that holds its lease (see miteos-store's leases): a server queues the tasks it is
//! given, the workers claim them (each as many at once as it was told), renew their leases
//! while the runs go on and let them go when the runs end. A worker that dies stops renewing;
//! when its leases lapse another worker takes its tasks over and resumes them as after a
//! restart (finished subtasks stand; the rest run again), while the fencing token keeps the
//! dead worker, should it come back, from recording anything more. Cancels are signalled to
//! the process running the task. On SQLite (one process) none of this happens.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{CANCEL_WAIT, Miteos};
use crate::domain::TaskStatus;
use crate::error::Result;
use crate::orchestrator::RunStart;
use miteos_store::{CANCEL_CHANNEL, Claim, Dialect, STEER_CHANNEL, WORK_CHANNEL};

/// How long a cancel waits for another process to take it up before it ends the task itself
/// (no process runs it).
const CANCEL_TAKEN_UP: Duration = Duration::from_secs(2);

/// How often a worker looks for work without being told of any (leases that lapsed send no
/// signal).
const POLL: Duration = Duration::from_secs(1);

impl Miteos {
    /// Whether this Miteos shares its database with other processes (PostgreSQL).
    pub fn shares_database(&self) -> bool {
        self.inner.shared.store.dialect() == Dialect::Postgres
    }

    /// This process's name among those sharing the database (its leases carry it).
    pub fn worker_name(&self) -> &str {
        &self.inner.worker
    }

    pub(super) fn lease_ms(&self) -> i64 {
        i64::try_from(self.inner.lease.as_millis()).unwrap_or(i64::MAX)
    }

    /// Holds the task's lease for a run in this process: refused while another process's
    /// lease on it is live.
    pub(super) async fn hold_lease(&self, task_id: &str) -> Result<()> {
        if self.shares_database() {
            let store = &self.inner.shared.store;
            store
                .claim_task(task_id, &self.inner.worker, self.lease_ms())
                .await?;
        }
        Ok(())
    }

    /// Renews the task's lease until its run here ends (`done`); when the lease was lost (this
    /// process stalled past it and another worker took the task over) the run is stopped, and
    /// records nothing more.
    pub(super) fn keep_lease(
        &self,
        task_id: String,
        cancel: CancellationToken,
        mut done: watch::Receiver<bool>,
    ) {
        if !self.shares_database() {
            return;
        }
        let (store, worker) = (self.inner.shared.store.clone(), self.inner.worker.clone());
        let (lease_ms, every) = (self.lease_ms(), self.inner.lease / 3);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = done.wait_for(|d| *d) => return,
                    _ = tokio::time::sleep(every) => {}
                }
                match store.renew_lease(&task_id, &worker, lease_ms).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(task = %task_id, "the lease lapsed and another worker took the task over; stopping here");
                        cancel.cancel();
                        return;
                    }
                    // The database is unreachable: the lease may lapse; the fence decides.
                    Err(e) => tracing::warn!(task = %task_id, error = %e, "renewing a lease"),
                }
            }
        });
    }

    /// Lets the task's lease go once its run here ended.
    pub(super) async fn release_lease(&self, task_id: &str) {
        let store = &self.inner.shared.store;
        if let Err(e) = store.release_lease(task_id, &self.inner.worker).await {
            tracing::warn!(task = %task_id, error = %e, "releasing a lease");
        }
    }

    /// Takes tasks from the queue, `capacity` at a time in this process (and, when subtasks
    /// are handed out, `agents` subtasks), until Miteos closes.
    pub(super) async fn start_working(&self, capacity: usize, agents: usize) -> Result<()> {
        let agents = if self.hands_out_subtasks() { agents } else { 0 };
        if capacity + agents == 0 || !self.shares_database() {
            return Ok(());
        }
        let mut signals = self.inner.shared.store.listen(&[WORK_CHANNEL]).await?;
        let queue = self.inner.shared.subtasks.clone();
        let miteos = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                let freed = async {
                    match &queue {
                        Some(queue) => queue.freed.notified().await,
                        None => std::future::pending().await,
                    }
                };
                if let Some(signals) = signals.as_mut() {
                    tokio::select! {
                        _ = signals.recv() => {}
                        () = freed => {}
                        _ = tokio::time::sleep(POLL) => {}
                    }
                } else {
                    tokio::time::sleep(POLL).await;
                }
                let Some(inner) = miteos.upgrade() else {
                    return;
                };
                let here = Miteos { inner };
                if here.is_closing() {
                    return;
                }
                here.claim_while_free(capacity).await;
                here.claim_subtasks_while_free().await;
            }
        });
        Ok(())
    }

    async fn claim_while_free(&self, capacity: usize) {
        let store = &self.inner.shared.store;
        while self.lock_running().len() < capacity && !self.is_closing() {
            let claim = match store.claim_next(&self.inner.worker, self.lease_ms()).await {
                Ok(Some(claim)) => claim,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a task");
                    return;
                }
            };
            let id = claim.task_id.clone();
            if let Err(e) = self.take(claim).await {
                tracing::warn!(task = %id, error = %e, "a claimed task could not start");
                self.release_lease(&id).await;
            }
        }
    }

    /// Runs a claimed task here: a new one from its start, one another process began as after
    /// a restart.
    async fn take(&self, claim: Claim) -> Result<()> {
        let store = &self.inner.shared.store;
        let task = store.get_task(&claim.task_id).await?;
        if claim.took_over {
            tracing::info!(task = %task.id, epoch = claim.epoch, "taking over a task whose worker's lease lapsed");
        }
        if task.status == TaskStatus::Pending && task.subtasks.is_empty() {
            let provider = match self.providers().provider(&task.model) {
                Ok(provider) => provider,
                Err(e) => {
                    let reason = format!("no worker can run its model: {e}");
                    return self
                        .end_without_run(&task.id, TaskStatus::Failed, &reason)
                        .await;
                }
            };
            self.start(&task, provider, RunStart::Fresh).await
        } else {
            self.resume_task(&task.id).await
        }
    }

    /// Puts the task's folder in the team's file store, if there is one.
    pub(super) async fn put_task_files(&self, task_id: &str) -> Result<()> {
        if let Some(files) = &self.inner.shared.files {
            // A new task's folder (its attachments), before any worker runs it.
            files
                .put_task(task_id, &self.task_dir(task_id), &|| {
                    Box::pin(async { Ok(true) })
                })
                .await?;
        }
        Ok(())
    }

    /// Brings the task's folder from the team's file store, if there is one, into this data
    /// directory (what is here already at the same size stays).
    pub(super) async fn get_task_files(&self, task_id: &str) -> Result<()> {
        if let Some(files) = &self.inner.shared.files {
            files.get_task(task_id, &self.task_dir(task_id)).await?;
        }
        Ok(())
    }

    /// Tells the workers a task waits for one.
    pub(super) async fn queue(&self, task_id: &str) -> Result<()> {
        self.inner.shared.store.signal(WORK_CHANNEL, task_id).await
    }

    /// On a shared database, asks the process running the task (if one does) to cancel it,
    /// and waits for it to end; false when no process took the cancel up.
    pub(super) async fn cancelled_elsewhere(&self, id: &str) -> Result<bool> {
        if !self.shares_database() {
            return Ok(false);
        }
        let store = &self.inner.shared.store;
        let last = self.last_cancel_request(id).await?;
        store.signal(CANCEL_CHANNEL, id).await?;
        let asked = std::time::Instant::now();
        let mut taken_up = false;
        loop {
            if store.get_task(id).await?.status.is_finished() {
                return Ok(true);
            }
            if !taken_up {
                taken_up = self.last_cancel_request(id).await? > last;
            }
            let limit = if taken_up {
                CANCEL_WAIT
            } else {
                CANCEL_TAKEN_UP
            };
            if asked.elapsed() >= limit {
                return Ok(taken_up);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The seq of the task's last `cancel_requested` event (0: none).
    async fn last_cancel_request(&self, id: &str) -> Result<i64> {
        let requests = self
            .inner
            .shared
            .journal
            .events_of_kinds(id, &["cancel_requested"], None)
            .await?;
        Ok(requests.last().map_or(0, |e| e.seq))
    }

    /// Cancels and steers what other processes ask this one to (their users cancelled or
    /// steered a task it runs), until this Miteos is gone. Nothing to do on SQLite: one process.
    pub(super) async fn follow_requests(&self) -> Result<()> {
        let channels = [CANCEL_CHANNEL, STEER_CHANNEL];
        let Some(mut signals) = self.inner.shared.store.listen(&channels).await? else {
            return Ok(());
        };
        let miteos = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                let signal = tokio::select! {
                    signal = signals.recv() => signal,
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {
                        if miteos.strong_count() == 0 {
                            return;
                        }
                        continue;
                    }
                };
                let Some(signal) = signal else { return };
                let Some(inner) = miteos.upgrade() else {
                    return;
                };
                let here = Miteos { inner };
                if signal.channel == STEER_CHANNEL {
                    // Its own task: an approval answered there waits on nothing here.
                    tokio::spawn(async move { here.steer_here(&signal.payload).await });
                } else if here.lock_running().contains_key(&signal.payload)
                    && let Err(e) = here.cancel_task(&signal.payload).await
                {
                    tracing::warn!(task = %signal.payload, error = %e, "cancelling for another process");
                }
            }
        });
        Ok(())
    }
}

/// This process's name among those sharing a database: host, process id and a unique part.
pub(super) fn worker_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        crate::domain::ids::new_worker_id()
    )
}
