//! Plan revisions: one mechanism for every change to a plan after it was made. A [`PlanEdit`]
//! (from the user, a failure's recovery, the result check or a follow-up) is checked against the
//! plan as stored — like a first plan: known agent types, dependencies that exist, no cycles,
//! bounded size; completed subtasks never changed or dropped, only rerun — then stored in one
//! transaction with its reason and diff, and journaled (`plan_revised`, and `subtask_reassigned`
//! for each subtask moved to a type that fits it).

use std::collections::{HashMap, HashSet};

use super::fit::{Reassignment, fit, needs_of};
use super::for_each::checked_for_each;
use crate::domain::plan::{PlanDiff, PlanEdit, RevisedBy, SubtaskAddition};
use crate::domain::plan_rules::{self, PlanProblem};
use crate::domain::{AgentType, Subtask, SubtaskStatus};
use crate::error::Result;
use crate::events::EventKind;
use crate::ids::subtask_id;
use crate::store::{Journal, NewSubtask, RevisionWrite};

const MAX_TITLE_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 4000;
/// Subtasks one task may gather over all its revisions, as a multiple of a plan's limit.
const LIFETIME_PLANS: usize = 4;

/// An edit checked against the plan: what to store, and the subtasks it moved to a fitting type.
#[derive(Debug)]
pub(crate) struct Checked {
    pub added: Vec<NewSubtask>,
    pub changed: Vec<NewSubtask>,
    pub dropped: Vec<String>,
    pub rerun: Vec<String>,
    pub moved: Vec<Reassignment>,
}

impl Checked {
    fn diff(&self) -> PlanDiff {
        PlanDiff {
            added: self.added.iter().map(NewSubtask::announced).collect(),
            changed: self.changed.iter().map(NewSubtask::announced).collect(),
            dropped: self.dropped.clone(),
            rerun: self.rerun.clone(),
        }
    }
}

