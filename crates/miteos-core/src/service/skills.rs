//! The Skill Compiler through the service: compiling completed tasks (read from the store and
//! the journal) into skills, the skills library, and matching a new prompt to a skill.

use std::collections::HashMap;

use super::{Caller, Miteos};
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
/// Completed tasks the compiler reads when it runs by itself after a task (the newest).
const AUTO_WINDOW: u32 = 30;

impl Miteos {
    /// The skill a new task of `owner` runs from: the one named (its template must fit the
    /// prompt), else the owner's active skill whose template the prompt is worded as, unless the
    /// task opted out. A prompt worded otherwise may still bind to one when its run starts (the
    /// orchestrator).
    pub(super) async fn skill_for(
        &self,
        owner: Option<&str>,
        prompt: &str,
        skill_id: Option<&str>,
        skips_skills: bool,
    ) -> Result<Option<SkillMatch>> {
        match skill_id {
            Some(id) => {
                let skill = self.stored_skill(id).await?;
                // A task runs its owner's skills; the server's own tasks (its validation runs
                // among them) may run any.
                if owner.is_some() && skill.owner.as_deref() != owner {
                    return Err(Error::NotFound(format!("skill {id} does not exist")));
                }
                if skill.kind != crate::skills::SkillKind::Recipe {
                    return Err(Error::InvalidInput(format!(
                        "{} is instructions agents load when their work calls for it; a task does not run from it",
                        skill.name
                    )));
                }
                let unusable = match (skill.enabled, skill.status) {
                    (false, _) => Some("disabled; enable it first"),
                    (true, crate::skills::SkillStatus::Unvalidated) => Some(
                        "not validated yet; validate it first (the Skills page, or POST /skills/{id}/validate)",
                    ),
                    _ => None,
                };
                if let Some(why) = unusable {
                    return Err(Error::InvalidInput(format!(
                        "skill {} is {why}",
                        skill.name
                    )));
                }
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
                let skills = self.active_skills_of(owner).await?;
                Ok(Skill::best_match(&skills, prompt).map(|(_, m)| m))
            }
        }
    }

    /// Compiles completed tasks into skills (see [`Miteos::compile`]) and validates them in the
    /// background: answers at once with the `candidate` skills. For hosts that stay up.
    pub async fn compile_skills(&self, caller: &Caller, task_ids: &[String]) -> Result<Vec<Skill>> {
        let compiled = self.compile(caller, task_ids).await?;
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

    /// After a task completes: when it and others of its kind — the same plan and tool steps,
    /// each done from its prompt alone — number `skills.compile_after`, the compiler makes a
    /// skill of them by itself, validates it, and offers it to the user (`offered`: kept or
    /// discarded in the War Room). Nothing when such a skill exists already.
    /// (Boxed: a validation run starts a task, whose end comes back here.)
    pub fn compile_by_itself(
        &self,
        task_id: String,
    ) -> futures::future::BoxFuture<'static, Result<Option<Skill>>> {
        let this = self.clone();
        Box::pin(async move { this.compile_after_task(&task_id).await })
    }

    async fn compile_after_task(&self, task_id: &str) -> Result<Option<Skill>> {
        match self.compile_candidate_after(task_id).await? {
            Some(skill) => self.validate_skill(&skill.id).await.map(Some),
            None => Ok(None),
        }
    }

    /// The first half of [`Miteos::compile_by_itself`]: the candidate made of `task_id`'s kind
    /// (saved, offered, not yet validated), for hosts that say so before its validation run.
    pub async fn compile_candidate_after(&self, task_id: &str) -> Result<Option<Skill>> {
        let after = self.skill_settings().await?.compile_after as usize;
        let store = &self.inner.shared.store;
        if after == 0
            || !done_alone(&self.get_task(task_id).await?)
            || store.task_skill(task_id).await?.skill_id.is_some()
        {
            return Ok(None);
        }
        self.offer_compiled(task_id, after).await
    }

