//! The one event enum: everything that happens to a task. The journal (SQLite), the SSE stream,
//! the CLI's live tree and the desktop UI all read these same events.
//!
//! Versioning: [`EVENT_VERSION`] is stored with each journal row. Adding a variant or an optional
//! field keeps the version; renaming or removing anything bumps it.
//!
//! Events are appended to the journal before they are published (see `store::Journal`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Approval, ApprovalStatus, Deliverable, SubtaskStatus, TaskStatus};

pub const EVENT_VERSION: u32 = 1;

/// One journal entry. `seq` is global and strictly increasing; SSE uses it as the event id.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub seq: i64,
    pub task_id: String,
    pub at: DateTime<Utc>,
    pub version: u32,
    #[serde(flatten)]
    pub kind: EventKind,
}

pub use crate::plan::PlannedSubtask;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The task was stored, `pending`.
    TaskCreated { prompt: String, model: String },
    /// The orchestrator took the task: `running`, planning starts.
    TaskStarted,
    /// The planner's answer failed validation; it is asked to repair it.
    PlanRejected { attempt: u32, problems: Vec<String> },
    /// Miteos restarted while the task ran, and the run goes on: the `completed` subtasks keep
    /// their results and are not run again; the others start over.
    TaskResumed { completed: Vec<String> },
    /// The task runs from a skill: its plan is the skill's, with these parameters; no planning
    /// call is made.
    SkillApplied {
        skill_id: String,
        name: String,
        version: u32,
        parameters: crate::skill::Bindings,
        /// By the skill's template (the prompt is worded as it), or by a short model call.
        #[serde(default)]
        bound_by: crate::skill::BoundBy,
        /// 0 to 1; 1 when bound by the template.
        #[serde(default = "certain")]
        confidence: f64,
    },
    /// The prompt, worded otherwise, came close to a skill, and the short model call that
    /// binds it declined (or its answer did not hold up): the task is planned as usual.
    SkillDeclined {
        skill_id: String,
        name: String,
        confidence: f64,
        reason: String,
    },
    /// The run from the skill failed; its subtasks are discarded and the task is planned afresh.
    SkillAbandoned { skill_id: String, reason: String },
    /// An agent loaded a skill's instructions (or, with `file`, one of its files) with
    /// `load_skill`: its work called for the skill.
    SkillLoaded {
        subtask_id: String,
        skill_id: String,
        name: String,
        version: u32,
        /// The file of the skill's folder asked for; `None` for its instructions.
        #[serde(default)]
        file: Option<String>,
    },
    /// The plan is final; subtasks exist in the store, all `pending`.
    PlanReady {
        title: String,
        subtasks: Vec<PlannedSubtask>,
    },
    /// A subtask began: its dependencies are complete.
    SubtaskStarted {
        subtask_id: String,
        agent_type: String,
        /// `provider::model` its agent runs on ("" in events written before it was recorded).
        #[serde(default)]
        model: String,
    },
    /// A piece of the agent's streamed text (coalesced: a few hundred characters or 100 ms).
    AgentOutput { subtask_id: String, text: String },
    /// An agent called a tool.
    ToolCallStarted {
        subtask_id: String,
        call_id: String,
        tool: String,
        #[ts(type = "unknown")]
        arguments: serde_json::Value,
    },
    /// A tool call ended; `result` is what the agent saw (truncated for the journal).
    ToolCallFinished {
        subtask_id: String,
        call_id: String,
        tool: String,
        ok: bool,
        result: String,
    },
    /// A model call finished and its usage was counted. Totals are the task's after this call.
    Usage {
        subtask_id: Option<String>,
        input_tokens: i64,
        output_tokens: i64,
        /// The call's cost (0 when its price is unknown: see `cost_unknown`).
        cost_usd: f64,
        task_total_tokens: i64,
        task_total_cost_cents: i64,
        /// The call's model has no known price: the task's cost is unknown from here on.
        #[serde(default)]
        cost_unknown: bool,
    },
    /// A model call failed and is retried after `delay_ms`.
    ProviderRetry {
        subtask_id: Option<String>,
        attempt: u32,
        delay_ms: u64,
        reason: String,
    },
    /// The agent's model kept failing; the subtask goes on with its agent type's fallback model.
    ModelFallback {
        subtask_id: String,
        from: String,
        to: String,
        reason: String,
    },
    /// A subtask ended: `complete`, `failed` or `cancelled`.
    SubtaskFinished {
        subtask_id: String,
        status: SubtaskStatus,
        error: Option<String>,
        /// The agent's answer when it completed: every attempt's stays here when a rerun
        /// replaces it on the subtask.
        #[serde(default)]
        #[ts(optional = nullable)]
        output: Option<String>,
    },
    /// One item of a fan-out ended and has its row in the merged deliverable: `values` align
    /// with the fan-out's `columns`; `missing` says why an item that failed for good has none.
    ItemMerged {
        /// The fan-out.
        subtask_id: String,
        /// The child that did the item.
        child_id: String,
        item: String,
        values: Vec<String>,
        sources: Vec<String>,
        #[serde(default)]
        #[ts(optional = nullable)]
        missing: Option<String>,
    },
    /// The plan changed: `revision` is its new number. Completed subtasks are never lost; a
    /// rerun one runs again as a new attempt.
    PlanRevised {
        revision: u32,
        by: crate::plan::RevisedBy,
        reason: String,
        diff: crate::plan::PlanDiff,
    },
    /// A subtask was given to another agent type, whose tools can do what it needs.
    SubtaskReassigned {
        subtask_id: String,
        from: String,
        to: String,
        reason: String,
    },
    /// The plan (with its estimate) waits for the user to approve or edit it.
    PlanReviewRequested { revision: u32 },
    /// The user approved the plan (after editing it, when `edited`); it runs.
    PlanApproved { edited: bool },
    /// The result was checked against the prompt: `unmet` lists what was not met (empty: all
    /// was), `checked` what was looked at.
    ResultChecked {
        checked: Vec<String>,
        unmet: Vec<String>,
    },
    /// A follow-up message on the finished task; a revision plans it.
    FollowUpReceived { follow_up: crate::plan::FollowUp },
    /// A finished task runs again (a follow-up, a retry, a rerun): `running` until its next
    /// `task_finished`.
    TaskReopened {
        by: crate::plan::RevisedBy,
        reason: String,
        /// Subtasks the task's end had cut short (cancelled), which run again as a new attempt.
        #[serde(default)]
        rerun: Vec<String>,
    },
    /// A tool call needs the user's approval; the subtask waits for it.
    ApprovalRequested { approval: Approval },
    /// The user approved or denied (or the task ended first: `expired`).
    ApprovalDecided {
        subtask_id: String,
        approval_id: String,
        status: ApprovalStatus,
    },
    /// A file in the task folder was registered (or updated) as a deliverable.
    DeliverableAdded { deliverable: Deliverable },
    /// The plan's expected spend, before any subtask runs.
    BudgetEstimated { estimate: crate::budget::Estimate },
    /// A limit is nearly reached (or the estimate is above one): the task waits for the user to
    /// raise it or stop.
    BudgetPaused { pause: crate::budget::BudgetPause },
    /// The user answered: `raise` (the task goes on with `budget`) or `stop`.
    BudgetDecided {
        decision: crate::budget::BudgetDecision,
        budget: crate::budget::Budget,
    },
    /// Cancellation was requested; running agents are being stopped.
    CancelRequested,
    /// The task reached a final state: the last event of a run (a follow-up, retry or rerun
    /// reopens it with `task_reopened`).
    TaskFinished {
        status: TaskStatus,
        error: Option<String>,
        total_tokens_used: i64,
        total_cost_cents: i64,
        /// Some calls ran on a model whose price is unknown: the cost counts only the others.
        #[serde(default)]
        cost_unknown: bool,
    },
}

