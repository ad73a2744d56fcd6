//! Plan revisions (each stored with its changes in one transaction), follow-up messages, what a
//! task's result check left unmet, and whether its plan waits for review.

use chrono::Utc;

use super::Store;
use super::tasks::{NewSubtask, insert_deps, insert_subtask, json_column, to_json};
use crate::Row;
use crate::StoreContext;
use crate::db::{on_pool, on_tx};
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
    /// The revision the change was checked against: stored only while the plan is still at it
    /// (another revision in between — the user's edit, the replanner, another process — makes
    /// it `conflict`, and the caller checks again). `None`: whatever the plan's revision.
    pub expected: Option<u32>,
}

impl Store {
    /// Stores a revision and every change it makes, atomically; answers its number.
    pub async fn apply_revision(&self, task_id: &str, rev: &RevisionWrite) -> Result<u32> {
        let mut tx = self.begin().await?;
        let row = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE tasks SET revision = revision + 1 WHERE id = $1 AND ($3 < 0 OR revision = $3) \
             RETURNING revision, \
             (SELECT COALESCE(MAX(position), -1) FROM subtasks WHERE task_id = $2) AS last",
        )
        .bind(task_id)
        .bind(task_id)
        .bind(rev.expected.map_or(-1, i64::from))
        .fetch_optional(conn)
        .await.map(|row| row.map(Row::from)))
        .context(|| format!("numbering a revision of {task_id}"))?;
        let Some(row) = row else {
            drop(tx);
            return Err(match rev.expected {
                Some(expected) if self.task_access(task_id).await.is_ok() => {
                    Error::Conflict(format!(
                        "the plan of {task_id} was revised meanwhile (it is no longer revision {expected})"
                    ))
                }
                _ => Error::NotFound(format!("task {task_id} does not exist")),
            });
        };
        let revision = row.get::<i64>("revision") as u32;
        let last: i64 = row.get("last");
        for (i, st) in rev.added.iter().enumerate() {
            insert_subtask(&mut tx, task_id, st, last + 1 + i as i64, revision).await?;
        }
        for st in &rev.added {
            insert_deps(&mut tx, task_id, st).await?;
        }
        for st in &rev.changed {
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE subtasks SET title = $1, description = $2, agent_type = $3, needs = $4 \
                 WHERE task_id = $5 AND id = $6",
            )
            .bind(&st.title)
            .bind(&st.description)
            .bind(&st.agent_type)
            .bind(to_json(&st.needs))
            .bind(task_id)
            .bind(&st.id)
            .execute(conn)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("changing subtask {} of {task_id}", st.id))?;
            on_tx!(&mut tx, conn => sqlx::query("DELETE FROM subtask_deps WHERE task_id = $1 AND subtask_id = $2")
                .bind(task_id)
                .bind(&st.id)
                .execute(conn)
                .await.map(|done| done.rows_affected()))
                .context(|| format!("replacing the dependencies of {}", st.id))?;
            insert_deps(&mut tx, task_id, st).await?;
        }
        for id in &rev.dropped {
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE subtasks SET dropped = TRUE, \
                 status = CASE WHEN status IN ('pending', 'running') THEN 'cancelled' ELSE status END, \
                 finished_at = COALESCE(finished_at, $1) WHERE task_id = $2 AND id = $3",
            )
            .bind(Utc::now())
            .bind(task_id)
            .bind(id)
            .execute(conn)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("dropping subtask {id} of {task_id}"))?;
        }
        for id in &rev.rerun {
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE subtasks SET status = 'pending', attempt = attempt + 1, output = NULL, error = NULL, \
                 started_at = NULL, finished_at = NULL WHERE task_id = $1 AND id = $2",
            )
            .bind(task_id)
            .bind(id)
            .execute(conn)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("putting subtask {id} of {task_id} to run again"))?;
        }
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO plan_revisions (task_id, revision, \"by\", reason, diff, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(task_id)
        .bind(i64::from(revision))
        .bind(rev.by.as_str())
        .bind(&rev.reason)
        .bind(to_json(&rev.diff))
        .bind(Utc::now())
        .execute(conn)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("storing revision {revision} of {task_id}"))?;
        if let Some(follow_up) = &rev.follow_up {
            on_tx!(&mut tx, conn => sqlx::query("UPDATE follow_ups SET revision = $1 WHERE id = $2 AND task_id = $3")
                .bind(i64::from(revision))
                .bind(follow_up)
                .bind(task_id)
                .execute(conn)
                .await.map(|done| done.rows_affected()))
                .context(|| format!("linking follow-up {follow_up} to its revision"))?;
        }
        tx.commit()
            .await
            .context(|| format!("committing revision {revision} of {task_id}"))?;
        Ok(revision)
    }

    /// The task's revisions, oldest first.
    pub async fn revisions_of(&self, task_id: &str) -> Result<Vec<PlanRevision>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(
            "SELECT revision, \"by\", reason, diff, at FROM plan_revisions WHERE task_id = $1 ORDER BY revision",
        )
        .bind(task_id)
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| format!("reading the revisions of {task_id}"))?;
        rows.iter()
            .map(|row| {
                let by: String = row.get("by");
                Ok(PlanRevision {
                    revision: row.get::<i64>("revision") as u32,
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
            on_pool!(self.pool(), db => sqlx::query("SELECT COUNT(*) AS n FROM plan_revisions WHERE task_id = $1 AND \"by\" = $2")
                .bind(task_id)
                .bind(by.as_str())
                .fetch_one(db)
                .await.map(Row::from))
                .context(|| format!("counting the revisions of {task_id}"))?;
        Ok(row.get::<i64>("n") as u32)
    }

    pub async fn insert_follow_up(&self, task_id: &str, follow_up: &FollowUp) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query(
            "INSERT INTO follow_ups (id, task_id, message, revision, at) VALUES ($1, $2, $3, NULL, $4)",
        )
        .bind(&follow_up.id)
        .bind(task_id)
        .bind(&follow_up.message)
        .bind(follow_up.at)
        .execute(db)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("storing a follow-up of {task_id}"))?;
        Ok(())
    }

    /// The task's follow-up messages, oldest first.
    pub async fn follow_ups_of(&self, task_id: &str) -> Result<Vec<FollowUp>> {
        let rows = on_pool!(self.pool(), db => sqlx::query(
            "SELECT id, message, revision, at FROM follow_ups WHERE task_id = $1 ORDER BY at, id",
        )
        .bind(task_id)
        .fetch_all(db)
        .await.map(Row::all))
        .context(|| format!("reading the follow-ups of {task_id}"))?;
        Ok(rows
            .iter()
            .map(|row| FollowUp {
                id: row.get("id"),
                message: row.get("message"),
                revision: row.get::<Option<i64>>("revision").map(|r| r as u32),
                at: row.get("at"),
            })
            .collect())
    }

    /// Records what the result check left unmet (empty: all was met).
    pub async fn set_unmet(&self, task_id: &str, unmet: &[String]) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query("UPDATE tasks SET unmet = $1 WHERE id = $2")
            .bind(to_json(&unmet))
            .bind(task_id)
            .execute(db)
            .await.map(|done| done.rows_affected()))
        .context(|| format!("recording what {task_id} left unmet"))?;
        Ok(())
    }

    /// Marks the task's plan as waiting for the user's review, or not.
    pub async fn set_awaiting_review(&self, task_id: &str, waiting: bool) -> Result<()> {
        on_pool!(self.pool(), db => sqlx::query("UPDATE tasks SET awaiting_review = $1 WHERE id = $2")
            .bind(waiting)
            .bind(task_id)
            .execute(db)
            .await.map(|done| done.rows_affected()))
            .context(|| format!("marking the review of {task_id}"))?;
        Ok(())
    }

    /// A finished task runs again: `running`, its end and error cleared, and the subtasks its
    /// end cut short (cancelled, but not by the user) `pending` again, as a new attempt.
    pub async fn reopen_task(&self, task_id: &str) -> Result<Vec<String>> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE tasks SET status = 'running', error = NULL, finished_at = NULL, unmet = '[]' WHERE id = $1",
        )
        .bind(task_id)
        .execute(conn)
        .await.map(|done| done.rows_affected()))
        .context(|| format!("reopening {task_id}"))?;
        let rows = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE subtasks SET status = 'pending', attempt = attempt + 1, error = NULL, started_at = NULL, \
             finished_at = NULL WHERE task_id = $1 AND NOT dropped AND status = 'cancelled' \
             AND COALESCE(error, '') <> $2 RETURNING id",
        )
        .bind(task_id)
        .bind(miteos_domain::plan::CANCELLED_BY_USER)
        .fetch_all(conn)
        .await.map(Row::all))
        .context(|| format!("putting the cut subtasks of {task_id} to run again"))?;
        tx.commit()
            .await
            .context(|| format!("committing the reopening of {task_id}"))?;
        let mut ids: Vec<String> = rows.iter().map(|r| r.get("id")).collect();
        ids.sort_by_key(|id| super::tasks::subtask_number(id));
        Ok(ids)
    }
}
