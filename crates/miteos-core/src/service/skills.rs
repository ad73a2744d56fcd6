//! The Skill Compiler through the service: compiling completed tasks (read from the store and
//! the journal) into skills, the skills library, and matching a new prompt to a skill.

use std::collections::HashMap;

use super::Miteos;
use crate::domain::{Task, TaskStatus};
use crate::error::{Error, Result};
use crate::events::EventKind;
use crate::ids::new_skill_id;
use crate::skills::{
    CallRecord, Skill, SkillMatch, SubtaskRecord, TaskRecord, compile_group, group_by_shape,
};

/// Completed tasks read when compiling without a selection (the newest).
const COMPILE_WINDOW: u32 = 100;
/// Tasks one compile request may name.
const MAX_SELECTED: usize = 100;

impl Miteos {
    /// Compiles completed tasks into skills: the given ones, or the newest completed tasks. Tasks
    /// of the same shape (plan and tool sequence) make one skill; a skill whose prompt template
    /// exists already gets a new version. Answers the skills made or updated.
    pub async fn compile_skills(&self, task_ids: &[String]) -> Result<Vec<Skill>> {
        if task_ids.len() > MAX_SELECTED {
            return Err(Error::InvalidInput(format!(
                "at most {MAX_SELECTED} tasks can be compiled at once"
            )));
        }
        let tasks = if task_ids.is_empty() {
            self.completed_tasks(COMPILE_WINDOW, 0).await?
        } else {
            let mut tasks = Vec::with_capacity(task_ids.len());
            for id in task_ids {
                let task = self.get_task(id).await?;
                if task.status != TaskStatus::Completed {
                    return Err(Error::InvalidInput(format!(
                        "task {id} is {}; only completed tasks can be compiled",
                        task.status.as_str()
                    )));
                }
                tasks.push(task);
            }
            tasks
        };
        let mut records = Vec::with_capacity(tasks.len());
        for task in tasks {
            records.push(self.task_record(task).await?);
        }
        // Oldest first (task ids sort by creation), so a skill's examples read in the order the
        // tasks ran, whatever order they were named in.
        records.sort_by(|a, b| a.task_id.cmp(&b.task_id));
        let existing = self.inner.store.skills().await?;
        let mut compiled = Vec::new();
        for group in group_by_shape(records) {
            let Some(mut skill) = compile_group(&group, new_skill_id()) else {
                continue;
            };
            if let Some(old) = existing
                .iter()
                .find(|s| s.prompt_template == skill.prompt_template)
            {
                skill.id = old.id.clone();
                skill.name = old.name.clone();
                skill.version = old.version + 1;
                skill.created_at = old.created_at;
                for source in &old.source_tasks {
                    if !skill.source_tasks.contains(source) {
                        skill.source_tasks.push(source.clone());
                    }
                }
            }
            self.inner.store.save_skill(&skill).await?;
            compiled.push(self.skill(&skill.id).await?);
        }
        if compiled.is_empty() && !task_ids.is_empty() {
            return Err(Error::InvalidInput(
                "no skill in these tasks: a skill needs at least two completed tasks with the same plan and tool \
                 steps whose prompts differ only in some words (those become its parameters)"
                    .into(),
            ));
        }
        Ok(compiled)
    }

    /// The skills, newest first (retired ones too).
    pub async fn skills(&self) -> Result<Vec<Skill>> {
        self.inner.store.skills().await
    }

    pub async fn skill(&self, id: &str) -> Result<Skill> {
        self.inner
            .store
            .skill(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("skill {id} does not exist")))
    }

    pub async fn delete_skill(&self, id: &str) -> Result<()> {
        if self.inner.store.delete_skill(id).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("skill {id} does not exist")))
        }
    }

    /// The skill as an Agent Skills folder: `SKILL.md` and the whole skill as JSON.
    pub async fn export_skill(&self, id: &str) -> Result<Vec<crate::skills::SkillFile>> {
        Ok(crate::skills::to_folder(&self.skill(id).await?))
    }

    /// Imports a skill folder (an export, or a hand-written `SKILL.md` with a `prompt:`); an
    /// export of a skill that exists replaces it.
    pub async fn import_skill(&self, files: &[crate::skills::SkillFile]) -> Result<Skill> {
        let skill = crate::skills::from_folder(files, new_skill_id())?;
        if !crate::ids::is_skill_id(&skill.id) {
            return Err(Error::InvalidInput(format!(
                "{:?} is not a skill id (sk-…)",
                skill.id
            )));
        }
        self.inner.store.save_skill(&skill).await?;
        self.skill(&skill.id).await
    }

    /// The skill `prompt` would run from, with its parameters bound, if any.
    pub async fn match_skill(&self, prompt: &str) -> Result<Option<SkillMatch>> {
        let skills = self.inner.store.skills().await?;
        Ok(Skill::best_match(&skills, prompt.trim()).map(|(_, m)| m))
    }

    /// A completed task as the compiler reads it: its plan, and each subtask's successful tool
    /// calls from the journal.
    async fn task_record(&self, task: Task) -> Result<TaskRecord> {
        // Calls started and not yet finished, by (subtask, call id): (journal position, call).
        let mut started: HashMap<(String, String), Vec<(usize, CallRecord)>> = HashMap::new();
        let mut calls: Vec<(usize, String, CallRecord)> = Vec::new();
        for (n, event) in self
            .inner
            .journal
            .read_all(&task.id)
            .await?
            .into_iter()
            .enumerate()
        {
            match event.kind {
                EventKind::ToolCallStarted {
                    subtask_id,
                    call_id,
                    tool,
                    arguments,
                } => started
                    .entry((subtask_id, call_id))
                    .or_default()
                    .push((n, CallRecord { tool, arguments })),
                EventKind::ToolCallFinished {
                    subtask_id,
                    call_id,
                    ok,
                    ..
                } => {
                    let key = (subtask_id, call_id);
                    let open = started.get_mut(&key).filter(|o| !o.is_empty());
                    if let Some(open) = open {
                        let (n, call) = open.remove(0);
                        if ok {
                            calls.push((n, key.0, call));
                        }
                    }
                }
                _ => {}
            }
        }
        calls.sort_by_key(|(n, ..)| *n);
        let seconds = match (task.started_at, task.finished_at) {
            (Some(s), Some(f)) => (f - s).num_milliseconds() as f64 / 1000.0,
            _ => 0.0,
        };
        Ok(TaskRecord {
            subtasks: task
                .subtasks
                .iter()
                .map(|s| SubtaskRecord {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    description: s.description.clone(),
                    agent_type: s.agent_type.clone(),
                    depends_on: s.depends_on.clone(),
                    calls: calls
                        .iter()
                        .filter(|(_, st, _)| *st == s.id)
                        .map(|(_, _, c)| c.clone())
                        .collect(),
                    output: s.output.clone().unwrap_or_default(),
                })
                .collect(),
            task_id: task.id,
            title: task.title.unwrap_or_default(),
            prompt: task.prompt,
            tokens: task.total_tokens_used,
            seconds,
        })
    }
}
