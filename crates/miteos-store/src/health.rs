//! What an operator asks of the store: whether it answers, and how much work it holds.

use sqlx::Row;

use super::Store;
use crate::StoreContext;
use miteos_domain::Result;

/// How much work the store holds now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCounts {
    /// Tasks by status (`pending`, `running`, …), every status present.
    pub tasks: Vec<(String, i64)>,
    /// Subtasks of running tasks waiting to run (the queue's depth).
    pub subtasks_waiting: i64,
    /// Subtasks running now.
    pub subtasks_running: i64,
}

impl Store {
    /// Answers when the database does (a trivial query).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(self.pool())
            .await
            .context(|| "asking the database".into())?;
        Ok(())
    }

    pub async fn work_counts(&self) -> Result<WorkCounts> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM tasks GROUP BY status ORDER BY status")
                .fetch_all(self.pool())
                .await
                .context(|| "counting tasks".into())?;
        let tasks = rows
            .iter()
            .map(|r| (r.get::<String, _>("status"), r.get::<i64, _>("n")))
            .collect();
        let row = sqlx::query(
            "SELECT COALESCE(SUM(s.status = 'pending'), 0) AS waiting, \
             COALESCE(SUM(s.status = 'running'), 0) AS running \
             FROM subtasks s JOIN tasks t ON t.id = s.task_id \
             WHERE t.status = 'running' AND s.dropped = 0",
        )
        .fetch_one(self.pool())
        .await
        .context(|| "counting subtasks".into())?;
        Ok(WorkCounts {
            tasks,
            subtasks_waiting: row.get("waiting"),
            subtasks_running: row.get("running"),
        })
    }
}