fn clip(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

/// Checks `edit` against the stored plan `current`; every problem found, or what to store.
pub(crate) fn check_edit(
    current: &[Subtask],
    edit: &PlanEdit,
    agent_types: &[AgentType],
    max_subtasks: usize,
) -> std::result::Result<Checked, Vec<PlanProblem>> {
    let mut problems: Vec<PlanProblem> = Vec::new();
    let by_id: HashMap<&str, &Subtask> = current.iter().map(|s| (s.id.as_str(), s)).collect();
    let known_types: Vec<&str> = agent_types.iter().map(|a| a.name.as_str()).collect();
    let named = |id: &str, action: &str, problems: &mut Vec<PlanProblem>| -> Option<&Subtask> {
        match by_id.get(id) {
            Some(s) if s.dropped => {
                problems.push(PlanProblem::field(
                    id,
                    "status",
                    format!("{id} was dropped; it cannot be {action}"),
                ));
                None
            }
            Some(s) => Some(*s),
            None => {
                problems.push(PlanProblem::field(
                    id,
                    "id",
                    format!("{id} is not a subtask of this plan"),
                ));
                None
            }
        }
    };
    // Every subtask after the edit, by id; starts as stored.
    let mut plan: Vec<NewSubtask> = current.iter().map(NewSubtask::from).collect();
    let mut rerun: Vec<String> = Vec::new();
    let mut changed_ids: Vec<String> = Vec::new();
    for id in &edit.rerun {
        if let Some(s) = named(id, "rerun", &mut problems) {
            match plan_rules::why_not_rerun(id, s.status) {
                Some(problem) => problems.push(problem),
                None if !rerun.contains(id) => rerun.push(id.clone()),
                None => {}
            }
        }
    }
    for id in &edit.retry {
        if let Some(s) = named(id, "retried", &mut problems) {
            match plan_rules::why_not_retried(id, s.status) {
                Some(problem) => problems.push(problem),
                None if !rerun.contains(id) => rerun.push(id.clone()),
                None => {}
            }
        }
    }
    for change in &edit.change {
        let Some(s) = named(&change.id, "changed", &mut problems) else {
            continue;
        };
        if let Some(problem) = plan_rules::why_not_changed(&s.id, s.status, rerun.contains(&s.id)) {
            problems.push(problem);
            continue;
        }
        // A failed or cancelled subtask that is changed runs again.
        if plan_rules::why_not_retried(&s.id, s.status).is_none() && !rerun.contains(&s.id) {
            rerun.push(s.id.clone());
        }
        let st = plan
            .iter_mut()
            .find(|p| p.id == s.id)
            .expect("stored subtasks are in the plan");
        if let Some(t) = &change.title {
            st.title = clip(t, MAX_TITLE_CHARS);
        }
        if let Some(d) = &change.description {
            st.description = clip(d, MAX_DESCRIPTION_CHARS);
        }
        if let Some(a) = &change.agent_type {
            st.agent_type = a.trim().to_lowercase();
        }
        if let Some(deps) = &change.depends_on {
            st.depends_on = deps.iter().map(|d| d.trim().to_owned()).collect();
        }
        st.needs = needs_of(&st.needs, &st.description);
        if !changed_ids.contains(&s.id) {
            changed_ids.push(s.id.clone());
        }
    }
    let mut dropped = Vec::new();
    for id in &edit.drop {
        if let Some(s) = named(id, "dropped", &mut problems) {
            match plan_rules::why_not_dropped(id, s.status) {
                Some(problem) => problems.push(problem),
                None => dropped.push(id.clone()),
            }
        }
    }
    let added = added_subtasks(current, &edit.add, max_subtasks, &mut problems);
    let refs: HashMap<String, String> = edit
        .add
        .iter()
        .zip(&added)
        .filter_map(|(a, n)| Some((a.id.as_ref()?.trim().to_owned(), n.id.clone())))
        .collect();
    plan.extend(added.iter().cloned());
    for st in &mut plan {
        for d in &mut st.depends_on {
            if let Some(id) = refs.get(d.as_str()) {
                *d = id.clone();
            }
        }
    }
    // Dependants of a rerun subtask run again after it; so does a finished fan-out one of whose
    // items runs again (it merges its items anew).
    let mut k = 0;
    while k < rerun.len() {
        let id = rerun[k].clone();
        let fan_out = plan
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| p.parent.clone());
        for st in &plan {
            let finished = by_id
                .get(st.id.as_str())
                .is_some_and(|s| !s.dropped && s.status.is_finished());
            let waits = st.depends_on.contains(&id) || fan_out.as_deref() == Some(st.id.as_str());
            if waits && finished && !rerun.contains(&st.id) {
                rerun.push(st.id.clone());
            } else if st.depends_on.contains(&id)
                && by_id
                    .get(st.id.as_str())
                    .is_some_and(|s| s.status == SubtaskStatus::Running)
            {
                problems.push(PlanProblem::field(
                    &st.id,
                    "depends_on",
                    format!(
                        "{} depends on {id} and is running; wait for it or cancel it first",
                        st.id
                    ),
                ));
            }
        }
        k += 1;
    }
    let active: HashSet<String> = plan
        .iter()
        .filter(|s| {
            !dropped.contains(&s.id) && !by_id.get(s.id.as_str()).is_some_and(|c| c.dropped)
        })
        .map(|s| s.id.clone())
        .collect();
    // A fan-out's items are not planned subtasks: they do not count here.
    let planned = current.iter().filter(|s| s.parent.is_none()).count();
    if planned + added.len() > max_subtasks * LIFETIME_PLANS {
        problems.push(PlanProblem::plan(format!(
            "the task would have {} subtasks; at most {} are allowed over all its revisions",
            current.len() + added.len(),
            max_subtasks * LIFETIME_PLANS
        )));
    }
    let mut moved = Vec::new();
    let touched: Vec<String> = changed_ids
        .iter()
        .chain(added.iter().map(|a| &a.id))
        .cloned()
        .collect();
    for st in plan.iter_mut().filter(|s| active.contains(&s.id)) {
        if st.title.is_empty() {
            problems.push(plan_rules::no_title(&st.id));
        }
        if st.description.is_empty() {
            st.description = st.title.clone();
        }
        if let Some(problem) = plan_rules::unknown_agent_type(&st.id, &st.agent_type, &known_types)
        {
            problems.push(problem);
        } else if touched.contains(&st.id)
            && let Some(m) = fit(st, agent_types)
        {
            moved.push(m);
        }
        for d in &st.depends_on {
            if d == &st.id {
                problems.push(plan_rules::depends_on_itself(&st.id));
            } else if by_id.contains_key(d.as_str()) && !active.contains(d) || dropped.contains(d) {
                problems.push(PlanProblem::field(
                    &st.id,
                    "depends_on",
                    format!(
                        "{} depends on {d:?}, which is dropped: change what it depends on or drop it too",
                        st.id
                    ),
                ));
            } else if !active.contains(d) {
                problems.push(plan_rules::unknown_dependency(&st.id, d));
            }
        }
    }
    let live: Vec<NewSubtask> = plan
        .iter()
        .filter(|s| active.contains(&s.id))
        .cloned()
        .collect();
    if problems.is_empty()
        && let Some(cycle) = super::planner::find_cycle(&live)
    {
        problems.push(plan_rules::cycle_problem(&cycle));
    }
    if !problems.is_empty() {
        plan_rules::dedup(&mut problems);
        return Err(problems);
    }
    let changed = plan
        .iter()
        .filter(|s| changed_ids.contains(&s.id))
        .cloned()
        .collect();
    let added = plan
        .iter()
        .filter(|s| !by_id.contains_key(s.id.as_str()))
        .cloned()
        .collect();
    Ok(Checked {
        added,
        changed,
        dropped,
        rerun,
        moved,
    })
}

