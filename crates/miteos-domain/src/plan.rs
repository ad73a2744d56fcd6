//! The living plan's words: who revises a plan and why, a change to a plan as the user or the
//! orchestrator proposes it ([`PlanEdit`]), what a revision did ([`PlanDiff`]), plan review and
//! follow-up messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A subtask as the plan announces it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedSubtask {
    pub id: String,
    pub title: String,
    pub description: String,
    pub agent_type: String,
    pub depends_on: Vec<String>,
    /// What it needs tools for (`web`, `spreadsheet`, …); empty in events from before.
    #[serde(default)]
    pub needs: Vec<String>,
    /// A fan-out: the subtask is done once per item of a list (see [`ForEach`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub for_each: Option<ForEach>,
    /// The fan-out this subtask does one item of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub parent: Option<String>,
    /// The item it does, for a fan-out's child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub item: Option<String>,
}

/// A fan-out: "for each item of a list, do this". When its list is known, the orchestrator
/// expands the subtask into one child per item (a plan revision by `fan_out`), runs them with as
/// many in flight as the provider allows, and merges what they found into one deliverable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForEach {
    /// The items, when the prompt names them.
    #[serde(default)]
    pub items: Vec<String>,
    /// Where the list is otherwise: a dependency's id (the list in its result) or a file in the
    /// task folder (`inputs/suppliers.csv`: a table's first column, or a text file's lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from: Option<String>,
    /// What the merged table has a column for, besides the item and its sources.
    #[serde(default)]
    pub columns: Vec<String>,
    /// The merged deliverable: `.xlsx` or `.csv` a table with one row per item, `.md` a
    /// document with one section per item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub deliverable: Option<String>,
}

/// Who revised a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevisedBy {
    /// Miteos itself: a subtask failed, or the result check found a gap.
    Orchestrator,
    /// The user edited the plan, retried, reran or cancelled a subtask.
    User,
    /// A follow-up message on the task.
    FollowUp,
    /// A fan-out expanded into one subtask per item, or one of its items retried.
    FanOut,
}

impl RevisedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            RevisedBy::Orchestrator => "orchestrator",
            RevisedBy::User => "user",
            RevisedBy::FollowUp => "follow_up",
            RevisedBy::FanOut => "fan_out",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "orchestrator" => RevisedBy::Orchestrator,
            "user" => RevisedBy::User,
            "follow_up" => RevisedBy::FollowUp,
            "fan_out" => RevisedBy::FanOut,
            _ => return None,
        })
    }
}

/// When a task's plan waits for the user before it runs: `"never"`, `"always"`, or
/// `{"over_cents": N}` (when its estimate is over N cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanReview {
    #[default]
    Never,
    Always,
    OverCents(i64),
}

impl PlanReview {
    /// Whether a plan expected to cost `estimate_cents` waits for the user.
    pub fn wants_review(self, estimate_cents: i64) -> bool {
        match self {
            PlanReview::Never => false,
            PlanReview::Always => true,
            PlanReview::OverCents(n) => estimate_cents > n,
        }
    }
}

/// A change to one subtask that has not completed (or, for a rerun, has): only the fields given
/// change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubtaskChange {
    pub id: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub title: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub description: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub agent_type: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub depends_on: Option<Vec<String>>,
}

/// A subtask a revision adds. `id` is the name other subtasks of the same edit use for it in
/// their `depends_on` (e.g. `new-1`); it is stored under the next free `st-N`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubtaskAddition {
    #[serde(default)]
    #[ts(optional = nullable)]
    pub id: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub agent_type: String,
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// What the subtask needs its tools for (`web`, `read_files`, `write_files`, `spreadsheet`,
    /// `chart`, `sql`, `command`).
    #[serde(default)]
    pub needs: Vec<String>,
    /// Makes it a fan-out: done once per item of a list.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub for_each: Option<ForEach>,
}

/// A change to a plan, as the user (plan review, edit) or the orchestrator (recovery, result
/// check, follow-up) proposes it. Completed subtasks are never changed or dropped by it; they are
/// rerun only by `rerun`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanEdit {
    /// Subtasks to change; a failed or cancelled one that is changed runs again.
    #[serde(default)]
    pub change: Vec<SubtaskChange>,
    #[serde(default)]
    pub add: Vec<SubtaskAddition>,
    /// Subtasks to remove from the plan (kept in the store, marked `dropped`).
    #[serde(default)]
    pub drop: Vec<String>,
    /// Failed or cancelled subtasks to run again as they are.
    #[serde(default)]
    pub retry: Vec<String>,
    /// Completed subtasks to run again (with their changes, if `change` names them too); their
    /// dependants run again after them.
    #[serde(default)]
    pub rerun: Vec<String>,
}

impl PlanEdit {
    pub fn is_empty(&self) -> bool {
        self.change.is_empty()
            && self.add.is_empty()
            && self.drop.is_empty()
            && self.retry.is_empty()
            && self.rerun.is_empty()
    }
}

/// What a revision did to the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanDiff {
    pub added: Vec<PlannedSubtask>,
    /// Subtasks as they are after the change.
    pub changed: Vec<PlannedSubtask>,
    pub dropped: Vec<String>,
    /// Subtasks that run again (a new attempt; the old output stays in the journal).
    pub rerun: Vec<String>,
}

impl PlanDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.dropped.is_empty()
            && self.rerun.is_empty()
    }
}

/// One revision of a task's plan (revision 0 is the first plan and is not listed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanRevision {
    pub revision: u32,
    pub by: RevisedBy,
    pub reason: String,
    pub diff: PlanDiff,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
}

/// A follow-up message on a finished task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub id: String,
    pub message: String,
    /// The revision that planned it, once planned.
    pub revision: Option<u32>,
    #[serde(with = "crate::rfc3339")]
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
}

/// The error of a subtask the user cancelled (the task goes on without it).
pub const CANCELLED_BY_USER: &str = "cancelled by the user";

/// What tools a subtask needs, by the capabilities planners name, and the tools that give each.
pub const CAPABILITIES: &[(&str, &[&str])] = &[
    ("web", &["web_search", "fetch_url"]),
    ("read_files", &["read_file"]),
    ("write_files", &["write_file"]),
    ("spreadsheet", &["write_spreadsheet"]),
    ("chart", &["write_chart"]),
    ("sql", &["query_data"]),
    ("command", &["run_command"]),
];

/// The tools that give a capability (`None` for an unknown one).
pub fn capability_tools(capability: &str) -> Option<&'static [&'static str]> {
    CAPABILITIES
        .iter()
        .find(|(name, _)| *name == capability)
        .map(|(_, tools)| *tools)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_review_reads_as_documented() {
        let parse = |s: &str| serde_json::from_str::<PlanReview>(s).unwrap();
        assert_eq!(parse("\"never\""), PlanReview::Never);
        assert_eq!(parse("\"always\""), PlanReview::Always);
        assert_eq!(parse("{\"over_cents\": 50}"), PlanReview::OverCents(50));
        assert!(PlanReview::OverCents(50).wants_review(51));
        assert!(!PlanReview::OverCents(50).wants_review(50));
        assert!(!PlanReview::Never.wants_review(1_000_000));
    }
}
