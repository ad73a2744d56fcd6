//! Budgets while a task runs. Every agent passes a checkpoint before each model call: over a
//! limit it stops, at 80% of one the task pauses (every agent waits at its next checkpoint) until
//! the user raises the limit or stops the task. A watchdog does the same for wall time, so a
//! long tool call cannot outlast the time limit. Time spent paused does not count.
//!
//! The [`TaskBudget`] holds the task's current budget and the open question. Opening a question
//! (store, then journal) and answering it happen under the task budget's lock, so `budget_paused` is
//! always journaled before its `budget_decided`.

use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Mutex, MutexGuard, watch};
use tokio_util::sync::CancellationToken;

use super::planner::Plan;
use super::{RunCtx, Stop};
use crate::budget::{
    ASK_AT, Budget, BudgetPause, BudgetScope, Check, Estimate, Measure, Overrun, Usage,
};
use crate::domain::{TaskStatus, cents_from_micros};
use crate::events::EventKind;
use crate::providers::Usage as TokenUsage;

/// Tokens a subtask is expected to use when no earlier run of its agent type says otherwise:
/// a handful of model calls, each re-reading a growing conversation.
const TYPICAL_SUBTASK_TOKENS: i64 = 15_000;
/// Of those, the share that is input (prompt) tokens.
const TYPICAL_INPUT_SHARE: f64 = 0.85;
/// The time watchdogs look again at least this often: a limit changed by a raise applies soon.
const WATCH_EVERY: Duration = Duration::from_secs(5);

/// The task's budget and the question it is paused on.
pub struct TaskBudget {
    state: Mutex<DeskState>,
    /// True while a question is open; agents wait on it.
    paused: watch::Sender<bool>,
    started: Instant,
    /// The whole task's cancel token: a task-level stop ends every agent.
    run: CancellationToken,
}

struct DeskState {
    budget: Budget,
    pause: Option<BudgetPause>,
    paused_since: Option<Instant>,
    paused_total: Duration,
    /// How the run must end, when the budget ended it.
    end: Option<(TaskStatus, String)>,
}

impl TaskBudget {
    pub fn new(budget: Budget, run: CancellationToken) -> Self {
        TaskBudget {
            state: Mutex::new(DeskState {
                budget,
                pause: None,
                paused_since: None,
                paused_total: Duration::ZERO,
                end: None,
            }),
            paused: watch::Sender::new(false),
            started: Instant::now(),
            run,
        }
    }

    /// Holds the task's budget: answers go through [`TaskBudgetGuard`], so they cannot interleave with a
    /// question being asked.
    pub async fn lock(&self) -> TaskBudgetGuard<'_> {
        TaskBudgetGuard {
            budget: self,
            state: self.state.lock().await,
        }
    }

    pub async fn budget(&self) -> Budget {
        self.state.lock().await.budget
    }

    /// Time the run has been going, pauses excluded.
    async fn active(&self) -> Duration {
        let state = self.state.lock().await;
        self.started.elapsed().saturating_sub(paused_total(&state))
    }

    async fn paused_total(&self) -> Duration {
        paused_total(&*self.state.lock().await)
    }

    /// How the budget ended the run, if it did.
    pub(crate) async fn end(&self) -> Option<(TaskStatus, String)> {
        self.state.lock().await.end.clone()
    }

    /// Ends the run for the budget: every agent is cancelled and the task ends `status`.
    pub(crate) async fn stop_run(&self, status: TaskStatus, reason: String) {
        self.state.lock().await.end.get_or_insert((status, reason));
        self.run.cancel();
    }

    /// Waits while a question is open.
    async fn wait_unpaused(&self, cancel: &CancellationToken) -> Result<(), Stop> {
        let mut rx = self.paused.subscribe();
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(Stop::Cancelled),
            r = rx.wait_for(|paused| !paused) => { r.map_err(|_| Stop::Cancelled)?; }
        }
        // A stop cancels the run before it lifts the pause: the waiters see it.
        if cancel.is_cancelled() {
            Err(Stop::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Opens a question (store, then journal) unless one is open or the run ended on its
    /// budget: the task pauses, every agent waiting at its next checkpoint.
    pub(crate) async fn open(
        &self,
        shared: &super::Shared,
        task_id: &str,
        pause: BudgetPause,
    ) -> crate::error::Result<()> {
        let mut state = self.state.lock().await;
        if state.pause.is_some() || state.end.is_some() {
            return Ok(());
        }
        shared.store.set_pause(task_id, Some(&pause)).await?;
        shared
            .journal
            .append(
                task_id,
                EventKind::BudgetPaused {
                    pause: pause.clone(),
                },
            )
            .await?;
        tracing::info!(message = %pause.message, "task paused on its budget");
        state.pause = Some(pause);
        state.paused_since = Some(Instant::now());
        self.paused.send_replace(true);
        Ok(())
    }
}

fn paused_total(state: &DeskState) -> Duration {
    state.paused_total + state.paused_since.map_or(Duration::ZERO, |s| s.elapsed())
}

/// The task's budget, held: the open question and the budget can be read and answered.
pub struct TaskBudgetGuard<'a> {
    budget: &'a TaskBudget,
    state: MutexGuard<'a, DeskState>,
}