    /// The candidate the compiler makes by itself of `task_id`'s kind, saved and offered;
    /// `None` when there are fewer than `after` such tasks or such a skill exists.
    async fn offer_compiled(&self, task_id: &str, after: usize) -> Result<Option<Skill>> {
        let store = &self.inner.shared.store;
        let _one_at_a_time = self.inner.compiling.lock().await;
        // A skill is made of one owner's tasks, for that owner.
        let task = self.get_task(task_id).await?;
        let existing = store.skills_of(task.owner.as_deref()).await?;
        if existing
            .iter()
            .any(|s| s.source_tasks.iter().any(|t| t == task_id))
        {
            return Ok(None);
        }
        // Only tasks whose final plan has this one's agent types can be of its kind: their
        // journals alone are read.
        let shape = plan_shape(&task);
        let mut records = Vec::new();
        for other in self.completed_tasks(AUTO_WINDOW, 0).await? {
            let other = self.get_task(&other.id).await?;
            if other.owner == task.owner
                && done_alone(&other)
                && plan_shape(&other) == shape
                && store.task_skill(&other.id).await?.skill_id.is_none()
            {
                records.push(self.task_record(other).await?);
            }
        }
        records.sort_by(|a, b| a.task_id.cmp(&b.task_id));
        let Some(group) = group_by_shape(records)
            .into_iter()
            .find(|g| g.iter().any(|r| r.task_id == task_id))
        else {
            return Ok(None);
        };
        if group.len() < after {
            return Ok(None);
        }
        let candidate = match group.as_slice() {
            // A group of one is the completed task itself.
            [one] => {
                let values = self.variable_words(&one.prompt, &task.model).await?;
                crate::skills::compile_single(one, &values, new_skill_id())
            }
            _ => compile_group(&group, new_skill_id()),
        };
        let Some(mut skill) = candidate else {
            return Ok(None);
        };
        if existing
            .iter()
            .any(|s| s.prompt_template == skill.prompt_template)
        {
            return Ok(None);
        }
        skill.origin = crate::skills::SkillOrigin::Compiled { automatic: true };
        skill.offered = true;
        skill.owner = task.owner.clone();
        store.save_skill(&skill).await?;
        Ok(Some(skill))
    }

    /// Compiles and validates before answering (the CLI, benchmarks): the skills as validated.
    pub async fn compile_skills_now(
        &self,
        caller: &Caller,
        task_ids: &[String],
    ) -> Result<Vec<Skill>> {
        let mut validated = Vec::new();
        for skill in self.compile(caller, task_ids).await? {
            validated.push(self.validate_skill(&skill.id).await?);
        }
        Ok(validated)
    }

