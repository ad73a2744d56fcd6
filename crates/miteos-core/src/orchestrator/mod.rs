//! The orchestrator: one tokio task per Miteos task, owning its cancellation token.
//!
//! `run_task` plans ([`planner`]), runs every ready subtask at once ([`scheduler`]) through the
//! agent loop ([`agent`]), and always ends the task in a final state with a `task_finished` event.
//! Every model call goes through [`model::ModelCall`], which retries, counts usage and streams
//! output into the journal.

mod agent;
mod agent_types;
mod approvals;
mod budget;
mod check;
mod fan_out;
mod fit;
mod for_each;
mod loops;
mod model;
mod planner;
mod provider_slots;
mod recipe;
mod remote;
mod replan;
mod revision;
mod scheduler;
mod skill_load;
mod skill_match;
mod small;
mod tool_call;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::domain::{AgentType, SubtaskStatus, TaskStatus};
use crate::error::Result;
use crate::events::EventKind;
use crate::providers::config::RetryPolicy;
use crate::providers::pricing::PriceTable;
use crate::providers::{ModelProfile, Provider, ProviderSource};
use crate::store::{Journal, Store};
use crate::tools::ToolRegistry;

pub use agent_types::builtin_agent_types;

/// Where a task's attachments are kept, inside its folder (the planner lists them).
pub const INPUTS_DIR: &str = "inputs";

pub use approvals::PendingApprovals;
pub(crate) use approvals::expire_pending;
pub use budget::{TaskBudget, TaskBudgetGuard};
pub use fit::Reassignment;
pub use planner::{DanglingDeps, Plan, validate_plan};
pub use provider_slots::ProviderSlots;
pub use remote::{ASK_CHANNEL, AskRequest, SubtaskQueue, run_claimed};
pub use revision::Reviser;
pub use scheduler::PlanSteering;

/// Bounds on one task's run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Subtasks of one task running at once (a fan-out's items run up to the provider's limit,
    /// `max_provider_calls` or the local server's slots, instead).
    pub max_concurrency: usize,
    /// Subtasks a plan may have.
    pub max_subtasks: usize,
    /// Times the planner is asked to repair an invalid plan.
    pub max_plan_repairs: u32,
    /// Model calls in flight at once per provider (OpenAI, Anthropic, …), over all tasks: a burst
    /// of tasks queues here instead of tripping the provider's rate limits.
    pub max_provider_calls: usize,
    /// Revisions the orchestrator makes of one task's plan (recovering from failures, closing
    /// the result check's gaps).
    pub max_revisions: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_concurrency: 4,
            max_subtasks: 12,
            max_plan_repairs: 2,
            max_provider_calls: 8,
            max_revisions: 2,
        }
    }
}

impl Limits {
    /// These limits, tightened where the model asks for less (small local models).
    pub fn capped_by(self, profile: ModelProfile) -> Limits {
        Limits {
            max_subtasks: profile
                .max_plan_subtasks
                .map_or(self.max_subtasks, |w| w.min(self.max_subtasks)),
            ..self
        }
    }
}

/// What every run of one Miteos shares: its store and journal, the tools, prices, the HTTP
/// client, the providers' call slots and the quit flag.
#[derive(Clone)]
pub struct Shared {
    pub store: Store,
    pub journal: Journal,
    pub tools: ToolRegistry,
    pub prices: Arc<PriceTable>,
    pub http: reqwest::Client,
    /// How many calls each provider may have in flight, across all tasks.
    pub provider_slots: Arc<ProviderSlots>,
    /// Set when Miteos quits with tasks to resume on the next start: a run stopped by it leaves
    /// its task `running` instead of recording an end.
    pub halt: Arc<std::sync::atomic::AtomicBool>,
    /// Held while a plan revision is checked and stored, so it is checked against the plan it
    /// changes.
    pub revisions: Arc<tokio::sync::Mutex<()>>,
    /// A team's file store: a run puts its task's folder there before it records its end, so
    /// whoever sees the task ended can hand its files over.
    pub files: Option<crate::shared_files::SharedFiles>,
    /// Set when this process hands its tasks' subtasks to any worker of the team (a shared
    /// database with a file store): the queue's signals (see [`remote`]).
    pub subtasks: Option<Arc<SubtaskQueue>>,
    /// On a team's server: the uids the tasks' commands run as, one per task.
    pub command_users: Option<Arc<crate::tools::shell::CommandUsers>>,
}