impl TaskBudgetGuard<'_> {
    pub fn budget(&self) -> Budget {
        self.state.budget
    }

    pub fn pause(&self) -> Option<&BudgetPause> {
        self.state.pause.as_ref()
    }

    /// Closes the open question (if any) with a new budget; waiting agents go on.
    pub fn set_budget(&mut self, budget: Budget) {
        self.state.budget = budget;
        self.resume();
    }

    /// Closes the open question by ending the task `cancelled` with `reason`: every agent is
    /// cancelled before the waiting ones wake.
    pub fn stop(&mut self, reason: String) {
        self.state
            .end
            .get_or_insert((TaskStatus::Cancelled, reason));
        self.budget.run.cancel();
        self.resume();
    }

    fn resume(&mut self) {
        self.state.pause = None;
        if let Some(since) = self.state.paused_since.take() {
            self.state.paused_total += since.elapsed();
        }
        self.budget.paused.send_replace(false);
    }
}

/// A subtask's clock: time it has been running, pauses excluded.
pub(crate) struct SubtaskClock {
    pub id: String,
    started: Instant,
    paused_before: Duration,
}

impl SubtaskClock {
    pub(crate) async fn start(ctx: &RunCtx, id: &str) -> Self {
        SubtaskClock {
            id: id.to_owned(),
            started: Instant::now(),
            paused_before: ctx.steering.budget.paused_total().await,
        }
    }

    async fn active(&self, budget: &TaskBudget) -> Duration {
        let paused = budget
            .paused_total()
            .await
            .saturating_sub(self.paused_before);
        self.started.elapsed().saturating_sub(paused)
    }
}

impl RunCtx {
    /// Before each model call: stops at a limit (the subtask's, or the whole task's), and pauses
    /// to ask at 80% of one.
    pub(crate) async fn checkpoint(
        &self,
        clock: Option<&SubtaskClock>,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        loop {
            let budget = if self.claimed.is_some() {
                self.claimed_budget(cancel).await?
            } else {
                self.steering.budget.wait_unpaused(cancel).await?;
                self.steering.budget.budget().await
            };
            let (task, subtask) = self
                .shared
                .store
                .spent(&self.task_id, clock.map(|c| c.id.as_str()))
                .await?;
            let task_usage = Usage {
                tokens: task.tokens,
                cost_cents: cents_from_micros(task.cost_micros),
                steps: task.steps,
                seconds: self.steering.budget.active().await.as_secs() as i64,
            };
            let mut checks = vec![(budget.check(BudgetScope::Task, &task_usage), None)];
            if let Some(clock) = clock {
                let usage = Usage {
                    tokens: subtask.tokens,
                    cost_cents: cents_from_micros(subtask.cost_micros),
                    steps: subtask.steps,
                    seconds: clock.active(&self.steering.budget).await.as_secs() as i64,
                };
                checks.push((
                    budget.check(BudgetScope::Subtask, &usage),
                    Some(clock.id.as_str()),
                ));
            }
            let mut asked = false;
            for (check, subtask_id) in checks {
                match check {
                    Check::Go => {}
                    Check::Stop(over) => return Err(self.over_budget(&over, subtask_id).await),
                    Check::Ask(over) => {
                        self.ask(&over, subtask_id, false, cancel).await?;
                        asked = true;
                        break;
                    }
                }
            }
            if !asked {
                return Ok(());
            }
            // Answered: measure again against the new budget.
        }
    }

