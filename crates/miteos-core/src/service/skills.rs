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
    /// The skill a new task runs from: the one named (its template must fit the prompt), else
    /// the active skill whose template the prompt is worded as, unless the task opted out. A
    /// prompt worded otherwise may still bind to one when its run starts (the orchestrator).
    pub(super) async fn skill_for(
        &self,
        prompt: &str,
        skill_id: Option<&str>,
        skips_skills: bool,
    ) -> Result<Option<SkillMatch>> {
        match skill_id {
            Some(id) => {
                let skill = self.skill(id).await?;
                match skill.pattern_match(prompt) {
                    Some(matched) => Ok(Some(matched)),
                    None => Err(Error::InvalidInput(format!(
                        "the prompt does not fit skill {}: {}",
                        skill.name, skill.prompt_template
                    ))),
                }
            }
            None if skips_skills => Ok(None),
            None => {
                let skills = self.inner.shared.store.active_skills().await?;
                Ok(Skill::best_match(&skills, prompt).map(|(_, m)| m))
            }
        }
    }

    /// Compiles completed tasks into skills (see [`Miteos::compile`]) and validates them in the
    /// background: answers at once with the `candidate` skills. For hosts that stay up.
    pub async fn compile_skills(&self, task_ids: &[String]) -> Result<Vec<Skill>> {
        let compiled = self.compile(task_ids).await?;
        for skill in &compiled {
            let (this, id) = (self.clone(), skill.id.clone());
            self.spawn_background(async move {
                if let Err(e) = this.validate_skill(&id).await {
                    tracing::error!(skill = %id, error = %e, "validating a skill");
                }
            });
        }
        Ok(compiled)
    }

    /// Compiles and validates before answering (the CLI, benchmarks): the skills as validated.
    pub async fn compile_skills_now(&self, task_ids: &[String]) -> Result<Vec<Skill>> {
        let mut validated = Vec::new();
        for skill in self.compile(task_ids).await? {
            validated.push(self.validate_skill(&skill.id).await?);
        }
        Ok(validated)
    }

    /// Compiles completed tasks into skills: the given ones, or the newest completed tasks. Tasks
    /// of the same shape (plan and tool sequence) make one skill; a skill whose prompt template
    /// exists already gets a new version. Every skill made is a `candidate` until validated.
    async fn compile(&self, task_ids: &[String]) -> Result<Vec<Skill>> {
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
        // One task named alone: a call to its model says which words of its prompt would change.
        let single_model = match tasks.as_slice() {
            [task] if task_ids.len() == 1 => Some(task.model.clone()),
            _ => None,
        };
        let mut records = Vec::with_capacity(tasks.len());
        for task in tasks {
            // A follow-up made it more than its prompt asked: its work is not the prompt's.
            let task = self.get_task(&task.id).await?;
            if !task.follow_ups.is_empty() {
                if !task_ids.is_empty() {
                    return Err(Error::InvalidInput(format!(
                        "task {} has follow-ups; only a task done from its prompt alone can be compiled",
                        task.id
                    )));
                }
                continue;
            }
            records.push(self.task_record(task).await?);
        }
        // Oldest first (task ids sort by creation), so a skill's examples read in the order the
        // tasks ran, whatever order they were named in.
        records.sort_by(|a, b| a.task_id.cmp(&b.task_id));
        let existing = self.inner.shared.store.skills().await?;
        let mut compiled = Vec::new();
        let single = match (records.as_slice(), &single_model) {
            ([task], Some(model)) => {
                let values = self.variable_words(&task.prompt, model).await?;
                Some(crate::skills::compile_single(task, &values, new_skill_id()))
            }
            _ => None,
        };
        let candidates: Vec<Option<Skill>> = match single {
            Some(skill) => vec![skill],
            None => group_by_shape(records)
                .iter()
                .map(|group| compile_group(group, new_skill_id()))
                .collect(),
        };
        for candidate in candidates {
            let Some(mut skill) = candidate else {
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
            self.inner.shared.store.save_skill(&skill).await?;
            compiled.push(self.skill(&skill.id).await?);
        }
        if compiled.is_empty() && !task_ids.is_empty() {
            return Err(Error::InvalidInput(
                "no skill in these tasks: a skill needs two completed tasks with the same plan and tool steps whose \
                 prompts differ only in some words (those become its parameters), or one task whose prompt has words \
                 that would change"
                    .into(),
            ));
        }
        Ok(compiled)
    }

    /// Runs a skill on its newest source task's prompt (same model) and keeps it if the run,
    /// from the skill without falling back, completes with the source's kinds of deliverables
    /// for fewer tokens; otherwise it is `rejected`, with the reason.
    pub async fn validate_skill(&self, id: &str) -> Result<Skill> {
        let mut skill = self.skill(id).await?;
        let Some(source_id) = skill.source_tasks.iter().max().cloned() else {
            return Err(Error::InvalidInput(format!(
                "skill {id} has no source task to validate against"
            )));
        };
        let source = self.get_task(&source_id).await?;
        let run = self
            .create_task(super::NewTask {
                prompt: source.prompt.clone(),
                workspace_id: source.workspace_id.clone(),
                model: Some(source.model.clone()),
                skill_id: Some(skill.id.clone()),
                ..Default::default()
            })
            .await?;
        let run = self.wait(&run.id).await?;
        if self.is_closing() && !run.status.is_finished() {
            // Quitting halted the run: no verdict, the skill stays a candidate.
            return Err(Error::Conflict(format!(
                "validating skill {id} was interrupted by quitting; run it again"
            )));
        }
        let abandoned = self
            .inner
            .shared
            .journal
            .read_all(&run.id)
            .await?
            .iter()
            .any(|e| matches!(e.kind, EventKind::SkillAbandoned { .. }));
        let kinds = |files: Vec<crate::domain::Deliverable>| {
            let mut kinds: Vec<String> = files
                .iter()
                .map(|d| {
                    d.name
                        .rsplit_once('.')
                        .map_or(String::new(), |(_, e)| e.to_lowercase())
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            kinds
        };
        let expected = kinds(self.deliverables(&source.id).await?);
        let got = kinds(self.deliverables(&run.id).await?);
        let verdict = if run.status != TaskStatus::Completed {
            Err(format!(
                "the run ended {}: {}",
                run.status.as_str(),
                run.error.clone().unwrap_or_default()
            ))
        } else if abandoned {
            Err("the run from the skill failed and was planned afresh".to_owned())
        } else if let Some(missing) = expected.iter().find(|k| !got.contains(k)) {
            Err(format!(
                "it delivered no .{missing} file, which the source task did"
            ))
        } else if run.total_tokens_used >= source.total_tokens_used {
            Err(format!(
                "it used {} tokens, not fewer than the source task's {}",
                run.total_tokens_used, source.total_tokens_used
            ))
        } else {
            Ok(format!(
                "completed with the same kinds of deliverables for {} tokens instead of {}",
                run.total_tokens_used, source.total_tokens_used
            ))
        };
        // Read again: the run counted itself in the skill's stats.
        skill = self.skill(id).await?;
        let (passed, reason) = match verdict {
            Ok(r) => (true, r),
            Err(r) => (false, r),
        };
        tracing::info!(skill = %id, passed, %reason, "skill validated");
        skill.status = if passed {
            crate::skills::SkillStatus::Active
        } else {
            crate::skills::SkillStatus::Rejected
        };
        skill.validation = Some(crate::skills::SkillValidation {
            task_id: run.id,
            source_task_id: source.id,
            passed,
            reason,
            tokens: run.total_tokens_used,
            source_tokens: source.total_tokens_used,
        });
        self.inner.shared.store.save_skill(&skill).await?;
        self.skill(id).await
    }

    /// The words of `prompt` that would change when the same kind of task is asked again (a
    /// subject, a number), as the task's model judges them.
    async fn variable_words(&self, prompt: &str, model: &str) -> Result<Vec<String>> {
        use futures::StreamExt;

        use crate::providers::{ChatRequest, Message, StreamItem, ToolSpec};
        const TOOL: &str = "submit_parameters";
        let provider = self.providers().provider(model)?;
        let request = ChatRequest {
            system: "You turn a finished task into a reusable template. Given its prompt, name the words that would \
                     change when someone asks for the same kind of task again: subjects, names, numbers, places, dates. \
                     Copy each exactly as it appears in the prompt."
                .into(),
            messages: vec![Message::User(format!("The prompt: {prompt}"))],
            tools: vec![ToolSpec {
                name: TOOL.into(),
                description: "Submit the words of the prompt that would change.".into(),
                parameters: serde_json::json!({"type": "object", "properties": {"values": {
                    "type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 6}},
                    "required": ["values"]}),
            }],
            force_tool: Some(TOOL.into()),
            max_tokens: Some(256),
        };
        let mut stream = provider.stream(&request).await?;
        while let Some(item) = stream.next().await {
            if let StreamItem::ToolCall(call) = item?
                && let Some(values) = call.arguments.get("values").and_then(|v| v.as_array())
            {
                return Ok(values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect());
            }
        }
        Ok(Vec::new())
    }

    /// The skills, newest first (retired ones too).
    pub async fn skills(&self) -> Result<Vec<Skill>> {
        self.inner.shared.store.skills().await
    }

    pub async fn skill(&self, id: &str) -> Result<Skill> {
        self.inner
            .shared
            .store
            .skill(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("skill {id} does not exist")))
    }

    /// Gives a skill another name: 2–60 lowercase letters, digits and `-`.
    pub async fn rename_skill(&self, id: &str, name: &str) -> Result<Skill> {
        let name = name.trim();
        let valid = (2..=60).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.starts_with('-');
        if !valid {
            return Err(Error::InvalidInput(format!(
                "{name:?} is not a skill name: 2–60 lowercase letters, digits and '-'"
            )));
        }
        let mut skill = self.skill(id).await?;
        skill.name = name.to_owned();
        self.inner.shared.store.save_skill(&skill).await?;
        self.skill(id).await
    }

    pub async fn delete_skill(&self, id: &str) -> Result<()> {
        if self.inner.shared.store.delete_skill(id).await? {
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
        self.inner.shared.store.save_skill(&skill).await?;
        self.skill(&skill.id).await
    }

    /// The skill `prompt` would run from, without a model call: bound, when the prompt is worded
    /// as a skill's template; `pending` (parameters unbound, confidence the share of the skill's
    /// words it has), when it is only close to one — a short model call decides as the task runs.
    pub async fn match_skill(&self, prompt: &str) -> Result<Option<SkillMatch>> {
        let skills = self.inner.shared.store.active_skills().await?;
        let prompt = prompt.trim();
        if let Some((_, matched)) = Skill::best_match(&skills, prompt) {
            return Ok(Some(matched));
        }
        Ok(
            crate::skills::closest(&skills, prompt).map(|(skill, resemblance)| SkillMatch {
                skill_id: skill.id.clone(),
                name: skill.name.clone(),
                parameters: Default::default(),
                confidence: resemblance,
                bound_by: crate::skills::BoundBy::Pending,
            }),
        )
    }

    /// A completed task as the compiler reads it: its plan, and each subtask's successful tool
    /// calls from the journal.
    async fn task_record(&self, task: Task) -> Result<TaskRecord> {
        // Calls started and not yet finished, by (subtask, call id): (journal position, call).
        let mut started: HashMap<(String, String), Vec<(usize, CallRecord)>> = HashMap::new();
        let mut calls: Vec<(usize, String, CallRecord)> = Vec::new();
        for (n, event) in self
            .inner
            .shared
            .journal
            .read_all(&task.id)
            .await?
            .into_iter()
            .enumerate()
        {
            match event.kind {
                // A retried or rerun subtask: only its last attempt's calls count.
                EventKind::SubtaskStarted { subtask_id, .. } => {
                    calls.retain(|(_, st, _)| *st != subtask_id);
                    started.retain(|(st, _), _| *st != subtask_id);
                }
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
        // The final plan: what a revision dropped and what did not complete is not part of it.
        let kept: Vec<&crate::domain::Subtask> = task
            .subtasks
            .iter()
            .filter(|s| !s.dropped && s.status == crate::domain::SubtaskStatus::Complete)
            .collect();
        Ok(TaskRecord {
            subtasks: kept
                .iter()
                .map(|s| SubtaskRecord {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    description: s.description.clone(),
                    agent_type: s.agent_type.clone(),
                    depends_on: s
                        .depends_on
                        .iter()
                        .filter(|d| kept.iter().any(|k| &k.id == *d))
                        .cloned()
                        .collect(),
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
