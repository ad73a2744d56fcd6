//! Agent Skills as the standard intends: every agent is told the names and descriptions of the
//! skills it may use, and loads one's instructions (or a file of its folder) with `load_skill`
//! only when its work calls for it. Loading journals `skill_loaded`. A skill with files has its
//! folder written into the task folder (`skills/<name>/`), where `run_command` runs its scripts
//! under the same approval and sandbox as any command.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::RunCtx;
use crate::events::EventKind;
use crate::skills::{Skill, SkillKind};
use crate::tools::{Tool, ToolCtx, ToolError, ToolOutput, write_beneath};

const LOAD_SKILL: &str = "load_skill";
/// Where a loaded skill's folder is written, inside the task folder.
const SKILLS_DIR: &str = "skills";
/// A file of a skill read back to the agent: at most this much of it.
const MAX_FILE_CHARS: usize = 40_000;

/// The skills an agent of `agent_type` may load: enabled, validated instructions skills not
/// turned off for its type. None when the task opted out of skills.
pub(super) async fn offered(ctx: &RunCtx, agent_type: &str) -> crate::error::Result<Vec<Skill>> {
    if !ctx.use_skills {
        return Ok(Vec::new());
    }
    Ok(ctx
        .shared
        .store
        .active_skills_of(ctx.owner.as_deref())
        .await?
        .into_iter()
        .filter(|s| s.kind == SkillKind::Instructions && s.usable_by(agent_type))
        .collect())
}

/// What the system prompt says of the skills: their names and descriptions, and when to load one.
pub(super) fn system_section(skills: &[Skill]) -> String {
    let mut out = String::from(
        "\n\nSkills: instructions written for particular kinds of work. When your part of the task is what one \
         of these describes, call load_skill with its name before you do that work, then follow its \
         instructions; do not load skills that do not fit your part.\n",
    );
    for s in skills {
        out.push_str(&format!(
            "- {}: {}\n",
            s.name,
            s.description.replace('\n', " ")
        ));
    }
    out
}

/// The `load_skill` tool of one agent (one subtask).
pub(super) struct LoadSkill {
    pub ctx: RunCtx,
    pub subtask_id: String,
    pub skills: Vec<Skill>,
}

impl LoadSkill {
    pub fn tool(ctx: &RunCtx, subtask_id: &str, skills: Vec<Skill>) -> Arc<dyn Tool> {
        Arc::new(LoadSkill {
            ctx: ctx.clone(),
            subtask_id: subtask_id.to_owned(),
            skills,
        })
    }

    async fn journal(&self, skill: &Skill, file: Option<&str>) -> Result<(), ToolError> {
        let failed = |e: crate::error::Error| ToolError::Failed(e.to_string());
        self.ctx
            .shared
            .journal
            .append(
                &self.ctx.task_id,
                EventKind::SkillLoaded {
                    subtask_id: self.subtask_id.clone(),
                    skill_id: skill.id.clone(),
                    name: skill.name.clone(),
                    version: skill.version,
                    file: file.map(str::to_owned),
                },
            )
            .await
            .map_err(failed)?;
        if file.is_none() {
            self.ctx
                .shared
                .store
                .record_skill_run(&skill.id, true, 0, 0, 0.0)
                .await
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Writes the skill's folder (all but `SKILL.md`) under `skills/<name>/` of the task folder.
    async fn unpack(&self, skill: &Skill, task_dir: &std::path::Path) -> Result<(), ToolError> {
        let files = self
            .ctx
            .shared
            .store
            .skill_files(&skill.id)
            .await
            .map_err(|e| ToolError::Failed(e.to_string()))?;
        for (path, content) in files {
            if path == crate::skills::SKILL_MD {
                continue;
            }
            // Opened beneath the task folder: a skill's own links and names lead nowhere else.
            let (root, relative) = (
                task_dir.to_path_buf(),
                format!("{SKILLS_DIR}/{}/{path}", skill.name),
            );
            let executable = path.starts_with("scripts/");
            tokio::task::spawn_blocking(move || {
                write_beneath(&root, &relative, &content, executable)
            })
            .await
            .map_err(|e| ToolError::Failed(format!("writing {path}: {e}")))??;
        }
        Ok(())
    }
}

#[async_trait]
impl Tool for LoadSkill {
    fn name(&self) -> &str {
        LOAD_SKILL
    }

    fn description(&self) -> &str {
        "Load a skill's instructions (listed in your instructions) when your work calls for it, or, with `file`, \
         one file of the skill's folder its instructions mention (e.g. references/guide.md)."
    }

    fn parameters(&self) -> serde_json::Value {
        let names: Vec<&str> = self.skills.iter().map(|s| s.name.as_str()).collect();
        json!({"type": "object", "properties": {
            "name": {"type": "string", "enum": names, "description": "the skill's name"},
            "file": {"type": "string", "description": "a file of the skill's folder, relative to it; leave out for the instructions"}},
            "required": ["name"]})
    }

    async fn call(&self, args: serde_json::Value, ctx: &ToolCtx) -> Result<ToolOutput, ToolError> {
        let name = args
            .get("name")
            .and_then(|n| n.as_str())
            .ok_or_else(|| ToolError::InvalidArguments("`name` is required".into()))?;
        let skill = self.skills.iter().find(|s| s.name == name).ok_or_else(|| {
            ToolError::InvalidArguments(format!(
                "there is no skill {name:?}; yours: {}",
                self.skills
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let file = args
            .get("file")
            .and_then(|f| f.as_str())
            .map(|f| f.trim().trim_start_matches("./"))
            .filter(|f| !f.is_empty() && *f != crate::skills::SKILL_MD);
        if let Some(path) = file {
            let content = self
                .ctx
                .shared
                .store
                .skill_file(&skill.id, path)
                .await
                .map_err(|e| ToolError::Failed(e.to_string()))?
                .ok_or_else(|| {
                    ToolError::InvalidArguments(format!(
                        "{name} has no file {path:?}; its files: {}",
                        file_list(skill)
                    ))
                })?;
            self.journal(skill, Some(path)).await?;
            let text = match String::from_utf8(content) {
                Ok(text) => crate::tools::truncate_chars(&text, MAX_FILE_CHARS),
                Err(e) => format!(
                    "({path} is not text: {} bytes. Once the skill is loaded it is at {SKILLS_DIR}/{name}/{path} in the task folder.)",
                    e.into_bytes().len()
                ),
            };
            return Ok(ToolOutput::instructions(text));
        }
        if !skill.files.is_empty() {
            self.unpack(skill, &ctx.task_dir).await?;
        }
        self.journal(skill, None).await?;
        let mut out = format!(
            "# Skill {name}\n\n{}\n",
            crate::tools::truncate_chars(&skill.instructions, MAX_FILE_CHARS)
        );
        if !skill.files.is_empty() {
            out.push_str(&format!(
                "\n---\nThe skill's files are in the task folder under {SKILLS_DIR}/{name}/: {}.\nRead one with load_skill and `file`. Run its scripts with run_command from the task folder (e.g. `python3 {SKILLS_DIR}/{name}/scripts/…`) when you have that tool; like any command, they may need the user's approval.\n",
                file_list(skill)
            ));
        }
        Ok(ToolOutput::instructions(out))
    }
}

/// The files kept with a skill, by path.
fn file_list(skill: &Skill) -> String {
    skill
        .files
        .iter()
        .map(|f| f.path.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
