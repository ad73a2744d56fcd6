//! The rule book of plans, as pure functions (like the budget rule): what is wrong with a plan
//! or an edit of one, said as [`PlanProblem`]s that name the subtask and the field; which
//! subtask may be retried, rerun, changed or dropped in which state; whether dependencies form
//! a cycle. The planner, the reviser and the steering service all ask it.

use std::collections::HashSet;

use serde::Serialize;

use crate::SubtaskStatus;

/// One thing wrong with a plan or an edit of it: the subtask and field it is about (when it is
/// about one), and what a person is told.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanProblem {
    /// The subtask (`st-2`), when the problem is one subtask's.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subtask: Option<String>,
    /// The field of it (`title`, `agent_type`, `depends_on`, `status`), when one is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    pub message: String,
}

impl PlanProblem {
    /// A problem of the plan as a whole (too many subtasks, no subtasks).
    pub fn plan(message: impl Into<String>) -> PlanProblem {
        PlanProblem {
            subtask: None,
            field: None,
            message: message.into(),
        }
    }

    /// A problem of subtask `id`'s `field`.
    pub fn field(id: &str, field: &str, message: impl Into<String>) -> PlanProblem {
        PlanProblem {
            subtask: Some(id.to_owned()),
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The problems in one line, for a log or a model ("a; b").
pub fn in_words(problems: &[PlanProblem]) -> String {
    problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Each problem once, in the order found.
pub fn dedup(problems: &mut Vec<PlanProblem>) {
    let mut seen = HashSet::new();
    problems.retain(|p| seen.insert(p.clone()));
}

/// Why a subtask in `status` may not be retried (run again after it failed or was cancelled).
pub fn why_not_retried(id: &str, status: SubtaskStatus) -> Option<PlanProblem> {
    match status {
        SubtaskStatus::Failed | SubtaskStatus::Cancelled => None,
        other => Some(PlanProblem::field(
            id,
            "status",
            format!(
                "{id} is {}; only a failed or cancelled subtask is retried",
                other.as_str()
            ),
        )),
    }
}

/// Why a subtask in `status` may not be rerun (run again, results and all).
pub fn why_not_rerun(id: &str, status: SubtaskStatus) -> Option<PlanProblem> {
    match status {
        SubtaskStatus::Running | SubtaskStatus::Pending => Some(PlanProblem::field(
            id,
            "status",
            format!(
                "{id} is {}; only a finished subtask is rerun",
                status.as_str()
            ),
        )),
        _ => None,
    }
}

/// How a subtask in `status` runs again when a person asks for it once more (retry or rerun
/// by state): `Ok(true)` retried (it failed or was cancelled), `Ok(false)` rerun (complete).
pub fn runs_again(id: &str, status: SubtaskStatus) -> Result<bool, PlanProblem> {
    match status {
        SubtaskStatus::Failed | SubtaskStatus::Cancelled => Ok(true),
        SubtaskStatus::Complete => Ok(false),
        other => Err(PlanProblem::field(
            id,
            "status",
            format!(
                "{id} is {}; only a finished subtask runs again",
                other.as_str()
            ),
        )),
    }
}

/// Why a subtask in `status` may not be changed now; `rerun`: it runs again with the edit.
pub fn why_not_changed(id: &str, status: SubtaskStatus, rerun: bool) -> Option<PlanProblem> {
    match status {
        SubtaskStatus::Running => Some(PlanProblem::field(
            id,
            "status",
            format!("{id} is running; it cannot change now"),
        )),
        SubtaskStatus::Complete if !rerun => Some(PlanProblem::field(
            id,
            "status",
            format!("{id} is complete; its results are kept (rerun it to change it)"),
        )),
        _ => None,
    }
}

/// Why a subtask in `status` may not be dropped.
pub fn why_not_dropped(id: &str, status: SubtaskStatus) -> Option<PlanProblem> {
    match status {
        SubtaskStatus::Complete => Some(PlanProblem::field(
            id,
            "status",
            format!("{id} is complete; completed subtasks and their results are kept"),
        )),
        SubtaskStatus::Running => Some(PlanProblem::field(
            id,
            "status",
            format!("{id} is running; cancel it instead"),
        )),
        _ => None,
    }
}

/// A subtask without a title.
pub fn no_title(id: &str) -> PlanProblem {
    PlanProblem::field(id, "title", format!("{id} has no title"))
}

/// A subtask given an agent type that is not one of `known`; `None` when it is one.
pub fn unknown_agent_type(id: &str, given: &str, known: &[&str]) -> Option<PlanProblem> {
    let name = given.trim().to_lowercase();
    (!known.contains(&name.as_str())).then(|| {
        PlanProblem::field(
            id,
            "agent_type",
            format!(
                "{id} has agent_type {given:?}, which is not one of: {}",
                known.join(", ")
            ),
        )
    })
}

/// A subtask that depends on itself.
pub fn depends_on_itself(id: &str) -> PlanProblem {
    PlanProblem::field(id, "depends_on", format!("{id} depends on itself"))
}

/// A subtask that depends on `dep`, which names no subtask of the plan.
pub fn unknown_dependency(id: &str, dep: &str) -> PlanProblem {
    PlanProblem::field(
        id,
        "depends_on",
        format!("{id} depends on {dep:?}, which is not a subtask of this plan"),
    )
}

/// The subtasks left over by Kahn's algorithm over `(id, depends_on)`, if any: they sit on or
/// behind a dependency cycle.
pub fn find_cycle<'a>(
    subtasks: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> Option<Vec<String>> {
    let subtasks: Vec<(&str, &[String])> = subtasks.into_iter().collect();
    let mut done: HashSet<&str> = HashSet::new();
    loop {
        let before = done.len();
        for (id, deps) in &subtasks {
            if !done.contains(id) && deps.iter().all(|d| done.contains(d.as_str())) {
                done.insert(id);
            }
        }
        if done.len() == subtasks.len() {
            return None;
        }
        if done.len() == before {
            return Some(
                subtasks
                    .iter()
                    .filter(|(id, _)| !done.contains(id))
                    .map(|(id, _)| (*id).to_owned())
                    .collect(),
            );
        }
    }
}

/// The problem a cycle through `ids` is, named at its first subtask's dependencies.
pub fn cycle_problem(ids: &[String]) -> PlanProblem {
    let message = format!("the dependencies form a cycle through {}", ids.join(", "));
    match ids.first() {
        Some(first) => PlanProblem::field(first, "depends_on", message),
        None => PlanProblem::plan(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_subtask_runs_again_in_which_state() {
        use SubtaskStatus::*;
        assert_eq!(runs_again("st-1", Failed), Ok(true));
        assert_eq!(runs_again("st-1", Cancelled), Ok(true));
        assert_eq!(runs_again("st-1", Complete), Ok(false));
        let running = runs_again("st-1", Running).unwrap_err();
        assert_eq!(
            (running.subtask.as_deref(), running.field.as_deref()),
            (Some("st-1"), Some("status"))
        );
        assert!(why_not_retried("st-2", Complete).is_some());
        assert!(why_not_retried("st-2", Failed).is_none());
        assert!(why_not_rerun("st-2", Pending).is_some());
        assert!(why_not_rerun("st-2", Failed).is_none());
        assert!(why_not_changed("st-3", Complete, false).is_some());
        assert!(why_not_changed("st-3", Complete, true).is_none());
        assert!(why_not_changed("st-3", Running, true).is_some());
        assert!(why_not_dropped("st-4", Complete).is_some());
        assert!(why_not_dropped("st-4", Pending).is_none());
    }

    #[test]
    fn cycles_are_found_and_named_at_a_dependency() {
        let deps = |d: &[&str]| d.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (a, b, c) = (deps(&[]), deps(&["st-3"]), deps(&["st-2"]));
        let plan = [
            ("st-1", a.as_slice()),
            ("st-2", b.as_slice()),
            ("st-3", c.as_slice()),
        ];
        let cycle = find_cycle(plan).unwrap();
        assert_eq!(cycle, ["st-2", "st-3"]);
        let problem = cycle_problem(&cycle);
        assert_eq!(problem.subtask.as_deref(), Some("st-2"));
        assert_eq!(problem.field.as_deref(), Some("depends_on"));
        assert!(find_cycle([("st-1", a.as_slice())]).is_none());
        let mut twice = vec![problem.clone(), problem];
        dedup(&mut twice);
        assert_eq!(twice.len(), 1);
        assert_eq!(
            in_words(&twice),
            "the dependencies form a cycle through st-2, st-3"
        );
    }
}
