//! The scheduler: every subtask whose dependencies are complete runs at once (up to the
//! concurrency limit), receiving its dependencies' outputs. The first failure stops the rest:
//! running siblings are cancelled and the task fails with that subtask's reason.

use std::collections::HashMap;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::agent::{AgentOutcome, DependencyResult, run_agent};
use super::planner::Plan;
use super::{RunCtx, Stop};
use crate::domain::SubtaskStatus;
use crate::events::EventKind;

/// Runs the plan's subtasks; those in `done` (id → output, from before a restart) are complete
/// already and only hand their outputs on.
pub(crate) async fn run_plan(
    ctx: &RunCtx,
    plan: &Plan,
    done: HashMap<String, String>,
    cancel: &CancellationToken,
) -> Result<(), Stop> {
    // Cancelled on the first failure, so running siblings stop too.
    let run_token = cancel.child_token();
    let mut schedule = Schedule::new(plan, done);
    let mut running = JoinSet::new();
    let mut failure: Option<String> = None;
    loop {
        if failure.is_none() && !run_token.is_cancelled() {
            schedule.start_ready(ctx, &mut running, &run_token);
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (id, outcome) = match joined {
            Ok(done) => done,
            Err(e) => {
                // A panicking agent is a bug; the task fails rather than hanging.
                failure.get_or_insert_with(|| format!("an agent crashed: {e}"));
                run_token.cancel();
                continue;
            }
        };
        if let Some(reason) = schedule.finish(ctx, id, outcome).await? {
            failure.get_or_insert(reason);
            run_token.cancel();
        }
    }
    match failure {
        Some(reason) => Err(Stop::Failed(reason)),
        None if cancel.is_cancelled() => Err(Stop::Cancelled),
        None if schedule.all_complete() => Ok(()),
        None => Err(Stop::Failed("some subtasks could not run".into())),
    }
}

/// Where each subtask of a plan stands, and the outputs of those complete.
struct Schedule<'a> {
    plan: &'a Plan,
    status: HashMap<&'a str, SubtaskStatus>,
    outputs: HashMap<String, String>,
}

type Running = JoinSet<(String, AgentOutcome)>;

impl<'a> Schedule<'a> {
    fn new(plan: &'a Plan, done: HashMap<String, String>) -> Self {
        let status = plan
            .subtasks
            .iter()
            .map(|s| {
                let state = if done.contains_key(&s.id) {
                    SubtaskStatus::Complete
                } else {
                    SubtaskStatus::Pending
                };
                (s.id.as_str(), state)
            })
            .collect();
        Schedule {
            plan,
            status,
            outputs: done,
        }
    }

    /// Starts every pending subtask whose dependencies are complete, up to the concurrency
    /// limit, each with its dependencies' outputs and a child of the run's token.
    fn start_ready(&mut self, ctx: &RunCtx, running: &mut Running, run_token: &CancellationToken) {
        for st in &self.plan.subtasks {
            if running.len() >= ctx.limits.max_concurrency {
                break;
            }
            let ready = self.status[st.id.as_str()] == SubtaskStatus::Pending
                && st
                    .depends_on
                    .iter()
                    .all(|d| self.status.get(d.as_str()) == Some(&SubtaskStatus::Complete));
            if !ready {
                continue;
            }
            self.status.insert(&st.id, SubtaskStatus::Running);
            let deps = st
                .depends_on
                .iter()
                .filter_map(|d| self.plan.subtasks.iter().find(|s| &s.id == d))
                .map(|d| DependencyResult {
                    id: d.id.clone(),
                    title: d.title.clone(),
                    output: self.outputs.get(&d.id).cloned().unwrap_or_default(),
                })
                .collect();
            let (ctx, st, token) = (ctx.clone(), st.clone(), run_token.child_token());
            running.spawn(async move {
                let outcome = run_agent(&ctx, &st, deps, &token).await;
                (st.id, outcome)
            });
        }
    }

    /// Records how subtask `id` ended (stored, then journaled); answers why the task fails when
    /// it failed.
    async fn finish(
        &mut self,
        ctx: &RunCtx,
        id: String,
        outcome: AgentOutcome,
    ) -> Result<Option<String>, Stop> {
        let (new_status, output, error) = match outcome {
            AgentOutcome::Complete(output) => (SubtaskStatus::Complete, Some(output), None),
            AgentOutcome::Cancelled => (SubtaskStatus::Cancelled, None, None),
            AgentOutcome::Failed(reason) => (SubtaskStatus::Failed, None, Some(reason)),
        };
        ctx.shared
            .store
            .set_subtask_status(
                &ctx.task_id,
                &id,
                new_status,
                output.as_deref(),
                error.as_deref(),
            )
            .await?;
        ctx.shared
            .journal
            .append(
                &ctx.task_id,
                EventKind::SubtaskFinished {
                    subtask_id: id.clone(),
                    status: new_status,
                    error: error.clone(),
                },
            )
            .await?;
        if let Some(s) = self.plan.subtasks.iter().find(|s| s.id == id) {
            self.status.insert(&s.id, new_status);
        }
        if let Some(output) = output {
            self.outputs.insert(id.clone(), output);
        }
        Ok(error.map(|reason| format!("{id} failed: {reason}")))
    }

    fn all_complete(&self) -> bool {
        self.status.values().all(|s| *s == SubtaskStatus::Complete)
    }
}