/// How a running task is steered from outside (the service holds the same, per task).
#[derive(Clone)]
pub struct Steering {
    /// Held for reading while a tool call is announced, for writing while a cancel is and while
    /// the run records its end: no tool starts after `cancel_requested`, and `task_finished` is
    /// always the task's last event.
    pub gate: Arc<RwLock<()>>,
    /// The approvals this task's calls wait on; the service answers them.
    pub approvals: Arc<PendingApprovals>,
    /// The task's budget and the question it may be paused on.
    pub budget: Arc<TaskBudget>,
    /// The user's revisions, plan review answers and cancels of one subtask.
    pub plan: Arc<PlanSteering>,
}

/// Everything one task's run needs: what all runs share, how this one is steered, and what the
/// task started with. Cheap to clone into each subtask.
#[derive(Clone)]
pub struct RunCtx {
    pub shared: Shared,
    pub steering: Steering,
    pub task_id: String,
    pub prompt: String,
    /// The account the task belongs to (on a team's server): only its skills run for it.
    pub owner: Option<String>,
    pub task_dir: PathBuf,
    /// The task's model; agent types may prefer another.
    pub provider: Arc<dyn Provider>,
    /// Builds providers for agent types that prefer another model.
    pub providers: Arc<dyn ProviderSource>,
    pub retry: RetryPolicy,
    pub agent_types: Arc<Vec<AgentType>>,
    /// The web search provider the task started with.
    pub search: Option<Arc<crate::tools::SearchEngine>>,
    /// Programs `run_command` runs without asking, as set when the task started.
    pub shell_allow: Arc<Vec<String>>,
    /// The client agents fetch pages with: public addresses and the user's exceptions, as set
    /// when the task started.
    pub web: crate::tools::PublicWeb,
    /// The secrets Miteos knows (keys, tokens, MCP env values), as the run started: never
    /// written to the journal, whatever a tool read.
    pub secrets: Arc<Vec<String>>,
    pub limits: Limits,
    pub start: RunStart,
    /// When the plan waits for the user (the task's own choice wins over this default).
    pub plan_review: crate::domain::plan::PlanReview,
    /// The skill the task runs from, if its prompt matched one worded as its template.
    pub skill: Option<Arc<crate::skills::SkillRun>>,
    /// The task may run from a skill (the user did not turn that off): a prompt worded
    /// otherwise than any template may still bind to one by a short model call.
    pub use_skills: bool,
    /// Set on a worker running one subtask of a task another worker holds: the claim it runs
    /// under (its journal is fenced by it; the budget's question is the task's worker's).
    pub claimed: Option<crate::store::ClaimFence>,
}

/// How a run begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStart {
    /// A new task: it is planned.
    Fresh,
    /// The run continues one that a restart stopped: its plan and complete subtasks stand.
    Resume,
    /// A finished task runs again (a follow-up, a retry, a rerun): its plan as revised.
    Reopen,
}

/// How a run (or a part of it) ended when it did not succeed.
#[derive(Debug)]
pub(crate) enum Stop {
    Cancelled,
    /// Cancelled for this reason (the user stopped it at its budget).
    Stopped(String),
    Failed(String),
    /// Miteos itself failed (the store, a file): kept typed until it is told, so that its
    /// details reach the log and not the task.
    Error(crate::Error),
}

impl From<crate::Error> for Stop {
    fn from(e: crate::Error) -> Self {
        Stop::Error(e)
    }
}

impl Stop {
    /// Why a task or subtask failed, as it is told: an internal error is logged in full and
    /// told without its details. `None` when it did not fail (cancelled or stopped).
    fn failure(self) -> Option<String> {
        match self {
            Stop::Failed(reason) => Some(reason),
            Stop::Error(e) => {
                tracing::error!(error = %e, "a run failed inside Miteos");
                Some(e.public_message())
            }
            Stop::Cancelled | Stop::Stopped(_) => None,
        }
    }
}

