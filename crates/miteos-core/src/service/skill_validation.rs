//! Validating a recipe before it is used: the skill runs (without falling back) on its newest
//! source task's prompt, or — imported from elsewhere — on its template with its parameters'
//! examples, and must deliver what it should for fewer tokens.

use super::Miteos;
use crate::domain::TaskStatus;
use crate::error::{Error, Result};
use crate::events::EventKind;
use crate::skills::Skill;

impl Miteos {
    /// Runs a skill and keeps it if the run, from the skill without falling back, completes
    /// with the kinds of deliverables it should for fewer tokens; otherwise it is `rejected`,
    /// with the reason. It runs on its newest source task's prompt and model, judged against that
    /// task; a skill imported from elsewhere (its source tasks are not here) on its template with
    /// its parameters' examples, judged against its recipe's files and its source's mean tokens.
    pub async fn validate_skill(&self, id: &str) -> Result<Skill> {
        let skill = self.stored_skill(id).await?;
        if skill.kind != crate::skills::SkillKind::Recipe {
            return Err(Error::InvalidInput(format!(
                "{} is instructions an agent loads, not a recipe: there is no run to validate",
                skill.name
            )));
        }
        let mut source = None;
        for task_id in skill.source_tasks.iter().rev() {
            if let Ok(task) = self.get_task(task_id).await {
                source = Some(task);
                break;
            }
        }
        let (prompt, workspace_id, model) = match &source {
            Some(task) => (
                task.prompt.clone(),
                task.workspace_id.clone(),
                Some(task.model.clone()),
            ),
            None => (example_prompt(&skill)?, None, None),
        };
        let run = self
            .create_task(super::NewTask {
                prompt,
                workspace_id,
                model,
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
        let kinds_of = |names: Vec<String>| {
            let mut kinds: Vec<String> = names
                .iter()
                .map(|n| {
                    n.rsplit_once('.')
                        .map_or(String::new(), |(_, e)| e.to_lowercase())
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            kinds
        };
        let names =
            |files: Vec<crate::domain::Deliverable>| files.into_iter().map(|d| d.name).collect();
        let (expected, source_tokens) = match &source {
            Some(task) => (
                kinds_of(names(self.deliverables(&task.id).await?)),
                Some(task.total_tokens_used),
            ),
            None => (
                kinds_of(recipe_files(&skill)),
                Some(skill.stats.source_mean_tokens.round() as i64).filter(|t| *t > 0),
            ),
        };
        let got = kinds_of(names(self.deliverables(&run.id).await?));
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
                "it delivered no .{missing} file, which {} did",
                if source.is_some() {
                    "the source task"
                } else {
                    "its recipe"
                }
            ))
        } else if let Some(before) = source_tokens.filter(|t| run.total_tokens_used >= *t) {
            Err(format!(
                "it used {} tokens, not fewer than the source tasks' {before}",
                run.total_tokens_used
            ))
        } else {
            Ok(match source_tokens {
                Some(before) => format!(
                    "completed with the same kinds of deliverables for {} tokens instead of {before}",
                    run.total_tokens_used
                ),
                None => format!(
                    "completed with the deliverables its recipe writes for {} tokens",
                    run.total_tokens_used
                ),
            })
        };
        // Read again: the run counted itself in the skill's stats.
        let mut skill = self.stored_skill(id).await?;
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
            source_task_id: source.map(|t| t.id).unwrap_or_default(),
            passed,
            reason,
            tokens: run.total_tokens_used,
            source_tokens: source_tokens.unwrap_or(0),
        });
        self.inner.shared.store.save_skill(&skill).await?;
        self.stored_skill(id).await
    }
}

/// The prompt a skill stands for with each parameter's last example: what a skill imported
/// without its source tasks is validated on.
fn example_prompt(skill: &Skill) -> Result<String> {
    let mut bindings = crate::skills::Bindings::new();
    for p in &skill.parameters {
        let value = p.examples.last().ok_or_else(|| {
            Error::InvalidInput(format!(
                "skill {} has no example of {} to validate with",
                skill.name, p.name
            ))
        })?;
        bindings.insert(p.name.clone(), value.clone());
    }
    Ok(crate::skills::render(&skill.prompt_template, &bindings))
}

/// The files a recipe's steps write (their names as templates).
fn recipe_files(skill: &Skill) -> Vec<String> {
    skill
        .subtasks
        .iter()
        .flat_map(|st| &st.steps)
        .filter(|step| step.tool.starts_with("write_"))
        .filter_map(|step| step.arguments.get("path")?.as_str().map(str::to_owned))
        .collect()
}
