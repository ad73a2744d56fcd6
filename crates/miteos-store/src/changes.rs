//! Changes of state that an event records: a task's or a subtask's status. Each is written once
//! — in the transaction of the event that tells of it ([`crate::Journal::append_with`]), so the
//! tables and the journal never disagree after a crash, or alone ([`Store::set_task_status`],
//! [`Store::set_subtask_status`]) where no event goes with it. Under a lease, a change to a task
//! this process no longer holds is refused (the fence).

use chrono::Utc;

use super::Store;
use crate::Tx;
use crate::db::on_tx;
use crate::leases::fence_condition;
use miteos_domain::{Result, SubtaskStatus, TaskStatus};

use crate::StoreContext;

/// One change of a task's state.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The task's status (and its error, when it failed); started and finished times follow.
    Task {
        status: TaskStatus,
        error: Option<String>,
    },
    /// One subtask's status, with its output or error when it ended.
    Subtask {
        id: String,
        status: SubtaskStatus,
        output: Option<String>,
        error: Option<String>,
    },
}

impl Store {
    pub async fn set_task_status(
        &self,
        id: &str,
        status: TaskStatus,
        error: Option<&str>,
    ) -> Result<()> {
        let change = Change::Task {
            status,
            error: error.map(str::to_owned),
        };
        self.change_alone(id, &change).await
    }

    pub async fn set_subtask_status(
        &self,
        task_id: &str,
        id: &str,
        status: SubtaskStatus,
        output: Option<&str>,
        error: Option<&str>,
    ) -> Result<()> {
        let change = Change::Subtask {
            id: id.to_owned(),
            status,
            output: output.map(str::to_owned),
            error: error.map(str::to_owned),
        };
        self.change_alone(task_id, &change).await
    }

    async fn change_alone(&self, task_id: &str, change: &Change) -> Result<()> {
        let mut tx = self.begin().await?;
        self.apply(&mut tx, task_id, change).await?;
        tx.commit()
            .await
            .context(|| format!("committing a change of {task_id}"))
    }

    /// Writes `change` of task `task_id` in `tx`, fenced by this process's lease on the task.
    pub(crate) async fn apply(&self, tx: &mut Tx, task_id: &str, change: &Change) -> Result<()> {
        let now = Utc::now();
        let fence = self.write_fence(task_id);
        let done = match change {
            Change::Task { status, error } => {
                let (started, finished) = match status {
                    TaskStatus::Running => (Some(now), None),
                    s if s.is_finished() => (None, Some(now)),
                    _ => (None, None),
                };
                on_tx!(tx, conn => sqlx::query(
                    "UPDATE tasks SET status = $1, error = COALESCE($2, error), \
                     started_at = COALESCE(started_at, $3), finished_at = COALESCE($4, finished_at) WHERE id = $5 \
                     AND (CAST($6 AS BIGINT) IS NULL OR lease_epoch = CAST($6 AS BIGINT))",
                )
                .bind(status.as_str())
                .bind(error.as_deref())
                .bind(started)
                .bind(finished)
                .bind(task_id)
                .bind(fence)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()))
                .context(|| format!("setting task {task_id} {}", status.as_str()))?
            }
            Change::Subtask {
                id,
                status,
                output,
                error,
            } => {
                let (started, finished) = match status {
                    SubtaskStatus::Running => (Some(now), None),
                    s if s.is_finished() => (None, Some(now)),
                    _ => (None, None),
                };
                on_tx!(tx, conn => sqlx::query(&format!(
                    "UPDATE subtasks SET status = $1, output = COALESCE($2, output), error = COALESCE($3, error), \
                     started_at = COALESCE(started_at, $4), finished_at = COALESCE($5, finished_at) \
                     WHERE task_id = $6 AND id = $7 AND {}",
                    fence_condition(8)
                ))
                .bind(status.as_str())
                .bind(output.as_deref())
                .bind(error.as_deref())
                .bind(started)
                .bind(finished)
                .bind(task_id)
                .bind(id)
                .bind(fence)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()))
                .context(|| format!("setting subtask {id} of {task_id} {}", status.as_str()))?
            }
        };
        crate::tasks::fenced(done, fence, task_id)
    }
}