/// The subtasks an edit adds, under the next free `st-N` ids.
fn added_subtasks(
    current: &[Subtask],
    add: &[SubtaskAddition],
    max_subtasks: usize,
    problems: &mut Vec<PlanProblem>,
) -> Vec<NewSubtask> {
    if add.len() > max_subtasks {
        problems.push(PlanProblem::plan(format!(
            "the revision adds {} subtasks; at most {max_subtasks} at once",
            add.len()
        )));
    }
    let next = taken_ids(current);
    add.iter()
        .enumerate()
        .map(|(i, a)| {
            let description = match clip(&a.description, MAX_DESCRIPTION_CHARS) {
                d if d.is_empty() => clip(&a.title, MAX_TITLE_CHARS),
                d => d,
            };
            let id = subtask_id(next + i);
            let mut depends_on: Vec<String> =
                a.depends_on.iter().map(|d| d.trim().to_owned()).collect();
            // A revision's fan-out takes its list from a subtask already in the plan, or a file.
            let for_each = a.for_each.as_ref().and_then(|f| {
                let raw = serde_json::to_value(f).unwrap_or_default();
                let existing = |name: &str| {
                    current
                        .iter()
                        .any(|s| s.id == name)
                        .then(|| name.to_owned())
                };
                let mut said = Vec::new();
                let checked = checked_for_each(&id, &raw, existing, &mut depends_on, &mut said);
                problems.extend(
                    said.into_iter()
                        .map(|m| PlanProblem::field(&id, "for_each", m)),
                );
                checked
            });
            NewSubtask {
                id,
                title: clip(&a.title, MAX_TITLE_CHARS),
                needs: needs_of(&a.needs, &description),
                description,
                agent_type: a.agent_type.trim().to_lowercase(),
                depends_on,
                for_each,
                ..NewSubtask::default()
            }
        })
        .collect()
}

/// How many `st-N` ids the plan has used: the next subtask is `subtask_id(taken_ids(..))`.
pub(crate) fn taken_ids(current: &[Subtask]) -> usize {
    current
        .iter()
        .filter_map(|s| s.id.strip_prefix("st-")?.parse::<usize>().ok())
        .max()
        .unwrap_or(0)
}

/// Makes revisions of one Miteos's plans (one at a time: the check sees the plan it changes).
pub struct Reviser<'a> {
    pub shared: &'a super::Shared,
    pub agent_types: &'a [AgentType],
    pub max_subtasks: usize,
}

impl Reviser<'_> {
    /// Whether `edit` would hold up against the task's plan as stored now (nothing stored).
    pub async fn problems(&self, task_id: &str, edit: &PlanEdit) -> Result<Vec<PlanProblem>> {
        let task = self.shared.store.get_task(task_id).await?;
        Ok(
            check_edit(&task.subtasks, edit, self.agent_types, self.max_subtasks)
                .err()
                .unwrap_or_default(),
        )
    }

    /// Checks `edit` against the task's stored plan, then stores and journals it; the new
    /// revision's number, or the problems that stopped it (nothing stored then).
    pub async fn revise(
        &self,
        task_id: &str,
        by: RevisedBy,
        reason: &str,
        edit: &PlanEdit,
        follow_up: Option<String>,
    ) -> Result<std::result::Result<u32, Vec<PlanProblem>>> {
        let _one_at_a_time = self.shared.revisions.lock().await;
        // Checked against the plan as stored, and stored only if it is still that plan: a
        // revision made meanwhile (in another process) sends it round again.
        let mut attempts = 0;
        loop {
            let task = self.shared.store.get_task(task_id).await?;
            let checked =
                match check_edit(&task.subtasks, edit, self.agent_types, self.max_subtasks) {
                    Ok(checked) => checked,
                    Err(problems) => return Ok(Err(problems)),
                };
            let diff = checked.diff();
            let write = RevisionWrite {
                by,
                reason: clip(reason, MAX_DESCRIPTION_CHARS),
                added: checked.added,
                changed: checked.changed,
                dropped: checked.dropped,
                rerun: checked.rerun,
                follow_up: follow_up.clone(),
                diff,
                expected: Some(task.revision),
            };
            match record(self.shared, task_id, write).await {
                Ok(revision) => {
                    journal_moves(&self.shared.journal, task_id, checked.moved).await?;
                    return Ok(Ok(revision));
                }
                Err(crate::error::Error::Conflict(_)) if attempts < MAX_ATTEMPTS => attempts += 1,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Times a revision is checked again after another one got in first.
const MAX_ATTEMPTS: u32 = 3;

/// Stores a revision made (and checked) in code and journals it (`plan_revised`); its number.
/// The caller holds `shared.revisions`.
pub(crate) async fn record(
    shared: &super::Shared,
    task_id: &str,
    write: RevisionWrite,
) -> Result<u32> {
    let revision = shared.store.apply_revision(task_id, &write).await?;
    shared
        .journal
        .append(
            task_id,
            EventKind::PlanRevised {
                revision,
                by: write.by,
                reason: write.reason,
                diff: write.diff,
            },
        )
        .await?;
    Ok(revision)
}

/// Journals each subtask moved to an agent type that fits it.
pub(crate) async fn journal_moves(
    journal: &Journal,
    task_id: &str,
    moved: Vec<Reassignment>,
) -> Result<()> {
    for m in moved {
        journal
            .append(
                task_id,
                EventKind::SubtaskReassigned {
                    subtask_id: m.subtask_id,
                    from: m.from,
                    to: m.to,
                    reason: m.reason,
                },
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