/// Runs a task to a final state. Never returns an error: whatever happens ends up in the store.
pub async fn run_task(ctx: RunCtx, cancel: CancellationToken) {
    let span = tracing::info_span!("task", id = %ctx.task_id);
    async move {
        let outcome = tokio::select! {
            outcome = run(&ctx, &cancel) => outcome,
            // Never resolves: at the time limit it cancels the run, which then ends.
            () = ctx.watch_task_time() => unreachable!("the time watchdog never returns"),
        };
        // When the budget ended the run, that is how it ended.
        let outcome = match (outcome, ctx.steering.budget.end().await) {
            (Err(_), Some((TaskStatus::Cancelled, reason))) => Err(Stop::Stopped(reason)),
            (Err(_), Some((_, reason))) => Err(Stop::Failed(reason)),
            (outcome, _) => outcome,
        };
        if ctx.shared.halt.load(std::sync::atomic::Ordering::SeqCst) {
            tracing::info!("Miteos is quitting; the task resumes on the next start");
            return;
        }
        if ctx.shared.store.lease_lost(&ctx.task_id) {
            tracing::warn!("another worker took the task over; this run records nothing more");
            return;
        }
        if let Some(files) = &ctx.shared.files
            && let Err(e) = files
                .put_task(&ctx.task_id, &ctx.task_dir, &|| {
                    Box::pin(ctx.still_writes())
                })
                .await
        {
            tracing::warn!(error = %e, "storing the task's files in the team's store");
        }
        if let Err(e) = finish(&ctx, outcome).await {
            tracing::error!(error = %e, "could not record the end of the task");
        }
    }
    .instrument(span)
    .await
}

async fn run(ctx: &RunCtx, cancel: &CancellationToken) -> Result<(), Stop> {
    tokio::fs::create_dir_all(&ctx.task_dir)
        .await
        .map_err(|e| Stop::Failed(format!("cannot create the task folder: {e}")))?;
    // What the model's server can do (its slots, its size: a small model gets the small-model
    // pipeline) is asked once, before the first call.
    ctx.provider.server_info().await;
    ctx.shared
        .store
        .set_task_status(&ctx.task_id, TaskStatus::Running, None)
        .await?;
    match ctx.start {
        RunStart::Reopen => return go_on(ctx, cancel).await,
        RunStart::Resume => {
            let stored = ctx.shared.store.get_task(&ctx.task_id).await?;
            let mut completed: Vec<String> = stored
                .subtasks
                .iter()
                .filter(|s| s.status == SubtaskStatus::Complete)
                .map(|s| s.id.clone())
                .collect();
            completed.sort();
            ctx.shared
                .journal
                .append(&ctx.task_id, EventKind::TaskResumed { completed })
                .await?;
            if !stored.subtasks.is_empty() {
                // The plan was made and announced before the restart: run what is left of it.
                return go_on(ctx, cancel).await;
            }
        }
        RunStart::Fresh => {
            ctx.shared
                .journal
                .append(&ctx.task_id, EventKind::TaskStarted)
                .await?;
        }
    }
    let bound;
    let ctx = match &ctx.skill {
        None if ctx.use_skills => match skill_match::bind_by_model(ctx, cancel).await? {
            Some(run) => {
                bound = RunCtx {
                    skill: Some(run),
                    ..ctx.clone()
                };
                &bound
            }
            None => ctx,
        },
        _ => ctx,
    };
    if let Some(plan) = skill_plan(ctx) {
        let run = ctx.skill.as_ref().expect("a skill plan comes from a skill");
        ctx.shared
            .journal
            .append(
                &ctx.task_id,
                EventKind::SkillApplied {
                    skill_id: run.skill.id.clone(),
                    name: run.skill.name.clone(),
                    version: run.skill.version,
                    parameters: run.matched.parameters.clone(),
                    bound_by: run.matched.bound_by,
                    confidence: run.matched.confidence,
                },
            )
            .await?;
        let outcome = run_new_plan(ctx, plan, cancel).await;
        // A budget's stop or the user's is no verdict on the skill.
        if cancel.is_cancelled() || ctx.steering.budget.end().await.is_some() {
            return outcome;
        }
        record_skill_run(ctx, &run.skill.id, outcome.is_ok()).await?;
        let reason = match outcome {
            Err(stop @ (Stop::Failed(_) | Stop::Error(_))) => stop.failure().unwrap_or_default(),
            outcome => return outcome,
        };
        // The skill did not carry this task: plan it afresh, without the skill.
        tracing::warn!(skill = %run.skill.id, %reason, "the run from the skill failed; planning afresh");
        ctx.shared.store.discard_plan(&ctx.task_id).await?;
        ctx.shared
            .journal
            .append(
                &ctx.task_id,
                EventKind::SkillAbandoned {
                    skill_id: run.skill.id.clone(),
                    reason,
                },
            )
            .await?;
        let fresh = RunCtx {
            skill: None,
            ..ctx.clone()
        };
        let plan = make_plan(&fresh, cancel).await?;
        return run_new_plan(&fresh, plan, cancel).await;
    }
    let plan = make_plan(ctx, cancel).await?;
    run_new_plan(ctx, plan, cancel).await
}

