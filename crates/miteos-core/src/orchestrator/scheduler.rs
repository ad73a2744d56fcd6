//! The scheduler runs the plan as the store has it — a living plan. Every subtask whose
//! dependencies are complete runs at once (up to the concurrency limit), receiving their
//! outputs. A subtask that fails does not stop its siblings: the orchestrator revises the plan
//! ([`super::replan`]) while they run, and the scheduler goes on with the revised plan; the task
//! fails only when a revision gives up or none are left. The user's revisions (a retry, a rerun,
//! an edit) and cancels of one subtask reach a running schedule through [`PlanSteering`]. When
//! nothing is left to run, the result is checked ([`super::check`]) and its gaps revised too.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

mod fan_outs;

use super::agent::{AgentOutcome, DependencyResult};
use super::remote::run_subtask;
use super::replan::{Replanned, Why};
use super::{RunCtx, Stop};
use crate::domain::SubtaskStatus;
use crate::domain::plan::CANCELLED_BY_USER;
use crate::events::EventKind;
use crate::store::NewSubtask;

/// How the user steers a running plan (the service holds the same, per task).
#[derive(Default)]
pub struct PlanSteering {
    /// Woken when the plan changed in the store, a review was answered, or a cancel of one
    /// subtask was asked for.
    pub changed: Notify,
    /// The token of each running subtask.
    tokens: Mutex<HashMap<String, CancellationToken>>,
    /// Subtasks the user asked to cancel, not yet cancelled.
    cancels: Mutex<Vec<String>>,
}

