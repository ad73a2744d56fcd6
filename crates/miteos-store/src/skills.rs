//! Skills: stored as JSON, with the counters every run updates beside it.

use chrono::Utc;

use super::Store;
use super::tasks::to_json;
use crate::Row;
use crate::db::{on_pool, on_tx};
use miteos_domain::{Error, Result};

use crate::StoreContext;
use miteos_skills::{Skill, SkillMatch, SkillStatus};

/// A task's relation to skills.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSkill {
    pub skill_id: Option<String>,
    /// How the prompt matched it; `None` for tasks recorded before matches were.
    pub matched: Option<SkillMatch>,
    pub use_skills: bool,
}

/// Failed runs after which a skill that fails more often than it succeeds is retired.
const RETIRE_AFTER_FAILURES: i64 = 3;

const COLUMNS: &str = "id, status, body, uses, successes, sum_tokens, sum_cost_micros, sum_seconds";

impl Store {
    /// Stores a new skill, or a new version of one (same id): its counters stay, and the
    /// version is kept in its history.
    pub async fn save_skill(&self, skill: &Skill) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO skills (id, name, status, prompt_template, body, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             status = excluded.status, prompt_template = excluded.prompt_template, body = excluded.body, \
             updated_at = excluded.updated_at",
        )
        .bind(&skill.id)
        .bind(&skill.name)
        .bind(skill.status.as_str())
        .bind(&skill.prompt_template)
        .bind(to_json(skill))
        .bind(skill.created_at)
        .bind(now)
        .execute(conn)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("storing skill {}", skill.id))?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO skill_versions (skill_id, version, body, saved_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (skill_id, version) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
        )
        .bind(&skill.id)
        .bind(i64::from(skill.version))
        .bind(to_json(skill))
        .bind(now)
        .execute(conn)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("keeping version {} of skill {}", skill.version, skill.id))?;
        tx.commit()
            .await
            .context(|| format!("storing skill {}", skill.id))?;
        Ok(())
    }

    /// Every version of a skill as it was last saved, newest first.
    pub async fn skill_versions(&self, id: &str) -> Result<Vec<Skill>> {
        let rows =
            on_pool!(self.pool(), db => sqlx::query("SELECT body FROM skill_versions WHERE skill_id = $1 ORDER BY version DESC")
                .bind(id)
                .fetch_all(db)
                .await.map(Row::all))
                .context(|| format!("listing the versions of skill {id}"))?;
        rows.iter()
            .map(|row| {
                serde_json::from_str(&row.get::<String>("body"))
                    .map_err(|e| Error::Internal(format!("unreadable skill version in store: {e}")))
            })
            .collect()
    }

    /// Replaces the files kept with a skill (its folder, paths relative to it).
    pub async fn save_skill_files(&self, id: &str, files: &[(String, Vec<u8>)]) -> Result<()> {
        let context = || format!("storing the files of skill {id}");
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query("DELETE FROM skill_files WHERE skill_id = $1")
            .bind(id)
            .execute(conn)
            .await.map(|done| done.rows_affected()))
        .context(context)?;
        for (path, content) in files {
            on_tx!(&mut tx, conn => sqlx::query("INSERT INTO skill_files (skill_id, path, content) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(path)
                .bind(content)
                .execute(conn)
                .await.map(|done| done.rows_affected()))
                .context(context)?;
        }
        tx.commit().await.context(context)?;
        Ok(())
    }

    /// The files kept with a skill, by path.
    pub async fn skill_files(&self, id: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let rows =
            on_pool!(self.pool(), db => sqlx::query("SELECT path, content FROM skill_files WHERE skill_id = $1 ORDER BY path")
                .bind(id)
                .fetch_all(db)
                .await.map(Row::all))
                .context(|| format!("reading the files of skill {id}"))?;
        Ok(rows
            .iter()
            .map(|r| (r.get("path"), r.get("content")))
            .collect())
    }

    /// One file kept with a skill.
    pub async fn skill_file(&self, id: &str, path: &str) -> Result<Option<Vec<u8>>> {
        let row = on_pool!(self.pool(), db => sqlx::query("SELECT content FROM skill_files WHERE skill_id = $1 AND path = $2")
            .bind(id)
            .bind(path)
            .fetch_optional(db)
            .await.map(|row| row.map(Row::from)))
            .context(|| format!("reading {path} of skill {id}"))?;
        Ok(row.map(|r| r.get("content")))
    }

    /// Every skill, newest first.
    pub async fn skills(&self) -> Result<Vec<Skill>> {
        self.skills_where("1 = 1").await
    }

    /// The validated skills (prompts are matched against the usable recipes among them; agents
    /// are offered the usable instructions).
    pub async fn active_skills(&self) -> Result<Vec<Skill>> {
        self.skills_where("status = 'active'").await
    }

    /// The validated skills of `owner` (an account, or `None` for the server's own): the ones
    /// that may run for its tasks and be offered to their agents. A skill's owner is kept in
    /// its body, so they are chosen here rather than in SQL (a library holds few skills).
    pub async fn active_skills_of(&self, owner: Option<&str>) -> Result<Vec<Skill>> {
        Ok(owned_by(self.active_skills().await?, owner))
    }

    /// Every skill of `owner`, newest first (retired ones too).
    pub async fn skills_of(&self, owner: Option<&str>) -> Result<Vec<Skill>> {
        Ok(owned_by(self.skills().await?, owner))
    }

    /// Skills matching `condition` (one of this module's constants, never input), newest first.
    async fn skills_where(&self, condition: &str) -> Result<Vec<Skill>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(&format!(
            "SELECT {COLUMNS} FROM skills WHERE {condition} ORDER BY created_at DESC, id DESC"
        ))
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| "listing skills".into())?;
        rows.iter().map(skill_from_row).collect()
    }

    pub async fn skill(&self, id: &str) -> Result<Option<Skill>> {
        let row = on_pool!(self.pool(), db => sqlx::query(&format!("SELECT {COLUMNS} FROM skills WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await.map(|row| row.map(Row::from)))
            .context(|| format!("reading skill {id}"))?;
        row.as_ref().map(skill_from_row).transpose()
    }

    /// False when there was no such skill.
    pub async fn delete_skill(&self, id: &str) -> Result<bool> {
        let done = on_pool!(self.pool(), db => sqlx::query("DELETE FROM skills WHERE id = $1")
            .bind(id)
            .execute(db)
            .await.map(|done| done.rows_affected()))
        .context(|| format!("deleting skill {id}"))?;
        Ok(done == 1)
    }

    /// Removes a task's plan (its subtasks and their dependencies), to plan it again. What the
    /// removed subtasks spent stays in the task's totals.
    pub async fn discard_plan(&self, task_id: &str) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query("DELETE FROM subtasks WHERE task_id = $1")
            .bind(task_id)
            .execute(db)
            .await.map(|done| done.rows_affected()))
        .context(|| format!("discarding the plan of {task_id}"))?;
        Ok(())
    }

    /// Records the skill a task runs from: how its prompt matched it.
    pub async fn set_task_skill(&self, task_id: &str, matched: &SkillMatch) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query("UPDATE tasks SET skill_id = $1, skill_match = $2 WHERE id = $3")
            .bind(&matched.skill_id)
            .bind(to_json(matched))
            .bind(task_id)
            .execute(db)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("recording the skill of {task_id}"))?;
        Ok(())
    }

    /// The skill a task runs from and its parameters, and whether it may use skills.
    pub async fn task_skill(&self, task_id: &str) -> Result<TaskSkill> {
        let row = on_pool!(self.pool(), db => sqlx::query("SELECT skill_id, skill_match, use_skills FROM tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(db)
            .await.map(|row| row.map(Row::from)))
            .context(|| format!("reading the skill of {task_id}"))?
            .ok_or_else(|| Error::NotFound(format!("task {task_id} does not exist")))?;
        let matched: Option<String> = row.get("skill_match");
        Ok(TaskSkill {
            skill_id: row.get("skill_id"),
            matched: matched.and_then(|m| serde_json::from_str(&m).ok()),
            use_skills: row.get("use_skills"),
        })
    }

    /// Counts one run of a skill; a skill failing more often than it succeeds (after a few
    /// failures) is retired.
    pub async fn record_skill_run(
        &self,
        id: &str,
        succeeded: bool,
        tokens: i64,
        cost_micros: i64,
        seconds: f64,
    ) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query(
            "UPDATE skills SET uses = uses + 1, successes = successes + $1, sum_tokens = sum_tokens + $2, \
             sum_cost_micros = sum_cost_micros + $3, sum_seconds = sum_seconds + $4, updated_at = $5, \
             status = CASE WHEN uses + 1 - (successes + $6) >= $7 AND (successes + $8) * 2 < uses + 1 \
                           THEN 'retired' ELSE status END \
             WHERE id = $9",
        )
        .bind(i64::from(succeeded))
        .bind(tokens)
        .bind(cost_micros)
        .bind(seconds)
        .bind(Utc::now())
        .bind(i64::from(succeeded))
        .bind(RETIRE_AFTER_FAILURES)
        .bind(i64::from(succeeded))
        .bind(id)
        .execute(db)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("counting a run of skill {id}"))?;
        Ok(())
    }
}

fn skill_from_row(row: &Row) -> Result<Skill> {
    let body: String = row.get("body");
    let mut skill: Skill = serde_json::from_str(&body)
        .map_err(|e| Error::Internal(format!("unreadable skill in store: {e}")))?;
    let status: String = row.get("status");
    skill.status = SkillStatus::parse(&status)
        .ok_or_else(|| Error::Internal(format!("unknown skill status {status:?} in store")))?;
    let uses: i64 = row.get("uses");
    let stats = &mut skill.stats;
    stats.uses = uses;
    stats.successes = row.get("successes");
    if uses > 0 {
        let n = uses as f64;
        stats.mean_tokens = row.get::<i64>("sum_tokens") as f64 / n;
        stats.mean_cost_usd = row.get::<i64>("sum_cost_micros") as f64 / 1e6 / n;
        stats.mean_seconds = row.get::<f64>("sum_seconds") / n;
    }
    Ok(skill)
}

/// The skills of `owner` among `skills` (kept in their bodies, so chosen here rather than in SQL).
fn owned_by(skills: Vec<Skill>, owner: Option<&str>) -> Vec<Skill> {
    skills
        .into_iter()
        .filter(|s| s.owner.as_deref() == owner)
        .collect()
}