/// The confidence of a match bound by the skill's template (events written before there were
/// other matches).
fn certain() -> f64 {
    1.0
}

impl EventKind {
    /// The `type` tag, also the SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::TaskCreated { .. } => "task_created",
            EventKind::TaskStarted => "task_started",
            EventKind::PlanRejected { .. } => "plan_rejected",
            EventKind::TaskResumed { .. } => "task_resumed",
            EventKind::SkillApplied { .. } => "skill_applied",
            EventKind::SkillDeclined { .. } => "skill_declined",
            EventKind::SkillAbandoned { .. } => "skill_abandoned",
            EventKind::SkillLoaded { .. } => "skill_loaded",
            EventKind::PlanReady { .. } => "plan_ready",
            EventKind::SubtaskStarted { .. } => "subtask_started",
            EventKind::AgentOutput { .. } => "agent_output",
            EventKind::ToolCallStarted { .. } => "tool_call_started",
            EventKind::ToolCallFinished { .. } => "tool_call_finished",
            EventKind::Usage { .. } => "usage",
            EventKind::ProviderRetry { .. } => "provider_retry",
            EventKind::ModelFallback { .. } => "model_fallback",
            EventKind::SubtaskFinished { .. } => "subtask_finished",
            EventKind::ItemMerged { .. } => "item_merged",
            EventKind::PlanRevised { .. } => "plan_revised",
            EventKind::SubtaskReassigned { .. } => "subtask_reassigned",
            EventKind::PlanReviewRequested { .. } => "plan_review_requested",
            EventKind::PlanApproved { .. } => "plan_approved",
            EventKind::ResultChecked { .. } => "result_checked",
            EventKind::FollowUpReceived { .. } => "follow_up_received",
            EventKind::TaskReopened { .. } => "task_reopened",
            EventKind::ApprovalRequested { .. } => "approval_requested",
            EventKind::ApprovalDecided { .. } => "approval_decided",
            EventKind::DeliverableAdded { .. } => "deliverable_added",
            EventKind::BudgetEstimated { .. } => "budget_estimated",
            EventKind::BudgetPaused { .. } => "budget_paused",
            EventKind::BudgetDecided { .. } => "budget_decided",
            EventKind::CancelRequested => "cancel_requested",
            EventKind::TaskFinished { .. } => "task_finished",
        }
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self, EventKind::TaskFinished { .. })
    }
}
