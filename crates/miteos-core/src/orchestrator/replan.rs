//! The orchestrator revises its own plan: when a subtask failed (after its retries and fallback
//! model), when the result check found a gap, and to plan a follow-up message. One model call
//! (a forced `revise_plan` call) proposes a [`PlanEdit`] or gives up with a reason; the edit is
//! checked and stored like any revision ([`super::revision`]), and an edit that does not hold up
//! is sent back with its problems a bounded number of times. Recovery and gap revisions are
//! bounded per task (`max_revisions`, counted in the store, so a restart does not reset them);
//! on a small local model they are made without the model (a failed subtask is retried once as
//! it is).

use serde::Deserialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::planner::{catalogue, tool_arguments};
use super::revision::Reviser;
use super::{RunCtx, Stop};
use crate::domain::plan::{FollowUp, PlanEdit, RevisedBy};
use crate::domain::{SubtaskStatus, Task};
use crate::providers::{ChatRequest, Message, ToolSpec};

pub const REVISE_PLAN: &str = "revise_plan";
/// Characters of a subtask's output shown to the reviser.
const OUTPUT_EXCERPT: usize = 400;

/// Why the plan is revised.
pub(crate) enum Why<'a> {
    /// These subtasks failed: (id, reason).
    Failed(&'a [(String, String)]),
    /// The result check found these gaps.
    Gaps(&'a [String]),
    FollowUp(&'a FollowUp),
}

impl Why<'_> {
    fn by(&self) -> RevisedBy {
        match self {
            Why::FollowUp(_) => RevisedBy::FollowUp,
            _ => RevisedBy::Orchestrator,
        }
    }

    /// What happened, in words (the revision's reason starts with it).
    fn told(&self) -> String {
        match self {
            Why::Failed(failed) => failed
                .iter()
                .map(|(id, reason)| format!("{id} failed: {reason}"))
                .collect::<Vec<_>>()
                .join("; "),
            Why::Gaps(gaps) => format!("the result check found: {}", gaps.join("; ")),
            Why::FollowUp(f) => format!("follow-up: {}", f.message),
        }
    }
}

/// How a revision request ended.
#[derive(Debug)]
pub(crate) enum Replanned {
    Revised,
    /// No revision: why (the model gave up, or no revisions are left).
    GaveUp(String),
}

#[derive(Deserialize)]
struct RawRevision {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    edit: PlanEdit,
}

impl RunCtx {
    pub(crate) fn reviser(&self) -> Reviser<'_> {
        Reviser {
            shared: &self.shared,
            agent_types: &self.agent_types,
            max_subtasks: self.limits.max_subtasks,
        }
    }

    /// Revises the plan for `why`; see the module's description.
    pub(crate) async fn replan(
        &self,
        why: Why<'_>,
        cancel: &CancellationToken,
    ) -> Result<Replanned, Stop> {
        let by = why.by();
        if by == RevisedBy::Orchestrator {
            let used = self.shared.store.revisions_by(&self.task_id, by).await?;
            if used >= self.limits.max_revisions {
                return Ok(Replanned::GaveUp(format!(
                    "{}; no revisions left ({used} of {} used)",
                    why.told(),
                    self.limits.max_revisions
                )));
            }
        }
        if self.provider.profile().small && by == RevisedBy::Orchestrator {
            return self.replan_without_model(&why).await;
        }
        let follow_up = match &why {
            Why::FollowUp(f) => Some(f.id.clone()),
            _ => None,
        };
        let task = self.shared.store.get_task(&self.task_id).await?;
        let mut request = ChatRequest {
            system: system_prompt(&self.agent_types),
            messages: vec![Message::User(situation(&task, &why))],
            tools: vec![revise_tool()],
            force_tool: Some(REVISE_PLAN.to_owned()),
            max_tokens: Some(2048),
        };
        let mut last = Vec::new();
        for attempt in 0..=self.limits.max_plan_repairs {
            self.checkpoint(None, cancel).await?;
            let answer = self
                .model_turn(self.provider.as_ref(), &request, None, cancel)
                .await?;
            let raw = tool_arguments(&answer, REVISE_PLAN)
                .and_then(|v| serde_json::from_value::<RawRevision>(v).ok());
            let problems = match raw {
                Some(raw) if raw.decision == "give_up" || raw.edit.is_empty() => {
                    let reason = match raw.reason.trim() {
                        "" => "the planner saw no way on".to_owned(),
                        r => r.to_owned(),
                    };
                    return Ok(Replanned::GaveUp(format!(
                        "{}; gave up: {reason}",
                        why.told()
                    )));
                }
                Some(raw) => {
                    let reason = match raw.reason.trim() {
                        "" => why.told(),
                        r => format!("{}; {r}", why.told()),
                    };
                    match self
                        .reviser()
                        .revise(&self.task_id, by, &reason, &raw.edit, follow_up.clone())
                        .await?
                    {
                        Ok(_) => return Ok(Replanned::Revised),
                        // Told to the model in words.
                        Err(problems) => problems.into_iter().map(|p| p.message).collect(),
                    }
                }
                None => vec![format!("the answer contained no {REVISE_PLAN} call")],
            };
            self.send_back(
                &mut request,
                &answer,
                attempt,
                &problems,
                "revision",
                REVISE_PLAN,
            )
            .await?;
            last = problems;
        }
        Ok(Replanned::GaveUp(format!(
            "{}; no valid revision after {} attempts: {}",
            why.told(),
            self.limits.max_plan_repairs + 1,
            last.join("; ")
        )))
    }

    /// A small model's revision: each failed subtask runs once more as it is; gaps are reported.
    async fn replan_without_model(&self, why: &Why<'_>) -> Result<Replanned, Stop> {
        let Why::Failed(failed) = why else {
            return Ok(Replanned::GaveUp(why.told()));
        };
        let task = self.shared.store.get_task(&self.task_id).await?;
        let retry: Vec<String> = failed
            .iter()
            .filter(|(id, _)| task.subtasks.iter().any(|s| &s.id == id && s.attempt < 2))
            .map(|(id, _)| id.clone())
            .collect();
        if retry.len() < failed.len() {
            return Ok(Replanned::GaveUp(format!(
                "{}; it failed again",
                why.told()
            )));
        }
        let edit = PlanEdit {
            retry,
            ..PlanEdit::default()
        };
        let reason = format!("{}; retried as it is", why.told());
        match self
            .reviser()
            .revise(&self.task_id, RevisedBy::Orchestrator, &reason, &edit, None)
            .await?
        {
            Ok(_) => Ok(Replanned::Revised),
            Err(problems) => Ok(Replanned::GaveUp(format!(
                "{}; {}",
                why.told(),
                crate::domain::plan_rules::in_words(&problems)
            ))),
        }
    }
}

