//! Subtasks run by any worker of a team. On a team's database with a file store, the worker
//! holding a task does not run its subtasks' agents itself: it queues each ready subtask
//! (miteos-store's claims) and waits for its outcome, while any worker — itself included —
//! claims it, runs the agent with a run context of its own ([`run_claimed`]) and leaves the
//! outcome. The task's worker records the subtask's end, as it would have for an agent of its
//! own, so planning, revisions, fan-outs and the result check stay where the task is held.
//!
//! What a run keeps in one process reaches the agent's: a cancel of the task or of the subtask
//! revokes the claim (the agent's worker is signalled and stops, and is fenced out of the
//! journal at once); the agent's worker waits while the task is paused on its budget, and asks
//! the task's worker to open a question ([`ASK_CHANNEL`]) rather than opening it itself; a stop
//! at the task's limit comes back with the outcome; the files the agent wrote go through the
//! team's file store and are fetched before the subtask's end is recorded.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::agent::{AgentOutcome, DependencyResult, run_agent};
use super::{RunCtx, Stop};
use crate::budget::BudgetPause;
use crate::domain::{SubtaskStatus, TaskStatus};
use crate::error::{Error, Result};
use crate::store::{ClaimState, NewSubtask, parse_claim_signal};

pub use miteos_store::ASK_CHANNEL;

/// How often a queued subtask's outcome is looked at without a signal (a signal may be missed
/// while the listening connection reconnects).
const POLL: Duration = Duration::from_secs(1);
/// How often an agent waiting on the task's budget question looks whether it was answered.
const PAUSE_POLL: Duration = Duration::from_millis(250);
/// How long an agent that asked for a budget question waits for the task's worker to open it
/// before it measures again (the question may have been answered, or the budget raised).
const ASK_WAIT: Duration = Duration::from_secs(3);

/// The signals of the subtask queue in this process: every `done` and `revoked` of a claim,
/// as they arrive (see miteos-store's `SUBTASK_CHANNEL`).
pub struct SubtaskQueue {
    signals: broadcast::Sender<String>,
    /// Notified when an agent that ran a claimed subtask here ended: the claim loop looks for
    /// more work at once.
    pub freed: tokio::sync::Notify,
}

impl SubtaskQueue {
    pub fn new() -> Arc<SubtaskQueue> {
        Arc::new(SubtaskQueue {
            signals: broadcast::Sender::new(1024),
            freed: tokio::sync::Notify::new(),
        })
    }

    /// Passes on one signal from the database.
    pub fn signalled(&self, payload: String) {
        let _ = self.signals.send(payload);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.signals.subscribe()
    }