    /// Compiles completed tasks into skills: the given ones (which the caller must see), or the
    /// newest completed tasks of the caller's own. Tasks of the same owner and shape (plan and
    /// tool sequence) make one skill, that owner's; a skill whose prompt template the owner has
    /// already gets a new version. Every skill made is a `candidate` until validated.
    async fn compile(&self, caller: &Caller, task_ids: &[String]) -> Result<Vec<Skill>> {
        if task_ids.len() > MAX_SELECTED {
            return Err(Error::InvalidInput(format!(
                "at most {MAX_SELECTED} tasks can be compiled at once"
            )));
        }
        let tasks = if task_ids.is_empty() {
            let owner = caller.account_id();
            (self.completed_tasks(COMPILE_WINDOW, 0).await?)
                .into_iter()
                .filter(|t| t.owner.as_deref() == owner)
                .collect()
        } else {
            let mut tasks = Vec::with_capacity(task_ids.len());
            for id in task_ids {
                self.check_task_access(caller, id).await?;
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
        let mut owners: HashMap<String, Option<String>> = HashMap::new();
        for task in tasks {
            // A follow-up made it more than its prompt asked: its work is not the prompt's.
            let task = self.get_task(&task.id).await?;
            // Unselected, a task run from a skill (its validation runs among them) is not new
            // evidence of its kind.
            if task_ids.is_empty()
                && (self.inner.shared.store.task_skill(&task.id).await?)
                    .skill_id
                    .is_some()
            {
                continue;
            }
            if let Some(why) = not_compilable(&task) {
                if !task_ids.is_empty() {
                    return Err(Error::InvalidInput(format!("task {} {why}", task.id)));
                }
                continue;
            }
            owners.insert(task.id.clone(), task.owner.clone());
            records.push(self.task_record(task).await?);
        }
        // Oldest first (task ids sort by creation), so a skill's examples read in the order the
        // tasks ran, whatever order they were named in.
        records.sort_by(|a, b| a.task_id.cmp(&b.task_id));
        let _one_at_a_time = self.inner.compiling.lock().await;
        let existing = self.inner.shared.store.skills().await?;
        let mut compiled = Vec::new();
        let single = match (records.as_slice(), &single_model) {
            ([task], Some(model)) => {
                let values = self.variable_words(&task.prompt, model).await?;
                Some(crate::skills::compile_single(task, &values, new_skill_id()))
            }
            _ => None,
        };
        let owner_of = |record: &TaskRecord| owners.get(&record.task_id).cloned().flatten();
        let candidates: Vec<(Option<Skill>, Option<String>)> = match single {
            Some(skill) => vec![(skill, records.first().and_then(owner_of))],
            None => {
                // One owner's tasks make a skill: grouped by owner, then by shape.
                let mut by_owner: Vec<(Option<String>, Vec<TaskRecord>)> = Vec::new();
                for record in records {
                    let owner = owner_of(&record);
                    match by_owner.iter_mut().find(|(o, _)| *o == owner) {
                        Some((_, group)) => group.push(record),
                        None => by_owner.push((owner, vec![record])),
                    }
                }
                by_owner
                    .into_iter()
                    .flat_map(|(owner, records)| {
                        group_by_shape(records)
                            .iter()
                            .map(|group| (compile_group(group, new_skill_id()), owner.clone()))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            }
        };
        for (candidate, owner) in candidates {
            let Some(mut skill) = candidate else {
                continue;
            };
            skill.owner = owner;
            if let Some(old) = existing
                .iter()
                .find(|s| s.owner == skill.owner && s.prompt_template == skill.prompt_template)
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
            compiled.push(self.stored_skill(&skill.id).await?);
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

    /// The skills the caller may see, newest first (retired ones too).
    pub async fn skills(&self, caller: &Caller) -> Result<Vec<Skill>> {
        Ok((self.inner.shared.store.skills().await?)
            .into_iter()
            .filter(|s| caller.may_see_skill(s))
            .collect())
    }

    /// A skill the caller may see (another's is not there for them).
    pub async fn skill(&self, caller: &Caller, id: &str) -> Result<Skill> {
        let skill = self.stored_skill(id).await?;
        if caller.may_see_skill(&skill) {
            Ok(skill)
        } else {
            Err(Error::NotFound(format!("skill {id} does not exist")))
        }
    }

    /// A skill as stored, whoever it belongs to: for the service's own work on it.
    pub(super) async fn stored_skill(&self, id: &str) -> Result<Skill> {
        self.inner
            .shared
            .store
            .skill(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("skill {id} does not exist")))
    }

    /// The validated skills of `owner`: those that may run for its tasks.
    async fn active_skills_of(&self, owner: Option<&str>) -> Result<Vec<Skill>> {
        self.inner.shared.store.active_skills_of(owner).await
    }

    /// The skill `prompt` would run from, without a model call: bound, when the prompt is worded
    /// as a skill's template; `pending` (parameters unbound, confidence the share of the skill's
    /// words it has), when it is only close to one — a short model call decides as the task runs.
    pub async fn match_skill(&self, caller: &Caller, prompt: &str) -> Result<Option<SkillMatch>> {
        let skills = self.active_skills_of(caller.account_id()).await?;
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

/// Completed from its prompt alone (no follow-up made it more): what a skill is compiled from.
fn done_alone(task: &Task) -> bool {
    task.status == TaskStatus::Completed && not_compilable(task).is_none()
}

/// Why a task cannot become a recipe, if it cannot.
fn not_compilable(task: &Task) -> Option<&'static str> {
    if !task.follow_ups.is_empty() {
        Some("has follow-ups; only a task done from its prompt alone can be compiled")
    } else if task.subtasks.iter().any(|s| s.for_each.is_some()) {
        Some("fans out over a list; a recipe cannot hold a fan-out yet")
    } else {
        None
    }
}

/// A task's final plan in outline: each kept, completed subtask's agent type, in order.
fn plan_shape(task: &Task) -> Vec<String> {
    task.subtasks
        .iter()
        .filter(|s| !s.dropped && s.status == crate::domain::SubtaskStatus::Complete)
        .map(|s| s.agent_type.clone())
        .collect()
}
