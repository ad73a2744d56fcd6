//! Domain types of the public contract. Field names and state spellings follow API.md exactly:
//! tasks say `completed`, subtasks say `complete`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Running => "running",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => TaskStatus::Pending,
            "running" => TaskStatus::Running,
            "completed" => TaskStatus::Completed,
            "failed" => TaskStatus::Failed,
            "cancelled" => TaskStatus::Cancelled,
            _ => return None,
        })
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SubtaskStatus {
    Pending,
    Running,
    Complete,
    Failed,
    Cancelled,
}

impl SubtaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubtaskStatus::Pending => "pending",
            SubtaskStatus::Running => "running",
            SubtaskStatus::Complete => "complete",
            SubtaskStatus::Failed => "failed",
            SubtaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => SubtaskStatus::Pending,
            "running" => SubtaskStatus::Running,
            "complete" => SubtaskStatus::Complete,
            "failed" => SubtaskStatus::Failed,
            "cancelled" => SubtaskStatus::Cancelled,
            _ => return None,
        })
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            SubtaskStatus::Complete | SubtaskStatus::Failed | SubtaskStatus::Cancelled
        )
    }
}

/// A task as every transport shows it. The first eight fields are the fixed shape of API.md.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: String,
    pub prompt: String,
    pub status: TaskStatus,
    /// Input plus output tokens of every model call the task made (planning included).
    pub total_tokens_used: i64,
    /// The cost in whole cents, rounded up so a task that spent anything never shows 0.
    pub total_cost_cents: i64,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    pub subtasks: Vec<Subtask>,
    /// The cost in US dollars, unrounded, for displays that want more than cents.
    pub total_cost_usd: f64,
    pub title: Option<String>,
    pub workspace_id: Option<String>,
    /// `provider::model` the task runs on.
    pub model: String,
    #[serde(with = "crate::rfc3339::option")]
    #[ts(type = "string | null")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::rfc3339::option")]
    #[ts(type = "string | null")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Why the task failed or was cancelled, in words a user can act on.
    pub error: Option<String>,
    /// Model calls the task made (planning included).
    pub steps: i64,
    /// The task's limits (`null` for tasks from before budgets existed).
    pub budget: Option<crate::budget::Budget>,
    /// What the plan is expected to spend, once it is made.
    pub estimate: Option<crate::budget::Estimate>,
    /// The budget question the task waits on, if it is paused.
    pub paused: Option<crate::budget::BudgetPause>,
    /// The skill the task ran from (no planning call), if it did.
    pub skill_id: Option<String>,
    /// The plan's current revision: 0 for the first plan, one more for every revision.
    pub revision: u32,
    /// The plan's revisions, oldest first (in `GET /tasks/{id}`; empty in lists).
    pub revisions: Vec<crate::plan::PlanRevision>,
    /// Follow-up messages, oldest first (in `GET /tasks/{id}`; empty in lists).
    pub follow_ups: Vec<crate::plan::FollowUp>,
    /// What the result check found unmet when the task ended (empty when all was met).
    pub unmet: Vec<String>,
    /// When the plan waits for the user before it runs (`null`: the setting's default).
    pub plan_review: Option<crate::plan::PlanReview>,
    /// The plan waits for the user to approve or edit it.
    pub awaiting_review: bool,
    /// Some calls ran on a model whose price is unknown: the cost totals count only the priced
    /// ones, and every view says "cost unknown" (its budget is enforced on tokens).
    #[serde(default)]
    pub cost_unknown: bool,
    /// On a team's server: the account that created the task (`null`: the server's own token,
    /// or before accounts).
    #[serde(default)]
    pub owner: Option<String>,
    /// On a team's server: the owner shared the task with the team (everyone may see it).
    #[serde(default)]
    pub shared: bool,
}

impl Task {
    /// A task just created: `pending`, nothing spent, no plan yet.
    pub fn pending(id: String, prompt: String, model: String) -> Task {
        Task {
            id,
            prompt,
            status: TaskStatus::Pending,
            total_tokens_used: 0,
            total_cost_cents: 0,
            created_at: Utc::now(),
            subtasks: Vec::new(),
            total_cost_usd: 0.0,
            title: None,
            workspace_id: None,
            model,
            started_at: None,
            finished_at: None,
            error: None,
            steps: 0,
            budget: None,
            estimate: None,
            paused: None,
            skill_id: None,
            revision: 0,
            revisions: Vec::new(),
            follow_ups: Vec::new(),
            unmet: Vec::new(),
            plan_review: None,
            awaiting_review: false,
            cost_unknown: false,
            owner: None,
            shared: false,
        }
    }
}

/// A person's account on a team's server. Its API token is shown once, when it is made; only
/// the token's SHA-256 is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    /// `acc-<uuid v7 simple>`.
    pub id: String,
    pub name: String,
    /// Manages accounts and sees every task.
    pub admin: bool,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
}