impl PlanSteering {
    /// Asks the run to cancel one subtask (running or pending); the task goes on without it.
    pub fn cancel_subtask(&self, id: &str) {
        self.cancels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(id.to_owned());
        self.changed.notify_one();
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs the task's plan to its end, revising it on failures and on the result check's gaps.
/// `unmet` starts with what is already known to be left undone (a follow-up not planned).
pub(crate) async fn drive(
    ctx: &RunCtx,
    mut unmet: Vec<String>,
    cancel: &CancellationToken,
) -> Result<(), Stop> {
    loop {
        run_plan(ctx, cancel).await?;
        let gaps = ctx.check_result(cancel).await?;
        if !gaps.is_empty() {
            match ctx.replan(Why::Gaps(&gaps), cancel).await {
                Ok(Replanned::Revised) => continue,
                Ok(Replanned::GaveUp(reason)) => {
                    tracing::info!(%reason, "the result's gaps are reported, not revised");
                }
                Err(Stop::Failed(reason)) => {
                    tracing::warn!(%reason, "the gaps could not be revised");
                }
                Err(stop) => return Err(stop),
            }
        }
        unmet.extend(gaps);
        let task = ctx.shared.store.get_task(&ctx.task_id).await?;
        for s in task
            .subtasks
            .iter()
            .filter(|s| !s.dropped && s.status == SubtaskStatus::Cancelled && s.parent.is_none())
        {
            let why = s.error.as_deref().unwrap_or("cancelled");
            unmet.push(format!("{} ({}) did not run: {why}", s.id, s.title));
        }
        // A fan-out's missing items are said, never dropped silently.
        for s in task.subtasks.iter().filter(|s| {
            !s.dropped
                && s.parent.is_some()
                && matches!(s.status, SubtaskStatus::Failed | SubtaskStatus::Cancelled)
        }) {
            unmet.push(format!(
                "item {} ({}) of {} is missing: {}",
                s.item.as_deref().unwrap_or(&s.title),
                s.id,
                s.parent.as_deref().unwrap_or_default(),
                super::fan_out::merge::missing_reason(s)
            ));
        }
        ctx.shared.store.set_unmet(&ctx.task_id, &unmet).await?;
        return Ok(());
    }
}

/// Runs what the stored plan has left until nothing can run; `Ok` when every subtask of the plan
/// is complete or was cancelled by the user.
pub(crate) async fn run_plan(ctx: &RunCtx, cancel: &CancellationToken) -> Result<(), Stop> {
    // Cancelled when the task gives up, so running siblings stop too.
    let run_token = cancel.child_token();
    // A fan-out's items run as many at once as the provider takes here; handed out to the
    // team's workers, as many as they claim (each worker bounds its own agents and calls).
    let fan_out_limit = match ctx.shared.subtasks {
        Some(_) => usize::MAX,
        None => {
            ctx.shared
                .provider_slots
                .capacity(ctx.provider.as_ref())
                .await
        }
    };
    let mut schedule = Schedule {
        fan_out_limit,
        ..Schedule::default()
    };
    schedule.reload(ctx).await?;
    // Subtasks that failed before this run (a finished task reopened) are recovered first.
    let mut failed = schedule.failed.clone();
    let mut running = JoinSet::new();
    let mut giving_up: Option<String> = None;
    // The revision being asked for; meanwhile the siblings run and their ends are recorded. It
    // runs as its own task: its store transaction must go on while this loop records other ends
    // (a future of this loop is not polled then, and would hold the write lock).
    let mut replanning: Option<Replanning> = None;
    loop {
        if replanning.is_none()
            && !failed.is_empty()
            && giving_up.is_none()
            && !cancel.is_cancelled()
        {
            let batch = std::mem::take(&mut failed);
            let (ctx, cancel) = (ctx.clone(), cancel.clone());
            replanning = Some(tokio::spawn(async move {
                let outcome = ctx.replan(Why::Failed(&batch), &cancel).await;
                (batch, outcome)
            }));
        }
        schedule.take_cancels(ctx).await?;
        if giving_up.is_none() && !run_token.is_cancelled() {
            schedule.start_ready(ctx, &mut running, &run_token);
        }
        if running.is_empty() && replanning.is_none() {
            break;
        }
        tokio::select! {
            joined = running.join_next(), if !running.is_empty() => match joined {
                Some(Ok((id, ended))) => {
                    let outcome = match ended {
                        // A fan-out's children are in the plan: they run now.
                        Ended::Started(AgentOutcome::Complete(_))
                            if !schedule.user_cancelled.contains(&id) => None,
                        Ended::Started(AgentOutcome::Complete(_)) => Some(AgentOutcome::Cancelled),
                        Ended::Done(outcome) | Ended::Started(outcome) => Some(outcome),
                    };
                    match outcome {
                        None => {
                            schedule.running.remove(&id);
                            schedule.reload(ctx).await?;
                        }
                        Some(outcome) => {
                            if let Some(reason) = schedule.finish(ctx, id.clone(), outcome, cancel).await? {
                                failed.push((id, reason));
                            }
                        }
                    }
                }
                Some(Err(e)) => {
                    // A panicking agent is a bug; the task fails rather than hanging.
                    giving_up.get_or_insert_with(|| format!("an agent crashed: {e}"));
                    run_token.cancel();
                }
                None => {}
            },
            joined = async { replanning.as_mut().expect("guarded").await }, if replanning.is_some() => {
                replanning = None;
                let (batch, outcome) = joined.map_err(|e| Stop::Failed(format!("the revision crashed: {e}")))?;
                match outcome {
                    Ok(Replanned::Revised) => schedule.reload(ctx).await?,
                    Ok(Replanned::GaveUp(reason)) => giving_up = Some(reason),
                    Err(Stop::Failed(e)) => {
                        let told: Vec<String> = batch.iter().map(|(id, r)| format!("{id} failed: {r}")).collect();
                        giving_up = Some(format!("{} (the revision failed: {e})", told.join("; ")));
                    }
                    Err(stop) => return Err(stop),
                }
                if giving_up.is_some() {
                    run_token.cancel();
                }
            },
            () = ctx.steering.plan.changed.notified() => schedule.reload(ctx).await?,
        }
    }
    match giving_up {
        Some(reason) => Err(Stop::Failed(reason)),
        None if cancel.is_cancelled() => Err(Stop::Cancelled),
        None => schedule.settle(ctx).await,
    }
}

/// Where each subtask of the plan stands, and the outputs of those complete.
#[derive(Default)]
struct Schedule {
    /// The plan's subtasks (not dropped), in order.
    plan: Vec<NewSubtask>,
    /// Each fan-out's children, in order; and each child's fan-out.
    children: HashMap<String, Vec<String>>,
    parent_of: HashMap<String, String>,
    /// Each subtask's attempt (1 for the first run).
    attempts: HashMap<String, u32>,
    /// Children of fan-outs running at once: as many as the provider takes calls.
    fan_out_limit: usize,
    status: HashMap<String, SubtaskStatus>,
    outputs: HashMap<String, String>,
    /// Subtasks this run started and has not seen end.
    running: HashSet<String>,
    /// Subtasks the user cancelled while they ran.
    user_cancelled: HashSet<String>,
    /// Failed subtasks as loaded: (id, why).
    failed: Vec<(String, String)>,
}

type Running = JoinSet<(String, Ended)>;

/// What a job of the schedule did.
enum Ended {
    /// A subtask ended: its agent's work, or a fan-out's merge.
    Done(AgentOutcome),
    /// A fan-out started: expanded into its children (`Complete`), or it could not be.
    Started(AgentOutcome),
}

/// A revision asked for on failures: the failures, and how it ended.
type Replanning = tokio::task::JoinHandle<(Vec<(String, String)>, Result<Replanned, Stop>)>;

impl Schedule {
    /// Reads the plan from the store; what this run has running stays running.
    async fn reload(&mut self, ctx: &RunCtx) -> Result<(), Stop> {
        let task = ctx.shared.store.get_task(&ctx.task_id).await?;
        self.plan.clear();
        self.status.clear();
        self.failed.clear();
        self.children.clear();
        self.parent_of.clear();
        for s in task.subtasks.into_iter().filter(|s| !s.dropped) {
            self.attempts.insert(s.id.clone(), s.attempt);
            if let Some(parent) = &s.parent {
                self.children
                    .entry(parent.clone())
                    .or_default()
                    .push(s.id.clone());
                self.parent_of.insert(s.id.clone(), parent.clone());
            }
            let status = if self.running.contains(&s.id) {
                SubtaskStatus::Running
            } else {
                s.status
            };
            match (status, &s.output) {
                (SubtaskStatus::Complete, Some(o)) => {
                    self.outputs.insert(s.id.clone(), o.clone());
                }
                (SubtaskStatus::Complete, None) => {}
                (SubtaskStatus::Failed, _) => {
                    self.outputs.remove(&s.id);
                    // A fan-out's item that failed for good is reported missing, not revised.
                    if s.parent.is_none() {
                        self.failed
                            .push((s.id.clone(), s.error.clone().unwrap_or_default()));
                    }
                }
                _ => {
                    self.outputs.remove(&s.id);
                }
            }
            self.status.insert(s.id.clone(), status);
            self.plan.push(NewSubtask::from(&s));
        }
        Ok(())
    }

    fn is(&self, id: &str, status: SubtaskStatus) -> bool {
        self.status.get(id) == Some(&status)
    }

    /// Starts every pending subtask whose dependencies are complete, up to the concurrency
    /// limit (a fan-out's children up to the provider's), each with its dependencies' outputs
    /// and a child of the run's token; starts fan-outs, and merges those whose items all ended.
    fn start_ready(&mut self, ctx: &RunCtx, running: &mut Running, run_token: &CancellationToken) {
        let mut items = self
            .running
            .iter()
            .filter(|id| self.parent_of.contains_key(*id))
            .count();
        let mut others = self.running.len() - items;
        for st in &self.plan {
            let item = st.parent.is_some();
            if item && items >= self.fan_out_limit.max(1)
                || !item && others >= ctx.limits.max_concurrency
            {
                continue;
            }
            let ready = self.is(&st.id, SubtaskStatus::Pending)
                && match &st.parent {
                    Some(fan_out) => {
                        self.is(fan_out, SubtaskStatus::Running) && !self.running.contains(fan_out)
                    }
                    None => st
                        .depends_on
                        .iter()
                        .all(|d| self.is(d, SubtaskStatus::Complete)),
                };
            if !ready {
                continue;
            }
            if item {
                items += 1;
            } else {
                others += 1;
            }
            self.status.insert(st.id.clone(), SubtaskStatus::Running);
            self.running.insert(st.id.clone());
            if st.for_each.is_some() {
                self.start_fan_out(ctx, st, running, run_token.child_token());
                continue;
            }
            let deps = st
                .depends_on
                .iter()
                .filter_map(|d| self.plan.iter().find(|s| &s.id == d))
                .map(|d| DependencyResult {
                    id: d.id.clone(),
                    title: d.title.clone(),
                    output: self.outputs.get(&d.id).cloned().unwrap_or_default(),
                })
                .collect();
            let token = run_token.child_token();
            ctx.steering
                .plan
                .tokens()
                .insert(st.id.clone(), token.clone());
            let (ctx, st) = (ctx.clone(), st.clone());
            running.spawn(async move {
                let outcome = run_subtask(&ctx, &st, deps, &token).await;
                (st.id, Ended::Done(outcome))
            });
        }
        self.merge_ended(ctx, running);
    }

    /// Carries out the cancels the user asked for: a running subtask's token is cancelled (it
    /// ends when its agent stops), a pending one ends at once.
    async fn take_cancels(&mut self, ctx: &RunCtx) -> Result<(), Stop> {
        let asked: Vec<String> = std::mem::take(
            &mut *ctx
                .steering
                .plan
                .cancels
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        for id in self.with_items(asked) {
            if self.is(&id, SubtaskStatus::Running) && !self.ends_fan_out_now(&id) {
                self.user_cancelled.insert(id.clone());
                if let Some(token) = ctx.steering.plan.tokens().get(&id) {
                    token.cancel();
                }
            } else if self.is(&id, SubtaskStatus::Pending) || self.ends_fan_out_now(&id) {
                self.end(
                    ctx,
                    &id,
                    SubtaskStatus::Cancelled,
                    None,
                    Some(CANCELLED_BY_USER.to_owned()),
                )
                .await?;
            }
        }
        self.cancel_blocked(ctx).await
    }

    /// Stores and journals how subtask `id` ended.
    async fn end(
        &mut self,
        ctx: &RunCtx,
        id: &str,
        status: SubtaskStatus,
        output: Option<String>,
        error: Option<String>,
    ) -> Result<(), Stop> {
        let change = crate::store::Change::Subtask {
            id: id.to_owned(),
            status,
            output: output.clone(),
            error: error.clone(),
        };
        ctx.shared
            .journal
            .append_with(
                &ctx.task_id,
                EventKind::SubtaskFinished {
                    subtask_id: id.to_owned(),
                    status,
                    error,
                    output: output.clone(),
                },
                change,
            )
            .await?;
        self.status.insert(id.to_owned(), status);
        if let Some(output) = output {
            self.outputs.insert(id.to_owned(), output);
        }
        Ok(())
    }

    /// Pending subtasks that depend on a cancelled one cannot run as planned: they end
    /// cancelled too, saying why.
    async fn cancel_blocked(&mut self, ctx: &RunCtx) -> Result<(), Stop> {
        loop {
            let blocked = self.plan.iter().find_map(|st| {
                let dep = st
                    .depends_on
                    .iter()
                    .chain(&st.parent)
                    .find(|d| self.is(d, SubtaskStatus::Cancelled))?;
                self.is(&st.id, SubtaskStatus::Pending)
                    .then(|| (st.id.clone(), dep.clone()))
            });
            let Some((id, dep)) = blocked else {
                return Ok(());
            };
            let why = format!("it depends on {dep}, which was cancelled");
            self.end(ctx, &id, SubtaskStatus::Cancelled, None, Some(why))
                .await?;
        }
    }

    /// Records how subtask `id` ended; answers why, when it failed.
    async fn finish(
        &mut self,
        ctx: &RunCtx,
        id: String,
        outcome: AgentOutcome,
        cancel: &CancellationToken,
    ) -> Result<Option<String>, Stop> {
        self.running.remove(&id);
        ctx.steering.plan.tokens().remove(&id);
        let by_user = self.user_cancelled.remove(&id) && !cancel.is_cancelled();
        if self.parent_of.contains_key(&id) {
            self.finish_item(ctx, &id, outcome, by_user, cancel).await?;
            return Ok(None);
        }
        let (status, output, error) = match outcome {
            AgentOutcome::Complete(output) => (SubtaskStatus::Complete, Some(output), None),
            AgentOutcome::Cancelled if by_user => (
                SubtaskStatus::Cancelled,
                None,
                Some(CANCELLED_BY_USER.to_owned()),
            ),
            AgentOutcome::Cancelled => (SubtaskStatus::Cancelled, None, None),
            AgentOutcome::Failed(reason) => (SubtaskStatus::Failed, None, Some(reason)),
        };
        self.end(ctx, &id, status, output, error.clone()).await?;
        if by_user {
            self.cancel_blocked(ctx).await?;
        }
        Ok(match status {
            SubtaskStatus::Failed => error,
            _ => None,
        })
    }

    /// Nothing runs and nothing can start: `Ok` when every subtask is complete or cancelled by
    /// the user; otherwise why the rest cannot run.
    async fn settle(&mut self, ctx: &RunCtx) -> Result<(), Stop> {
        self.cancel_blocked(ctx).await?;
        let stuck: Vec<String> = self
            .plan
            .iter()
            .filter(|s| {
                !matches!(
                    self.status.get(&s.id),
                    Some(SubtaskStatus::Complete | SubtaskStatus::Cancelled)
                )
            })
            // A merged fan-out reports its missing items itself.
            .filter(|s| {
                !s.parent
                    .as_ref()
                    .is_some_and(|p| self.is(p, SubtaskStatus::Complete))
            })
            .map(|s| {
                let failed_dep = s
                    .depends_on
                    .iter()
                    .find(|d| self.is(d, SubtaskStatus::Failed));
                match (self.status.get(&s.id), failed_dep) {
                    (Some(SubtaskStatus::Failed), _) => format!("{} failed", s.id),
                    (_, Some(d)) => format!("{} cannot run: {d} failed", s.id),
                    _ => format!("{} could not run", s.id),
                }
            })
            .collect();
        if stuck.is_empty() {
            Ok(())
        } else {
            Err(Stop::Failed(stuck.join("; ")))
        }
    }
}