    /// Resolves when a signal says `state` (`done`, `revoked`) of this subtask, or when
    /// signals were missed (the caller looks at the store again).
    pub async fn signal_for(
        signals: &mut broadcast::Receiver<String>,
        task_id: &str,
        subtask_id: &str,
        state: &str,
    ) {
        loop {
            match signals.recv().await {
                Ok(payload) => {
                    if let Some((said, fence)) = parse_claim_signal(&payload)
                        && said == state
                        && fence.task_id == task_id
                        && fence.subtask_id == subtask_id
                    {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => {
                    return std::future::pending().await;
                }
            }
        }
    }
}

/// What a worker is given to run: the subtask and its dependencies' results.
#[derive(Serialize, Deserialize)]
struct SubtaskWork {
    subtask: NewSubtask,
    deps: Vec<DependencyResult>,
}

/// How a claimed subtask's agent ended, as its worker leaves it.
#[derive(Debug, Serialize, Deserialize)]
struct Outcome {
    agent: AgentOutcome,
    /// The task's budget ended the whole run there: how the task must end.
    task_end: Option<(TaskStatus, String)>,
    /// The files of the task's folder its agent wrote, put in the team's file store.
    #[serde(default)]
    files: Vec<String>,
}

/// A request to the task's worker to ask the user about the budget (JSON on [`ASK_CHANNEL`]).
#[derive(Serialize, Deserialize)]
pub struct AskRequest {
    pub task_id: String,
    pub pause: BudgetPause,
}

/// Runs a subtask's agent: on a worker that claims it from the queue when this process hands
/// subtasks out, else here.
pub(crate) async fn run_subtask(
    ctx: &RunCtx,
    subtask: &NewSubtask,
    deps: Vec<DependencyResult>,
    cancel: &CancellationToken,
) -> AgentOutcome {
    let Some(queue) = ctx
        .shared
        .subtasks
        .clone()
        .filter(|_| ctx.claimed.is_none())
    else {
        return run_agent(ctx, subtask, deps, cancel).await;
    };
    hand_out(ctx, &queue, subtask, deps, cancel)
        .await
        .unwrap_or_else(AgentOutcome::from)
}

/// Queues the subtask and waits for a worker's outcome; a cancel revokes it.
async fn hand_out(
    ctx: &RunCtx,
    queue: &SubtaskQueue,
    subtask: &NewSubtask,
    deps: Vec<DependencyResult>,
    cancel: &CancellationToken,
) -> Result<AgentOutcome, Stop> {
    let store = &ctx.shared.store;
    let (task_id, id) = (ctx.task_id.as_str(), subtask.id.as_str());
    // Listening before it is queued: its end cannot be missed.
    let mut signals = queue.subscribe();
    let work = serde_json::to_string(&SubtaskWork {
        subtask: subtask.clone(),
        deps,
    })
    .map_err(|e| Error::Internal(format!("encoding a subtask for the queue: {e}")))?;
    store
        .set_subtask_status(task_id, id, SubtaskStatus::Running, None, None)
        .await?;
    store.queue_subtask(task_id, id, &work).await?;
    // Its outcome is looked at when a signal says it is there (or now and then, should one be
    // missed): nothing to read right after queueing.
    loop {
        tokio::select! {
            () = cancel.cancelled() => {
                store.revoke_claim(task_id, id).await?;
                return Ok(AgentOutcome::Cancelled);
            }
            () = SubtaskQueue::signal_for(&mut signals, task_id, id, "done") => {}
            () = tokio::time::sleep(POLL) => {}
        }
        match store.claim_state(task_id, id).await? {
            Some(ClaimState::Done { outcome }) => {
                let outcome: Outcome = serde_json::from_str(&outcome).map_err(|e| {
                    Error::Internal(format!("a worker's outcome of {id} is unreadable: {e}"))
                })?;
                if let Some(files) = &ctx.shared.files {
                    files
                        .get_named(task_id, &ctx.task_dir, &outcome.files)
                        .await?;
                }
                if let Some((status, reason)) = outcome.task_end {
                    ctx.steering.budget.stop_run(status, reason).await;
                }
                return Ok(outcome.agent);
            }
            Some(ClaimState::Revoked) | None => return Ok(AgentOutcome::Cancelled),
            Some(ClaimState::Queued | ClaimState::Claimed { .. }) => {}
        }
    }
}

/// Runs the agent of a subtask this worker claimed (`ctx` is its run context, under the
/// claim) and leaves the outcome for the task's worker. The agent stops when `cancel` is
/// cancelled (the service cancels it when the claim is revoked or its lease lost); its
/// outcome is then not left.
pub async fn run_claimed(ctx: &RunCtx, work: &str, cancel: &CancellationToken) -> Result<()> {
    let fence = ctx
        .claimed
        .clone()
        .ok_or_else(|| Error::Internal("a claimed subtask runs under its claim".into()))?;
    let work: SubtaskWork = serde_json::from_str(work)
        .map_err(|e| Error::Internal(format!("a queued subtask is unreadable: {e}")))?;
    tokio::fs::create_dir_all(&ctx.task_dir)
        .await
        .map_err(|e| Error::io("creating the task folder", e))?;
    let before = match &ctx.shared.files {
        Some(files) => Some(files.check_out(&ctx.task_id, &ctx.task_dir).await?),
        None => None,
    };
    let mut agent = run_agent(ctx, &work.subtask, work.deps, cancel).await;
    if cancel.is_cancelled() && ctx.steering.budget.end().await.is_none() {
        return Ok(());
    }
    let mut written = Vec::new();
    if let (Some(files), Some(before)) = (&ctx.shared.files, &before) {
        match files
            .put_changed(&ctx.task_id, &ctx.task_dir, before, &|| {
                Box::pin(ctx.still_writes())
            })
            .await
        {
            Ok(put) => written = put,
            Err(e) => {
                tracing::warn!(error = %e, "storing a subtask's files in the team's store");
                if matches!(agent, AgentOutcome::Complete(_)) {
                    agent = AgentOutcome::Failed(format!(
                        "the files its agent wrote could not be stored: {}",
                        e.public_message()
                    ));
                }
            }
        }
    }
    let outcome = Outcome {
        agent,
        task_end: ctx.steering.budget.end().await,
        files: written,
    };
    let outcome = serde_json::to_string(&outcome)
        .map_err(|e| Error::Internal(format!("encoding a subtask's outcome: {e}")))?;
    if !ctx.shared.store.finish_claim(&fence, &outcome).await? {
        tracing::warn!(subtask = %fence.subtask_id, "the claim moved on before the agent ended; its outcome is not recorded");
    }
    Ok(())
}

impl RunCtx {
    /// Whether this run may still write the task's files where the team's other processes
    /// read them: it still holds the task (or, on a subtask's worker, the subtask's claim).
    pub(crate) async fn still_writes(&self) -> Result<bool> {
        self.shared
            .store
            .still_writes(&self.task_id, self.claimed.as_ref())
            .await
    }

    /// On a claimed subtask's worker: waits while the task is paused on its budget (its worker
    /// holds the question), then answers the budget as it stands.
    pub(crate) async fn claimed_budget(
        &self,
        cancel: &CancellationToken,
    ) -> Result<crate::budget::Budget, Stop> {
        loop {
            let (budget, pause) = self.shared.store.budget_state(&self.task_id).await?;
            if pause.is_none() {
                let mut desk = self.steering.budget.lock().await;
                // A raise made by the task's worker applies here too (the subtask's time
                // limit is watched against this desk).
                if let Some(budget) = budget.filter(|b| *b != desk.budget()) {
                    desk.set_budget(budget);
                }
                return Ok(desk.budget());
            }
            pause_poll(cancel).await?;
        }
    }

    /// On a claimed subtask's worker: asks the task's worker to open the question, and waits
    /// (a while at most) until it is open; the next measure waits until it is answered.
    pub(crate) async fn ask_holder(
        &self,
        pause: BudgetPause,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let request = AskRequest {
            task_id: self.task_id.clone(),
            pause,
        };
        let payload = serde_json::to_string(&request)
            .map_err(|e| Error::Internal(format!("encoding a budget question: {e}")))?;
        self.shared.store.signal(ASK_CHANNEL, &payload).await?;
        let asked = tokio::time::Instant::now();
        while asked.elapsed() < ASK_WAIT {
            if self
                .shared
                .store
                .budget_state(&self.task_id)
                .await?
                .1
                .is_some()
            {
                break;
            }
            pause_poll(cancel).await?;
        }
        Ok(())
    }
}

/// Waits before the store is asked again about the task's budget question.
async fn pause_poll(cancel: &CancellationToken) -> Result<(), Stop> {
    tokio::select! {
        () = cancel.cancelled() => Err(Stop::Cancelled),
        () = tokio::time::sleep(PAUSE_POLL) => Ok(()),
    }
}