    /// A limit is reached: a subtask's fails that subtask; the task's ends the whole run.
    async fn over_budget(&self, over: &Overrun, subtask_id: Option<&str>) -> Stop {
        let reason = format!("stopped by its budget: {}", over.describe(subtask_id));
        if over.scope == BudgetScope::Task {
            self.steering
                .budget
                .stop_run(TaskStatus::Failed, reason.clone())
                .await;
        }
        Stop::Failed(reason)
    }

    /// Opens a question (unless one is open) and waits until it is answered.
    async fn ask(
        &self,
        over: &Overrun,
        subtask_id: Option<&str>,
        estimated: bool,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let share = (over.used as f64 / over.limit as f64 * 100.0).round();
        let message = if estimated {
            format!(
                "the plan is estimated at {}, above the task's limit of {}",
                over.measure.show(over.used),
                over.measure.show(over.limit)
            )
        } else {
            format!("{} ({share}%)", over.describe(subtask_id))
        };
        let pause = BudgetPause {
            scope: over.scope,
            subtask_id: subtask_id.map(str::to_owned),
            measure: over.measure,
            used: over.used,
            limit: over.limit,
            estimated,
            message,
            since: Utc::now(),
        };
        if self.claimed.is_some() {
            // The task's worker holds the question; this worker's agents wait on the store.
            return self.ask_holder(pause, cancel).await;
        }
        self.steering
            .budget
            .open(&self.shared, &self.task_id, pause)
            .await?;
        self.steering.budget.wait_unpaused(cancel).await
    }

    /// Estimates the plan's spend from earlier runs of each subtask's agent type on this model (a
    /// typical subtask when there are none; the skill's own record when the task runs from a skill
    /// that ran before), stores and journals it, and asks before running when it is above the
    /// task's token or cost limit.
    pub(crate) async fn estimate(
        &self,
        plan: &Plan,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let model = self.provider.model().to_owned();
        let history = self.shared.store.subtask_history(&model).await?;
        let (spent, _) = self.shared.store.spent(&self.task_id, None).await?;
        let mut tokens = spent.tokens as f64;
        let mut micros = spent.cost_micros as f64;
        let mut from_history = 0;
        let mut cost_unknown = spent.cost_unknown;
        for st in &plan.subtasks {
            // A fan-out costs what its items do: as many as it names until it is expanded (then
            // its items are in the plan), none while its list is still to come.
            let times = match &st.for_each {
                Some(_)
                    if plan
                        .subtasks
                        .iter()
                        .any(|c| c.parent.as_ref() == Some(&st.id)) =>
                {
                    0
                }
                Some(f) => f.items.len(),
                None => 1,
            };
            if times == 0 {
                continue;
            }
            let n = times as f64;
            match history.get(&st.agent_type) {
                Some(h) => {
                    tokens += h.tokens * n;
                    micros += h.cost_micros * n;
                    from_history += times as u32;
                }
                None => {
                    let input = (TYPICAL_SUBTASK_TOKENS as f64 * TYPICAL_INPUT_SHARE) as i64;
                    let usage = TokenUsage {
                        input_tokens: input,
                        output_tokens: TYPICAL_SUBTASK_TOKENS - input,
                    };
                    let agent_model = self
                        .agent_types
                        .iter()
                        .find(|a| a.name == st.agent_type)
                        .and_then(|a| a.model.clone())
                        .unwrap_or_else(|| model.clone());
                    tokens += TYPICAL_SUBTASK_TOKENS as f64 * n;
                    let local = if agent_model == self.provider.model() {
                        self.provider.is_local()
                    } else {
                        self.providers
                            .provider(&agent_model)
                            .is_ok_and(|p| p.is_local())
                    };
                    match self.shared.prices.cost_micros(&agent_model, usage, local) {
                        Some(m) => micros += m as f64 * n,
                        None => cost_unknown = true,
                    }
                }
            }
        }
        // A task run from a skill that has run before: its own record says best.
        if let Some(run) = self.skill.as_ref().filter(|r| r.skill.stats.uses > 0) {
            tokens = spent.tokens as f64 + run.skill.stats.mean_tokens;
            micros = spent.cost_micros as f64 + run.skill.stats.mean_cost_usd * 1e6;
            from_history = plan.subtasks.len() as u32;
        }
        let estimate = Estimate {
            tokens: tokens.round() as i64,
            cost_cents: cents_from_micros(micros.round() as i64),
            from_history,
            subtasks: plan.subtasks.len() as u32,
            cost_unknown,
        };
        self.shared
            .store
            .set_estimate(&self.task_id, &estimate)
            .await?;
        self.shared
            .journal
            .append(
                &self.task_id,
                EventKind::BudgetEstimated {
                    estimate: estimate.clone(),
                },
            )
            .await?;
        loop {
            if cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            let limits = self.steering.budget.budget().await.task;
            let over = [
                (Measure::Tokens, estimate.tokens),
                (Measure::Cost, estimate.cost_cents),
            ]
            .into_iter()
            .find_map(|(measure, value)| {
                limits
                    .get(measure)
                    .filter(|limit| value > *limit)
                    .map(|limit| Overrun {
                        scope: BudgetScope::Task,
                        measure,
                        used: value,
                        limit,
                    })
            });
            match over {
                Some(over) => self.ask(&over, None, true, cancel).await?,
                None => return Ok(()),
            }
        }
    }