fn system_prompt(agent_types: &[crate::domain::AgentType]) -> String {
    format!(
        "You are the planner of Miteos, which hands knowledge work to AI agents. A task is under way and its \
         plan needs a revision. Call {REVISE_PLAN} once.\n\n\
         Agent types - choose for each subtask the one whose tools can do it:\n{}\n\
         You can: change a failed subtask's description or agent_type (it runs again); retry a failed subtask as it \
         is; add subtasks (ids new-1, new-2, ...; depends_on may name them and existing subtasks); drop subtasks that \
         are not essential, with the pending subtasks that depend on them; rerun a completed subtask with a changed \
         description (what depends on it runs again). Completed subtasks keep their results and files: build on them. \
         If nothing can work, set decision to give_up and say why in reason.",
        catalogue(agent_types)
    )
}

/// The task as it stands, and why it is revised.
fn situation(task: &Task, why: &Why<'_>) -> String {
    let mut out = format!(
        "The task: {}\n\nThe plan (revision {}):\n",
        task.prompt, task.revision
    );
    // A fan-out's items are summed up by the fan-out, not listed one by one.
    for s in task
        .subtasks
        .iter()
        .filter(|s| !s.dropped && s.parent.is_none())
    {
        let deps = if s.depends_on.is_empty() {
            String::new()
        } else {
            format!(", depends on {}", s.depends_on.join(", "))
        };
        out.push_str(&format!(
            "- {} [{}] {} ({}{deps})\n  instructions: {}\n",
            s.id,
            s.agent_type,
            s.title,
            s.status.as_str(),
            s.description
        ));
        match (s.status, &s.output, &s.error) {
            (SubtaskStatus::Complete, Some(o), _) => {
                let excerpt: String = o.chars().take(OUTPUT_EXCERPT).collect();
                out.push_str(&format!("  result: {excerpt}\n"));
            }
            (_, _, Some(e)) => out.push_str(&format!("  error: {e}\n")),
            _ => {}
        }
    }
    out.push('\n');
    out.push_str(&match why {
        Why::Failed(_) => format!(
            "What happened: {}. Revise the plan so the task can still be done: retry with other instructions, \
             replace it with other subtasks, or drop it if the task can be done without it.",
            why.told()
        ),
        Why::Gaps(gaps) => format!(
            "All subtasks are done, but the result does not yet meet the request:\n- {}\nRevise the plan to close \
             these gaps (rerun or add subtasks).",
            gaps.join("\n- ")
        ),
        Why::FollowUp(f) => format!(
            "The user follows up on the finished task: \"{}\"\nAdd the subtasks that do it, building on the \
             completed subtasks' results and files (same task folder).",
            f.message
        ),
    });
    out
}

fn revise_tool() -> ToolSpec {
    let change = json!({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "agent_type": {"type": "string"},
            "depends_on": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["id"]
    });
    let add = json!({
        "type": "object",
        "properties": {
            "id": {"type": "string", "description": "new-1, new-2, ..."},
            "title": {"type": "string"},
            "description": {"type": "string", "description": "self-contained instructions: what to do and which files to produce"},
            "agent_type": {"type": "string"},
            "depends_on": {"type": "array", "items": {"type": "string"}},
            "needs": {"type": "array", "items": {"type": "string", "enum": ["web", "read_files", "write_files", "spreadsheet", "chart", "sql", "command"]}}
        },
        "required": ["title", "description", "agent_type", "depends_on"]
    });
    let ids = json!({"type": "array", "items": {"type": "string"}});
    ToolSpec {
        name: REVISE_PLAN.to_owned(),
        description: "Submit the revision of the plan, or give up.".to_owned(),
        parameters: json!({
            "type": "object",
            "properties": {
                "decision": {"type": "string", "enum": ["revise", "give_up"]},
                "reason": {"type": "string", "description": "why, in one sentence"},
                "change": {"type": "array", "items": change},
                "add": {"type": "array", "items": add},
                "drop": ids,
                "retry": ids,
                "rerun": ids
            },
            "required": ["decision", "reason"]
        }),
    }
}