/// Who a token is on a team's server (`GET /me`): an account, or `null` for the server's own
/// token (an admin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub account: Option<Account>,
    pub admin: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subtask {
    pub id: String,
    pub agent_type: String,
    pub status: SubtaskStatus,
    pub title: String,
    pub description: String,
    pub depends_on: Vec<String>,
    pub tokens_used: i64,
    pub cost_usd: f64,
    /// Model calls the agent made.
    pub steps: i64,
    #[serde(with = "crate::rfc3339::option")]
    #[ts(type = "string | null")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::rfc3339::option")]
    #[ts(type = "string | null")]
    pub finished_at: Option<DateTime<Utc>>,
    /// The agent's final answer; dependants receive it as context.
    pub output: Option<String>,
    pub error: Option<String>,
    /// The plan revision that added the subtask (0: the first plan).
    pub revision: u32,
    /// 1 for the first run; one more for every retry or rerun.
    pub attempt: u32,
    /// A revision removed it from the plan; it is kept, but does not run.
    pub dropped: bool,
    /// What it needs tools for (`web`, `spreadsheet`, …), as planned.
    pub needs: Vec<String>,
    /// Some of its calls ran on a model whose price is unknown (see `Task::cost_unknown`).
    #[serde(default)]
    pub cost_unknown: bool,
    /// A fan-out: done once per item of a list, by its children.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub for_each: Option<crate::plan::ForEach>,
    /// The fan-out this subtask does one item of.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub parent: Option<String>,
    /// The item it does, for a fan-out's child.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub item: Option<String>,
}

/// A role an agent plays: data, not code. Built-ins are seeded; users add their own.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentType {
    pub name: String,
    pub description: String,
    pub system_prompt: String,
    /// Names of the tools this agent may call.
    pub tools: Vec<String>,
    /// `provider::model` to use instead of the task's model, if any.
    pub model: Option<String>,
    /// `provider::model` the agent switches to for the rest of a subtask when its model keeps
    /// failing (after its retries), if any.
    pub fallback_model: Option<String>,
    pub builtin: bool,
}

/// A file an agent produced in the task's folder.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deliverable {
    pub id: String,
    pub task_id: String,
    /// Path relative to the task folder, `/`-separated.
    pub name: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// The subtask that last wrote the file.
    pub subtask_id: Option<String>,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
}

/// A deliverable deployed to a staging target: an immutable copy served at its own URL.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deployment {
    pub id: String,
    pub task_id: String,
    pub deliverable_id: String,
    /// `local` (Miteos's own staging server) or a remote target's name.
    pub target: String,
    /// Where the deployment is served.
    pub url: String,
    pub files: i64,
    pub bytes: i64,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    /// Set when the deployment was taken down; its URL then answers 404.
    #[serde(with = "crate::rfc3339::option")]
    #[ts(type = "string | null")]
    pub taken_down_at: Option<DateTime<Utc>>,
    /// When its URL stops answering (404), or `null` for one made before deployments expired.
    #[serde(with = "crate::rfc3339::option")]
    #[ts(type = "string | null")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Where an approval request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    /// Waiting for the user; the subtask is paused on it.
    Pending,
    Approved,
    Denied,
    /// The task ended (cancelled, interrupted) before anyone answered.
    Expired,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Denied => "denied",
            ApprovalStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => ApprovalStatus::Pending,
            "approved" => ApprovalStatus::Approved,
            "denied" => ApprovalStatus::Denied,
            "expired" => ApprovalStatus::Expired,
            _ => return None,
        })
    }
}

/// A risky tool call waiting for (or given) the user's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    /// `ap-<uuid v7 simple>`.
    pub id: String,
    pub task_id: String,
    pub subtask_id: String,
    pub call_id: String,
    pub tool: String,
    /// The call's arguments, as the agent gave them.
    #[ts(type = "unknown")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub arguments: serde_json::Value,
    /// Why it needs approval, in words (e.g. "git is not on the shell allow-list").
    pub reason: String,
    pub status: ApprovalStatus,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::rfc3339::option")]
    #[ts(type = "string | null")]
    pub decided_at: Option<DateTime<Utc>>,
}

/// A public link to one deliverable: unguessable, expiring, revocable, counted.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Share {
    pub id: String,
    pub task_id: String,
    pub deliverable_id: String,
    /// The share page also shows how the deliverable was made (plan and steps, secrets redacted).
    pub include_replay: bool,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    #[serde(with = "crate::rfc3339::option")]
    #[ts(type = "string | null")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Times the link was opened.
    pub access_count: i64,
    /// The public link. Only in the answer that creates the share: its token is not stored.
    pub url: Option<String>,
}

/// Where a deliverable came from: the subtasks whose work led to it, and the sources they read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Provenance {
    pub subtasks: Vec<ProvenanceStep>,
    /// Web pages (URLs) and documents the agents read, in the order they read them.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvenanceStep {
    pub id: String,
    pub title: String,
    pub agent_type: String,
}

/// Whole cents from micro-dollars, rounded up: a task that spent anything shows at least 1 cent.
pub fn cents_from_micros(micros: i64) -> i64 {
    if micros <= 0 {
        0
    } else {
        (micros + 9_999) / 10_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_serialize_as_the_contract_spells_them() {
        assert_eq!(
            serde_json::to_string(&TaskStatus::Completed).unwrap(),
            "\"completed\""
        );
        assert_eq!(
            serde_json::to_string(&SubtaskStatus::Complete).unwrap(),
            "\"complete\""
        );
        for s in ["pending", "running", "completed", "failed", "cancelled"] {
            assert_eq!(TaskStatus::parse(s).unwrap().as_str(), s);
        }
        for s in ["pending", "running", "complete", "failed", "cancelled"] {
            assert_eq!(SubtaskStatus::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn cents_round_up_so_spend_is_never_hidden() {
        assert_eq!(cents_from_micros(0), 0);
        assert_eq!(cents_from_micros(1), 1);
        assert_eq!(cents_from_micros(10_000), 1);
        assert_eq!(cents_from_micros(10_001), 2);
    }
}