/// The plan of a new task: the planner's, or for a small model one made in code (see `small`).
async fn make_plan(ctx: &RunCtx, cancel: &CancellationToken) -> Result<planner::Plan, Stop> {
    if ctx.provider.profile().small {
        let dir = ctx.task_dir.clone();
        let attached = tokio::task::spawn_blocking(move || small::attached_names(&dir))
            .await
            .unwrap_or_default();
        return Ok(small::plan(&ctx.prompt, &ctx.agent_types, &attached));
    }
    planner::plan(ctx, cancel).await
}

/// Goes on with the stored plan: waits for its review if it still waits, plans the follow-ups
/// not planned yet, and runs it.
async fn go_on(ctx: &RunCtx, cancel: &CancellationToken) -> Result<(), Stop> {
    // A plan that ran already is not asked about again; one that waited when Miteos stopped waits.
    ctx.review(false, cancel).await?;
    let mut unmet = Vec::new();
    let task = ctx.shared.store.get_task(&ctx.task_id).await?;
    for follow_up in task.follow_ups.iter().filter(|f| f.revision.is_none()) {
        match ctx.replan(replan::Why::FollowUp(follow_up), cancel).await? {
            replan::Replanned::Revised => {}
            replan::Replanned::GaveUp(reason) => unmet.push(reason),
        }
    }
    scheduler::drive(ctx, unmet, cancel).await
}

impl RunCtx {
    /// Waits for the user's review of the plan when it already waits (after a restart), or, for
    /// a plan made now (`ask`), when the task asks for one (always, or when its estimate is over
    /// a limit).
    async fn review(&self, ask: bool, cancel: &CancellationToken) -> Result<(), Stop> {
        let store = &self.shared.store;
        let task = store.get_task(&self.task_id).await?;
        if !task.awaiting_review {
            if !ask {
                return Ok(());
            }
            let cents = task.estimate.as_ref().map_or(0, |e| e.cost_cents);
            if !task
                .plan_review
                .unwrap_or(self.plan_review)
                .wants_review(cents)
            {
                return Ok(());
            }
            store.set_awaiting_review(&self.task_id, true).await?;
            self.shared
                .journal
                .append(
                    &self.task_id,
                    EventKind::PlanReviewRequested {
                        revision: task.revision,
                    },
                )
                .await?;
        }
        loop {
            let now = store.get_task(&self.task_id).await?;
            if !now.awaiting_review {
                // An edited plan is estimated again (and asked about, if it is over a limit).
                if now.revision != task.revision {
                    self.estimate(&planner::Plan::left_of(&now), cancel).await?;
                }
                return Ok(());
            }
            tokio::select! {
                _ = cancel.cancelled() => return Err(Stop::Cancelled),
                () = self.steering.plan.changed.notified() => {}
            }
        }
    }
}

/// Stores and announces a plan made now, estimates it, and runs it.
async fn run_new_plan(
    ctx: &RunCtx,
    plan: planner::Plan,
    cancel: &CancellationToken,
) -> Result<(), Stop> {
    ctx.shared
        .store
        .insert_plan(&ctx.task_id, &plan.title, &plan.subtasks)
        .await?;
    ctx.shared
        .journal
        .append(
            &ctx.task_id,
            EventKind::PlanReady {
                title: plan.title.clone(),
                subtasks: plan.announced(),
            },
        )
        .await?;
    revision::journal_moves(&ctx.shared.journal, &ctx.task_id, plan.moved.clone()).await?;
    ctx.estimate(&plan, cancel).await?;
    ctx.review(true, cancel).await?;
    scheduler::drive(ctx, Vec::new(), cancel).await
}

