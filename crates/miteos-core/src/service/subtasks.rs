//! A worker's share of other workers' tasks: on a team's database with a file store, the
//! subtasks of every task are queued by the worker holding the task (see the orchestrator's
//! `remote`), and each worker claims them, `agents` at a time, beside the tasks it holds. A
//! claimed subtask's agent runs here with a run context of its own, under the claim: its lease
//! is renewed while it works, and it stops at once when the claim is revoked (the task or the
//! subtask was cancelled) or lost. Approvals its tool calls wait on are answered here; the
//! budget questions it meets are asked by the task's worker.

use std::sync::Arc;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::Miteos;
use crate::error::Result;
use crate::orchestrator::{AskRequest, RunStart, Steering, SubtaskQueue, run_claimed};
use miteos_store::{ASK_CHANNEL, ClaimFence, SUBTASK_CHANNEL, SubtaskClaim};

/// A claimed subtask running here, as the service reaches it.
#[derive(Clone)]
pub(super) struct ClaimHandle {
    pub steering: Steering,
    cancel: CancellationToken,
}

impl Miteos {
    /// Whether a process opened with `options` hands its tasks' subtasks to the team's
    /// workers: a worker on a shared database with a file store (the agents' files must
    /// reach the task's worker).
    pub(super) fn hands_out(options: &super::Options) -> bool {
        options.database_url.is_some()
            && options.files_url.is_some()
            && options.worker_tasks + options.agents() > 0
    }

    /// Whether this process hands its tasks' subtasks to the team's workers (and runs theirs).
    pub fn hands_out_subtasks(&self) -> bool {
        self.inner.shared.subtasks.is_some()
    }

    /// How many of the team's subtasks this process runs the agents of at once (none unless
    /// it [hands them out](Self::hands_out_subtasks)).
    pub fn worker_agents(&self) -> usize {
        match self.hands_out_subtasks() {
            true => self.inner.worker_agents,
            false => 0,
        }
    }

