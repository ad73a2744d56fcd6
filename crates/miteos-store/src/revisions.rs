//! Plan revisions (each stored with its changes in one transaction), follow-up messages, what a
//! task's result check left unmet, and whether its plan waits for review.

use chrono::Utc;
use sqlx::Row;

use super::Store;
use super::tasks::{NewSubtask, insert_deps, insert_subtask, json_column, to_json};
use crate::StoreContext;
use miteos_domain::plan::{FollowUp, PlanDiff, PlanRevision, RevisedBy};
use miteos_domain::{Error, Result};

/// A validated revision, ready to store: what it adds, changes, drops and reruns.
#[derive(Debug, Clone)]
pub struct RevisionWrite {
    pub by: RevisedBy,
    pub reason: String,
    /// New subtasks, with their new ids.
    pub added: Vec<NewSubtask>,
    /// Existing subtasks as they are after the change (title, description, agent type, needs,
    /// dependencies).
    pub changed: Vec<NewSubtask>,
    pub dropped: Vec<String>,
    /// Subtasks that run again: `pending`, a new attempt, their old output gone from the row
    /// (it stays in the journal).
    pub rerun: Vec<String>,
    /// The follow-up message this revision plans, if any.
    pub follow_up: Option<String>,
    pub diff: PlanDiff,
}