    /// Ends the run when the task's time limit passes, and asks at 80% of it. Never returns.
    pub(crate) async fn watch_task_time(&self) {
        loop {
            let limit = self.steering.budget.budget().await.task.seconds;
            let Some(limit) = limit.map(|s| Duration::from_secs(s as u64)) else {
                // No limit now; look again later (it may be set by a raise).
                tokio::time::sleep(WATCH_EVERY).await;
                continue;
            };
            let active = self.steering.budget.active().await;
            let ask_at = limit.mul_f64(ASK_AT);
            let paused = self.steering.budget.state.lock().await.pause.is_some();
            let over = time_overrun(BudgetScope::Task, active, limit);
            if active >= limit {
                self.over_budget(&over, None).await;
                std::future::pending::<()>().await;
            }
            if active >= ask_at && !paused {
                // Asking opens the question; the agents wait at their checkpoints.
                let _ = self
                    .ask(&over, None, false, &self.steering.budget.run)
                    .await;
                continue;
            }
            let next = if active < ask_at { ask_at } else { limit };
            tokio::time::sleep((next - active).clamp(Duration::from_millis(200), WATCH_EVERY))
                .await;
        }
    }

    /// Resolves with the reason when the subtask's time limit passes.
    pub(crate) async fn subtask_deadline(&self, clock: &SubtaskClock) -> String {
        loop {
            let limit = self.steering.budget.budget().await.subtask.seconds;
            let Some(limit) = limit.map(|s| Duration::from_secs(s as u64)) else {
                tokio::time::sleep(WATCH_EVERY).await;
                continue;
            };
            let active = clock.active(&self.steering.budget).await;
            if active >= limit {
                let over = time_overrun(BudgetScope::Subtask, active, limit);
                return format!("stopped by its budget: {}", over.describe(Some(&clock.id)));
            }
            tokio::time::sleep((limit - active).clamp(Duration::from_millis(200), WATCH_EVERY))
                .await;
        }
    }
}

fn time_overrun(scope: BudgetScope, active: Duration, limit: Duration) -> Overrun {
    Overrun {
        scope,
        measure: Measure::Time,
        used: active.as_secs() as i64,
        limit: limit.as_secs() as i64,
    }
}