    /// Passes the subtask queue's signals on to the runs that wait on them, and opens the
    /// budget questions agents on other workers ask for, until this Miteos is gone.
    pub(super) async fn follow_subtasks(&self) -> Result<()> {
        let Some(queue) = self.inner.shared.subtasks.clone() else {
            return Ok(());
        };
        let channels = [SUBTASK_CHANNEL, ASK_CHANNEL];
        let Some(mut signals) = self.inner.shared.store.listen(&channels).await? else {
            return Ok(());
        };
        let miteos = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            while let Some(signal) = signals.recv().await {
                let Some(inner) = miteos.upgrade() else {
                    return;
                };
                if signal.channel == SUBTASK_CHANNEL {
                    queue.signalled(signal.payload);
                    continue;
                }
                let Ok(request) = serde_json::from_str::<AskRequest>(&signal.payload) else {
                    continue;
                };
                let here = Miteos { inner };
                let handle = here.lock_running().get(&request.task_id).cloned();
                let Some(handle) = handle else { continue };
                let budget = &handle.steering.budget;
                if let Err(e) = budget
                    .open(&here.inner.shared, &request.task_id, request.pause)
                    .await
                {
                    tracing::warn!(task = %request.task_id, error = %e, "opening a budget question asked for elsewhere");
                }
            }
        });
        Ok(())
    }

    /// Claims queued subtasks while fewer than this process's share of agents run here.
    pub(super) async fn claim_subtasks_while_free(&self) {
        if self.inner.shared.subtasks.is_none() {
            return;
        }
        let store = &self.inner.shared.store;
        while self.lock_claimed().len() < self.inner.worker_agents && !self.is_closing() {
            let claim = match store
                .claim_subtask(&self.inner.worker, self.lease_ms())
                .await
            {
                Ok(Some(claim)) => claim,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a subtask");
                    return;
                }
            };
            let fence = claim.fence.clone();
            if claim.took_over {
                tracing::info!(task = %fence.task_id, subtask = %fence.subtask_id, "taking over a subtask whose worker's lease lapsed");
            }
            if let Err(e) = self.run_claim(claim).await {
                // It cannot run here; another worker (with the model, say) may run it.
                tracing::warn!(task = %fence.task_id, subtask = %fence.subtask_id, error = %e, "a claimed subtask could not start");
                self.lock_claimed().remove(&fence);
                let _ = store.requeue_claim(&fence).await;
                return;
            }
        }
    }

    /// Runs a claimed subtask's agent here, in the background.
    async fn run_claim(&self, claim: SubtaskClaim) -> Result<()> {
        let fence = claim.fence.clone();
        let task = self.inner.shared.store.get_task(&fence.task_id).await?;
        let provider = self.providers().provider(&task.model)?;
        let cancel = CancellationToken::new();
        let mut ctx = self
            .run_ctx(&task, provider, RunStart::Resume, &cancel)
            .await?;
        ctx.shared.journal = ctx.shared.journal.under_claim(fence.clone());
        ctx.claimed = Some(fence.clone());
        self.lock_claimed().insert(
            fence.clone(),
            ClaimHandle {
                steering: ctx.steering.clone(),
                cancel: cancel.clone(),
            },
        );
        let (done_tx, done_rx) = watch::channel(false);
        self.keep_claim(fence.clone(), cancel.clone(), done_rx);
        let this = self.clone();
        self.spawn_background(async move {
            if let Err(e) = run_claimed(&ctx, &claim.work, &cancel).await {
                tracing::warn!(task = %fence.task_id, subtask = %fence.subtask_id, error = %e, "running a claimed subtask");
            }
            let _ = done_tx.send(true);
            this.lock_claimed().remove(&fence);
            if this.is_closing() {
                // Stopped by a shutdown: another worker takes it at once, not after the lease.
                let _ = this.inner.shared.store.requeue_claim(&fence).await;
            } else if let Some(queue) = &this.inner.shared.subtasks {
                // A place is free here: the claim loop looks at once.
                queue.freed.notify_one();
            }
        });
        Ok(())
    }

    /// Renews the claim while its agent runs here; stops the agent when the claim is revoked
    /// (signalled) or lost (not renewed).
    fn keep_claim(
        &self,
        fence: ClaimFence,
        cancel: CancellationToken,
        mut done: watch::Receiver<bool>,
    ) {
        let Some(queue) = self.inner.shared.subtasks.clone() else {
            return;
        };
        let (store, worker) = (self.inner.shared.store.clone(), self.inner.worker.clone());
        let (lease_ms, every) = (self.lease_ms(), self.inner.lease / 3);
        tokio::spawn(async move {
            let mut signals = queue.subscribe();
            loop {
                tokio::select! {
                    _ = done.wait_for(|d| *d) => return,
                    () = SubtaskQueue::signal_for(&mut signals, &fence.task_id, &fence.subtask_id, "revoked") => {
                        tracing::info!(task = %fence.task_id, subtask = %fence.subtask_id, "the subtask was cancelled; stopping its agent");
                        cancel.cancel();
                        return;
                    }
                    () = tokio::time::sleep(every) => {}
                }
                match store.renew_claim(&fence, &worker, lease_ms).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(task = %fence.task_id, subtask = %fence.subtask_id, "the claim on the subtask lapsed or was revoked; stopping its agent");
                        cancel.cancel();
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(subtask = %fence.subtask_id, error = %e, "renewing a claim")
                    }
                }
            }
        });
    }

    /// The run here whose agent waits on this approval: a claimed subtask's, or the task's own.
    pub(super) fn approval_steering(&self, task_id: &str, approval_id: &str) -> Option<Steering> {
        let claimed = self
            .lock_claimed()
            .iter()
            .find(|(fence, handle)| {
                fence.task_id == task_id && handle.steering.approvals.is_waiting(approval_id)
            })
            .map(|(_, handle)| handle.steering.clone());
        claimed.or_else(|| {
            let run = self
                .lock_running()
                .get(task_id)
                .map(|h| h.steering.clone())?;
            // A task whose subtasks run on other workers waits on none of its approvals here.
            (self.inner.shared.subtasks.is_none() || run.approvals.is_waiting(approval_id))
                .then_some(run)
        })
    }

    /// Stops the agents of claimed subtasks here (a shutdown); each goes back to the queue.
    pub(super) fn stop_claimed(&self) {
        for handle in self.lock_claimed().values() {
            handle.cancel.cancel();
        }
    }

    pub(super) fn lock_claimed(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<ClaimFence, ClaimHandle>> {
        self.inner.claimed.lock().unwrap_or_else(|p| p.into_inner())
    }
}