impl Store {
    /// Stores a revision and every change it makes, atomically; answers its number.
    pub async fn apply_revision(&self, task_id: &str, rev: &RevisionWrite) -> Result<u32> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE tasks SET revision = revision + 1 WHERE id = ? RETURNING revision, \
             (SELECT COALESCE(MAX(position), -1) FROM subtasks WHERE task_id = ?) AS last",
        )
        .bind(task_id)
        .bind(task_id)
        .fetch_optional(&mut *tx)
        .await
        .context(|| format!("numbering a revision of {task_id}"))?
        .ok_or_else(|| Error::NotFound(format!("task {task_id} does not exist")))?;
        let revision = row.get::<i64, _>("revision") as u32;
        let last: i64 = row.get("last");
        for (i, st) in rev.added.iter().enumerate() {
            insert_subtask(&mut tx, task_id, st, last + 1 + i as i64, revision).await?;
        }
        for st in &rev.added {
            insert_deps(&mut tx, task_id, st).await?;
        }
        for st in &rev.changed {
            sqlx::query(
                "UPDATE subtasks SET title = ?, description = ?, agent_type = ?, needs = ? \
                 WHERE task_id = ? AND id = ?",
            )
            .bind(&st.title)
            .bind(&st.description)
            .bind(&st.agent_type)
            .bind(to_json(&st.needs))
            .bind(task_id)
            .bind(&st.id)
            .execute(&mut *tx)
            .await
            .context(|| format!("changing subtask {} of {task_id}", st.id))?;
            sqlx::query("DELETE FROM subtask_deps WHERE task_id = ? AND subtask_id = ?")
                .bind(task_id)
                .bind(&st.id)
                .execute(&mut *tx)
                .await
                .context(|| format!("replacing the dependencies of {}", st.id))?;
            insert_deps(&mut tx, task_id, st).await?;
        }
        for id in &rev.dropped {
            sqlx::query(
                "UPDATE subtasks SET dropped = 1, \
                 status = CASE WHEN status IN ('pending', 'running') THEN 'cancelled' ELSE status END, \
                 finished_at = COALESCE(finished_at, ?) WHERE task_id = ? AND id = ?",
            )
            .bind(Utc::now())
            .bind(task_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .context(|| format!("dropping subtask {id} of {task_id}"))?;
        }
        for id in &rev.rerun {
            sqlx::query(
                "UPDATE subtasks SET status = 'pending', attempt = attempt + 1, output = NULL, error = NULL, \
                 started_at = NULL, finished_at = NULL WHERE task_id = ? AND id = ?",
            )
            .bind(task_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .context(|| format!("putting subtask {id} of {task_id} to run again"))?;
        }
        sqlx::query(
            "INSERT INTO plan_revisions (task_id, revision, by, reason, diff, at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(task_id)
        .bind(i64::from(revision))
        .bind(rev.by.as_str())
        .bind(&rev.reason)
        .bind(to_json(&rev.diff))
        .bind(Utc::now())
        .execute(&mut *tx)
        .await
        .context(|| format!("storing revision {revision} of {task_id}"))?;
        if let Some(follow_up) = &rev.follow_up {
            sqlx::query("UPDATE follow_ups SET revision = ? WHERE id = ? AND task_id = ?")
                .bind(i64::from(revision))
                .bind(follow_up)
                .bind(task_id)
                .execute(&mut *tx)
                .await
                .context(|| format!("linking follow-up {follow_up} to its revision"))?;
        }
        tx.commit()
            .await
            .context(|| format!("committing revision {revision} of {task_id}"))?;
        Ok(revision)
    }

    /// The task's revisions, oldest first.
    pub async fn revisions_of(&self, task_id: &str) -> Result<Vec<PlanRevision>> {
        let rows = sqlx::query(
            "SELECT revision, by, reason, diff, at FROM plan_revisions WHERE task_id = ? ORDER BY revision",
        )
        .bind(task_id)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the revisions of {task_id}"))?;
        rows.iter()
            .map(|row| {
                let by: String = row.get("by");
                Ok(PlanRevision {
                    revision: row.get::<i64, _>("revision") as u32,
                    by: RevisedBy::parse(&by).ok_or_else(|| {
                        Error::Internal(format!("unknown reviser {by:?} in store"))
                    })?,
                    reason: row.get("reason"),
                    diff: json_column(row, "diff")?,
                    at: row.get("at"),
                })
            })
            .collect()
    }

    /// How many revisions `by` made of the task.
    pub async fn revisions_by(&self, task_id: &str, by: RevisedBy) -> Result<u32> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM plan_revisions WHERE task_id = ? AND by = ?")
                .bind(task_id)
                .bind(by.as_str())
                .fetch_one(self.pool())
                .await
                .context(|| format!("counting the revisions of {task_id}"))?;
        Ok(row.get::<i64, _>("n") as u32)
    }

    pub async fn insert_follow_up(&self, task_id: &str, follow_up: &FollowUp) -> Result<()> {
        sqlx::query(
            "INSERT INTO follow_ups (id, task_id, message, revision, at) VALUES (?, ?, ?, NULL, ?)",
        )
        .bind(&follow_up.id)
        .bind(task_id)
        .bind(&follow_up.message)
        .bind(follow_up.at)
        .execute(self.pool())
        .await
        .context(|| format!("storing a follow-up of {task_id}"))?;
        Ok(())
    }

    /// The task's follow-up messages, oldest first.
    pub async fn follow_ups_of(&self, task_id: &str) -> Result<Vec<FollowUp>> {
        let rows = sqlx::query(
            "SELECT id, message, revision, at FROM follow_ups WHERE task_id = ? ORDER BY at, id",
        )
        .bind(task_id)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the follow-ups of {task_id}"))?;
        Ok(rows
            .iter()
            .map(|row| FollowUp {
                id: row.get("id"),
                message: row.get("message"),
                revision: row.get::<Option<i64>, _>("revision").map(|r| r as u32),
                at: row.get("at"),
            })
            .collect())
    }

    /// Records what the result check left unmet (empty: all was met).
    pub async fn set_unmet(&self, task_id: &str, unmet: &[String]) -> Result<()> {
        sqlx::query("UPDATE tasks SET unmet = ? WHERE id = ?")
            .bind(to_json(&unmet))
            .bind(task_id)
            .execute(self.pool())
            .await
            .context(|| format!("recording what {task_id} left unmet"))?;
        Ok(())
    }

    /// Marks the task's plan as waiting for the user's review, or not.
    pub async fn set_awaiting_review(&self, task_id: &str, waiting: bool) -> Result<()> {
        sqlx::query("UPDATE tasks SET awaiting_review = ? WHERE id = ?")
            .bind(waiting)
            .bind(task_id)
            .execute(self.pool())
            .await
            .context(|| format!("marking the review of {task_id}"))?;
        Ok(())
    }

    /// A finished task runs again: `running`, its end and error cleared, and the subtasks its
    /// end cut short (cancelled, but not by the user) `pending` again, as a new attempt.
    pub async fn reopen_task(&self, task_id: &str) -> Result<Vec<String>> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE tasks SET status = 'running', error = NULL, finished_at = NULL, unmet = '[]' WHERE id = ?",
        )
        .bind(task_id)
        .execute(&mut *tx)
        .await
        .context(|| format!("reopening {task_id}"))?;
        let rows = sqlx::query(
            "UPDATE subtasks SET status = 'pending', attempt = attempt + 1, error = NULL, started_at = NULL, \
             finished_at = NULL WHERE task_id = ? AND dropped = 0 AND status = 'cancelled' \
             AND COALESCE(error, '') <> ? RETURNING id",
        )
        .bind(task_id)
        .bind(miteos_domain::plan::CANCELLED_BY_USER)
        .fetch_all(&mut *tx)
        .await
        .context(|| format!("putting the cut subtasks of {task_id} to run again"))?;
        tx.commit()
            .await
            .context(|| format!("committing the reopening of {task_id}"))?;
        let mut ids: Vec<String> = rows.iter().map(|r| r.get("id")).collect();
        ids.sort_by_key(|id| super::tasks::subtask_number(id));
        Ok(ids)
    }
}