/// Counts a run from a skill in its stats: what the task spent so far and how long it ran.
async fn record_skill_run(ctx: &RunCtx, skill_id: &str, succeeded: bool) -> Result<()> {
    let task = ctx.shared.store.get_task(&ctx.task_id).await?;
    let seconds = task.started_at.map_or(0.0, |s| {
        (chrono::Utc::now() - s).num_milliseconds() as f64 / 1000.0
    });
    ctx.shared
        .store
        .record_skill_run(
            skill_id,
            succeeded,
            task.total_tokens_used,
            (task.total_cost_usd * 1e6).round() as i64,
            seconds,
        )
        .await
}

/// The plan of the skill the task runs from, with its parameters filled in; `None` without a
/// skill, or when an agent type of the skill no longer exists (the planner plans then).
fn skill_plan(ctx: &RunCtx) -> Option<planner::Plan> {
    use crate::skills::render;
    let run = ctx.skill.as_ref()?;
    let known = |name: &str| ctx.agent_types.iter().any(|a| a.name == name);
    if !run.skill.subtasks.iter().all(|s| known(&s.agent_type)) {
        tracing::warn!(skill = %run.skill.id, "an agent type of the skill is gone; planning instead");
        return None;
    }
    Some(planner::Plan {
        title: render(&run.skill.title_template, run.bindings()),
        subtasks: run
            .skill
            .subtasks
            .iter()
            .map(|s| crate::store::NewSubtask {
                id: s.id.clone(),
                title: render(&s.title, run.bindings()),
                description: render(&s.description, run.bindings()),
                agent_type: s.agent_type.clone(),
                depends_on: s.depends_on.clone(),
                ..crate::store::NewSubtask::default()
            })
            .collect(),
        moved: Vec::new(),
    })
}

async fn finish(ctx: &RunCtx, outcome: Result<(), Stop>) -> Result<()> {
    // Under the gate, so a cancel is either journaled before the end or sees the task ended.
    let _gate = ctx.steering.gate.write().await;
    let (status, error) = match outcome {
        Ok(()) => (TaskStatus::Completed, None),
        Err(Stop::Cancelled) => (
            TaskStatus::Cancelled,
            Some("cancelled by the user".to_owned()),
        ),
        Err(Stop::Stopped(reason)) => (TaskStatus::Cancelled, Some(reason)),
        Err(stop) => (
            TaskStatus::Failed,
            stop.failure().map(|reason| small::with_fix(ctx, reason)),
        ),
    };
    record_end(
        &ctx.shared.store,
        &ctx.shared.journal,
        &ctx.task_id,
        status,
        error,
    )
    .await
}

/// Ends a task: unanswered approvals `expired`, unfinished subtasks `cancelled`, the final state stored, `task_finished` (with
/// the totals) journaled last. Used by a run that ends and for tasks that have no run any more.
pub(crate) async fn record_end(
    store: &Store,
    journal: &Journal,
    task_id: &str,
    status: TaskStatus,
    error: Option<String>,
) -> Result<()> {
    approvals::expire_pending(store, journal, task_id).await?;
    store.set_pause(task_id, None).await?;
    for id in store.cancel_unfinished_subtasks(task_id).await? {
        journal
            .append(
                task_id,
                EventKind::SubtaskFinished {
                    subtask_id: id,
                    status: SubtaskStatus::Cancelled,
                    error: None,
                    output: None,
                },
            )
            .await?;
    }
    // The totals are the run's (nothing is spent past this point); the final state and the
    // event that tells of it are one write.
    let task = store.get_task(task_id).await?;
    tracing::info!(
        status = status.as_str(),
        tokens = task.total_tokens_used,
        "task finished"
    );
    let end = crate::store::Change::Task {
        status,
        error: error.clone(),
    };
    journal
        .append_with(
            task_id,
            EventKind::TaskFinished {
                status,
                error,
                total_tokens_used: task.total_tokens_used,
                total_cost_cents: task.total_cost_cents,
                cost_unknown: task.cost_unknown,
            },
            end,
        )
        .await?;
    Ok(())
}
